package io.lifeguard.protocol;

import java.nio.ByteBuffer;

/**
 * Binary frame encoding. One WebSocket binary message carries exactly one frame:
 *
 * <pre>
 * offset 0  u8  version       (1)
 * offset 1  u8  kind          (0 control, 1 data, 2 heartbeat, 3 close)
 * offset 2  u16 payload_len   big-endian, equals message length - 8
 * offset 4  u32 seq           big-endian
 * offset 8  payload_len bytes of body
 * </pre>
 *
 * Decoding checks, in this order: at least 8 bytes ({@link ErrorCode#TRUNCATED_HEADER}), total
 * size at most {@code 8 + MAX_BODY} ({@link ErrorCode#OVERSIZED}), version ({@link
 * ErrorCode#UNKNOWN_VERSION}), kind ({@link ErrorCode#UNKNOWN_KIND}), then payload_len against
 * the remaining bytes ({@link ErrorCode#LENGTH_MISMATCH}). A JSON hello starts with '{' (0x7B),
 * which is never a valid version, so a hello can never decode as a frame.
 */
public final class FrameCodec {
  public static final int HEADER_LENGTH = 8;
  public static final int VERSION = 1;
  public static final int MAX_BODY = 65535;

  private FrameCodec() {}

  /**
   * Encodes a frame into a new array.
   *
   * @throws ProtocolException {@link ErrorCode#OVERSIZED} when the body exceeds {@link
   *     #MAX_BODY}
   */
  public static byte[] encode(Frame frame) {
    byte[] body = frame.body();
    if (body.length > MAX_BODY) {
      throw new ProtocolException(
          ErrorCode.OVERSIZED, "body of " + body.length + " bytes exceeds " + MAX_BODY);
    }
    byte[] message = new byte[HEADER_LENGTH + body.length];
    writeHeader(message, frame.version(), frame.kind(), body.length, frame.seq());
    System.arraycopy(body, 0, message, HEADER_LENGTH, body.length);
    return message;
  }

  /** Writes the 8 header bytes at the start of {@code target}; also used to build AEAD AAD. */
  public static void writeHeader(
      byte[] target, int version, FrameKind kind, int payloadLength, long seq) {
    target[0] = (byte) version;
    target[1] = (byte) kind.code();
    target[2] = (byte) (payloadLength >>> 8);
    target[3] = (byte) payloadLength;
    target[4] = (byte) (seq >>> 24);
    target[5] = (byte) (seq >>> 16);
    target[6] = (byte) (seq >>> 8);
    target[7] = (byte) seq;
  }

  /**
   * Reads and validates the header of a whole message without copying the body.
   *
   * @throws ProtocolException with the codes listed on the class
   */
  public static FrameHeader peekHeader(byte[] message) {
    return peekHeader(ByteBuffer.wrap(message));
  }

  /**
   * Reads and validates the header at the buffer's position; the position is not moved and the
   * remaining bytes must be exactly one frame.
   *
   * @throws ProtocolException with the codes listed on the class
   */
  public static FrameHeader peekHeader(ByteBuffer message) {
    int start = message.position();
    int available = message.remaining();
    if (available < HEADER_LENGTH) {
      throw new ProtocolException(
          ErrorCode.TRUNCATED_HEADER, "message of " + available + " bytes has no full header");
    }
    if (available > HEADER_LENGTH + MAX_BODY) {
      throw new ProtocolException(
          ErrorCode.OVERSIZED, "message of " + available + " bytes exceeds the frame limit");
    }
    int version = message.get(start) & 0xFF;
    if (version != VERSION) {
      throw new ProtocolException(ErrorCode.UNKNOWN_VERSION, "unknown frame version " + version);
    }
    FrameKind kind = FrameKind.fromCode(message.get(start + 1) & 0xFF);
    // Absolute single-byte reads: the caller's buffer may be set to little-endian order.
    int payloadLength = (message.get(start + 2) & 0xFF) << 8 | (message.get(start + 3) & 0xFF);
    long seq = 0;
    for (int i = 4; i < HEADER_LENGTH; i++) {
      seq = seq << 8 | (message.get(start + i) & 0xFF);
    }
    int actual = available - HEADER_LENGTH;
    if (payloadLength != actual) {
      throw new ProtocolException(
          ErrorCode.LENGTH_MISMATCH,
          "header announces " + payloadLength + " body bytes but " + actual + " follow");
    }
    return new FrameHeader(version, kind, payloadLength, seq);
  }

  /**
   * Decodes one whole message.
   *
   * @throws ProtocolException with the codes listed on the class
   */
  public static Frame decode(byte[] message) {
    return decode(ByteBuffer.wrap(message));
  }

  /**
   * Decodes the buffer's remaining bytes as one frame, consuming them.
   *
   * @throws ProtocolException with the codes listed on the class
   */
  public static Frame decode(ByteBuffer message) {
    FrameHeader header = peekHeader(message);
    byte[] body = new byte[header.payloadLength()];
    message.position(message.position() + HEADER_LENGTH);
    message.get(body);
    return new Frame(header.version(), header.kind(), header.seq(), body);
  }
}
