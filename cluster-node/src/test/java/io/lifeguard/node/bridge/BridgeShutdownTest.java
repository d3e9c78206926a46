package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.id;
import static io.lifeguard.node.bridge.BridgeFixture.json;
import static io.lifeguard.node.bridge.BridgeFixture.wsUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.testing.TestNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CoordinatedShutdown closes bridge sockets with server_shutdown (1001) and unsubscribes. */
class BridgeShutdownTest {
  @Test
  void shutdownClosesSocketsWithServerShutdownAndUnsubscribes() throws Exception {
    try (BridgeFixture redis = new BridgeFixture()) {
      TestNode node = TestNode.start(Map.of()).awaitReady();
      String s1 = id("bye");
      String s2 = id("bye");
      WsClient a = WsClient.connect(wsUri(node, "agent", s1), redis.issue(s1));
      WsClient b = WsClient.connect(wsUri(node, "agent", s2), redis.issue(s2));
      long started = System.nanoTime();
      node.close();
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      for (WsClient client : new WsClient[] {a, b}) {
        JsonNode frame = json(client.next());
        assertEquals(1001, frame.get("code").asInt());
        assertEquals("server_shutdown", frame.get("reason").asText());
        assertTrue(frame.get("retry").asBoolean());
        assertEquals(1001, client.awaitClose().status());
      }
      for (String session : new String[] {s1, s2}) {
        String channel = "session:" + session + ":down";
        BridgeFixture.await(Duration.ofSeconds(5), "unsubscribed " + channel,
            () -> redis.redis.sync().pubsubNumsub(channel).get(channel) == 0L);
      }
      assertTrue(tookMs < 20_000, "shutdown took " + tookMs + " ms");
    }
  }
}
