package io.lifeguard.control.entitlement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.lifeguard.control.ControlSettings;
import io.lifeguard.control.testing.JwksServer;
import io.lifeguard.control.testing.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EntitlementVerifierTest {
  private final RSAKey idpKey = JwksServer.rsaKey("idp-1");
  private JwksServer jwks;
  private EntitlementVerifier verifier;

  @BeforeEach
  void start() throws Exception {
    jwks = JwksServer.start(idpKey);
    verifier = new EntitlementVerifier(Settings.entitlement(jwks.url()));
  }

  @AfterEach
  void stop() {
    jwks.close();
  }

  private static void assertDenied(EntitlementVerifier.Verdict verdict, String fragment) {
    var denied = assertInstanceOf(EntitlementVerifier.Verdict.Denied.class, verdict);
    assertTrue(denied.reason().contains(fragment), denied.reason());
  }

  @Test
  void aValidProofWithTheEntitlementIsGranted() {
    var verdict = verifier.verify(JwksServer.validProof(idpKey));
    assertEquals("user-1", assertInstanceOf(EntitlementVerifier.Verdict.Granted.class, verdict).subject());
    assertEquals(1, jwks.fetches());
    verifier.verify(JwksServer.validProof(idpKey));
    assertEquals(1, jwks.fetches(), "keys are cached");
  }

  @Test
  void forgedExpiredWrongAudienceWrongIssuerAndMissingEntitlementAreDenied() {
    RSAKey forger = JwksServer.rsaKey("idp-1"); // same kid, different key
    assertDenied(verifier.verify(JwksServer.validProof(forger)), "refused");
    assertDenied(verifier.verify(JwksServer.proof(idpKey, JwksServer.ISSUER, JwksServer.AUDIENCE,
        Instant.now().minusSeconds(120), List.of("fallback_ws"))), "xpired");
    assertDenied(verifier.verify(JwksServer.proof(idpKey, JwksServer.ISSUER, "someone-else",
        Instant.now().plusSeconds(600), List.of("fallback_ws"))), "aud");
    assertDenied(verifier.verify(JwksServer.proof(idpKey, "https://evil.test/", JwksServer.AUDIENCE,
        Instant.now().plusSeconds(600), List.of("fallback_ws"))), "iss");
    assertDenied(verifier.verify(JwksServer.proof(idpKey, JwksServer.ISSUER, JwksServer.AUDIENCE,
        Instant.now().plusSeconds(600), List.of("something_else"))), "fallback_ws");
    assertDenied(verifier.verify("not-a-jwt"), "not a signed JWT");
    assertDenied(verifier.verify(null), "missing");
  }

  @Test
  void ed25519AndEcProofsAreGrantedBesideRsaOnes() {
    OctetKeyPair edKey = JwksServer.ed25519Key("idp-ed");
    ECKey ecKey = JwksServer.ecKey("idp-ec");
    jwks.publish(idpKey, edKey, ecKey);
    assertEquals("user-1", assertInstanceOf(EntitlementVerifier.Verdict.Granted.class,
        verifier.verify(JwksServer.validProof(edKey))).subject());
    assertInstanceOf(EntitlementVerifier.Verdict.Granted.class, verifier.verify(JwksServer.validProof(ecKey)));
    assertInstanceOf(EntitlementVerifier.Verdict.Granted.class, verifier.verify(JwksServer.validProof(idpKey)));
    assertInstanceOf(EntitlementVerifier.Verdict.Granted.class, verifier.verify(signedAs(JWSAlgorithm.Ed25519, edKey)),
        "RFC 9864's fully specified name for the same signature");
  }

  @Test
  void forgedOrExpiredEd25519ProofsAreDenied() {
    OctetKeyPair edKey = JwksServer.ed25519Key("idp-ed");
    jwks.publish(idpKey, edKey);
    assertDenied(verifier.verify(JwksServer.validProof(JwksServer.ed25519Key("idp-ed"))), "refused");
    assertDenied(verifier.verify(JwksServer.proof(edKey, JwksServer.ISSUER, JwksServer.AUDIENCE,
        Instant.now().minusSeconds(120), List.of("fallback_ws"))), "xpired");
    assertDenied(verifier.verify(JwksServer.proof(edKey, JwksServer.ISSUER, JwksServer.AUDIENCE,
        Instant.now().plusSeconds(600), List.of("something_else"))), "fallback_ws");
    // An EdDSA header naming the RSA key's kid finds no Ed25519 key: refused, not an exception.
    assertDenied(verifier.verify(signedAs(JWSAlgorithm.EdDSA, new OctetKeyPair.Builder(edKey).keyID("idp-1").build())),
        "refused");
  }

  private static String signedAs(JWSAlgorithm algorithm, OctetKeyPair key) {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(JwksServer.ISSUER)
        .audience(JwksServer.AUDIENCE)
        .subject("user-1")
        .expirationTime(java.util.Date.from(Instant.now().plusSeconds(600)))
        .claim("entitlements", List.of("fallback_ws"))
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build(), claims);
    try {
      jwt.sign(new Ed25519Signer(key));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  @Test
  void anUnknownKidRefreshesTheKeysAndRefreshesAreRateLimited() {
    assertInstanceOf(EntitlementVerifier.Verdict.Granted.class, verifier.verify(JwksServer.validProof(idpKey)));
    RSAKey rotated = JwksServer.rsaKey("idp-2");
    jwks.publish(idpKey, rotated);
    assertInstanceOf(EntitlementVerifier.Verdict.Granted.class, verifier.verify(JwksServer.validProof(rotated)));
    int afterRotation = jwks.fetches();
    assertEquals(2, afterRotation);

    RSAKey stranger = JwksServer.rsaKey("never-published");
    for (int i = 0; i < 10; i++) assertDenied(verifier.verify(JwksServer.validProof(stranger)), "");
    assertTrue(jwks.fetches() <= afterRotation + 2, "unknown kids may not hammer the IdP: " + jwks.fetches());
  }

  @Test
  void anUnreachableJwksDeniesInsteadOfHanging() {
    ControlSettings.Entitlement unreachable = Settings.entitlement(java.net.URI.create(
        "http://127.0.0.1:" + io.lifeguard.control.testing.RedisServerProcess.freePort() + "/jwks.json"));
    long started = System.nanoTime();
    assertDenied(new EntitlementVerifier(unreachable).verify(JwksServer.validProof(idpKey)), "");
    assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(5)) < 0);
  }
}
