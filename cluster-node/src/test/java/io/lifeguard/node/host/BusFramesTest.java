package io.lifeguard.node.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/**
 * {@link BusFrames#error}'s retry hint, and {@link BusFrames#idOf}: the id of a frame refused as {@code frame_too_large}, read from the part
 * of it the node kept (issue 15, item 25: a client waiting on that id must hear about it).
 */
class BusFramesTest {
  private static final String PAYLOAD = "\"" + "x".repeat(70_000) + "\"";

  @Test
  void findsTheIdWhereverItStandsBeforeTheCut() {
    String frame = "{\"type\":\"publish\",\"id\":\"req-7\",\"namespace\":\"host\",\"topic\":\"t\",\"payload\":" + PAYLOAD + "}";
    assertEquals("req-7", BusFrames.idOf(frame.substring(0, 65_536)));
    String nestedFirst = "{\"payload\":{\"id\":\"inner\",\"deep\":[1,{\"id\":\"x\"}]},\"id\":\"outer\",\"more\":" + PAYLOAD + "}";
    assertEquals("outer", BusFrames.idOf(nestedFirst.substring(0, 65_536)), "only the top-level id counts");
    assertEquals("spaced", BusFrames.idOf("{ \"id\" : \"spaced\" , \"payload\": \"abc"));
  }

  @Test
  void anUnavailableRefusalSaysWhenToRetryAndNoOtherDoes() throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var unavailable = json.readTree(BusFrames.error("a-1", "unavailable", "refused by host entity: unavailable"));
    assertEquals("error", unavailable.get("type").asText());
    assertEquals("a-1", unavailable.get("id").asText());
    assertEquals(BusFrames.UNAVAILABLE_RETRY_AFTER_MS, unavailable.get("retry_after_ms").asInt());
    var forbidden = json.readTree(BusFrames.error("a-2", "forbidden", "no"));
    assertNull(forbidden.get("retry_after_ms"), "a refusal that will not change on retry carries no hint");
  }

  @Test
  void noIdWhenItIsMissingCutOffOrNotAString() {
    String idAfterPayload = "{\"type\":\"publish\",\"payload\":" + PAYLOAD + ",\"id\":\"late\"}";
    assertNull(BusFrames.idOf(idAfterPayload.substring(0, 65_536)), "the id lies beyond the kept part");
    assertNull(BusFrames.idOf("{\"type\":\"publish\",\"id\":\"cut-in-the-midd"), "the id itself is cut");
    assertNull(BusFrames.idOf("{\"id\":42,\"payload\":\"abc"));
    assertNull(BusFrames.idOf("[\"id\",\"x\"]"));
    assertNull(BusFrames.idOf("not json at all"));
    assertNull(BusFrames.idOf(""));
    assertNull(BusFrames.idOf("{\"id\":\"" + "i".repeat(BusFrames.MAX_ECHOED_ID + 1) + "\",\"payload\":\"abc"));
  }
}
