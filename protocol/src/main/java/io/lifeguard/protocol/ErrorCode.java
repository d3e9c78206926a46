package io.lifeguard.protocol;

/**
 * Why a message was rejected. Each code names the {@link CloseReason} a server should close the
 * connection with, so that every rejection ends with a listed close code.
 */
public enum ErrorCode {
  /** Fewer than 8 bytes where a frame header was expected. */
  TRUNCATED_HEADER(CloseReason.PROTOCOL_ERROR),
  /** Header version byte is not {@link FrameCodec#VERSION}; hello protocol_version unsupported. */
  UNKNOWN_VERSION(CloseReason.PROTOCOL_ERROR),
  /** Header kind byte is not 0..3. */
  UNKNOWN_KIND(CloseReason.PROTOCOL_ERROR),
  /** payload_len disagrees with the number of bytes that follow the header. */
  LENGTH_MISMATCH(CloseReason.PROTOCOL_ERROR),
  /** A frame body above {@link FrameCodec#MAX_BODY} or a hello above the hello limit. */
  OVERSIZED(CloseReason.MESSAGE_TOO_BIG),
  /** A hello that is not valid JSON, misses a field, has a wrong type or a bad value. */
  MALFORMED_HELLO(CloseReason.PROTOCOL_ERROR),
  /** A role name no {@link Role} matches. */
  UNKNOWN_ROLE(CloseReason.FORBIDDEN_ROLE),
  /** A compression name no {@link Compression} matches. */
  UNSUPPORTED_COMPRESSION(CloseReason.UNSUPPORTED_DATA),
  /** An AEAD tag did not verify: wrong key, or the frame was altered. */
  AUTH_TAG_FAILED(CloseReason.PROTOCOL_ERROR),
  /** A sealed frame's seq is not above the last accepted one (replay or reorder). */
  REPLAYED_SEQUENCE(CloseReason.PROTOCOL_ERROR),
  /** A CLOSE frame body that is shorter than 2 bytes or not UTF-8. */
  MALFORMED_CLOSE(CloseReason.PROTOCOL_ERROR),
  /** A sealed body or key announce that does not follow the envelope layout. */
  MALFORMED_ENVELOPE(CloseReason.PROTOCOL_ERROR),
  /** A sealed frame names a key id no known sender epoch matches. */
  UNKNOWN_SENDER_KEY(CloseReason.PROTOCOL_ERROR),
  /** A text WebSocket message where only binary messages are allowed. */
  TEXT_MESSAGE(CloseReason.UNSUPPORTED_DATA),
  /** A sender ran out of epochs; it must reconnect to get fresh nonces. */
  SEQUENCE_EXHAUSTED(CloseReason.INTERNAL_ERROR);

  private final CloseReason closeReason;

  ErrorCode(CloseReason closeReason) {
    this.closeReason = closeReason;
  }

  /** The close reason a server uses when it rejects a connection for this error. */
  public CloseReason closeReason() {
    return closeReason;
  }
}
