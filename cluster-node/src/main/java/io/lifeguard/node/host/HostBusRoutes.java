package io.lifeguard.node.host;

import io.lifeguard.node.http.Json;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenException;
import io.lifeguard.protocol.token.TokenVerifier;
import io.lifeguard.sharding.host.HostEntity;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code GET /v1/hosts/{host_session_id}/bus}: authenticates the token (query {@code token} or
 * {@code Authorization: Bearer}), whose {@code session_id} must be the host session and whose role
 * picks the ACL, then upgrades to a WebSocket served by a {@link BusConnection}.
 *
 * <p>Refusals before the upgrade: 400 {@code invalid_host_session_id}, 401 {@code missing_token},
 * 401 {@code token_expired}, 401 {@code invalid_token}, 403 {@code session_mismatch}, 503 {@code
 * bus_disabled} (no keys configured); a valid request that is not a WebSocket upgrade gets 400.
 * Outbound frames queue in a bounded buffer; overflowing it fails the stream and closes the socket
 * (policy: {@code fail}, the client reconnects and pending actions are redelivered).
 */
public final class HostBusRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(HostBusRoutes.class);
  static final Pattern HOST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final ActorSystem<?> system;
  private final ManagerSettings settings;
  private final HostManagerMetrics metrics;
  private final ActorRef<BusTopics.Command> topics;
  private final BusConnections registry;
  private final TokenVerifier verifier;
  private final Materializer materializer;
  /** The node's HTTP idle timeout, which no longer covers upgraded sockets (IdleConnections). */
  private final Duration idleTimeout;

  HostBusRoutes(ActorSystem<?> system, ManagerSettings settings, HostManagerMetrics metrics,
      ActorRef<BusTopics.Command> topics, BusConnections registry, Clock clock, Duration idleTimeout) {
    this.system = system;
    this.idleTimeout = idleTimeout;
    this.settings = settings;
    this.metrics = metrics;
    this.topics = topics;
    this.registry = registry;
    this.verifier = settings.keys() == null ? null : new TokenVerifier(settings.keys(), clock, settings.tokenClockSkew());
    this.materializer = Materializer.matFromSystem(system);
  }

  public Route routes() {
    return pathPrefix("v1", () -> pathPrefix("hosts", () -> pathPrefix(hostId ->
        path("bus", () -> get(() ->
            parameterOptional("token", query ->
                optionalHeaderValueByName("Authorization", header -> attach(hostId, query, header))))))));
  }

  private Route attach(String hostId, Optional<String> query, Optional<String> authorization) {
    if (!HOST_ID.matcher(hostId).matches()) {
      return complete(Json.error(StatusCodes.BAD_REQUEST, "invalid_host_session_id",
          "host_session_id must be 1-128 of A-Z a-z 0-9 . _ : -"));
    }
    Optional<String> token = query.or(() -> authorization
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).strip()));
    if (token.isEmpty() || token.get().isEmpty()) {
      return refuse(hostId, StatusCodes.UNAUTHORIZED, "missing_token", "a token is required (?token= or Authorization: Bearer)");
    }
    if (verifier == null) {
      return refuse(hostId, StatusCodes.SERVICE_UNAVAILABLE, "bus_disabled", "no token keys configured (lifeguard.manager.jwks)");
    }
    TokenClaims claims;
    try {
      claims = verifier.verify(token.get(), hostId, EnumSet.allOf(Role.class));
    } catch (TokenException e) {
      return switch (e.reason()) {
        case EXPIRED -> refuse(hostId, StatusCodes.UNAUTHORIZED, "token_expired", "token expired");
        case WRONG_SESSION -> refuse(hostId, StatusCodes.FORBIDDEN, "session_mismatch", "token is for another session");
        default -> refuse(hostId, StatusCodes.UNAUTHORIZED, "invalid_token",
            "token refused: " + e.reason().name().toLowerCase(Locale.ROOT));
      };
    }
    TokenClaims admitted = claims;
    // The connection actor is made only for a real upgrade: building the flow eagerly (as an
    // argument of handleWebSocketMessages) left an actor, a gauge count and a listed subscriber
    // behind for every plain GET with a valid token. A plain GET is still rejected with 400.
    return extractWebSocketUpgrade(upgrade -> complete(upgrade.handleMessagesWith(flow(hostId, admitted.role()))));
  }

  private Route refuse(String hostId, org.apache.pekko.http.javadsl.model.StatusCode status, String code, String message) {
    MDC.put("host_session_id", hostId);
    MDC.put("phase", "auth");
    MDC.put("reason", code);
    try {
      log.warn("bus attach refused: status={} reason={}", status.intValue(), code);
    } finally {
      MDC.remove("host_session_id");
      MDC.remove("phase");
      MDC.remove("reason");
    }
    return complete(Json.error(status, code, message));
  }

  private Flow<Message, Message, NotUsed> flow(String hostId, Role role) {
    Pair<ActorRef<BusConnection.Outbound>, Source<BusConnection.Outbound, NotUsed>> outbound =
        ActorSource.<BusConnection.Outbound>actorRef(
                BusConnection.Outbound::close, o -> Optional.empty(), settings.outboundBuffer(), OverflowStrategy.fail())
            .preMaterialize(materializer);
    var peer = new BusConnection.Peer(UUID.randomUUID().toString(), hostId, role);
    var host = ClusterSharding.get(system).entityRefFor(HostEntity.ENTITY_KEY, hostId);
    ActorRef<BusConnection.Message> connection = system.systemActorOf(
        BusConnection.create(peer, outbound.first(), topics, host, settings, metrics, registry), "bus-" + peer.connectionId(), Props.empty());

    Sink<Message, NotUsed> inbound = Flow.<Message>create()
        .mapAsync(1, this::collect)
        .to(ActorSink.<Pair<String, String>, BusConnection.Message, BusConnection.Ack>actorRefWithBackpressure(
            connection,
            (ackTo, frame) -> new BusConnection.Inbound(frame.first(), frame.second(), ackTo),
            BusConnection.Connected::new,
            BusConnection.Ack.INSTANCE,
            BusConnection.Closed.INSTANCE,
            BusConnection.StreamFailed::new));
    Source<Message, NotUsed> out = outbound.second().map(o -> (Message) TextMessage.create(o.text()));
    // A bus socket with no message either way for the HTTP idle timeout is closed, as pekko-http's
    // idle timeout did before the node replaced it (WebSocket pings no longer count). Completing
    // rather than failing makes it a normal close (1000), not an "internal error" (1011).
    return BidiFlow.<Message, Message>bidirectionalIdleTimeout(idleTimeout)
        .join(Flow.fromSinkAndSourceCoupled(inbound, out))
        .recoverWithRetries(1, java.util.concurrent.TimeoutException.class, Source::empty);
  }

  /** A frame's whole text (first) or why it is refused (second); never buffers past the limit. */
  private CompletionStage<Pair<String, String>> collect(Message message) {
    int limit = settings.maxFrameChars();
    if (!message.isText()) {
      message.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), materializer);
      return CompletableFuture.completedFuture(Pair.create(null, "binary_not_supported"));
    }
    TextMessage text = message.asTextMessage();
    if (text.isStrict()) {
      String strict = text.getStrictText();
      return CompletableFuture.completedFuture(strict.length() > limit ? Pair.create(null, "frame_too_large") : Pair.create(strict, null));
    }
    return text.getStreamedText()
        .runFold(new StringBuilder(), (sb, part) -> sb.length() > limit ? sb : sb.append(part), materializer)
        .thenApply(sb -> sb.length() > limit ? Pair.create((String) null, "frame_too_large") : Pair.create(sb.toString(), (String) null));
  }
}
