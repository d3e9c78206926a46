package io.lifeguard.node.relay;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** Signing keys and tokens for relay tests; the node under test trusts {@link #KEY}. */
final class RelayTokens {
  static final OctetKeyPair KEY = Ed25519Keys.generate("test-key");
  static final OctetKeyPair OTHER_KEY_SAME_KID = Ed25519Keys.generate("test-key");
  private static final TokenSigner SIGNER = new TokenSigner(KEY);

  private RelayTokens() {}

  static Map<String, Object> nodeConfig() {
    return Map.of("lifeguard.tokens.signing-jwk", KEY.toJSONString());
  }

  static String token(String sessionId, Role role) {
    return sign(SIGNER, sessionId, role, Instant.now(), Duration.ofMinutes(4));
  }

  static String sign(TokenSigner signer, String sessionId, Role role, Instant issuedAt, Duration lifetime) {
    return signer.sign(new TokenClaims(sessionId, role, issuedAt, issuedAt.plus(lifetime), "test-cohort",
        FeatureBits.FALLBACK_AUTHORIZED | FeatureBits.TELEMETRY, UUID.randomUUID().toString()));
  }

  static String forgedToken(String sessionId, Role role) {
    return sign(new TokenSigner(OTHER_KEY_SAME_KID), sessionId, role, Instant.now(), Duration.ofMinutes(4));
  }

  static String expiredToken(String sessionId, Role role) {
    return sign(SIGNER, sessionId, role, Instant.now().minus(Duration.ofMinutes(10)), Duration.ofMinutes(4));
  }

  static String newSessionId() {
    return "s-" + UUID.randomUUID();
  }
}
