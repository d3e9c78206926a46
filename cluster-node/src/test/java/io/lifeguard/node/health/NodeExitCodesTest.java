package io.lifeguard.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.FreePorts;
import io.lifeguard.node.testing.NodeProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exit codes of docs/operations/runbook.md "Exit codes", with real node processes: a port that
 * is taken (HTTP, management, cluster) exits 5 with one line naming the setting and its variable
 * and no stack trace; a node the cluster downs (stalled with SIGSTOP until the resolver on the other
 * node removes it, then resumed) exits 4. (0 for SIGTERM and 2 for an invalid
 * setting: {@link NodeProcessShutdownTest}.)
 */
class NodeExitCodesTest {
  private static final Duration EXIT_WITHIN = Duration.ofSeconds(60);

  /** Holds a loopback port so the node cannot bind it. */
  private static ServerSocket occupy(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return socket;
  }

  private static void assertBindFailure(String variable, String setting) throws Exception {
    int port = FreePorts.next();
    try (ServerSocket taken = occupy(port)) {
      NodeProcess node = NodeProcess.start(Map.of(variable, Integer.toString(port)));
      int exit = node.awaitExit(EXIT_WITHIN);
      String log = node.log();
      assertEquals(5, exit, log);
      long naming = log.lines().filter(line -> line.contains("cannot bind") && line.contains(setting)
          && line.contains(variable) && line.contains(":" + port)).count();
      assertEquals(1, naming, "one line names " + setting + " and " + variable + ":\n" + log);
      long stackLines = log.lines().filter(line -> line.startsWith("\tat ")).count();
      System.out.printf("%s taken: exit %d, %d log lines, %d stack trace lines%n", variable, exit, log.lines().count(), stackLines);
      assertTrue(stackLines == 0, "no stack trace:\n" + log);
    }
  }

  @Test
  void aTakenHttpPortExits5NamingTheSetting() throws Exception {
    assertBindFailure("LIFEGUARD_HTTP_PORT", "lifeguard.http");
  }

  @Test
  void aTakenEdgePortExits5NamingTheSetting() throws Exception {
    assertBindFailure("LIFEGUARD_EDGE_PORT", "lifeguard.edge");
  }

  @Test
  void aTakenManagementPortExits5NamingTheSetting() throws Exception {
    assertBindFailure("LIFEGUARD_MANAGEMENT_PORT", "pekko.management.http");
  }

  @Test
  void aTakenClusterPortExits5NamingTheSetting() throws Exception {
    assertBindFailure("LIFEGUARD_CLUSTER_PORT", "lifeguard.cluster");
  }

  @Test
  void aNodeTheClusterDownsExits4() throws Exception {
    try (NodeProcess a = NodeProcess.start(Map.of()).awaitReady(Duration.ofSeconds(60))) {
      // B's cluster address must sort after A's: with two members keep-majority keeps the lowest address.
      int portB = FreePorts.next();
      while (portB <= a.clusterPort()) portB = FreePorts.next();
      try (NodeProcess b = NodeProcess.start(Map.of("LIFEGUARD_CLUSTER_PORT", Integer.toString(portB),
          "LIFEGUARD_SEED_NODES", a.seed())).awaitReady(Duration.ofSeconds(60))) {
        NodeProcess.awaitMembersUp(List.of(a, b), 2);
        // Stalled past the failure detector and stable-after: the resolver on A downs B.
        signal(b, "STOP");
        long stopped = System.nanoTime();
        try {
          NodeProcess.awaitMembersUp(List.of(a), 1);
        } finally {
          signal(b, "CONT");
        }
        double downedAfter = (System.nanoTime() - stopped) / 1e9;
        long resumed = System.nanoTime();
        int exit = b.awaitExit(EXIT_WITHIN);
        System.out.printf("B stalled: downed by A after %.1f s; after SIGCONT it exited with %d in %.1f s%n",
            downedAfter, exit, (System.nanoTime() - resumed) / 1e9);
        assertEquals(4, exit, b.logTail());
        assertTrue(b.log().contains("lifeguard: exiting with 4 (downed)"), b.logTail());
        assertTrue(a.isAlive());
      }
    }
  }

  private static void signal(NodeProcess node, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid())).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -" + signal);
  }
}
