package io.lifeguard.control.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.control.ControlSettings;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.KeySet;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import io.lifeguard.protocol.token.TokenVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {
  private static ControlSettings.Tokens tokens(String jwk, String file, String extra) {
    return new ControlSettings.Tokens(jwk, file, extra, Duration.ofMinutes(5));
  }

  @Test
  void withoutAKeyDevelopmentGeneratesOne() {
    SigningKeys keys = SigningKeys.load(tokens("", "", ""), false);
    assertTrue(keys.generated());
    assertTrue(keys.signingKey().isPrivate());
    assertTrue(keys.signingKey().getKeyID().startsWith("dev-"));
  }

  @Test
  void withoutAKeyProductionRefusesToStartAndNamesTheSetting() {
    var e = assertThrows(SigningKeys.InvalidKeyConfigurationException.class,
        () -> SigningKeys.load(tokens("", "", ""), true));
    assertTrue(e.getMessage().contains("LIFEGUARD_SIGNING_JWK"), e.getMessage());
    assertEquals("lifeguard.tokens.signing-jwk", e.setting());
  }

  @Test
  void readsTheKeyFromJsonOrFile(@TempDir Path dir) throws Exception {
    OctetKeyPair key = Ed25519Keys.generate("k1");
    assertEquals("k1", SigningKeys.load(tokens(key.toJSONString(), "", ""), true).signingKey().getKeyID());
    Path file = dir.resolve("signing.jwk");
    Files.writeString(file, key.toJSONString());
    SigningKeys fromFile = SigningKeys.load(tokens("", file.toString(), ""), true);
    assertEquals(key.getD(), fromFile.signingKey().getD());
  }

  @Test
  void refusesAPublicKeyABadFileAndBothSources() {
    OctetKeyPair key = Ed25519Keys.generate("k1");
    var publicOnly = assertThrows(SigningKeys.InvalidKeyConfigurationException.class,
        () -> SigningKeys.load(tokens(key.toPublicJWK().toJSONString(), "", ""), false));
    assertTrue(publicOnly.getMessage().contains("private"));
    var missingFile = assertThrows(SigningKeys.InvalidKeyConfigurationException.class,
        () -> SigningKeys.load(tokens("", "/no/such/file.jwk", ""), false));
    assertEquals("lifeguard.tokens.signing-jwk-file", missingFile.setting());
    assertThrows(SigningKeys.InvalidKeyConfigurationException.class,
        () -> SigningKeys.load(tokens(key.toJSONString(), "/x", ""), false));
    var notJson = assertThrows(SigningKeys.InvalidKeyConfigurationException.class,
        () -> SigningKeys.load(tokens("{\"kty\":\"RSA\"}", "", ""), false));
    assertFalse(notJson.getMessage().contains(key.getD().toString()));
  }

  @Test
  void publicJwksNeverContainsPrivateParts(@TempDir Path dir) throws Exception {
    OctetKeyPair current = Ed25519Keys.generate("current");
    OctetKeyPair previous = Ed25519Keys.generate("previous");
    Path extra = dir.resolve("extra.jwks");
    Files.writeString(extra, KeySet.of(previous).toPublicJwksJson());
    SigningKeys keys = SigningKeys.load(tokens(current.toJSONString(), "", extra.toString()), true);
    String jwks = keys.verificationKeys().toPublicJwksJson();
    assertEquals(java.util.List.of("current", "previous"), keys.verificationKeys().kids());
    assertFalse(jwks.contains("\"d\""), jwks);
    assertFalse(jwks.contains(current.getD().toString()));
  }

  @Test
  void duplicateKidBetweenSigningAndExtraKeysIsRefused() {
    OctetKeyPair current = Ed25519Keys.generate("same");
    OctetKeyPair other = Ed25519Keys.generate("same");
    var e = assertThrows(SigningKeys.InvalidKeyConfigurationException.class,
        () -> SigningKeys.load(tokens(current.toJSONString(), "", KeySet.of(other).toPublicJwksJson()), false));
    assertEquals("lifeguard.tokens.additional-jwks", e.setting());
  }

  @Test
  void aTokenSignedWithTheOldKeyVerifiesWhileTheNewKeySigns() throws Exception {
    OctetKeyPair old = Ed25519Keys.generate("2026-10");
    OctetKeyPair next = Ed25519Keys.generate("2026-11");
    Instant now = Instant.now();
    String inFlight = new TokenSigner(old).sign(
        new TokenClaims("s1", Role.HOST, now, now.plusSeconds(300), "c", 1, "j1"));

    // After the rotation: the new key signs, the old key's public part is an extra key.
    SigningKeys rotated = SigningKeys.load(
        tokens(next.toJSONString(), "", KeySet.of(old).toPublicJwksJson()), true);
    TokenVerifier verifier = new TokenVerifier(rotated.verificationKeys(), Clock.systemUTC());
    assertEquals("s1", verifier.verify(inFlight).sessionId());
    String fresh = new TokenSigner(rotated.signingKey()).sign(
        new TokenClaims("s2", Role.HOST, now, now.plusSeconds(300), "c", 1, "j2"));
    assertEquals("s2", verifier.verify(fresh).sessionId());
    assertEquals("2026-11", com.nimbusds.jose.JWSObject.parse(fresh).getHeader().getKeyID());
    // Without the extra key the in-flight token would be refused: the test can fail.
    TokenVerifier newOnly = new TokenVerifier(KeySet.of(next), Clock.systemUTC());
    assertThrows(io.lifeguard.protocol.token.TokenException.class, () -> newOnly.verify(inFlight));
  }
}
