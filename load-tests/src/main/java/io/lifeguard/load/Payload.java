package io.lifeguard.load;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The benchmark payload: one JSON object with a sequence number and a send timestamp at fixed
 * offsets, padded to a size. Fixed-width digits in strings (a number may not have leading zeros)
 * so a receiver reads both without parsing JSON; valid JSON so the bridge accepts it; ASCII so a
 * server that turns it into a text frame (nchan) delivers the same bytes.
 *
 * <pre>{"s":"0000000042","t":"0000000001234567890","p":"xxxx…"}</pre>
 */
final class Payload {
  static final int SEQ_AT = 6;
  static final int SEQ_DIGITS = 10;
  static final int TIME_AT = SEQ_AT + SEQ_DIGITS + 7;
  static final int TIME_DIGITS = 19;
  /** The smallest payload: the two fields and an empty pad. */
  static final int MIN_BYTES = TIME_AT + TIME_DIGITS + 9;

  private Payload() {}

  /** A payload of exactly {@code bytes} bytes (at least {@link #MIN_BYTES}). */
  static byte[] encode(long seq, long nanos, int bytes) {
    byte[] out = new byte[Math.max(MIN_BYTES, bytes)];
    Arrays.fill(out, (byte) 'x');
    put(out, 0, "{\"s\":\"");
    digits(out, SEQ_AT, SEQ_DIGITS, seq);
    put(out, SEQ_AT + SEQ_DIGITS, "\",\"t\":\"");
    digits(out, TIME_AT, TIME_DIGITS, nanos);
    put(out, TIME_AT + TIME_DIGITS, "\",\"p\":\"");
    put(out, out.length - 2, "\"}");
    return out;
  }

  static long seq(ByteBuf content, int offset) {
    return read(content, content.readerIndex() + offset + SEQ_AT, SEQ_DIGITS);
  }

  static long nanos(ByteBuf content, int offset) {
    return read(content, content.readerIndex() + offset + TIME_AT, TIME_DIGITS);
  }

  /** True when {@code content} holds a payload starting at {@code offset}. */
  static boolean looksLike(ByteBuf content, int offset) {
    return content.readableBytes() >= offset + MIN_BYTES && content.getByte(content.readerIndex() + offset) == '{'
        && content.getByte(content.readerIndex() + offset + 2) == 's';
  }

  private static long read(ByteBuf content, int at, int length) {
    long value = 0;
    for (int i = 0; i < length; i++) value = value * 10 + (content.getByte(at + i) - '0');
    return value;
  }

  private static void put(byte[] out, int at, String text) {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, out, at, b.length);
  }

  private static void digits(byte[] out, int at, int length, long value) {
    long v = value;
    for (int i = length - 1; i >= 0; i--) {
      out[at + i] = (byte) ('0' + v % 10);
      v /= 10;
    }
  }
}
