package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.id;
import static io.lifeguard.node.bridge.BridgeFixture.json;
import static io.lifeguard.node.bridge.BridgeFixture.metric;
import static io.lifeguard.node.bridge.BridgeFixture.wsUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.testing.TestNode;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading fills its own send buffer and is closed with slow_consumer (1008);
 * a fast client on the same node keeps receiving promptly the whole time.
 */
class BridgeSlowConsumerTest {
  private static final int MESSAGE_BYTES = 16 * 1024;

  @Test
  void slowClientIsClosedWith1008WhileAFastClientKeepsItsLatency() throws Exception {
    try (BridgeFixture redis = new BridgeFixture();
        TestNode node = TestNode.start(Map.of(
            "lifeguard.bridge.send-buffer-size", "256KiB",
            "lifeguard.bridge.idle-timeout", "60s",
            "lifeguard.bridge.close-timeout", "2s")).awaitReady()) {
      String slowSession = id("slow");
      String fastSession = id("fast");
      WsClient slow = WsClient.open(wsUri(node, "agent", slowSession), "Bearer " + redis.issue(slowSession), false, ws -> {})
          .get(10, TimeUnit.SECONDS);
      // Same session, but this one never reads again: the node must drop it after the close timeout.
      WsClient stalled = WsClient.open(wsUri(node, "agent", slowSession), "Bearer " + redis.issue(slowSession), false, ws -> {})
          .get(10, TimeUnit.SECONDS);
      WsClient fast = WsClient.connect(wsUri(node, "agent", fastSession), redis.issue(fastSession));

      String payload = "{\"fill\":\"" + "x".repeat(MESSAGE_BYTES - 12) + "\"}";
      int published = 0;
      long worstFastMs = 0;
      while (metric(node, "lifeguard_bridge_backpressure_events_total", null) < 2) {
        assertTrue(published < 8000, "no backpressure event after " + published + " messages");
        for (int i = 0; i < 50; i++, published++) redis.publishDown(slowSession, payload);
        long sent = System.nanoTime();
        redis.publishDown(fastSession, "{\"probe\":" + published + "}");
        assertEquals("{\"probe\":" + published + "}", fast.next());
        worstFastMs = Math.max(worstFastMs, (System.nanoTime() - sent) / 1_000_000);
      }
      assertTrue(worstFastMs < 1000, "fast client waited " + worstFastMs + " ms for a message");
      assertEquals(2.0, metric(node, "lifeguard_bridge_errors_total", "kind=\"slow_consumer\""));

      // The fast client is unaffected after the slow one was cut off.
      redis.publishDown(fastSession, "{\"after\":true}");
      assertEquals("{\"after\":true}", fast.next());

      // The slow client, reading at last, gets what was already in flight, then the error frame.
      slow.readAll();
      int data = 0;
      JsonNode last;
      while (true) {
        last = json(slow.next());
        if (last.has("type")) break;
        data++;
      }
      assertEquals("error", last.get("type").asText());
      assertEquals(1008, last.get("code").asInt());
      assertEquals("slow_consumer", last.get("reason").asText());
      assertTrue(data < published, "dropped messages: received " + data + " of " + published);
      assertEquals(1008, slow.awaitClose().status());

      // The stalled client never takes its error frame: its slot and stream are freed anyway.
      BridgeFixture.await(java.time.Duration.ofSeconds(10), "stalled socket dropped", BridgeFixture.quietly(() ->
          metric(node, "lifeguard_bridge_active_connections", null) == 1.0));
      assertEquals(0.0, metric(node, "lifeguard_bridge_buffer_bytes", null), "send buffers freed");
      fast.socket.abort();
      stalled.socket.abort();
      System.out.printf("slow consumer: %d messages of %d bytes published before overflow, %d delivered, fast client worst %d ms%n",
          published, MESSAGE_BYTES, data, worstFastMs);
    }
  }
}
