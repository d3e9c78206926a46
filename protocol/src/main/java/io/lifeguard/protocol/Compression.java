package io.lifeguard.protocol;

/**
 * Payload compression a client asks for in its hello. BROTLI is a negotiation hint only: the JDK
 * has no brotli codec and this module adds no native dependency, so servers built on it answer
 * {@link #NONE} unless configured otherwise, and peers never compress in this protocol version.
 */
public enum Compression {
  NONE("none"),
  BROTLI("brotli");

  private final String wireName;

  Compression(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire name.
   *
   * @throws ProtocolException with {@link ErrorCode#UNSUPPORTED_COMPRESSION} for other names
   */
  public static Compression fromWire(String wireName) {
    for (Compression compression : values()) {
      if (compression.wireName.equals(wireName)) {
        return compression;
      }
    }
    throw new ProtocolException(
        ErrorCode.UNSUPPORTED_COMPRESSION, "unknown compression: " + Role.abbreviate(wireName));
  }
}
