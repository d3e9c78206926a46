package io.lifeguard.node.host;

import io.lifeguard.node.edge.EdgeRequest;
import io.lifeguard.node.edge.EdgeRoute;
import io.lifeguard.node.edge.EdgeUpgrade;
import io.lifeguard.node.edge.Outbound;
import io.lifeguard.node.edge.SocketHandler;
import io.lifeguard.node.edge.WsIn;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenException;
import io.lifeguard.protocol.token.TokenVerifier;
import io.lifeguard.sharding.host.HostEntity;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code GET /v1/hosts/{host_session_id}/bus} on the edge port: authenticates the token (query
 * {@code token} or {@code Authorization: Bearer}), whose {@code session_id} must be the host session
 * and whose role picks the ACL, then upgrades to a WebSocket served by a {@link BusConnection}.
 *
 * <p>Refusals before the upgrade: 400 {@code invalid_host_session_id}, 401 {@code missing_token},
 * 401 {@code token_expired}, 401 {@code invalid_token}, 403 {@code session_mismatch}, 503 {@code
 * bus_disabled} (no keys configured); a valid request that is not a WebSocket upgrade gets 400.
 * Frames queued for a client are bounded; a client that lets them pile up is closed with 1008.
 * A socket with no frame either way for the idle timeout is closed normally (1000).
 */
public final class HostBusEdgeRoute implements EdgeRoute {
  private static final Logger log = LoggerFactory.getLogger(HostBusEdgeRoute.class);
  static final Pattern HOST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final ActorSystem<?> system;
  private final ManagerSettings settings;
  private final HostManagerMetrics metrics;
  private final ActorRef<BusTopics.Command> topics;
  private final BusConnections registry;
  private final TokenVerifier verifier;
  private final long idleNanos;
  private final Set<BusSocket> open = ConcurrentHashMap.newKeySet();

  HostBusEdgeRoute(ActorSystem<?> system, ManagerSettings settings, HostManagerMetrics metrics,
      ActorRef<BusTopics.Command> topics, BusConnections registry, Clock clock, Duration idleTimeout) {
    this.system = system;
    this.idleNanos = idleTimeout.toNanos();
    this.settings = settings;
    this.metrics = metrics;
    this.topics = topics;
    this.registry = registry;
    this.verifier = settings.keys() == null ? null : new TokenVerifier(settings.keys(), clock, settings.tokenClockSkew());
    io.lifeguard.node.NodeTicks.get(system).every("host-bus-idle-sweep", this::closeIdle);
  }

  @Override
  public boolean matches(List<String> segments) {
    return segments.size() == 4 && segments.get(0).equals("v1") && segments.get(1).equals("hosts")
        && segments.get(3).equals("bus");
  }

  @Override
  public CompletionStage<EdgeUpgrade> upgrade(EdgeRequest request) {
    return CompletableFuture.completedFuture(decide(request));
  }

  private EdgeUpgrade decide(EdgeRequest request) {
    String hostId = request.segments().get(2);
    if (!HOST_ID.matcher(hostId).matches()) {
      return new EdgeUpgrade.Refuse(400, "invalid_host_session_id", "host_session_id must be 1-128 of A-Z a-z 0-9 . _ : -");
    }
    Optional<String> token = request.query("token").or(() -> request.header("Authorization")
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).strip()));
    if (token.isEmpty() || token.get().isEmpty()) {
      return refuse(hostId, 401, "missing_token", "a token is required (?token= or Authorization: Bearer)");
    }
    if (verifier == null) {
      return refuse(hostId, 503, "bus_disabled", "no token keys configured (lifeguard.manager.jwks)");
    }
    TokenClaims claims;
    try {
      claims = verifier.verify(token.get(), hostId, EnumSet.allOf(Role.class));
    } catch (TokenException e) {
      return switch (e.reason()) {
        case EXPIRED -> refuse(hostId, 401, "token_expired", "token expired");
        case WRONG_SESSION -> refuse(hostId, 403, "session_mismatch", "token is for another session");
        default -> refuse(hostId, 401, "invalid_token", "token refused: " + e.reason().name().toLowerCase(Locale.ROOT));
      };
    }
    if (!request.isUpgrade()) {
      return new EdgeUpgrade.Refuse(400, "websocket_upgrade_required", "Expected WebSocket Upgrade request");
    }
    Role role = claims.role();
    // Frames are limited in characters; a character is at most 4 UTF-8 bytes.
    int maxBytes = (int) Math.min(Integer.MAX_VALUE - 8L, 4L * settings.maxFrameChars());
    return new EdgeUpgrade.Accept(maxBytes, settings.outboundBuffer(), outbound -> new BusSocket(hostId, role, outbound));
  }

  private EdgeUpgrade refuse(String hostId, int status, String code, String message) {
    MDC.put("host_session_id", hostId);
    MDC.put("phase", "auth");
    MDC.put("reason", code);
    try {
      log.warn("bus attach refused: status={} reason={}", status, code);
    } finally {
      MDC.remove("host_session_id");
      MDC.remove("phase");
      MDC.remove("reason");
    }
    return new EdgeUpgrade.Refuse(status, code, message);
  }

  private void closeIdle() {
    long now = System.nanoTime();
    for (BusSocket socket : open) {
      if (now - socket.lastActivity() >= idleNanos) socket.outbound.complete();
    }
  }

  /** One bus socket: the edge's side of a {@link BusConnection} actor. */
  private final class BusSocket implements SocketHandler {
    private final Outbound outbound;
    private final ActorRef<BusConnection.Message> connection;
    private volatile long lastInbound = System.nanoTime();
    private volatile int lastQueued;
    private volatile long lastOutbound = System.nanoTime();

    BusSocket(String hostId, Role role, Outbound outbound) {
      this.outbound = outbound;
      var peer = new BusConnection.Peer(UUID.randomUUID().toString(), hostId, role);
      var host = ClusterSharding.get(system).entityRefFor(HostEntity.ENTITY_KEY, hostId);
      this.connection = system.systemActorOf(
          BusConnection.create(peer, new Counting(), topics, host, settings, metrics, registry),
          "bus-" + peer.connectionId(), Props.empty());
      open.add(this);
    }

    long lastActivity() {
      return Math.max(lastInbound, lastOutbound);
    }

    @Override
    public CompletionStage<?> onMessage(WsIn message) {
      lastInbound = System.nanoTime();
      if (message instanceof WsIn.Ping) return CompletableFuture.completedFuture(Done.getInstance());
      String text = null;
      String problem = null;
      String problemId = null;
      if (message instanceof WsIn.Text t) {
        if (t.text().length() > settings.maxFrameChars()) {
          problem = "frame_too_large";
          // A client waiting for its answer by id hears which frame was refused.
          problemId = BusFrames.idOf(t.text().substring(0, settings.maxFrameChars()));
        } else {
          text = t.text();
        }
      } else if (message instanceof WsIn.TooBig tooBig) {
        problem = tooBig.binary() ? "binary_not_supported" : "frame_too_large";
      } else {
        problem = "binary_not_supported";
      }
      CompletableFuture<Done> handled = new CompletableFuture<>();
      connection.tell(new BusConnection.Inbound(text, problem, problemId, handled));
      return handled;
    }

    @Override
    public void terminated() {
      open.remove(this);
      connection.tell(BusConnection.Closed.INSTANCE);
    }

    /** The socket's outbound side, noting when the connection last sent its client something. */
    private final class Counting implements Outbound {
      @Override
      public Offer offer(io.lifeguard.node.edge.WsOut message) {
        lastOutbound = System.nanoTime();
        return outbound.offer(message);
      }

      @Override
      public Offer offer(io.lifeguard.node.edge.WsOut message, Written written) {
        lastOutbound = System.nanoTime();
        return outbound.offer(message, written);
      }

      @Override
      public void complete() {
        outbound.complete();
      }

      @Override
      public int size() {
        return outbound.size();
      }

      @Override
      public long pendingBytes() {
        return outbound.pendingBytes();
      }

      @Override
      public boolean isClosed() {
        return outbound.isClosed();
      }

      @Override
      public java.util.concurrent.Executor ioThread() {
        return outbound.ioThread();
      }
    }
  }
}
