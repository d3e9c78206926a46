package io.lifeguard.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Utf8Text}: what it accepts and refuses is exactly what a strict UTF-8 decoder does. */
class Utf8TextTest {

  @Test
  void decodesAsciiAndMultiByteTextAtEveryOffsetOfTheEightByteStride() {
    for (String sample : new String[] {"", "a", "{\"k\":\"value\"}", "héllo", "€uro", "😀 emoji", "日本語のテキスト"}) {
      for (int pad = 0; pad < 9; pad++) {
        String text = "x".repeat(pad) + sample + "y".repeat(pad);
        assertEquals(text, decode(text.getBytes(StandardCharsets.UTF_8)), text);
      }
    }
  }

  @Test
  void refusesWhatIsNotUtf8WhereverItSits() {
    byte[][] invalid = {
        {(byte) 0xC3, 0x28}, // bad continuation
        {(byte) 0xC0, (byte) 0xAF}, // overlong
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a UTF-16 surrogate
        {(byte) 0xE2, (byte) 0x82}, // truncated
        {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, // five-byte form
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
        {(byte) 0x80}, // a lone continuation byte
    };
    for (byte[] bad : invalid) {
      for (int pad = 0; pad < 9; pad++) {
        byte[] bytes = new byte[pad + bad.length + 3];
        java.util.Arrays.fill(bytes, (byte) 'a');
        System.arraycopy(bad, 0, bytes, pad, bad.length);
        assertNull(decode(bytes), "refused at offset " + pad);
      }
    }
  }

  @Test
  void agreesWithTheJdksStrictDecoderOnRandomBytes() {
    Random random = new Random(13);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[random.nextInt(40)];
      random.nextBytes(bytes);
      // Mostly ASCII with a few high bytes, so that both outcomes are common.
      for (int k = 0; k < bytes.length; k++) if (random.nextInt(4) != 0) bytes[k] &= 0x7F;
      assertEquals(strict(bytes), decode(bytes), "case " + i);
    }
  }

  /** Through a pooled direct buffer, as the edge's frames are, read from a non-zero index. */
  private static String decode(byte[] bytes) {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length + 3);
    try {
      buf.writeBytes(new byte[] {1, 2, 3}).writeBytes(bytes).skipBytes(3);
      String direct = Utf8Text.decode(buf);
      assertEquals(direct, Utf8Text.decode(Unpooled.wrappedBuffer(bytes)), "heap and direct agree");
      return direct;
    } finally {
      buf.release();
    }
  }

  private static String strict(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
