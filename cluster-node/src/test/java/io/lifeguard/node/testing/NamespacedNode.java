package io.lifeguard.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
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
import java.util.concurrent.locks.LockSupport;

/**
 * A node slot in a {@link TestNetwork} namespace: the node JVM ({@code io.lifeguard.node.Main},
 * configured through environment variables like {@link NodeProcess}) runs inside the namespace
 * with Artery on the namespace's address, and reaches the machine's PostgreSQL and Redis at its
 * own {@code 127.0.0.1:5432}/{@code :6379} through {@link SocketForwarder}s over Unix sockets;
 * the test reaches the node's HTTP and edge ports on loopback ports of its own the same way. None
 * of that traffic crosses the test network, so a {@link TestNetwork#cut} separates the nodes from
 * each other only. The slot outlives its node process: {@link #start} runs a new one in it.
 */
public final class NamespacedNode implements AutoCloseable {
  private static final int HTTP_PORT = 8080;
  private static final int EDGE_PORT = 8081;
  private static final int CLUSTER_PORT = 25520;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final TestNetwork network;
  private final int index;
  private final SocketForwarder outside;
  private final Process inside;
  private final int httpPort;
  private final int edgePort;
  private Process node;
  private Path log;
  private volatile long exitedAtNanos;
  private java.util.concurrent.CompletableFuture<Void> exitRecorded;

  private NamespacedNode(TestNetwork network, int index, SocketForwarder outside, Process inside, int httpPort, int edgePort) {
    this.network = network;
    this.index = index;
    this.outside = outside;
    this.inside = inside;
    this.httpPort = httpPort;
    this.edgePort = edgePort;
  }

  /** Sets up the forwarders of node {@code index}'s namespace; {@link #start} runs the node. */
  public static NamespacedNode prepare(TestNetwork network, int index, Path socketDir) {
    Path pg = socketDir.resolve("n" + index + "-pg.sock");
    Path redis = socketDir.resolve("n" + index + "-redis.sock");
    Path http = socketDir.resolve("n" + index + "-http.sock");
    Path edge = socketDir.resolve("n" + index + "-edge.sock");
    int httpPort = FreePorts.next();
    int edgePort = FreePorts.next();
    SocketForwarder outside = SocketForwarder.start(List.of(
        new SocketForwarder.Rule(UnixDomainSocketAddress.of(pg), loopback(5432)),
        new SocketForwarder.Rule(UnixDomainSocketAddress.of(redis), loopback(6379)),
        new SocketForwarder.Rule(loopback(httpPort), UnixDomainSocketAddress.of(http)),
        new SocketForwarder.Rule(loopback(edgePort), UnixDomainSocketAddress.of(edge))));
    List<String> command = new ArrayList<>(network.exec(index));
    command.addAll(List.of(java(), "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath(),
        SocketForwarder.class.getName()));
    command.addAll(SocketForwarder.arguments(List.of(
        new SocketForwarder.Rule(loopback(5432), UnixDomainSocketAddress.of(pg)),
        new SocketForwarder.Rule(loopback(6379), UnixDomainSocketAddress.of(redis)),
        new SocketForwarder.Rule(UnixDomainSocketAddress.of(http), loopback(HTTP_PORT)),
        new SocketForwarder.Rule(UnixDomainSocketAddress.of(edge), loopback(EDGE_PORT)))));
    try {
      Path forwarderLog = socketDir.resolve("n" + index + "-forwarder.log");
      Process inside = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(forwarderLog.toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.readString(forwarderLog).contains(SocketForwarder.READY)) {
        if (!inside.isAlive() || System.nanoTime() > deadline) {
          inside.destroyForcibly();
          outside.close();
          throw new AssertionError("forwarder in " + network.namespace(index) + " did not start: " + Files.readString(forwarderLog));
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      return new NamespacedNode(network, index, outside, inside, httpPort, edgePort);
    } catch (IOException e) {
      outside.close();
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a node process in this slot; {@code env} adds or overrides LIFEGUARD_* variables. */
  public NamespacedNode start(Map<String, String> env) {
    if (node != null && node.isAlive()) throw new IllegalStateException("node " + index + " is running");
    try {
      Path dataDir = Files.createTempDirectory("lifeguard-ns-node");
      log = dataDir.resolve("node.log");
      List<String> command = new ArrayList<>(network.exec(index));
      // The same JVM flags as NodeProcess, so figures compare with the loopback failover tests.
      command.addAll(List.of(java(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dio.netty.leakDetection.level=simple",
          "-cp", classpath(), "io.lifeguard.node.Main"));
      Map<String, String> vars = new HashMap<>();
      vars.put("LIFEGUARD_HTTP_HOST", "127.0.0.1");
      vars.put("LIFEGUARD_HTTP_PORT", Integer.toString(HTTP_PORT));
      vars.put("LIFEGUARD_EDGE_HOST", "127.0.0.1");
      vars.put("LIFEGUARD_EDGE_PORT", Integer.toString(EDGE_PORT));
      vars.put("LIFEGUARD_CLUSTER_HOST", address());
      vars.put("LIFEGUARD_CLUSTER_PORT", Integer.toString(CLUSTER_PORT));
      vars.put("LIFEGUARD_NODE_NAME", "ns-node-" + index);
      vars.put("LIFEGUARD_DATA_DIR", dataDir.toString());
      vars.put("LOG_LEVEL", "INFO");
      vars.putAll(env);
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().putAll(vars);
      node = builder.start();
      exitedAtNanos = 0;
      Process started = node;
      exitRecorded = started.onExit().thenRun(() -> exitedAtNanos = System.nanoTime());
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String classpath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  /** This slot's address on the test network (Artery binds there). */
  public String address() {
    return network.address(index);
  }

  /** {@code host:port} for LIFEGUARD_SEED_NODES and the admin drain path. */
  public String seed() {
    return address() + ":" + CLUSTER_PORT;
  }

  /** The cluster address as members list it. */
  public String clusterAddress() {
    return "pekko://lifeguard@" + seed();
  }

  /** The node's HTTP API, as seen from the test. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  /** Client WebSockets (relay, bridge, host bus) on the node's edge port, as seen from the test. */
  public URI wsUri(String path) {
    return URI.create("ws://127.0.0.1:" + edgePort + path);
  }

  public boolean isAlive() {
    return node != null && node.isAlive();
  }

  /** Polls {@code /ready} until 200; fails with the node's log tail if it dies or times out. */
  public NamespacedNode awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!node.isAlive()) throw new AssertionError("node " + index + " exited with " + node.exitValue() + ":\n" + logTail());
      if (status(uri("/ready")) == 200) return this;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    throw new AssertionError("node " + index + " not ready after " + timeout + ":\n" + logTail());
  }

  /** This node's {@code /healthz}, or null when it does not answer within a second. */
  public JsonNode health() {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/healthz")).timeout(Duration.ofSeconds(1)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Json.MAPPER.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits until every node's {@code /healthz} reports {@code expected} members Up and none unreachable. */
  public static void awaitMembersUp(List<NamespacedNode> nodes, int expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (NamespacedNode n : nodes) {
        JsonNode health = n.health();
        last = String.valueOf(health);
        all &= health != null && health.get("cluster_members_up").asInt() == expected
            && health.get("cluster_unreachable").asInt() == 0;
      }
      if (all) return;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    throw new AssertionError("cluster did not settle at " + expected + " members; last /healthz: " + last);
  }

  /** The status of a plain GET, or -1 when nothing answers within 2 s. */
  public static int status(URI uri) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** SIGSTOP: the JVM freezes, its kernel sockets stay open (a stall, not a crash). */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Processes.Result r = Processes.run(null, List.of("kill", "-" + name, Long.toString(node.pid())));
      if (r.exitCode() != 0) throw new AssertionError("kill -" + name + ": " + r.output());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** SIGTERM, the operator's drain: the node leaves the cluster and exits. */
  public void terminate() {
    node.destroy();
  }

  /** Waits for the node to exit by itself; returns the exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!node.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("node " + index + " did not exit within " + timeout + ":\n" + logTail());
      }
      return node.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Seconds from {@code t0} (a {@link System#nanoTime()}) to the node's exit, as seen by the test. */
  public double exitedSecondsAfter(long t0) {
    try {
      exitRecorded.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node " + index + " has not exited", e);
    }
    return (exitedAtNanos - t0) / 1e9;
  }

  /** The current node process's log. */
  public String log() {
    try {
      return log == null ? "" : Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  public String logTail() {
    String[] lines = log().split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
  }

  /** Kills the node (SIGKILL ends a stopped process too) and the forwarders. */
  @Override
  public void close() {
    if (node != null) node.destroyForcibly();
    inside.destroyForcibly();
    outside.close();
  }
}
