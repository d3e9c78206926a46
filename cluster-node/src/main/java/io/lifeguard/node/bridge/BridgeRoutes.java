package io.lifeguard.node.bridge;

import io.lifeguard.node.http.Json;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /{agent_id}/ws/{session_id}} (the bridge upgrade) and {@code GET /health} (200 when
 * this node's bridge reaches Redis, else 503). The upgrade answers 101 only after the one-time
 * token was taken from Redis and the down channel's subscription was confirmed; every refusal is a
 * JSON error body with a precise status (see docs/bridge.md).
 */
final class BridgeRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(BridgeRoutes.class);
  // Ids end up in Redis keys and channel names: no ':' and no glob characters.
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final Pattern BEARER = Pattern.compile("(?i)bearer ([A-Za-z0-9._~+/-]+=*)");
  private static final HttpHeader CHALLENGE = RawHeader.create("WWW-Authenticate", "Bearer realm=\"lifeguard-bridge\"");

  private final ActorSystem<?> system;
  private final BridgeSettings settings;
  private final Bridge bridge;
  private final io.lifeguard.node.websocket.WebSocketUpgrade.Layers websocketLayers;

  /** {@code bridge} is null when this node does not run the bridge. */
  BridgeRoutes(ActorSystem<?> system, BridgeSettings settings, Bridge bridge) {
    this.system = system;
    this.settings = settings;
    this.bridge = bridge;
    this.websocketLayers = io.lifeguard.node.websocket.WebSocketUpgrade.layers(settings.maxMessageBytes(),
        org.apache.pekko.event.Logging.getLogger(system.classicSystem(), "io.lifeguard.bridge.websocket"));
  }

  Route routes() {
    return concat(
        path("health", () -> get(() -> completeWithFuture(health()))),
        path(PathMatchers.segment().slash("ws").slash(PathMatchers.segment()), (agentId, sessionId) ->
            get(() -> extractRequest(request -> completeWithFuture(upgrade(request, agentId, sessionId))))));
  }

  private CompletionStage<HttpResponse> upgrade(HttpRequest request, String agentId, String sessionId) {
    if (bridge == null) return refuse(StatusCodes.SERVICE_UNAVAILABLE, "bridge_disabled", "this node does not run the bridge", agentId, sessionId);
    if (!ID.matcher(agentId).matches() || !ID.matcher(sessionId).matches()) {
      return refuse(StatusCodes.BAD_REQUEST, "invalid_id", "agent_id and session_id must match " + ID.pattern(), "-", "-");
    }
    Optional<WebSocketUpgrade> upgrade = request.getAttribute(AttributeKeys.webSocketUpgrade);
    if (upgrade.isEmpty()) return refuse(StatusCodes.BAD_REQUEST, "websocket_upgrade_required", "this path only accepts WebSocket upgrades", agentId, sessionId);
    String address = request.getAttribute(AttributeKeys.remoteAddress)
        .flatMap(RemoteAddress::getAddress).map(InetAddress::getHostAddress).orElse("unknown");
    if (!bridge.limits().tryRate(address)) {
      return refuse(StatusCodes.TOO_MANY_REQUESTS, "rate_limited", "too many upgrades from this address", agentId, sessionId)
          .thenApply(r -> r.addHeader(RawHeader.create("Retry-After", "1")));
    }
    Optional<String> token = request.getHeader("Authorization").map(HttpHeader::value).flatMap(BridgeRoutes::bearer);
    if (token.isEmpty()) {
      return refuse(StatusCodes.UNAUTHORIZED, "missing_token", "Authorization: Bearer <token> required", agentId, sessionId);
    }
    if (!bridge.accepting()) return refuse(StatusCodes.SERVICE_UNAVAILABLE, "shutting_down", "node is shutting down", agentId, sessionId);
    if (!bridge.redis().connected()) return refuse(StatusCodes.SERVICE_UNAVAILABLE, "redis_unavailable", "Redis is not reachable", agentId, sessionId);
    if (!bridge.limits().tryReserve()) return refuse(StatusCodes.SERVICE_UNAVAILABLE, "too_many_connections", "node is at its connection limit", agentId, sessionId);

    BridgeConnection connection = bridge.connection(agentId, sessionId);
    return takeToken(sessionId, token.get())
        .thenCompose(ok -> connection.subscribe())
        .toCompletableFuture()
        .orTimeout(settings.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle((ok, failure) -> {
          if (failure == null && bridge.accepting()) return accept(upgrade.get(), connection, agentId, sessionId);
          connection.stopped();
          Refusal refusal = failure == null
              ? new Refusal(StatusCodes.SERVICE_UNAVAILABLE, "shutting_down", "node is shutting down")
              : refusal(failure);
          if ("redis_timeout".equals(refusal.code) || "redis_unavailable".equals(refusal.code)) bridge.metrics().error(refusal.code);
          return refusal(refusal, agentId, sessionId);
        });
  }

  /** GETDEL makes the token single-use even under concurrent upgrades: only one caller sees it. */
  private CompletionStage<Void> takeToken(String sessionId, String presented) {
    CompletionStage<String> stored;
    try {
      stored = bridge.redis().commands().async().getdel("session:" + sessionId + ":auth");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return stored.thenApply(value -> {
      if (value == null) throw new Refusal(StatusCodes.UNAUTHORIZED, "token_missing", "no token for this session (never issued, expired or already used)");
      byte[] expected = value.getBytes(StandardCharsets.UTF_8);
      byte[] actual = presented.getBytes(StandardCharsets.UTF_8);
      if (!MessageDigest.isEqual(expected, actual)) throw new Refusal(StatusCodes.FORBIDDEN, "token_invalid", "token does not match (it is now spent)");
      return null;
    });
  }

  private HttpResponse accept(WebSocketUpgrade upgrade, BridgeConnection connection, String agentId, String sessionId) {
    bridge.metrics().connection("accepted");
    connection.log("handshake", "accepted", "bridge socket accepted");
    // If the client vanished before pekko-http started the socket's stream, nothing else frees it.
    system.scheduler().scheduleOnce(settings.handshakeTimeout(), connection::abandonIfNotStarted, system.executionContext());
    return io.lifeguard.node.websocket.WebSocketUpgrade.upgrade(upgrade, connection.flow(), websocketLayers);
  }

  private CompletionStage<HttpResponse> health() {
    Map<String, Object> body = new LinkedHashMap<>();
    if (bridge == null) {
      body.put("status", "unavailable");
      body.put("reason", "bridge_disabled");
      return CompletableFuture.completedFuture(Json.response(StatusCodes.SERVICE_UNAVAILABLE, body));
    }
    CompletableFuture<String> ping;
    try {
      ping = bridge.redis().commands().async().ping().toCompletableFuture();
    } catch (RuntimeException e) {
      ping = CompletableFuture.failedFuture(e);
    }
    return ping.orTimeout(1, TimeUnit.SECONDS).handle((pong, failure) -> {
      boolean redis = failure == null && bridge.redis().connected();
      body.put("status", redis ? "ok" : "unavailable");
      body.put("redis", redis);
      body.put("accepting", bridge.accepting());
      body.put("connections", bridge.limits().open());
      body.put("channels", bridge.redis().channelCount());
      return Json.response(redis ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body);
    });
  }

  static Optional<String> bearer(String header) {
    var m = BEARER.matcher(header.strip());
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static Refusal refusal(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) cause = cause.getCause();
    if (cause instanceof Refusal r) return r;
    if (cause instanceof TimeoutException) return new Refusal(StatusCodes.GATEWAY_TIMEOUT, "redis_timeout", "Redis did not answer in time");
    return new Refusal(StatusCodes.SERVICE_UNAVAILABLE, "redis_unavailable", "Redis is not reachable");
  }

  private CompletionStage<HttpResponse> refuse(StatusCode status, String code, String message, String agentId, String sessionId) {
    return CompletableFuture.completedFuture(refusal(new Refusal(status, code, message), agentId, sessionId));
  }

  private HttpResponse refusal(Refusal refusal, String agentId, String sessionId) {
    if (bridge != null) bridge.metrics().connection(refusal.code);
    BridgeLog.info(log, sessionId, agentId, "handshake", refusal.code, "bridge upgrade refused with {}", refusal.status.intValue());
    HttpResponse response = Json.error(refusal.status, refusal.code, refusal.getMessage());
    return refusal.status.intValue() == 401 ? response.addHeader(CHALLENGE) : response;
  }

  /** A refused upgrade: status, machine-readable code, human message. */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient StatusCode status;
    final String code;

    Refusal(StatusCode status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code.toLowerCase(Locale.ROOT);
    }
  }
}
