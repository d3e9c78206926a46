package io.lifeguard.control.entitlement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.RSAKey;
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
