package io.lifeguard.node.bridge;

import io.lifeguard.node.edge.EdgeRequest;
import io.lifeguard.node.edge.EdgeRoute;
import io.lifeguard.node.edge.EdgeUpgrade;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /{agent_id}/ws/{session_id}} on the edge port, the bridge upgrade. It answers 101 only
 * after the one-time token was taken from Redis and the down channel's subscription was confirmed;
 * every refusal is a JSON error body with a precise status (see docs/bridge.md).
 */
final class BridgeEdgeRoute implements EdgeRoute {
  private static final Logger log = LoggerFactory.getLogger(BridgeEdgeRoute.class);
  // Ids end up in Redis keys and channel names: no ':' and no glob characters.
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final Pattern BEARER = Pattern.compile("(?i)bearer ([A-Za-z0-9._~+/-]+=*)");
  private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"lifeguard-bridge\"");

  private final BridgeSettings settings;
  private final Bridge bridge;

  /** {@code bridge} is null when this node does not run the bridge. */
  BridgeEdgeRoute(BridgeSettings settings, Bridge bridge) {
    this.settings = settings;
    this.bridge = bridge;
  }

  @Override
  public boolean matches(List<String> segments) {
    return segments.size() == 3 && segments.get(1).equals("ws");
  }

  @Override
  public CompletionStage<EdgeUpgrade> upgrade(EdgeRequest request) {
    String agentId = request.segments().get(0);
    String sessionId = request.segments().get(2);
    if (bridge == null) return refuse(503, "bridge_disabled", "this node does not run the bridge", agentId, sessionId);
    if (!ID.matcher(agentId).matches() || !ID.matcher(sessionId).matches()) {
      return refuse(400, "invalid_id", "agent_id and session_id must match " + ID.pattern(), "-", "-");
    }
    if (!request.isUpgrade()) return refuse(400, "websocket_upgrade_required", "this path only accepts WebSocket upgrades", agentId, sessionId);
    if (!bridge.limits().tryRate(request.clientAddress())) {
      return CompletableFuture.completedFuture(refusal(
          new Refusal(429, "rate_limited", "too many upgrades from this address"), Map.of("Retry-After", "1"), agentId, sessionId));
    }
    Optional<String> token = request.header("Authorization").flatMap(BridgeEdgeRoute::bearer);
    if (token.isEmpty()) return refuse(401, "missing_token", "Authorization: Bearer <token> required", agentId, sessionId);
    if (!bridge.accepting()) return refuse(503, "shutting_down", "node is shutting down", agentId, sessionId);
    if (!bridge.redis().connected()) return refuse(503, "redis_unavailable", "Redis is not reachable", agentId, sessionId);
    if (!bridge.limits().tryReserve()) return refuse(503, "too_many_connections", "node is at its connection limit", agentId, sessionId);

    BridgeConnection connection = bridge.connection(agentId, sessionId);
    return takeToken(sessionId, token.get())
        .thenCompose(ok -> connection.subscribe())
        .toCompletableFuture()
        .orTimeout(settings.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle((ok, failure) -> {
          if (failure == null && bridge.accepting()) return accept(connection, agentId, sessionId);
          connection.stopped();
          Refusal refusal = failure == null ? new Refusal(503, "shutting_down", "node is shutting down") : refusal(failure);
          if ("redis_timeout".equals(refusal.code) || "redis_unavailable".equals(refusal.code)) bridge.metrics().error(refusal.code);
          return refusal(refusal, Map.of(), agentId, sessionId);
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
      if (value == null) throw new Refusal(401, "token_missing", "no token for this session (never issued, expired or already used)");
      byte[] expected = value.getBytes(StandardCharsets.UTF_8);
      byte[] actual = presented.getBytes(StandardCharsets.UTF_8);
      if (!MessageDigest.isEqual(expected, actual)) throw new Refusal(403, "token_invalid", "token does not match (it is now spent)");
      return null;
    });
  }

  private EdgeUpgrade accept(BridgeConnection connection, String agentId, String sessionId) {
    bridge.metrics().connection("accepted");
    BridgeLog.debug(log, sessionId, agentId, "handshake", "accepted", "bridge socket accepted");
    return new EdgeUpgrade.Accept(settings.maxMessageBytes(), Integer.MAX_VALUE, connection::attach);
  }

  static Optional<String> bearer(String header) {
    var m = BEARER.matcher(header.strip());
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static Refusal refusal(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) cause = cause.getCause();
    if (cause instanceof Refusal r) return r;
    if (cause instanceof TimeoutException) return new Refusal(504, "redis_timeout", "Redis did not answer in time");
    return new Refusal(503, "redis_unavailable", "Redis is not reachable");
  }

  private CompletionStage<EdgeUpgrade> refuse(int status, String code, String message, String agentId, String sessionId) {
    return CompletableFuture.completedFuture(refusal(new Refusal(status, code, message), Map.of(), agentId, sessionId));
  }

  private EdgeUpgrade refusal(Refusal refusal, Map<String, String> headers, String agentId, String sessionId) {
    if (bridge != null) bridge.metrics().connection(refusal.code);
    BridgeLog.info(log, sessionId, agentId, "handshake", refusal.code, "bridge upgrade refused with {}", refusal.status);
    Map<String, String> all = refusal.status == 401 ? CHALLENGE : headers;
    return new EdgeUpgrade.Refuse(refusal.status, refusal.code, refusal.getMessage(), all);
  }

  /** A refused upgrade: status, machine-readable code, human message. */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;

    Refusal(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code.toLowerCase(Locale.ROOT);
    }
  }
}
