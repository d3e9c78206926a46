package io.lifeguard.protocol;

/**
 * Flags carried in the server hello's {@code features_bitmap}, the token's {@code feature_bits}
 * and the client hello's {@code features} (only {@link #CLIENT_REQUESTABLE} there). Unknown bits must be ignored so that servers can add features.
 */
public final class FeatureBits {
  /** The session may use the WebSocket fallback at all. */
  public static final long FALLBACK_AUTHORIZED = 1L << 0;
  /** The client opted in to telemetry. */
  public static final long TELEMETRY = 1L << 1;
  /** The fallback activation budget is in soft breach; connection allowed but tagged. */
  public static final long GUARDRAIL_SOFT_BREACH = 1L << 2;
  /** Brotli compression was negotiated (never set by servers built on this module). */
  public static final long COMPRESSION_BROTLI = 1L << 3;
  /** Peers seal frames with ChaCha20-Poly1305 instead of AES-256-GCM. */
  public static final long E2E_CHACHA20 = 1L << 4;
  /**
   * The client answers each of the node's heartbeats instead of keeping its own timer (protocol
   * section 5). Asked for in the client hello's {@code features}, granted in the server hello.
   */
  public static final long HEARTBEAT_ANSWER = 1L << 5;
  /** The bits a client may ask for in its hello; the node grants them, never the token. */
  public static final long CLIENT_REQUESTABLE = HEARTBEAT_ANSWER;

  private FeatureBits() {}

  /** True when every bit of {@code flag} is set in {@code bits}. */
  public static boolean has(long bits, long flag) {
    return (bits & flag) == flag;
  }
}
