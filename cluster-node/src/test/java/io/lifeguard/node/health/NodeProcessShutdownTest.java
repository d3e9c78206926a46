package io.lifeguard.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.host.BusClient;
import io.lifeguard.node.testing.NodeProcess;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.time.Instant;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node as an operator runs it: its own JVM, configured by environment, stopped by signals. */
class NodeProcessShutdownTest {

  @Test
  void sigtermStopsTheNodeCleanlyWithExitCodeZero() throws Exception {
    OctetKeyPair key = Ed25519Keys.generate("shutdown");
    try (NodeProcess node = NodeProcess.start(Map.of("LIFEGUARD_SIGNING_JWK", key.toJSONString())).awaitReady(Duration.ofSeconds(60))) {
      String host = "shutdown-host";
      Instant now = Instant.now();
      BusClient bus = BusClient.connect(node.wsUri("/v1/hosts/" + host + "/bus?token=" + new TokenSigner(key).sign(
          new TokenClaims(host, Role.CONTROLLER, now, now.plusSeconds(120), "test", 0, "shutdown-jti"))));
      long started = System.nanoTime();
      int exit = node.terminate(Duration.ofSeconds(25));
      double seconds = (System.nanoTime() - started) / 1e9;
      assertEquals(0, exit, node.logTail());
      // The bus socket was closed with 1001, not dropped, and nothing was logged as an error.
      assertEquals(1001, bus.awaitClosedByServer(Duration.ofSeconds(5)));
      assertTrue(!node.log().contains(" ERROR "), "no ERROR line during shutdown:\n" + node.logTail());
      assertTrue(node.log().contains("received SIGTERM"), node.logTail());
      assertTrue(seconds < 20, "shutdown took " + seconds + " s");
    }
  }

  @Test
  void anInvalidSettingStopsStartUpNamingTheKeyAndVariable() throws Exception {
    NodeProcess node = NodeProcess.start(Map.of("LIFEGUARD_HTTP_PORT", "not-a-port"));
    int exit = node.awaitExit(Duration.ofSeconds(30));
    assertEquals(2, exit, node.log());
    String log = node.log();
    assertTrue(log.contains("lifeguard.http.port") && log.contains("LIFEGUARD_HTTP_PORT") && log.contains("not-a-port"), log);
  }

}
