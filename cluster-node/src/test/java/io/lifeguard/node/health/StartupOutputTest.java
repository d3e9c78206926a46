package io.lifeguard.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.NodeInfo;
import io.lifeguard.node.testing.FreePorts;
import io.lifeguard.node.testing.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * What a person sees when a node starts (issue 15, "first hour"): one summary block of what
 * listens where and what is on or off, no contradicting Pekko line about seeds, the application
 * version in Pekko's own join line, and few Pekko INFO lines. Without a reachable Redis the node
 * says once why it is not ready instead of repeating a retry line.
 */
class StartupOutputTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void aSingleNodeSummarisesWhatListensWhereAndIsQuiet() {
    int management = FreePorts.next();
    try (NodeProcess node = NodeProcess.start(Map.of(
        "LIFEGUARD_REDIS_URL", "",
        "LIFEGUARD_MANAGEMENT_PORT", Integer.toString(management),
        "LIFEGUARD_SERVICE_TOKENS", "backend:dev-secret",
        "LIFEGUARD_ADMIN_TOKENS", "ops:admin-secret",
        // The production logging configuration, not the test class path's logback-test.xml.
        "JAVA_TOOL_OPTIONS", "-Dlogback.configurationFile=logback.xml")).awaitReady(Duration.ofSeconds(60))) {
      String log = node.log();
      assertTrue(log.contains("[127.0.0.1:" + node.clusterPort() + "]"), "logback.xml's pattern (node name):\n" + log);
      String http = "http://127.0.0.1:" + node.httpPort();
      assertTrue(log.contains("lifeguard " + NodeInfo.projectVersion() + " node 127.0.0.1:" + node.clusterPort() + " starting"), log);
      assertTrue(log.contains("  http        " + http + "  "), log);
      String relay = node.wsUri("/ws").toString();
      assertTrue(log.contains("  edge        " + relay.substring(0, relay.length() - "/ws".length()) + "  (client WebSockets"), log);
      assertTrue(log.contains("  console     " + http + "/console/"), log);
      assertTrue(log.contains("  cluster     127.0.0.1:" + node.clusterPort() + "  (no seeds: forms a cluster of its own)"), log);
      assertTrue(log.contains("  management  http://127.0.0.1:" + management), log);
      assertTrue(log.contains("  journal     embedded H2 in "), log);
      assertTrue(log.contains("  redis       off (LIFEGUARD_REDIS_URL empty)"), log);
      assertTrue(log.contains("  credentials 1 service, 1 admin"), log);
      assertTrue(log.contains("  signing key generated at start"), log);
      assertFalse(log.contains("dev-secret") || log.contains("admin-secret"), "no secret in the log");

      assertFalse(log.contains("No seed nodes found"), "no line about Cluster Bootstrap when it is off:\n" + log);
      assertTrue(log.contains("version [" + NodeInfo.projectVersion() + "]"),
          "pekko.cluster.app-version is the project version:\n" + log);
      long pekkoInfo = log.lines().filter(l -> l.contains(" INFO ") && l.contains("] o.a.p.")).count();
      long allLines = log.lines().count();
      System.out.printf("start-up: %d log lines, %d Pekko INFO lines%n", allLines, pekkoInfo);
      assertTrue(pekkoInfo <= 12, "Pekko INFO lines at start-up: " + pekkoInfo + "\n" + log);
    }
  }

  @Test
  void anUnreachableRedisIsNamedOnceWithTheWayToRunWithout() throws Exception {
    int closedPort = FreePorts.next();
    try (NodeProcess node = NodeProcess.start(Map.of("LIFEGUARD_REDIS_URL", "redis://127.0.0.1:" + closedPort,
        "JAVA_TOOL_OPTIONS", "-Dlogback.configurationFile=logback.xml"))) {
      HttpResponse<String> ready = awaitAnswer(node.uri("/ready"));
      // Give lettuce several reconnect attempts (it backs off from 1 s), then read the log.
      String hint = "LIFEGUARD_REDIS_URL=";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline && !node.log().contains(hint)) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
      String log = node.log();
      // Ready for what it can serve; the features Redis carries are listed as degraded.
      assertEquals(200, ready.statusCode(), ready.body());
      assertTrue(ready.body().contains("\"degraded\":[\"bridge\""), ready.body());
      assertTrue(log.contains("Redis at 127.0.0.1:" + closedPort + " does not answer"), log);
      assertEquals(1, log.split(hint, -1).length - 1, "the hint comes once:\n" + log);
      assertFalse(log.contains("Cannot reconnect to"), "lettuce's reconnect line is not repeated:\n" + log);
    }
  }

  private static HttpResponse<String> awaitAnswer(URI uri) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (java.io.IOException e) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
    }
    throw new AssertionError(uri + " never answered");
  }
}
