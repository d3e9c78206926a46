package io.lifeguard.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * Every reason a Lifeguard connection may end with: the WebSocket close code, whether a client may
 * reconnect automatically, and a wire name. Codes follow Centrifugo's split: 4000–4499 allow a
 * reconnect, 4500–4999 do not; standard codes below 4000 carry their own flag.
 */
public enum CloseReason {
  NORMAL(1000, false),
  SERVER_SHUTDOWN(1001, true),
  PROTOCOL_ERROR(1002, false),
  UNSUPPORTED_DATA(1003, false),
  POLICY_VIOLATION(1008, false),
  MESSAGE_TOO_BIG(1009, false),
  INTERNAL_ERROR(1011, true),
  TRY_AGAIN_LATER(1013, true),
  HEARTBEAT_TIMEOUT(4000, true),
  IDLE_TIMEOUT(4001, true),
  /** Reconnect allowed, but clients must back off first. */
  RATE_LIMITED(4002, true),
  NODE_FULL(4003, true),
  HANDSHAKE_TIMEOUT(4004, true),
  SLOW_CONSUMER(4005, true),
  AUTH_FAILED(4500, false),
  /** The client should fetch a new token before trying again. */
  TOKEN_EXPIRED(4501, false),
  SESSION_MISMATCH(4502, false),
  GUARDRAIL_TRIPPED(4503, false),
  FALLBACK_PAUSED(4504, false),
  SESSION_FULL(4505, false),
  SESSION_CLOSED(4506, false),
  DUPLICATE_HELLO(4507, false),
  FORBIDDEN_ROLE(4508, false);

  private final int wsCode;
  private final boolean reconnect;
  private final String wireName = name().toLowerCase(Locale.ROOT);

  CloseReason(int wsCode, boolean reconnect) {
    this.wsCode = wsCode;
    this.reconnect = reconnect;
  }

  /** The WebSocket close status code. */
  public int wsCode() {
    return wsCode;
  }

  /** Whether a client may reconnect automatically (with backoff) after this close. */
  public boolean reconnect() {
    return reconnect;
  }

  /** Lowercase name, e.g. {@code "guardrail_tripped"}, used as WebSocket close text. */
  public String wireName() {
    return wireName;
  }

  /** Finds the reason for a close code; empty for codes this table does not list. */
  public static Optional<CloseReason> fromWsCode(int wsCode) {
    for (CloseReason reason : values()) {
      if (reason.wsCode == wsCode) {
        return Optional.of(reason);
      }
    }
    return Optional.empty();
  }

  /**
   * Like {@link #fromWsCode} but never empty, so a client built today still behaves sensibly when
   * a newer server sends a code it does not know: unknown 4500–4999 maps to {@link
   * #POLICY_VIOLATION} (no reconnect), unknown 1002/1003/1007/1008/1009/1010 style protocol
   * codes and anything else in 1000–3999 to {@link #PROTOCOL_ERROR}, unknown 4000–4499 and
   * 1005/1006 (no status, abnormal closure) to {@link #TRY_AGAIN_LATER} (reconnect).
   */
  public static CloseReason fromWsCodeOrFallback(int wsCode) {
    Optional<CloseReason> known = fromWsCode(wsCode);
    if (known.isPresent()) {
      return known.get();
    }
    if (wsCode >= 4500 && wsCode <= 4999) {
      return POLICY_VIOLATION;
    }
    if ((wsCode >= 4000 && wsCode <= 4499) || wsCode == 1005 || wsCode == 1006) {
      return TRY_AGAIN_LATER;
    }
    return PROTOCOL_ERROR;
  }

  /** Finds a reason by its wire name; empty if none matches. */
  public static Optional<CloseReason> fromWire(String wireName) {
    for (CloseReason reason : values()) {
      if (reason.wireName.equals(wireName)) {
        return Optional.of(reason);
      }
    }
    return Optional.empty();
  }
}
