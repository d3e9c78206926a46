package io.lifeguard.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One Lifeguard frame: header fields plus an opaque body. For CONTROL and DATA frames between
 * peers that share a key, the body is a sealed envelope (see {@code crypto.FrameSealer}); the relay
 * never looks inside. HEARTBEAT bodies are empty. CLOSE bodies are never encrypted, because the
 * relay and the host must read the reason without a key: they hold the reason's close code as a
 * big-endian u16 followed by its UTF-8 wire name.
 *
 * <p>The body array is handed over, not copied, because the relay moves many frames; do not
 * modify it after construction. Equality and hash code compare the body's content.
 *
 * @param version header version byte, 0..255 (only {@link FrameCodec#VERSION} decodes)
 * @param kind frame kind
 * @param seq unsigned 32-bit sequence number, 0..0xFFFFFFFF
 * @param body the payload bytes; its length is checked by {@link FrameCodec#encode}
 */
public record Frame(int version, FrameKind kind, long seq, byte[] body) {

  /** Largest valid sequence number (u32). */
  public static final long MAX_SEQ = 0xFFFF_FFFFL;

  private static final byte[] EMPTY = new byte[0];

  /**
   * @throws IllegalArgumentException for a version outside 0..255 or a seq outside u32
   * @throws NullPointerException for a null kind or body
   */
  public Frame {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(body, "body");
    if (version < 0 || version > 255) {
      throw new IllegalArgumentException("version must be an unsigned byte: " + version);
    }
    if (seq < 0 || seq > MAX_SEQ) {
      throw new IllegalArgumentException("seq must be an unsigned 32-bit value: " + seq);
    }
  }

  /** A frame of the current {@link FrameCodec#VERSION}. */
  public static Frame of(FrameKind kind, long seq, byte[] body) {
    return new Frame(FrameCodec.VERSION, kind, seq, body);
  }

  /** A heartbeat: empty body, never encrypted. */
  public static Frame heartbeat(long seq) {
    return of(FrameKind.HEARTBEAT, seq, EMPTY);
  }

  /** A close frame carrying {@code reason} in clear (code u16 big-endian + UTF-8 wire name). */
  public static Frame close(long seq, CloseReason reason) {
    byte[] name = reason.wireName().getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(2 + name.length);
    body.putShort((short) reason.wsCode()).put(name);
    return of(FrameKind.CLOSE, seq, body.array());
  }

  /**
   * Reads the reason of a CLOSE frame. The code decides; the name is informational, and an
   * unknown code maps through {@link CloseReason#fromWsCodeOrFallback}.
   *
   * @throws ProtocolException {@link ErrorCode#MALFORMED_CLOSE} if this is not a CLOSE frame, the
   *     body is shorter than 2 bytes, or the name is not valid UTF-8
   */
  public CloseReason closeReason() {
    if (kind != FrameKind.CLOSE) {
      throw new ProtocolException(ErrorCode.MALFORMED_CLOSE, "not a close frame: " + kind);
    }
    if (body.length < 2) {
      throw new ProtocolException(ErrorCode.MALFORMED_CLOSE, "close body shorter than 2 bytes");
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body, 2, body.length - 2));
    } catch (CharacterCodingException e) {
      throw new ProtocolException(ErrorCode.MALFORMED_CLOSE, "close reason name is not UTF-8");
    }
    int code = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
    return CloseReason.fromWsCodeOrFallback(code);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Frame that
        && version == that.version
        && kind == that.kind
        && seq == that.seq
        && Arrays.equals(body, that.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, kind, seq) * 31 + Arrays.hashCode(body);
  }

  /** Never prints the body: it may be sensitive, and it may be large. */
  @Override
  public String toString() {
    return "Frame[version=" + version + ", kind=" + kind + ", seq=" + seq
        + ", bodyLength=" + body.length + "]";
  }
}
