package io.lifeguard.protocol;

/**
 * Thrown by every decoder, codec and frame opener in this module when input violates the wire
 * protocol. {@link #code()} says what was wrong and, through {@link ErrorCode#closeReason()},
 * how a server should close the connection. Messages never contain key material or token text.
 */
public final class ProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public ProtocolException(ErrorCode code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  /** Shortcut for {@code code().closeReason()}. */
  public CloseReason closeReason() {
    return code.closeReason();
  }
}
