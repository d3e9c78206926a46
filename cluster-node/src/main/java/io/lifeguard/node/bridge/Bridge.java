package io.lifeguard.node.bridge;

import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.health.Dependencies;
import io.lifeguard.node.health.Readiness;
import io.lifeguard.node.metrics.NodeMetrics;
import io.lifeguard.node.redis.NodeRedis;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket to Redis Pub/Sub bridge of one node: {@code GET /{agent_id}/ws/{session_id}} plus
 * {@code GET /health}. {@link #init} wires it; its routes go last in the node's route list because
 * the path pattern is generic.
 *
 * <p>The bridge runs only on nodes with the {@code bridge} role and Redis enabled; elsewhere its
 * routes answer 503. It registers no readiness check: while Redis is lost it refuses its own
 * clients (upgrades 503 {@code redis_unavailable}, open sockets closed with 1013, ADR 0003) and is
 * listed as a degraded feature of the {@code redis} dependency, while the node stays ready for the
 * relay and the manager.
 */
public final class Bridge {
  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  private final BridgeSettings settings;
  private final BridgeRedis redis;
  private final BridgeMetrics metrics;
  private final ConnectionLimits limits;
  private final Set<BridgeConnection> open = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
  private volatile boolean accepting = true;

  private Bridge(ActorSystem<?> system, BridgeSettings settings, NodeRedis nodeRedis, NodeMetrics nodeMetrics) {
    this.settings = settings;
    this.limits = new ConnectionLimits(settings.maxConnections(), settings.connectionsPerSecond(), settings.connectionBurst());
    this.redis = new BridgeRedis(system, nodeRedis, this::redisLost, settings.publishTimeout());
    this.metrics = new BridgeMetrics(nodeMetrics.registry(), limits::open, redis::channelCount);
  }

  /** Starts the bridge when this node should run one, and returns its routes either way. */
  public static BridgeRoutes init(ActorSystem<?> system, NodeSettings node, NodeRedis redis, Readiness readiness, NodeMetrics metrics) {
    BridgeSettings settings = BridgeSettings.create(system.settings().config());
    if (!node.cluster().roles().contains("bridge") || !node.redis().enabled()) {
      String why = node.redis().enabled() ? "the node lacks the bridge role" : "Redis is disabled";
      log.info("bridge not started: {}", why);
      if (node.cluster().roles().contains("bridge")) {
        readiness.dependencies().register("redis", "bridge", () -> Dependencies.Status.DISABLED);
      }
      return new BridgeRoutes(settings, null);
    }
    Bridge bridge = new Bridge(system, settings, redis, metrics);
    bridge.redis.start();
    readiness.dependencies().register("redis", "bridge",
        () -> bridge.ready() ? Dependencies.Status.OK : Dependencies.Status.UNREACHABLE);
    CoordinatedShutdown.get(system).addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(), "bridge-close-sockets", bridge::shutdown);
    // One sweep a second for every socket's idle deadline, instead of a timer per socket.
    io.lifeguard.node.NodeTicks.get(system).every("bridge-idle-sweep", bridge::closeIdle);
    return new BridgeRoutes(settings, bridge);
  }

  private void closeIdle() {
    long now = System.nanoTime();
    for (BridgeConnection connection : open) connection.closeIfIdle(now);
  }

  /** Redis pub/sub is connected and the node accepts bridge sockets. */
  boolean ready() {
    return accepting && redis.connected();
  }

  boolean accepting() {
    return accepting;
  }

  BridgeRedis redis() {
    return redis;
  }

  BridgeMetrics metrics() {
    return metrics;
  }

  ConnectionLimits limits() {
    return limits;
  }

  /** A new socket holding a reserved slot; the slot is given back when the socket stops. */
  BridgeConnection connection(String agentId, String sessionId) {
    BridgeConnection connection = new BridgeConnection(agentId, sessionId, settings, redis, metrics, this::released);
    open.add(connection);
    return connection;
  }

  private void released(BridgeConnection connection) {
    if (!open.remove(connection)) return;
    limits.release();
    if (!accepting && open.isEmpty()) allClosed.complete(null);
  }

  /** Messages published while pub/sub was down are lost: tell every socket to reconnect. */
  private void redisLost() {
    int closed = 0;
    for (BridgeConnection connection : open) {
      if (connection.close(CloseReason.REDIS_UNAVAILABLE, false)) closed++;
    }
    metrics.error("redis_disconnected");
    log.warn("Redis pub/sub lost: closed {} bridge sockets with redis_unavailable (1013)", closed);
  }

  /** Stops accepting, closes every socket with server_shutdown, waits (bounded), then unsubscribes. */
  private CompletionStage<Done> shutdown() {
    accepting = false;
    int count = open.size();
    for (BridgeConnection connection : open) connection.close(CloseReason.SERVER_SHUTDOWN, false);
    if (open.isEmpty()) allClosed.complete(null);
    log.info("bridge shutting down: closing {} sockets", count);
    return allClosed
        .completeOnTimeout(null, settings.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .thenCompose(v -> {
          if (!open.isEmpty()) log.warn("bridge shutdown: {} sockets still open after {}", open.size(), settings.shutdownTimeout());
          return redis.stop();
        })
        .handle((v, e) -> Done.getInstance());
  }
}
