package io.lifeguard.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A node process on loopback that the harness started (from the node jar or a classpath) or
 * attached to by pid and port. The harness sees it only through its ports and {@code /proc}.
 */
final class LocalNode implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final long pid;
  private final int httpPort;
  private final int edgePort;
  private final int clusterPort;
  private final Path log;

  private LocalNode(Process process, long pid, int httpPort, int edgePort, int clusterPort, Path log) {
    this.process = process;
    this.pid = pid;
    this.httpPort = httpPort;
    this.edgePort = edgePort;
    this.clusterPort = clusterPort;
    this.log = log;
  }

  /** An already running node; the harness will not stop it. */
  static LocalNode attach(long pid, int httpPort, int edgePort) {
    return new LocalNode(null, pid, httpPort, edgePort, -1, null);
  }

  /**
   * Starts a node. {@code launch} is either {@code -jar <path>} or {@code -cp <classpath>
   * io.lifeguard.node.Main}; {@code env} are LIFEGUARD_* settings on top of the load defaults.
   */
  static LocalNode start(List<String> launch, List<String> jvmFlags, Map<String, String> env, String seed) {
    try {
      // Held open together so the kernel cannot hand the same port out twice (it did: the edge and
      // the cluster port of one node collided, and the node exited with a bind failure).
      int[] ports = freePorts(4);
      int httpPort = ports[0];
      int clusterPort = ports[1];
      int edgePort = ports[2];
      Path dataDir = Files.createTempDirectory("lifeguard-load-node");
      Path log = dataDir.resolve("node.log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmFlags);
      command.addAll(launch);
      Map<String, String> vars = new TreeMap<>(loadDefaults());
      vars.put("LIFEGUARD_HTTP_HOST", HOST);
      vars.put("LIFEGUARD_HTTP_PORT", Integer.toString(httpPort));
      vars.put("LIFEGUARD_EDGE_HOST", HOST);
      vars.put("LIFEGUARD_EDGE_PORT", Integer.toString(edgePort));
      vars.put("LIFEGUARD_CLUSTER_HOST", HOST);
      vars.put("LIFEGUARD_CLUSTER_PORT", Integer.toString(clusterPort));
      vars.put("LIFEGUARD_MANAGEMENT_PORT", Integer.toString(ports[3]));
      vars.put("LIFEGUARD_DATA_DIR", dataDir.toString());
      if (seed != null) vars.put("LIFEGUARD_SEED_NODES", seed);
      vars.putAll(env);
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().putAll(vars);
      Process process = builder.start();
      return new LocalNode(process, process.pid(), httpPort, edgePort, clusterPort, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Limits relaxed so the generator, not a rate limiter, decides the load; all overridable. */
  static Map<String, String> loadDefaults() {
    return Map.of(
        "LIFEGUARD_RELAY_HANDSHAKE_RATE", "100000",
        "LIFEGUARD_RELAY_HANDSHAKE_BURST", "100000",
        "LIFEGUARD_RELAY_MAX_CONNECTIONS", "50000",
        "LIFEGUARD_RELAY_IDLE_TIMEOUT", "3600s",
        "LIFEGUARD_BRIDGE_CONNECTIONS_PER_SECOND", "100000",
        "LIFEGUARD_BRIDGE_CONNECTION_BURST", "100000",
        "LIFEGUARD_BRIDGE_MAX_CONNECTIONS", "50000",
        "LIFEGUARD_BRIDGE_IDLE_TIMEOUT", "3600s",
        "LOG_LEVEL", "WARN");
  }

  LocalNode awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException("node exited with " + process.exitValue() + ":\n" + logTail());
      }
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(http("/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return this;
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    throw new IllegalStateException("node on port " + httpPort + " not ready after " + timeout + ":\n" + logTail());
  }

  /**
   * One counter's value from the node's Prometheus {@code /metrics} (summed over its series), or -1
   * when it cannot be read.
   */
  double metric(String name) {
    try {
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      String body = client.send(java.net.http.HttpRequest.newBuilder(http("/metrics")).timeout(java.time.Duration.ofSeconds(10)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      double sum = 0;
      for (String line : body.split("\n")) {
        if (line.startsWith(name + " ") || line.startsWith(name + "{")) sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
      return sum;
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  URI http(String path) {
    return URI.create("http://" + HOST + ":" + httpPort + path);
  }

  URI ws(String path) {
    return URI.create("ws://" + HOST + ":" + edgePort + path);
  }

  long pid() {
    return pid;
  }

  /** The client-facing WebSocket port. */
  int edgePort() {
    return edgePort;
  }

  int httpPort() {
    return httpPort;
  }

  String seed() {
    return HOST + ":" + clusterPort;
  }

  ProcessProbe probe() {
    return new ProcessProbe(pid);
  }

  boolean isAlive() {
    return process == null ? ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) : process.isAlive();
  }

  /** SIGKILL: the node gets no chance to leave the cluster. */
  void kill() {
    if (process == null) throw new IllegalStateException("an attached node is not ours to kill");
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(20));
  }

  @Override
  public void close() {
    if (process == null || !process.isAlive()) return;
    process.destroy();
    if (!waitFor(Duration.ofSeconds(30))) process.destroyForcibly();
    waitFor(Duration.ofSeconds(10));
  }

  private boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The node's whole log so far; empty for an attached node. */
  List<String> logLines() {
    if (log == null) return List.of();
    try {
      return Files.readAllLines(log);
    } catch (IOException e) {
      return List.of();
    }
  }

  String logTail() {
    if (log == null) return "(attached node: no log)";
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** {@code count} distinct free ports on {@link #HOST}. */
  static int[] freePorts(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST));
        held.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException e) {
          // closing a listening socket we own
        }
      }
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
