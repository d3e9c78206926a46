package io.lifeguard.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node in its own JVM, started from the test classpath with {@code io.lifeguard.node.Main} and
 * configured only through environment variables, as an operator would. {@link #kill()} is SIGKILL,
 * {@link #terminate()} SIGTERM.
 */
public final class NodeProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final int httpPort;
  private final int edgePort;
  private final int clusterPort;
  private final Path log;

  private NodeProcess(Process process, int httpPort, int edgePort, int clusterPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.edgePort = edgePort;
    this.clusterPort = clusterPort;
    this.log = log;
  }

  /** Starts a node with fresh loopback ports; {@code env} adds or overrides LIFEGUARD_* variables. */
  public static NodeProcess start(Map<String, String> env) {
    try {
      int httpPort = FreePorts.next();
      int clusterPort = FreePorts.next();
      int edgePort = FreePorts.next();
      Path dataDir = Files.createTempDirectory("lifeguard-node");
      Path log = dataDir.resolve("node.log");
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dio.netty.leakDetection.level=simple",
          "-cp", classpath(), "io.lifeguard.node.Main"));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      Map<String, String> vars = new HashMap<>();
      vars.put("LIFEGUARD_HTTP_HOST", "127.0.0.1");
      vars.put("LIFEGUARD_HTTP_PORT", Integer.toString(httpPort));
      vars.put("LIFEGUARD_EDGE_HOST", "127.0.0.1");
      vars.put("LIFEGUARD_EDGE_PORT", Integer.toString(edgePort));
      vars.put("LIFEGUARD_CLUSTER_HOST", "127.0.0.1");
      vars.put("LIFEGUARD_CLUSTER_PORT", Integer.toString(clusterPort));
      vars.put("LIFEGUARD_MANAGEMENT_PORT", Integer.toString(FreePorts.next()));
      vars.put("LIFEGUARD_DATA_DIR", dataDir.toString());
      vars.put("LOG_LEVEL", "INFO");
      vars.putAll(env);
      builder.environment().putAll(vars);
      return new NodeProcess(builder.start(), httpPort, edgePort, clusterPort, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String classpath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  /** Polls {@code /ready} until 200; fails with the node's log tail if it dies or times out. */
  public NodeProcess awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new AssertionError("node exited with " + process.exitValue() + ":\n" + logTail());
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return this;
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    throw new AssertionError("node on " + httpPort + " not ready after " + timeout + ":\n" + logTail());
  }

  /**
   * Waits until every node's {@code /healthz} reports {@code expected} members Up and none
   * unreachable: the cluster has settled.
   */
  public static void awaitMembersUp(List<NodeProcess> nodes, int expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (NodeProcess n : nodes) {
        try {
          var health = io.lifeguard.node.http.Json.MAPPER.readTree(HTTP.send(
              HttpRequest.newBuilder(n.uri("/healthz")).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString()).body());
          last = health.toString();
          all &= health.get("cluster_members_up").asInt() == expected && health.get("cluster_unreachable").asInt() == 0;
        } catch (IOException e) {
          all = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
      if (all) return;
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    throw new AssertionError("cluster did not settle at " + expected + " members; last /healthz: " + last);
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  /** A plain HTTP request to the edge port (for refusals of WebSocket paths). */
  public URI edgeUri(String path) {
    return URI.create("http://127.0.0.1:" + edgePort + path);
  }

  /** A WebSocket endpoint on the edge port. */
  public URI wsUri(String path) {
    return URI.create("ws://127.0.0.1:" + edgePort + path);
  }

  public int httpPort() {
    return httpPort;
  }

  public int clusterPort() {
    return clusterPort;
  }

  public String seed() {
    return "127.0.0.1:" + clusterPort;
  }

  /** The operating system's process id, for signals (SIGSTOP, SIGCONT) a test sends itself. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: the node gets no chance to leave the cluster. */
  public void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(10));
  }

  /** SIGTERM, then waits for the exit; returns the exit code. */
  public int terminate(Duration timeout) {
    process.destroy();
    return waitFor(timeout);
  }

  /** Waits for the node to exit by itself; returns the exit code. */
  public int awaitExit(Duration timeout) {
    return waitFor(timeout);
  }

  private int waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("node did not exit within " + timeout + ":\n" + logTail());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) process.destroyForcibly();
  }
}
