package io.lifeguard.protocol.crypto;

import static io.lifeguard.protocol.Errors.codeOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameKind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class FrameCryptoTest {
  static final byte[] PSK = HexFormat.of().parseHex(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  static final byte[] CLIENT_NONCE = filled(0x11);
  static final byte[] SERVER_NONCE = filled(0x22);

  static byte[] filled(int value) {
    byte[] bytes = new byte[16];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }

  static KeySchedule schedule(CipherSuite suite) {
    return new KeySchedule(suite, PSK, "peer-1", CLIENT_NONCE, SERVER_NONCE);
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @EnumSource(CipherSuite.class)
  void sealsAndOpens(CipherSuite suite) {
    FrameSealer sealer = new FrameSealer(schedule(suite));
    FrameOpener opener = new FrameOpener(schedule(suite));
    for (int i = 0; i < 5; i++) {
      Frame frame = sealer.seal(FrameKind.DATA, utf8("hello " + i));
      assertEquals(i, frame.seq());
      assertEquals(Envelope.SEALED_OVERHEAD + 7, frame.body().length);
      assertArrayEquals(utf8("hello " + i), opener.open(frame));
    }
    assertArrayEquals(new byte[0], opener.open(sealer.seal(FrameKind.CONTROL, new byte[0])));
  }

  @Test
  void tamperedTagFails() {
    FrameSealer sealer = new FrameSealer(schedule(CipherSuite.AES_256_GCM));
    FrameOpener opener = new FrameOpener(schedule(CipherSuite.AES_256_GCM));
    Frame frame = sealer.seal(FrameKind.DATA, utf8("secret"));
    byte[] body = frame.body().clone();
    body[body.length - 1] ^= 1;
    assertEquals(ErrorCode.AUTH_TAG_FAILED, codeOf(() -> opener.open(Frame.of(FrameKind.DATA, 0, body))));
    // the header is authenticated: a changed kind must fail too
    assertEquals(ErrorCode.AUTH_TAG_FAILED,
        codeOf(() -> opener.open(Frame.of(FrameKind.CONTROL, 0, frame.body()))));
    // the failures did not advance the state
    assertArrayEquals(utf8("secret"), opener.open(frame));
  }

  @Test
  void wrongPskFails() {
    FrameSealer sealer = new FrameSealer(schedule(CipherSuite.AES_256_GCM));
    byte[] otherPsk = PSK.clone();
    otherPsk[0] ^= 1;
    FrameOpener opener = new FrameOpener(
        new KeySchedule(CipherSuite.AES_256_GCM, otherPsk, "peer-1", CLIENT_NONCE, SERVER_NONCE));
    assertEquals(ErrorCode.UNKNOWN_SENDER_KEY,
        codeOf(() -> opener.open(sealer.seal(FrameKind.DATA, utf8("x")))));
  }

  @Test
  void replayedAndReorderedFramesFail() {
    FrameSealer sealer = new FrameSealer(schedule(CipherSuite.AES_256_GCM));
    FrameOpener opener = new FrameOpener(schedule(CipherSuite.AES_256_GCM));
    Frame first = sealer.seal(FrameKind.DATA, utf8("a"));
    Frame second = sealer.seal(FrameKind.DATA, utf8("b"));
    Frame third = sealer.seal(FrameKind.DATA, utf8("c"));
    opener.open(first);
    assertEquals(ErrorCode.REPLAYED_SEQUENCE, codeOf(() -> opener.open(first)));
    opener.open(third); // a gap is allowed
    assertEquals(ErrorCode.REPLAYED_SEQUENCE, codeOf(() -> opener.open(second)));
    assertEquals(2, opener.lastSeq());
  }

  @Test
  void rekeysAtTheLimit() {
    FrameSealer sealer = new FrameSealer(schedule(CipherSuite.CHACHA20_POLY1305), 3);
    FrameOpener opener = new FrameOpener(schedule(CipherSuite.CHACHA20_POLY1305));
    Frame[] frames = new Frame[8];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = sealer.seal(FrameKind.DATA, utf8("m" + i));
      assertEquals(i % 3, frames[i].seq());
    }
    assertEquals(2, sealer.epoch());
    assertFalse(Arrays.equals(Envelope.keyId(frames[2]), Envelope.keyId(frames[3])));
    opener.open(frames[0]);
    opener.open(frames[1]);
    // frame 2 lost; frame 3 starts epoch 1 with seq 0
    assertArrayEquals(utf8("m3"), opener.open(frames[3]));
    assertEquals(1, opener.epoch());
    assertEquals(ErrorCode.REPLAYED_SEQUENCE, codeOf(() -> opener.open(frames[2])));
    opener.open(frames[4]);
    opener.open(frames[5]);
    // skipping a whole epoch is not recognised: the opener only looks one epoch ahead
    assertEquals(ErrorCode.UNKNOWN_SENDER_KEY,
        codeOf(() -> new FrameOpener(schedule(CipherSuite.CHACHA20_POLY1305)).open(frames[7])));
    opener.open(frames[6]);
    assertEquals(2, opener.epoch());
  }

  @Test
  void limitOfOneRekeysEveryFrame() {
    FrameSealer sealer = new FrameSealer(schedule(CipherSuite.AES_256_GCM), 1);
    assertThrows(IllegalArgumentException.class, () -> new FrameSealer(schedule(CipherSuite.AES_256_GCM), 0));
    assertEquals(0, sealer.seal(FrameKind.DATA, new byte[1]).seq());
    assertEquals(1, sealer.epoch());
  }

  @Test
  void refusesOversizedPayloadAndUnsealableKinds() {
    FrameSealer sealer = new FrameSealer(schedule(CipherSuite.AES_256_GCM));
    assertEquals(ErrorCode.OVERSIZED, codeOf(() -> sealer.seal(FrameKind.DATA, new byte[65535 - 24])));
    sealer.seal(FrameKind.DATA, new byte[65535 - 25]);
    assertThrows(IllegalArgumentException.class, () -> sealer.seal(FrameKind.HEARTBEAT, new byte[0]));
    FrameOpener opener = new FrameOpener(schedule(CipherSuite.AES_256_GCM));
    assertEquals(ErrorCode.MALFORMED_ENVELOPE, codeOf(() -> opener.open(Frame.heartbeat(1))));
    assertEquals(ErrorCode.MALFORMED_ENVELOPE,
        codeOf(() -> opener.open(Frame.of(FrameKind.DATA, 1, new byte[] {1, 2, 3}))));
  }

  @Test
  void keyAnnounceRoundTrip() {
    KeyAnnounce announce = schedule(CipherSuite.CHACHA20_POLY1305).announce(true);
    Frame frame = announce.toFrame();
    assertTrue(KeyAnnounce.isAnnounce(frame));
    assertEquals(0, frame.seq());
    KeyAnnounce decoded = KeyAnnounce.fromFrame(frame);
    assertEquals(announce, decoded);
    FrameSealer sealer = new FrameSealer(schedule(CipherSuite.CHACHA20_POLY1305));
    assertArrayEquals(utf8("x"), new FrameOpener(decoded.schedule(PSK)).open(sealer.seal(FrameKind.DATA, utf8("x"))));
    byte[] body = frame.body().clone();
    body[2] = 4;
    assertEquals(ErrorCode.MALFORMED_ENVELOPE, codeOf(() -> KeyAnnounce.fromFrame(Frame.of(FrameKind.CONTROL, 0, body))));
    byte[] shortBody = Arrays.copyOf(frame.body(), 35);
    assertEquals(ErrorCode.MALFORMED_ENVELOPE, codeOf(() -> KeyAnnounce.fromFrame(Frame.of(FrameKind.CONTROL, 0, shortBody))));
    byte[] badSuite = frame.body().clone();
    badSuite[1] = 9;
    assertEquals(ErrorCode.MALFORMED_ENVELOPE, codeOf(() -> KeyAnnounce.fromFrame(Frame.of(FrameKind.CONTROL, 0, badSuite))));
  }

  @Test
  void hkdfMatchesRfc5869TestCase1() {
    HexFormat hex = HexFormat.of();
    byte[] prk = Hkdf.extract(hex.parseHex("000102030405060708090a0b0c"),
        hex.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
    assertEquals("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", hex.formatHex(prk));
    assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        hex.formatHex(Hkdf.expand(prk, hex.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42)));
  }
}
