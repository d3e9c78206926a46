package io.lifeguard.node.bridge;

/**
 * Why the bridge ends a socket, with the WebSocket close code it intends and whether a client
 * should reconnect. Every server-side close goes through {@link Outbox#closeWith}, which sends
 * {@code {"type":"error","code":<code>,"reason":"<reason>","retry":<retry>}} before closing.
 *
 * <p>A reconnect always needs a fresh one-time token from the backend: the previous one was spent.
 */
public enum CloseReason {
  /** The node is shutting down; reconnect (the load balancer picks another node). */
  SERVER_SHUTDOWN(1001, "server_shutdown", true),
  /** The client sent nothing for {@code lifeguard.bridge.idle-timeout}. */
  IDLE_TIMEOUT(1001, "idle_timeout", true),
  /** A binary message: the bridge carries JSON text only. Do not retry unchanged. */
  BINARY_NOT_SUPPORTED(1003, "binary_not_supported", false),
  /** A text message that is not exactly one JSON value. Do not retry unchanged. */
  INVALID_JSON(1007, "invalid_json", false),
  /** The client read too slowly and its send buffer filled; messages were dropped. */
  SLOW_CONSUMER(1008, "slow_consumer", true),
  /** A text message above {@code lifeguard.bridge.max-message-size}. Do not retry unchanged. */
  MESSAGE_TOO_LARGE(1009, "message_too_large", false),
  /** A bug or an unexpected failure on the node; retry with backoff. */
  INTERNAL_ERROR(1011, "internal_error", true),
  /**
   * Redis was lost (pub/sub disconnected or a PUBLISH failed): messages published meanwhile are
   * gone, so the socket is closed rather than silently missing them. Retry with backoff.
   */
  REDIS_UNAVAILABLE(1013, "redis_unavailable", true);

  private final int code;
  private final String reason;
  private final boolean retry;

  CloseReason(int code, String reason, boolean retry) {
    this.code = code;
    this.reason = reason;
    this.retry = retry;
  }

  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  public boolean retry() {
    return retry;
  }
}
