package io.lifeguard.protocol;

/**
 * Flags carried in the server hello's {@code features_bitmap} and the token's {@code
 * feature_bits}. Unknown bits must be ignored so that servers can add features.
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

  private FeatureBits() {}

  /** True when every bit of {@code flag} is set in {@code bits}. */
  public static boolean has(long bits, long flag) {
    return (bits & flag) == flag;
  }
}
