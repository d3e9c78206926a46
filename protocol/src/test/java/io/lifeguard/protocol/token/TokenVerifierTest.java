package io.lifeguard.protocol.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.TokenException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
  static final Instant NOW = Instant.parse("2025-10-11T12:00:00Z");
  static final OctetKeyPair KEY = Ed25519Keys.generate("k1");
  static final OctetKeyPair OTHER = Ed25519Keys.generate("k2");
  static final TokenSigner SIGNER = new TokenSigner(KEY);
  static final TokenVerifier VERIFIER =
      new TokenVerifier(KeySet.of(KEY, OTHER), Clock.fixed(NOW, ZoneOffset.UTC));

  static TokenClaims claims(Instant iat, Instant exp) {
    return new TokenClaims("sess-1", Role.PARTICIPANT, iat, exp, "cohort-a", 3, "jti-1");
  }

  static TokenClaims validClaims() {
    return claims(NOW.minusSeconds(10), NOW.plusSeconds(120));
  }

  static Reason reasonOf(String token) {
    return assertThrows(TokenException.class, () -> VERIFIER.verify(token)).reason();
  }

  static String signRaw(JWSHeader header, String payload, com.nimbusds.jose.JWSSigner signer)
      throws Exception {
    JWSObject jws = new JWSObject(header, new Payload(payload));
    jws.sign(signer);
    return jws.serialize();
  }

  static JWSHeader edHeader(String kid) {
    return new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(kid).type(TokenSigner.TYPE).build();
  }

  @Test
  void roundTrip() {
    TokenClaims claims = validClaims();
    assertEquals(claims, VERIFIER.verify(SIGNER.sign(claims), "sess-1", Set.of(Role.PARTICIPANT)));
  }

  @Test
  void signerRefusesLongLifetimes() {
    assertThrows(IllegalArgumentException.class,
        () -> SIGNER.sign(claims(NOW, NOW.plus(Duration.ofMinutes(5)).plusSeconds(1))));
    assertThrows(IllegalArgumentException.class, () -> SIGNER.sign(claims(NOW, NOW)));
    SIGNER.sign(claims(NOW, NOW.plus(Duration.ofMinutes(5))));
    assertThrows(IllegalArgumentException.class, () -> new TokenSigner(KEY.toPublicJWK()));
  }

  @Test
  void timeWindow() {
    assertEquals(Reason.EXPIRED, reasonOf(SIGNER.sign(claims(NOW.minusSeconds(200), NOW.minusSeconds(31)))));
    VERIFIER.verify(SIGNER.sign(claims(NOW.minusSeconds(200), NOW.minusSeconds(30))));
    assertEquals(Reason.NOT_YET_VALID, reasonOf(SIGNER.sign(claims(NOW.plusSeconds(31), NOW.plusSeconds(100)))));
    VERIFIER.verify(SIGNER.sign(claims(NOW.plusSeconds(30), NOW.plusSeconds(100))));
    assertEquals(CloseReason.TOKEN_EXPIRED, Reason.EXPIRED.closeReason());
  }

  @Test
  void lifetimeTooLongEvenIfSignedByHand() throws Exception {
    String payload = "{\"iss\":\"lifeguard\",\"session_id\":\"sess-1\",\"role\":\"host\",\"iat\":"
        + NOW.getEpochSecond() + ",\"exp\":" + (NOW.getEpochSecond() + 301)
        + ",\"cohort\":\"c\",\"feature_bits\":0,\"jti\":\"j\"}";
    assertEquals(Reason.LIFETIME_TOO_LONG, reasonOf(signRaw(edHeader("k1"), payload, new Ed25519Signer(KEY))));
  }

  @Test
  void missingClaim() throws Exception {
    String payload = "{\"iss\":\"lifeguard\",\"session_id\":\"sess-1\",\"role\":\"host\",\"iat\":"
        + NOW.getEpochSecond() + ",\"exp\":" + (NOW.getEpochSecond() + 60) + ",\"cohort\":\"c\",\"jti\":\"j\"}";
    assertEquals(Reason.MISSING_CLAIM, reasonOf(signRaw(edHeader("k1"), payload, new Ed25519Signer(KEY))));
    String wrongType = payload.replace("\"cohort\":\"c\"", "\"cohort\":1,\"feature_bits\":0");
    assertEquals(Reason.MALFORMED, reasonOf(signRaw(edHeader("k1"), wrongType, new Ed25519Signer(KEY))));
  }

  @Test
  void forgedWithSameKid() {
    OctetKeyPair impostor = Ed25519Keys.generate("k1");
    assertEquals(Reason.BAD_SIGNATURE, reasonOf(new TokenSigner(impostor).sign(validClaims())));
  }

  @Test
  void tamperedPayload() {
    String[] parts = SIGNER.sign(validClaims()).split("\\.");
    String payload = Base64URL.encode(new Base64URL(parts[1]).decodeToString()
        .replace("participant", "host")).toString();
    assertEquals(Reason.BAD_SIGNATURE, reasonOf(parts[0] + "." + payload + "." + parts[2]));
    assertEquals(Reason.BAD_SIGNATURE, reasonOf(parts[0] + "." + parts[1] + "."));
    assertEquals(Reason.BAD_SIGNATURE, reasonOf(parts[0] + "." + parts[1] + ".AAAA"));
  }

  @Test
  void signatureOfAnotherLengthOrNonCanonicalScalarIsRejected() {
    String[] parts = SIGNER.sign(validClaims()).split("\\.");
    byte[] sig = new Base64URL(parts[2]).decode();
    String signingInput = parts[0] + "." + parts[1] + ".";
    assertEquals(Reason.BAD_SIGNATURE, reasonOf(signingInput + Base64URL.encode(java.util.Arrays.copyOf(sig, 65))));
    assertEquals(Reason.BAD_SIGNATURE, reasonOf(signingInput + Base64URL.encode(java.util.Arrays.copyOf(sig, 63))));
    // S + L (the group order) verifies in a lax implementation; RFC 8032 requires S < L.
    java.math.BigInteger order = java.math.BigInteger.TWO.pow(252).add(new java.math.BigInteger("27742317777372353535851937790883648493"));
    byte[] sLittleEndian = java.util.Arrays.copyOfRange(sig, 32, 64);
    java.math.BigInteger s = new java.math.BigInteger(1, reverse(sLittleEndian)).add(order);
    byte[] malleable = sig.clone();
    byte[] sPlusL = reverse(s.toByteArray());
    java.util.Arrays.fill(malleable, 32, 64, (byte) 0);
    System.arraycopy(sPlusL, 0, malleable, 32, Math.min(32, sPlusL.length));
    if (s.bitLength() <= 256) {
      assertEquals(Reason.BAD_SIGNATURE, reasonOf(signingInput + Base64URL.encode(malleable)));
    }
  }

  @Test
  void keysThatAreNotValidPointsVerifyNothing() {
    // 32 bytes that decode to no curve point, and the identity (small order): never a valid signer.
    byte[] notAPoint = new byte[32];
    java.util.Arrays.fill(notAPoint, (byte) 0xff);
    notAPoint[31] = 0x7f;
    byte[] identity = new byte[32];
    identity[0] = 1;
    for (byte[] x : new byte[][] {notAPoint, identity}) {
      OctetKeyPair bogus = new OctetKeyPair.Builder(com.nimbusds.jose.jwk.Curve.Ed25519, Base64URL.encode(x))
          .keyID("k1").build();
      TokenVerifier verifier = new TokenVerifier(KeySet.of(bogus), Clock.fixed(NOW, ZoneOffset.UTC));
      assertEquals(Reason.BAD_SIGNATURE,
          assertThrows(TokenException.class, () -> verifier.verify(SIGNER.sign(validClaims()))).reason());
    }
    OctetKeyPair shortKey = new OctetKeyPair.Builder(com.nimbusds.jose.jwk.Curve.Ed25519, Base64URL.encode(new byte[31]))
        .keyID("k1").build();
    assertThrows(IllegalArgumentException.class, () -> new TokenVerifier(KeySet.of(shortKey), Clock.systemUTC()));
  }

  private static byte[] reverse(byte[] bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) out[i] = bytes[bytes.length - 1 - i];
    return out;
  }

  @Test
  void unknownKid() {
    OctetKeyPair stranger = Ed25519Keys.generate("k9");
    assertEquals(Reason.UNKNOWN_KID, reasonOf(new TokenSigner(stranger).sign(validClaims())));
  }

  @Test
  void algNone() {
    String header = Base64URL.encode("{\"alg\":\"none\",\"kid\":\"k1\",\"typ\":\"lifeguard+jwt\"}").toString();
    String payload = SIGNER.sign(validClaims()).split("\\.")[1];
    assertEquals(Reason.UNSUPPORTED_ALGORITHM, reasonOf(header + "." + payload + "."));
    assertEquals(CloseReason.AUTH_FAILED, Reason.UNSUPPORTED_ALGORITHM.closeReason());
  }

  @Test
  void hs256() throws Exception {
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1")
        .type(new JOSEObjectType("lifeguard+jwt")).build();
    // The classic confusion attack: the public key bytes as HMAC secret.
    byte[] secret = new byte[32];
    System.arraycopy(KEY.getDecodedX(), 0, secret, 0, 32);
    String payload = new Base64URL(SIGNER.sign(validClaims()).split("\\.")[1]).decodeToString();
    assertEquals(Reason.UNSUPPORTED_ALGORITHM, reasonOf(signRaw(header, payload, new MACSigner(secret))));
  }

  @Test
  void wrongTypeHeader() throws Exception {
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("k1").build();
    String payload = new Base64URL(SIGNER.sign(validClaims()).split("\\.")[1]).decodeToString();
    assertEquals(Reason.MALFORMED, reasonOf(signRaw(header, payload, new Ed25519Signer(KEY))));
  }

  @Test
  void sessionAndRole() {
    String token = SIGNER.sign(validClaims());
    TokenException wrongSession = assertThrows(TokenException.class,
        () -> VERIFIER.verify(token, "sess-2", EnumSet.allOf(Role.class)));
    assertEquals(Reason.WRONG_SESSION, wrongSession.reason());
    assertEquals(CloseReason.SESSION_MISMATCH, wrongSession.closeReason());
    TokenException wrongRole = assertThrows(TokenException.class,
        () -> VERIFIER.verify(token, "sess-1", EnumSet.of(Role.HOST, Role.VIEWER)));
    assertEquals(Reason.WRONG_ROLE, wrongRole.reason());
    assertEquals(CloseReason.FORBIDDEN_ROLE, wrongRole.closeReason());
  }

  @Test
  void oversizedAndGarbage() {
    assertEquals(Reason.OVERSIZED, reasonOf("a".repeat(TokenVerifier.MAX_TOKEN_CHARS + 1)));
    assertEquals(Reason.MALFORMED, reasonOf(""));
    assertEquals(Reason.MALFORMED, reasonOf(null));
    assertEquals(Reason.MALFORMED, reasonOf("garbage"));
    assertEquals(Reason.MALFORMED, reasonOf("a.b.c"));
    assertEquals(Reason.MALFORMED, reasonOf("a.b.c.d.e"));
    assertEquals(Reason.MALFORMED, reasonOf("!!!.###.$$$"));
    assertEquals(Reason.MALFORMED, reasonOf(Base64URL.encode("[1,2]") + ".e30.AA"));
  }

  @Test
  void keySetPublishesOnlyPublicParts() {
    KeySet set = KeySet.of(KEY, OTHER);
    String jwks = set.toPublicJwksJson();
    assertFalse(jwks.contains("\"d\""));
    KeySet parsed = KeySet.parse(jwks);
    assertEquals(set.kids(), parsed.kids());
    assertFalse(parsed.key("k1").orElseThrow().isPrivate());
    assertTrue(parsed.key("nope").isEmpty());
    new TokenVerifier(parsed, Clock.fixed(NOW, ZoneOffset.UTC)).verify(SIGNER.sign(validClaims()));
    assertThrows(IllegalArgumentException.class, () -> KeySet.of(KEY, Ed25519Keys.generate("k1")));
    assertThrows(IllegalArgumentException.class, () -> KeySet.parse("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}"));
  }

  @Test
  void ed25519KeysParseChecksType() {
    assertEquals(KEY, Ed25519Keys.parse(KEY.toJSONString()));
    IllegalArgumentException rsa = assertThrows(IllegalArgumentException.class,
        () -> Ed25519Keys.parse("{\"kty\":\"oct\",\"k\":\"AAAA\"}"));
    assertTrue(rsa.getMessage().contains("Ed25519"), rsa.getMessage());
    IllegalArgumentException x25519 = assertThrows(IllegalArgumentException.class,
        () -> Ed25519Keys.parse("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" + KEY.getX() + "\"}"));
    assertTrue(x25519.getMessage().contains("X25519"), x25519.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Ed25519Keys.parse("nope"));
    assertThrows(IllegalArgumentException.class, () -> Ed25519Keys.generate(""));
  }
}
