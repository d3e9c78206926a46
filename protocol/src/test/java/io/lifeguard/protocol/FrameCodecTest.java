package io.lifeguard.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  static ErrorCode codeOf(Runnable action) {
    return Errors.codeOf(action);
  }

  @Test
  void encodesHeaderBigEndian() {
    byte[] message = FrameCodec.encode(Frame.of(FrameKind.DATA, 0xA1B2C3D4L, new byte[] {1, 2, 3}));
    assertEquals("01010003a1b2c3d4010203", HEX.formatHex(message));
  }

  @Test
  void decodesWhatItEncodes() {
    Frame frame = Frame.of(FrameKind.CONTROL, Frame.MAX_SEQ, new byte[] {9, 8});
    assertEquals(frame, FrameCodec.decode(FrameCodec.encode(frame)));
    assertEquals(frame, FrameCodec.decode(ByteBuffer.wrap(FrameCodec.encode(frame))));
  }

  @Test
  void peekHeaderIgnoresBufferByteOrder() {
    byte[] message = FrameCodec.encode(Frame.of(FrameKind.DATA, 258, new byte[300]));
    ByteBuffer buffer = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(new FrameHeader(1, FrameKind.DATA, 300, 258), FrameCodec.peekHeader(buffer));
    assertEquals(0, buffer.position());
  }

  @Test
  void rejectsEveryMalformedHeader() {
    assertEquals(ErrorCode.TRUNCATED_HEADER, codeOf(() -> FrameCodec.decode(new byte[0])));
    assertEquals(ErrorCode.TRUNCATED_HEADER, codeOf(() -> FrameCodec.decode(HEX.parseHex("01010000000000"))));
    assertEquals(ErrorCode.UNKNOWN_VERSION, codeOf(() -> FrameCodec.decode(HEX.parseHex("0201000000000000"))));
    assertEquals(ErrorCode.UNKNOWN_VERSION, codeOf(() -> FrameCodec.decode(HEX.parseHex("0001000000000000"))));
    assertEquals(ErrorCode.UNKNOWN_KIND, codeOf(() -> FrameCodec.decode(HEX.parseHex("0104000000000000"))));
    assertEquals(ErrorCode.UNKNOWN_KIND, codeOf(() -> FrameCodec.decode(HEX.parseHex("01ff000000000000"))));
    // payload_len larger than the data that follows
    assertEquals(ErrorCode.LENGTH_MISMATCH, codeOf(() -> FrameCodec.decode(HEX.parseHex("010100030000000001"))));
    // payload_len smaller than the data that follows
    assertEquals(ErrorCode.LENGTH_MISMATCH, codeOf(() -> FrameCodec.decode(HEX.parseHex("01010001000000000102"))));
    assertEquals(ErrorCode.OVERSIZED, codeOf(() -> FrameCodec.decode(new byte[FrameCodec.HEADER_LENGTH + FrameCodec.MAX_BODY + 1])));
  }

  @Test
  void aHelloIsNeverAFrame() {
    assertEquals(ErrorCode.UNKNOWN_VERSION, codeOf(() -> FrameCodec.decode("{\"type\":\"x\"}".getBytes())));
  }

  @Test
  void encodeRejectsOversizedBody() {
    Frame big = Frame.of(FrameKind.DATA, 1, new byte[FrameCodec.MAX_BODY + 1]);
    assertEquals(ErrorCode.OVERSIZED, codeOf(() -> FrameCodec.encode(big)));
    assertEquals(FrameCodec.HEADER_LENGTH + FrameCodec.MAX_BODY,
        FrameCodec.encode(Frame.of(FrameKind.DATA, 1, new byte[FrameCodec.MAX_BODY])).length);
  }

  @Test
  void frameValidatesFields() {
    assertThrows(IllegalArgumentException.class, () -> Frame.of(FrameKind.DATA, -1, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> Frame.of(FrameKind.DATA, 1L << 32, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> new Frame(256, FrameKind.DATA, 0, new byte[0]));
  }

  @Test
  void equalityUsesBodyContentAndToStringHidesBody() {
    Frame a = Frame.of(FrameKind.DATA, 5, new byte[] {42, 43});
    Frame b = Frame.of(FrameKind.DATA, 5, new byte[] {42, 43});
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, Frame.of(FrameKind.DATA, 5, new byte[] {42, 44}));
    assertEquals("Frame[version=1, kind=DATA, seq=5, bodyLength=2]", a.toString());
  }

  @Test
  void heartbeatIsEmpty() {
    assertEquals("0102000000000007", HEX.formatHex(FrameCodec.encode(Frame.heartbeat(7))));
  }

  @Test
  void closeFrameCarriesReasonInClear() {
    Frame close = Frame.close(3, CloseReason.GUARDRAIL_TRIPPED);
    byte[] message = FrameCodec.encode(close);
    assertEquals("0103001300000003" + "1197" + HEX.formatHex("guardrail_tripped".getBytes()),
        HEX.formatHex(message));
    for (CloseReason reason : CloseReason.values()) {
      assertEquals(reason, FrameCodec.decode(FrameCodec.encode(Frame.close(0, reason))).closeReason());
    }
  }

  @Test
  void malformedCloseFrames() {
    assertEquals(ErrorCode.MALFORMED_CLOSE, codeOf(() -> Frame.heartbeat(1).closeReason()));
    assertEquals(ErrorCode.MALFORMED_CLOSE,
        codeOf(() -> Frame.of(FrameKind.CLOSE, 0, new byte[] {0x0f}).closeReason()));
    assertEquals(ErrorCode.MALFORMED_CLOSE,
        codeOf(() -> Frame.of(FrameKind.CLOSE, 0, new byte[] {0x0f, (byte) 0xa0, (byte) 0xff}).closeReason()));
    assertEquals(CloseReason.POLICY_VIOLATION,
        Frame.of(FrameKind.CLOSE, 0, new byte[] {0x12, (byte) 0x8f}).closeReason()); // 4751
  }

  @Test
  void closeReasonTable() {
    for (CloseReason reason : CloseReason.values()) {
      assertEquals(reason, CloseReason.fromWsCode(reason.wsCode()).orElseThrow());
      assertEquals(reason, CloseReason.fromWire(reason.wireName()).orElseThrow());
      if (reason.wsCode() >= 4000 && reason.wsCode() < 4500) {
        assertTrue(reason.reconnect(), reason::name);
      }
      if (reason.wsCode() >= 4500) {
        assertFalse(reason.reconnect(), reason::name);
      }
    }
    assertTrue(CloseReason.fromWsCode(4242).isEmpty());
    assertTrue(CloseReason.fromWsCodeOrFallback(4242).reconnect());
    assertFalse(CloseReason.fromWsCodeOrFallback(4942).reconnect());
    assertTrue(CloseReason.fromWsCodeOrFallback(1006).reconnect());
    assertEquals(CloseReason.TOKEN_EXPIRED, CloseReason.fromWsCodeOrFallback(4501));
  }

  @Test
  void enumsParseTheirWireNames() {
    assertEquals(Role.CONTROLLER, Role.fromWire("controller"));
    assertEquals(ErrorCode.UNKNOWN_ROLE, codeOf(() -> Role.fromWire("HOST")));
    assertEquals(ErrorCode.UNKNOWN_ROLE, codeOf(() -> Role.fromWire(null)));
    assertEquals(FrameKind.CLOSE, FrameKind.fromCode(3));
    assertEquals(ErrorCode.UNKNOWN_KIND, codeOf(() -> FrameKind.fromCode(-1)));
    assertEquals(Compression.BROTLI, Compression.fromWire("brotli"));
    assertEquals(ErrorCode.UNSUPPORTED_COMPRESSION, codeOf(() -> Compression.fromWire("gzip")));
    assertTrue(FeatureBits.has(FeatureBits.TELEMETRY | FeatureBits.E2E_CHACHA20, FeatureBits.E2E_CHACHA20));
    assertFalse(FeatureBits.has(FeatureBits.TELEMETRY, FeatureBits.FALLBACK_AUTHORIZED));
    for (ErrorCode code : ErrorCode.values()) {
      assertTrue(code.closeReason() != null);
    }
  }

  @Test
  void bodyIsNotCopiedOnDecodeFromSharedArray() {
    byte[] message = FrameCodec.encode(Frame.of(FrameKind.DATA, 1, new byte[] {7}));
    Frame decoded = FrameCodec.decode(message);
    message[8] = 0;
    assertArrayEquals(new byte[] {7}, decoded.body());
  }
}
