package io.lifeguard.node.testing;

import io.lifeguard.node.Node;
import io.lifeguard.node.config.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A real node inside the test JVM: its own actor system, HTTP port and Artery port on loopback, an
 * H2 journal in a temporary folder unless the test passes a JDBC URL. {@link #awaitReady()} polls
 * {@code /ready} over HTTP, the same probe a load balancer uses.
 */
public final class TestNode implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final ActorSystem<Void> system;
  private final int httpPort;
  private final int edgePort;
  private final int clusterPort;
  private final Path dataDir;

  private TestNode(ActorSystem<Void> system, int httpPort, int edgePort, int clusterPort, Path dataDir) {
    this.system = system;
    this.httpPort = httpPort;
    this.edgePort = edgePort;
    this.clusterPort = clusterPort;
    this.dataDir = dataDir;
  }

  /** Starts a single-node cluster with defaults plus {@code overrides} (config keys to values). */
  public static TestNode start(Map<String, ?> overrides) {
    try {
      Path dataDir = Files.createTempDirectory("lifeguard-test");
      // A test may pin the ports (e.g. to restart a node where a client expects it).
      int httpPort = port(overrides, "lifeguard.http.port");
      int clusterPort = port(overrides, "lifeguard.cluster.port");
      int edgePort = port(overrides, "lifeguard.edge.port");
      Map<String, Object> config = new HashMap<>();
      config.put("lifeguard.http.host", "127.0.0.1");
      config.put("lifeguard.http.port", httpPort);
      config.put("lifeguard.edge.host", "127.0.0.1");
      config.put("lifeguard.edge.port", edgePort);
      config.put("lifeguard.cluster.host", "127.0.0.1");
      config.put("lifeguard.cluster.port", clusterPort);
      config.put("lifeguard.data-dir", dataDir.toString());
      config.put("pekko.management.http.port", FreePorts.next());
      config.put("pekko.coordinated-shutdown.exit-jvm", "off");
      config.put("pekko.actor.serialize-messages", "off");
      config.putAll(overrides);
      NodeConfig.Loaded loaded = NodeConfig.withOverrides(config);
      ActorSystem<Void> system = ActorSystem.create(Node.create(loaded.settings()), "lifeguard", loaded.config());
      return new TestNode(system, httpPort, edgePort, clusterPort, dataDir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static int port(Map<String, ?> overrides, String key) {
    Object pinned = overrides.get(key);
    try {
      return pinned == null ? FreePorts.next() : Integer.parseInt(pinned.toString().strip());
    } catch (NumberFormatException e) {
      return FreePorts.next(); // the node's own validation reports the bad value
    }
  }

  /** Starts a node with {@code config} that joins {@code seed}'s cluster. */
  public static TestNode startJoining(TestNode seed, Map<String, ?> config) {
    Map<String, Object> joining = new HashMap<>(config);
    joining.put("lifeguard.cluster.seed-nodes", "127.0.0.1:" + seed.clusterPort());
    return start(joining);
  }

  public static TestNode start() {
    return start(Map.of());
  }

  /** Waits until {@code GET /ready} answers 200, or fails after {@code timeout}. */
  public TestNode awaitReady(Duration timeout) {
    return awaitReady(timeout, true);
  }

  /** Waits for {@code /ready} only, for a test that starts a node while its Redis is down. */
  public TestNode awaitReadyWithoutRedis() {
    return awaitReady(Duration.ofSeconds(30), false);
  }

  private TestNode awaitReady(Duration timeout, boolean redis) {
    Instant deadline = Instant.now().plus(timeout);
    String last = "no answer";
    while (Instant.now().isBefore(deadline)) {
      if (system.getWhenTerminated().toCompletableFuture().isDone()) {
        throw new AssertionError("node on port " + httpPort + " terminated before it was ready (a failed bind or "
            + "component start logs the cause at ERROR in this test's output)");
      }
      try {
        HttpResponse<String> response = HTTP.send(
            HttpRequest.newBuilder(uri("/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        // Ready no longer waits for Redis (a node without it still serves the relay): tests that
        // use Redis wait until the node reached it, or knows it has none.
        if (response.statusCode() == 200 && (!redis || redisSettled())) return this;
        last = response.statusCode() + " " + response.body();
      } catch (java.io.IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      // Polling interval of a readiness probe, not synchronisation: the loop re-checks the condition.
      LockSupportPause.pause(Duration.ofMillis(100));
    }
    throw new AssertionError("node on port " + httpPort + " not ready after " + timeout + ": " + last);
  }

  private boolean redisSettled() throws java.io.IOException, InterruptedException {
    HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(uri("/healthz")).timeout(Duration.ofSeconds(2)).build(),
        HttpResponse.BodyHandlers.ofString());
    var redis = io.lifeguard.node.http.Json.MAPPER.readTree(health.body()).path("dependencies").path("redis").asText();
    return redis.isEmpty() || redis.equals("ok") || redis.equals("disabled");
  }

  public TestNode awaitReady() {
    return awaitReady(Duration.ofSeconds(30));
  }

  /** Waits until this node sees {@code members} cluster members, or fails after 30 s. */
  public TestNode awaitMembers(int members) {
    Instant deadline = Instant.now().plusSeconds(30);
    while (org.apache.pekko.cluster.typed.Cluster.get(system).state().getMembers().spliterator().estimateSize() < members) {
      if (Instant.now().isAfter(deadline)) throw new AssertionError("fewer than " + members + " members after 30 s");
      LockSupportPause.pause(Duration.ofMillis(100));
    }
    return this;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The client-facing WebSocket port (relay, bridge, host bus). */
  public int edgePort() {
    return edgePort;
  }

  public int clusterPort() {
    return clusterPort;
  }

  public Path dataDir() {
    return dataDir;
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

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node did not terminate", e);
    }
  }

  /** Parks the polling thread between probes. */
  static final class LockSupportPause {
    static void pause(Duration d) {
      java.util.concurrent.locks.LockSupport.parkNanos(d.toNanos());
    }
  }
}
