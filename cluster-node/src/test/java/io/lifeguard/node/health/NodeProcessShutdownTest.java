package io.lifeguard.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.NodeProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node as an operator runs it: its own JVM, configured by environment, stopped by signals. */
class NodeProcessShutdownTest {

  @Test
  void sigtermStopsTheNodeCleanlyWithExitCodeZero() {
    try (NodeProcess node = NodeProcess.start(Map.of()).awaitReady(Duration.ofSeconds(60))) {
      long started = System.nanoTime();
      int exit = node.terminate(Duration.ofSeconds(25));
      double seconds = (System.nanoTime() - started) / 1e9;
      assertEquals(0, exit, node.logTail());
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
