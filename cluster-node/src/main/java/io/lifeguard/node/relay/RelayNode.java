package io.lifeguard.node.relay;

import io.lifeguard.node.edge.ConstantFrame;
import io.lifeguard.node.limits.AddressRateLimiter;
import io.lifeguard.node.metrics.NodeMetrics;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.sharding.session.PeerMessage;
import io.lifeguard.sharding.session.SessionEntity;
import io.lifeguard.sharding.session.SessionObserver;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The relay on one node: what every connection shares (settings, policy, metrics, the registry of
 * open connections, the node's inbox and the sweeper), and the component's {@link #init}.
 */
public final class RelayNode {
  private static final Logger events = LoggerFactory.getLogger("io.lifeguard.events");
  /** Feature bits this relay honours; others are cleared from the ServerHello. */
  private static final long SUPPORTED = FeatureBits.FALLBACK_AUTHORIZED | FeatureBits.TELEMETRY
      | FeatureBits.GUARDRAIL_SOFT_BREACH | FeatureBits.E2E_CHACHA20;

  private final ActorSystem<?> system;
  private final RelaySettings settings;
  private final RelayPolicy policy;
  private final RelayMetrics metrics;
  private final ConnectionRegistry registry;
  private final AddressRateLimiter limiter;
  private final RelayLog log = new RelayLog();
  private final SecureRandom random = new SecureRandom();
  private final ConstantFrame heartbeatFrame =
      ConstantFrame.binary(ByteString.fromArrayUnsafe(FrameCodec.encode(Frame.heartbeat(0))));
  private final ClusterSharding sharding;
  private final RelayCounters counters;
  private volatile ActorRef<PeerMessage> inbox;

  private RelayNode(ActorSystem<?> system, RelaySettings settings, RelayPolicy policy, RelayMetrics metrics,
      ConnectionRegistry registry, RelayCounters counters) {
    this.system = system;
    this.settings = settings;
    this.policy = policy;
    this.metrics = metrics;
    this.registry = registry;
    this.limiter = new AddressRateLimiter(settings.handshakesPerSecondPerAddress(), settings.handshakeBurstPerAddress());
    this.sharding = ClusterSharding.get(system);
    this.counters = counters;
  }

  /**
   * Starts the relay on this node: the session entity type, the inbox, the shared timers, the
   * re-join on membership changes and the shutdown hook. Returns the routes for {@code /ws} and
   * {@code /debug/stats}.
   */
  public static RelayRoutes init(ActorContext<?> context, RelaySettings settings, RelayPolicy policy,
      NodeMetrics nodeMetrics, RelayCounters counters) {
    ActorSystem<?> system = context.getSystem();
    ConnectionRegistry registry = new ConnectionRegistry();
    RelayMetrics metrics = new RelayMetrics(nodeMetrics.registry(), registry::size);
    RelayNode node = new RelayNode(system, settings, policy, metrics, registry, counters);
    SessionEntity.init(system, settings.maxPeersPerSession(), node.observer());
    node.inbox = context.spawn(RelayInbox.create(registry), "relay-inbox");
    context.spawn(RelayMembershipWatcher.create(registry), "relay-membership");
    RelaySweeper sweeper = new RelaySweeper(node, System.nanoTime());
    io.lifeguard.node.NodeTicks.get(system).every("relay-sweeper", sweeper);
    CoordinatedShutdown.get(system).addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(), "relay-close-sockets", node::closeAllForShutdown);
    return new RelayRoutes(node);
  }

  private SessionObserver observer() {
    return new SessionObserver() {
      @Override
      public void sessionStarted(String sessionId) {
        metrics.sessionsActive.incrementAndGet();
      }

      @Override
      public void sessionStopped(String sessionId, boolean emptied) {
        metrics.sessionsActive.decrementAndGet();
        if (emptied) metrics.sessionsEmptied.inc();
      }
    };
  }

  /** Closes every socket with SERVER_SHUTDOWN so clients move to another node, then waits briefly. */
  CompletionStage<Done> closeAllForShutdown() {
    return drain("node shutting down");
  }

  /** Refuses nothing by itself (readiness does that); closes every open socket with SERVER_SHUTDOWN. */
  public CompletionStage<Done> drain(String why) {
    for (RelayConnection c : registry.all()) c.close(CloseReason.SERVER_SHUTDOWN, why);
    CompletableFuture<Done> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
    awaitEmpty(done, deadline);
    return done;
  }

  private void awaitEmpty(CompletableFuture<Done> done, long deadline) {
    if (registry.size() == 0 || System.nanoTime() >= deadline) {
      done.complete(Done.getInstance());
      return;
    }
    system.scheduler().scheduleOnce(Duration.ofMillis(50), () -> awaitEmpty(done, deadline), system.executionContext());
  }

  /** One peer of a session connected to this node, for the admin API: ids and counters only. */
  public record LocalPeer(String peerId, String role, int queueDepth, long drops) {}

  /** Relay sockets open on this node, handshaking ones included. */
  public int connectionCount() {
    return registry.size();
  }

  /** The peers of {@code sessionId} whose sockets are on this node and have joined. */
  public java.util.List<LocalPeer> localPeers(String sessionId) {
    java.util.List<LocalPeer> peers = new java.util.ArrayList<>();
    for (RelayConnection c : registry.all()) {
      if (sessionId.equals(c.sessionId()) && c.state() == RelayConnection.State.JOINED) {
        peers.add(new LocalPeer(c.peerId(), c.role().wireName(), c.queued(), c.drops()));
      }
    }
    return peers;
  }

  RelaySettings settings() { return settings; }
  RelayPolicy policy() { return policy; }
  RelayMetrics metrics() { return metrics; }
  ConnectionRegistry registry() { return registry; }
  AddressRateLimiter limiter() { return limiter; }
  RelayLog log() { return log; }
  ActorRef<PeerMessage> inbox() { return inbox; }
  ConstantFrame heartbeatFrame() { return heartbeatFrame; }
  long supportedFeatures() { return SUPPORTED; }
  ActorSystem<?> system() { return system; }

  /**
   * Where the relay's future callbacks run: the actor system's default dispatcher. Never the JDK's
   * default async pool, which starts a thread per task when it has fewer than two workers.
   */
  java.util.concurrent.Executor executor() { return system.executionContext(); }

  EntityRef<SessionEntity.Command> session(String sessionId) {
    return sharding.entityRefFor(SessionEntity.ENTITY_KEY, sessionId);
  }

  String newPeerId() {
    byte[] id = new byte[8];
    random.nextBytes(id);
    return "p-" + HexFormat.of().formatHex(id);
  }

  byte[] newNonce() {
    byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
    random.nextBytes(nonce);
    return nonce;
  }

  void countForwarded(RelayConnection from, int deliveries, int frameBytes) {
    counters.forwarded(from.sessionId(), deliveries, frameBytes);
  }

  void left(RelayConnection c) {
    counters.disconnected(c.sessionId());
  }

  /** The structured event {@code transport.fallback.activated}: a peer completed the handshake. */
  void activated(RelayConnection c, TokenClaims claims) {
    counters.connected(c.sessionId());
    if (!FeatureBits.has(claims.featureBits(), FeatureBits.TELEMETRY)) return;
    // Fields in the MDC so the JSON line carries them as "event", "session_id", ... (alerting keys).
    MDC.put("event", "transport.fallback.activated");
    MDC.put("phase", "handshake");
    MDC.put("session_id", c.sessionId());
    MDC.put("peer_id", c.peerId());
    MDC.put("role", c.role().wireName());
    MDC.put("cohort", java.util.Objects.toString(claims.cohort(), ""));
    try {
      events.info("transport.fallback.activated session_id={} peer_id={} role={} cohort={}",
          c.sessionId(), c.peerId(), c.role().wireName(), claims.cohort());
    } finally {
      for (String key : new String[] {"event", "phase", "session_id", "peer_id", "role", "cohort"}) MDC.remove(key);
    }
  }
}
