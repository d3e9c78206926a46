package io.lifeguard.protocol.token;

import io.lifeguard.protocol.CloseReason;

/**
 * Thrown by {@link TokenVerifier} when a token must be refused. {@link #reason()} says why and
 * {@link #closeReason()} how the connection is closed. Messages never contain the token.
 */
public final class TokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a token was refused. */
  public enum Reason {
    MALFORMED,
    /** Any {@code alg} other than EdDSA, including {@code none} and HMAC algorithms. */
    UNSUPPORTED_ALGORITHM,
    UNKNOWN_KID,
    BAD_SIGNATURE,
    EXPIRED,
    /** {@code iat} lies further in the future than the allowed clock skew. */
    NOT_YET_VALID,
    LIFETIME_TOO_LONG,
    WRONG_SESSION,
    WRONG_ROLE,
    /** Longer than {@link TokenVerifier#MAX_TOKEN_CHARS}. */
    OVERSIZED,
    MISSING_CLAIM;

    /** Close reason a server uses when it refuses a hello for this reason. */
    public CloseReason closeReason() {
      switch (this) {
        case EXPIRED:
          return CloseReason.TOKEN_EXPIRED;
        case WRONG_SESSION:
          return CloseReason.SESSION_MISMATCH;
        case WRONG_ROLE:
          return CloseReason.FORBIDDEN_ROLE;
        default:
          return CloseReason.AUTH_FAILED;
      }
    }
  }

  private final Reason reason;

  public TokenException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public CloseReason closeReason() {
    return reason.closeReason();
  }
}
