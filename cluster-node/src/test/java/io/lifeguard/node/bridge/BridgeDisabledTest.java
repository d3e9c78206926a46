package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.lifeguard.node.testing.TestNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Nodes without the bridge role, or without Redis, stay ready and refuse bridge upgrades with 503. */
class BridgeDisabledTest {
  private static void assertReadyWithoutBridge(Map<String, String> overrides) throws Exception {
    try (TestNode node = TestNode.start(overrides).awaitReady()) {
      var ready = BridgeFixture.get(node, "/ready");
      assertEquals(200, ready.statusCode());
      assertFalse(json(ready.body()).get("checks").has("bridge"), ready.body());
      // Switched off is not degraded: nothing is listed.
      assertEquals("[]", json(ready.body()).get("degraded").toString(), ready.body());
      var health = BridgeFixture.get(node, "/health");
      assertEquals(503, health.statusCode());
      assertEquals("bridge_disabled", json(health.body()).get("reason").asText());
      assertEquals(503, WsClient.refusedStatus(WsClient.open(node.wsUri("/agent/ws/session"), "Bearer abc", true, ws -> {})));
      if ("".equals(overrides.get("lifeguard.redis.url"))) {
        var healthz = json(BridgeFixture.get(node, "/healthz").body());
        assertEquals("disabled", healthz.get("dependencies").get("redis").asText(), healthz.toString());
        String metrics = BridgeFixture.get(node, "/metrics").body();
        assertFalse(metrics.contains("lifeguard_dependency_up{dependency=\"redis\"}"), "a disabled dependency has no series");
        assertEquals(1.0, BridgeFixture.metric(node, "lifeguard_dependency_up", "dependency=\"journal\""));
      }
    }
  }

  @Test
  void nodeWithoutTheBridgeRole() throws Exception {
    assertReadyWithoutBridge(Map.of("lifeguard.cluster.roles", "relay,manager"));
  }

  @Test
  void nodeWithoutRedis() throws Exception {
    assertReadyWithoutBridge(Map.of("lifeguard.redis.url", ""));
  }
}
