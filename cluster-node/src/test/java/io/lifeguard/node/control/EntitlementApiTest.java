package io.lifeguard.node.control;

import static io.lifeguard.node.control.ControlHttp.assertError;
import static io.lifeguard.node.control.ControlHttp.json;
import static io.lifeguard.node.control.ControlHttp.post;
import static io.lifeguard.node.control.ControlHttp.tokenBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.lifeguard.node.config.InvalidSettingException;
import io.lifeguard.node.config.NodeConfig;
import io.lifeguard.control.testing.JwksServer;
import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.FeatureBits;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A node that requires entitlement proofs, verified against a JWKS served by {@link JwksServer}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EntitlementApiTest {
  private static final String ISSUER = "https://idp.test/";
  private static final String AUDIENCE = "lifeguard-control";
  private static final String SERVICE = "svc-" + UUID.randomUUID();

  private RSAKey idpKey;
  private final OctetKeyPair edKey = JwksServer.ed25519Key("idp-ed");
  private JwksServer idp;
  private RedisServerProcess redisServer;
  private TestNode node;

  @BeforeAll
  void start() throws Exception {
    idpKey = new RSAKeyGenerator(2048).keyID("idp-1").generate();
    // An identity provider publishing an RSA key and an Ed25519 (OKP) key side by side.
    idp = JwksServer.start(idpKey, edKey);
    redisServer = RedisServerProcess.start();
    node = TestNode.start(Map.of(
        "lifeguard.redis.url", redisServer.url(),
        "lifeguard.control.service-tokens", SERVICE,
        "lifeguard.control.require-entitlement", "1",
        "lifeguard.control.entitlement.jwks-url", idp.url().toString(),
        "lifeguard.control.entitlement.issuer", ISSUER,
        "lifeguard.control.entitlement.audience", AUDIENCE)).awaitReady();
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
    if (idp != null) idp.close();
    redisServer.close();
  }

  private static String proof(RSAKey key, String audience, Instant expires, List<String> entitlements) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(audience).subject("user-7")
        .expirationTime(Date.from(expires)).claim("entitlements", entitlements).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private java.net.http.HttpResponse<String> request(String proof) throws Exception {
    return post(node, "/v1/fallback/token", SERVICE, tokenBody("s-" + UUID.randomUUID(), "paid", "host", true, proof));
  }

  @Test
  void aVerifiedProofWithTheEntitlementGetsAFallbackAuthorizedToken() throws Exception {
    var response = request(proof(idpKey, AUDIENCE, Instant.now().plusSeconds(300), List.of("fallback_ws", "other")));
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(FeatureBits.has(json(response).get("feature_bits").asLong(), FeatureBits.FALLBACK_AUTHORIZED));
  }

  @Test
  void anEd25519SignedProofIsAcceptedToo() throws Exception {
    var response = request(JwksServer.proof(edKey, ISSUER, AUDIENCE, Instant.now().plusSeconds(300), List.of("fallback_ws")));
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(FeatureBits.has(json(response).get("feature_bits").asLong(), FeatureBits.FALLBACK_AUTHORIZED));
  }

  @Test
  void missingForgedExpiredWrongAudienceAndUnentitledProofsAreDenied() throws Exception {
    RSAKey forger = new RSAKeyGenerator(2048).keyID("idp-1").generate();
    assertError(request(null), 403, "entitlement_denied");
    assertError(request(proof(forger, AUDIENCE, Instant.now().plusSeconds(300), List.of("fallback_ws"))), 403, "entitlement_denied");
    assertError(request(proof(idpKey, AUDIENCE, Instant.now().minusSeconds(300), List.of("fallback_ws"))), 403, "entitlement_denied");
    assertError(request(proof(idpKey, "another-service", Instant.now().plusSeconds(300), List.of("fallback_ws"))), 403, "entitlement_denied");
    assertError(request(proof(idpKey, AUDIENCE, Instant.now().plusSeconds(300), List.of("basic"))), 403, "entitlement_denied");
    assertError(request("garbage.proof.value"), 403, "entitlement_denied");
    String metrics = ControlHttp.get(node, "/metrics", null).body();
    assertTrue(metrics.contains("lifeguard_token_requests_total{guardrail=\"ok\",outcome=\"entitlement_denied\"} 6.0"), metrics);
  }

  @Test
  void productionWithoutASigningKeyRefusesToStartNamingTheKey() {
    var loaded = NodeConfig.withOverrides(Map.of("lifeguard.production", "true"));
    var e = assertThrows(InvalidSettingException.class, () -> ControlConfig.preflight(loaded.config(), loaded.settings()));
    assertTrue(e.getMessage().contains("lifeguard.tokens.signing-jwk") && e.getMessage().contains("LIFEGUARD_SIGNING_JWK"), e.getMessage());
  }

  @Test
  void requiringEntitlementWithoutAJwksUrlRefusesToStart() {
    var loaded = NodeConfig.withOverrides(Map.of("lifeguard.control.require-entitlement", "true"));
    var e = assertThrows(InvalidSettingException.class, () -> ControlConfig.preflight(loaded.config(), loaded.settings()));
    assertTrue(e.getMessage().contains("LIFEGUARD_ENTITLEMENT_JWKS_URL"), e.getMessage());
  }
}
