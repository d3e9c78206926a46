package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.id;
import static io.lifeguard.node.bridge.BridgeFixture.wsUri;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lifeguard.node.testing.TestNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Admission limits at upgrade time: 503 past max-connections, 429 past the per-address rate. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BridgeLimitsTest {
  private BridgeFixture redis;

  @BeforeAll
  void start() {
    redis = new BridgeFixture();
  }

  @AfterAll
  void stop() {
    redis.close();
  }

  @Test
  void upgradesPastMaxConnectionsGet503UntilASlotFrees() throws Exception {
    try (TestNode node = TestNode.start(Map.of(
        "lifeguard.bridge.max-connections", "2",
        "lifeguard.bridge.connections-per-second", "1000",
        "lifeguard.bridge.connection-burst", "1000")).awaitReady()) {
      String s1 = id("cap");
      String s2 = id("cap");
      String s3 = id("cap");
      WsClient a = WsClient.connect(wsUri(node, "agent", s1), redis.issue(s1));
      WsClient b = WsClient.connect(wsUri(node, "agent", s2), redis.issue(s2));
      String token = redis.issue(s3);
      assertEquals(503, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", s3), "Bearer " + token, true, ws -> {})));
      assertEquals(1, redis.redis.sync().exists("session:" + s3 + ":auth"), "a refusal for capacity keeps the token");
      assertEquals(1.0, BridgeFixture.metric(node, "lifeguard_bridge_connections_total", "outcome=\"too_many_connections\""));

      a.socket.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
      a.awaitClose();
      BridgeFixture.await(Duration.ofSeconds(5), "slot freed", BridgeFixture.quietly(() ->
          BridgeFixture.metric(node, "lifeguard_bridge_active_connections", null) == 1.0));
      WsClient c = WsClient.connect(wsUri(node, "agent", s3), token);
      b.socket.abort();
      c.socket.abort();
    }
  }

  @Test
  void upgradesPastThePerAddressRateGet429() throws Exception {
    try (TestNode node = TestNode.start(Map.of(
        "lifeguard.bridge.connections-per-second", "0.01",
        "lifeguard.bridge.connection-burst", "3")).awaitReady()) {
      for (int i = 0; i < 3; i++) {
        String session = id("rate");
        WsClient.connect(wsUri(node, "agent", session), redis.issue(session)).socket.abort();
      }
      String session = id("rate");
      String token = redis.issue(session);
      assertEquals(429, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), "Bearer " + token, true, ws -> {})));
      assertEquals(1, redis.redis.sync().exists("session:" + session + ":auth"), "a rate-limited attempt keeps the token");
      assertEquals(1.0, BridgeFixture.metric(node, "lifeguard_bridge_connections_total", "outcome=\"rate_limited\""));
    }
  }
}
