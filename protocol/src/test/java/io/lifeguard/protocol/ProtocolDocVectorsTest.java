package io.lifeguard.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.protocol.crypto.CipherSuite;
import io.lifeguard.protocol.crypto.EpochKey;
import io.lifeguard.protocol.crypto.FrameOpener;
import io.lifeguard.protocol.crypto.FrameSealer;
import io.lifeguard.protocol.crypto.Hkdf;
import io.lifeguard.protocol.crypto.KeyAnnounce;
import io.lifeguard.protocol.crypto.KeySchedule;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.KeySet;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import io.lifeguard.protocol.token.TokenVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the test vectors out of docs/protocol.md so the specification and code cannot drift. */
class ProtocolDocVectorsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final Pattern VECTOR = Pattern.compile("(?m)^tv\\.([a-z0-9_.]+) = (\\S+)$");
  private static final Map<String, String> VECTORS = new HashMap<>();

  @BeforeAll
  static void readSpecification() throws IOException {
    Path moduleDir = Path.of(System.getProperty("user.dir"));
    Path spec = moduleDir.resolve("../docs/protocol.md").normalize();
    if (!Files.exists(spec)) {
      spec = moduleDir.resolve("docs/protocol.md");
    }
    Matcher matcher = VECTOR.matcher(Files.readString(spec, StandardCharsets.UTF_8));
    while (matcher.find()) {
      VECTORS.put(matcher.group(1), matcher.group(2));
    }
    assertTrue(VECTORS.size() >= 25, "too few vectors found in " + spec + ": " + VECTORS.size());
  }

  private static String text(String name) {
    String value = VECTORS.get(name);
    if (value == null) {
      throw new AssertionError("vector tv." + name + " missing from docs/protocol.md");
    }
    return value;
  }

  private static byte[] hex(String name) {
    return HEX.parseHex(text(name));
  }

  private static KeySchedule schedule(CipherSuite suite) {
    return new KeySchedule(suite, hex("ks.psk"), text("ks.peer_id"),
        hex("ks.client_nonce"), hex("ks.server_nonce"));
  }

  @Test
  void frames() {
    assertEquals(text("frame.data"), HEX.formatHex(FrameCodec.encode(
        Frame.of(FrameKind.DATA, 0x01020304L, "hello".getBytes(StandardCharsets.US_ASCII)))));
    assertEquals(text("frame.close"),
        HEX.formatHex(FrameCodec.encode(Frame.close(0, CloseReason.GUARDRAIL_TRIPPED))));
    assertEquals(CloseReason.GUARDRAIL_TRIPPED, FrameCodec.decode(hex("frame.close")).closeReason());
    assertEquals(text("frame.heartbeat"), HEX.formatHex(FrameCodec.encode(Frame.heartbeat(7))));
  }

  @Test
  void keySchedule() {
    byte[] salt = new byte[32];
    System.arraycopy(hex("ks.client_nonce"), 0, salt, 0, 16);
    System.arraycopy(hex("ks.server_nonce"), 0, salt, 16, 16);
    assertEquals(text("ks.prk"), HEX.formatHex(Hkdf.extract(salt, hex("ks.psk"))));
    byte[] info = hex("ks.aes.e0.info");
    byte[] expectedInfoPrefix = KeySchedule.INFO_LABEL.getBytes(StandardCharsets.US_ASCII);
    assertEquals(HEX.formatHex(expectedInfoPrefix), HEX.formatHex(info).substring(0, 44));
    byte[] okm = Hkdf.expand(hex("ks.prk"), info, KeySchedule.OUTPUT_LENGTH);
    assertEquals(text("ks.aes.e0.key") + text("ks.aes.e0.nonce_base") + text("ks.aes.e0.key_id"),
        HEX.formatHex(okm));
    check(schedule(CipherSuite.AES_256_GCM).epoch(0), "ks.aes.e0");
    check(schedule(CipherSuite.AES_256_GCM).epoch(1), "ks.aes.e1");
    check(schedule(CipherSuite.CHACHA20_POLY1305).epoch(0), "ks.chacha.e0");
    assertEquals(text("ks.aes.e0.nonce_seq5"),
        HEX.formatHex(schedule(CipherSuite.AES_256_GCM).epoch(0).nonce(5)));
    Frame announce = schedule(CipherSuite.AES_256_GCM).announce(true).toFrame();
    assertEquals(text("announce.frame"), HEX.formatHex(FrameCodec.encode(announce)));
    assertEquals(schedule(CipherSuite.AES_256_GCM).announce(true),
        KeyAnnounce.fromFrame(FrameCodec.decode(hex("announce.frame"))));
  }

  private static void check(EpochKey key, String prefix) {
    assertEquals(text(prefix + ".key"), HEX.formatHex(key.key()));
    assertEquals(text(prefix + ".nonce_base"), HEX.formatHex(key.nonceBase()));
    assertEquals(text(prefix + ".key_id"), HEX.formatHex(key.keyId()));
  }

  @Test
  void sealedFrames() {
    sealed(CipherSuite.AES_256_GCM, "seal.aes.frame");
    sealed(CipherSuite.CHACHA20_POLY1305, "seal.chacha.frame");
  }

  private static void sealed(CipherSuite suite, String vector) {
    FrameSealer sealer = new FrameSealer(schedule(suite));
    for (int seq = 0; seq < 5; seq++) {
      sealer.seal(FrameKind.DATA, new byte[0]);
    }
    Frame frame = sealer.seal(FrameKind.DATA, hex("seal.plaintext"));
    assertEquals(text(vector), HEX.formatHex(FrameCodec.encode(frame)));
    FrameOpener opener = new FrameOpener(schedule(suite));
    assertArrayEquals(hex("seal.plaintext"), opener.open(FrameCodec.decode(hex(vector))));
  }

  @Test
  void token() {
    OctetKeyPair key = Ed25519Keys.fromSeed(text("token.kid"), hex("token.seed"));
    assertEquals(text("token.public"), HEX.formatHex(key.getDecodedX()));
    Instant issuedAt = Instant.ofEpochSecond(1760184000L);
    TokenClaims claims = new TokenClaims("sess-1", Role.HOST, issuedAt, issuedAt.plusSeconds(300),
        "cohort-a", 1, "jti-0001");
    assertEquals(text("token.compact"), new TokenSigner(key).sign(claims));
    TokenVerifier verifier = new TokenVerifier(KeySet.of(key.toPublicJWK()),
        Clock.fixed(issuedAt.plusSeconds(60), ZoneOffset.UTC));
    assertEquals(claims, verifier.verify(text("token.compact")));
  }
}
