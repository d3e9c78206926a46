package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.FreePorts;
import io.lifeguard.node.testing.Processes;
import io.lifeguard.node.testing.RequiredTools;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code ops/local-cluster.sh start 2}, {@code status} and {@code stop} for real, as the
 * README tells a newcomer to, on ports away from the defaults, with a database of its own (created
 * by the script, dropped here) and a Redis of its own. The nodes run from the test class path
 * ({@code LIFEGUARD_LOCAL_CLASSPATH}) since the jar is packaged after the tests.
 */
class LocalClusterScriptTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void startsStatusesAndStopsATwoNodeClusterOnChosenPortsAndDatabase() throws Exception {
    RequiredTools.require(Processes.onPath("psql"), "skipped: psql not found (apt-get install -y postgresql-client)");
    RequiredTools.require(Processes.onPath("curl"), "skipped: curl not found (apt-get install -y curl)");
    String database = "lifeguard_local_test_" + ProcessHandle.current().pid();
    Path state = Files.createTempDirectory("local-cluster");
    int httpBase = pairBase();
    int edgeBase = pairBase();
    int clusterBase = pairBase();
    int managementBase = pairBase();
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      Map<String, String> env = Map.of(
          "LIFEGUARD_LOCAL_STATE_DIR", state.toString(),
          "LIFEGUARD_LOCAL_CLASSPATH", classpath(),
          "LIFEGUARD_LOCAL_HTTP_BASE", Integer.toString(httpBase),
          "LIFEGUARD_LOCAL_EDGE_BASE", Integer.toString(edgeBase),
          "LIFEGUARD_LOCAL_CLUSTER_BASE", Integer.toString(clusterBase),
          "LIFEGUARD_LOCAL_MANAGEMENT_BASE", Integer.toString(managementBase),
          "LIFEGUARD_LOCAL_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/" + database,
          "LIFEGUARD_LOCAL_REDIS_URL", redis.url(),
          "LIFEGUARD_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
          "LIFEGUARD_LOCAL_READY_TIMEOUT", "60");
      try {
        long started = System.nanoTime();
        Processes.Result start = script(env, "start", "2");
        System.out.printf("local-cluster.sh start 2: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertEquals(0, start.exitCode(), start.output() + logs(state));
        String out = start.output();
        assertTrue(out.contains("local cluster of 2 node(s) ready"), out);
        assertTrue(out.contains("created database " + database), out);
        for (int i = 1; i <= 2; i++) {
          assertTrue(out.contains("http://127.0.0.1:" + (httpBase + i)), out);
          assertTrue(out.contains("ws://127.0.0.1:" + (edgeBase + i) + "/ws"), out);
          assertTrue(out.contains("artery 127.0.0.1:" + (clusterBase + i)), out);
          assertTrue(out.contains("management http://127.0.0.1:" + (managementBase + i)), out);
        }
        assertTrue(out.contains("console:      http://127.0.0.1:" + (httpBase + 1) + "/console/"), out);
        // The credentials it set are the README's "Try it" ones, and it says so.
        assertTrue(out.contains("admin-secret") && out.contains("dev-secret"), out);
        assertTrue(out.contains(redis.url()) && out.contains(database), out);
        assertFalse(out.contains("not both"), out);

        var cluster = Json.MAPPER.readTree(get(httpBase + 1, "/v1/admin/cluster", "admin-secret"));
        assertEquals(2, cluster.get("members").size(), cluster.toString());
        // The runbook shows a cluster node's /ready answer: it must name the checks a node makes.
        var ready = Json.MAPPER.readTree(get(httpBase + 1, "/ready", "admin-secret"));
        assertEquals(ready.toString(), runbookReadyExample(), "docs/operations/runbook.md's /ready example");

        Processes.Result status = script(env, "status");
        assertEquals(0, status.exitCode(), status.output());
        assertTrue(status.output().contains("node-1 pid") && status.output().contains("node-2 pid"), status.output());
        assertEquals(2, status.output().split("ready=200", -1).length - 1, status.output());

        started = System.nanoTime();
        Processes.Result stop = script(env, "stop");
        System.out.printf("local-cluster.sh stop: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertEquals(0, stop.exitCode(), stop.output());
        assertTrue(stop.output().contains("stopped 2 node(s)"), stop.output());
        assertFalse(stop.output().contains("SIGKILL"), "nodes left within the stop timeout: " + stop.output());
        assertFalse(listening(httpBase + 1) || listening(httpBase + 2), "HTTP ports closed after stop");
        assertEquals(List.of(), nodesOf(state), "no node of this cluster runs after stop");
        assertTrue(script(env, "status").output().contains("no local cluster"));
      } finally {
        script(env, "stop");
        nodesOf(state).forEach(ProcessHandle::destroyForcibly);
        dropDatabase(database);
      }
    }
  }

  /** The script's node processes for this state folder, by the marker it puts on their command line. */
  private static List<ProcessHandle> nodesOf(Path state) {
    String marker = "-Dlocal-cluster.node=" + state + "/node-";
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(args -> List.of(args).stream().anyMatch(a -> a.startsWith(marker))).orElse(false))
        .toList();
  }

  private static String runbookReadyExample() {
    var m = java.util.regex.Pattern.compile("/ready +# (\\{.*\\})").matcher(OpsFiles.read("docs/operations/runbook.md"));
    assertTrue(m.find(), "the runbook shows a /ready answer");
    return m.group(1);
  }

  /** A port p-1 such that p and p+1 are free: node i of the script listens on base + i. */
  private static int pairBase() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int first = FreePorts.next();
      int second = FreePorts.next();
      if (second == first + 1) return first - 1;
    }
    throw new IllegalStateException("no two consecutive free ports");
  }

  private static Processes.Result script(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("bash", OpsFiles.resolve("ops/local-cluster.sh").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(OpsFiles.root().toFile()).redirectErrorStream(true);
    // Only what the test sets: a developer's LIFEGUARD_* variables must not leak into the nodes.
    builder.environment().keySet().removeIf(k -> k.startsWith("LIFEGUARD_") || k.startsWith("LOG_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish within 120 s");
    }
    return new Processes.Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  private static String get(int port, String path, String bearer) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + bearer).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return response.body();
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String classpath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  private static String logs(Path state) {
    StringBuilder all = new StringBuilder();
    for (int i = 1; i <= 2; i++) {
      Path log = state.resolve("cluster/node-" + i + ".log");
      try {
        List<String> lines = Files.readAllLines(log);
        all.append("\n--- node-").append(i).append(" ---\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
      } catch (IOException e) {
        all.append("\n(no ").append(log).append(")");
      }
    }
    return all.toString();
  }

  private static void dropDatabase(String database) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }
}
