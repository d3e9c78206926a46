package io.lifeguard.control.entitlement;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the identity provider's keys for a proof's header. RSA and EC keys go through nimbus'
 * own selector; Ed25519 (OKP) keys need this class because nimbus turns JWKs into Java keys with
 * {@code AsymmetricJWK.toKeyPair()}, which an {@link OctetKeyPair} does not support, so its
 * selector silently drops them and every EdDSA proof would be "no matching key".
 */
final class EntitlementKeySelector implements JWSKeySelector<SecurityContext> {
  private static final Logger log = LoggerFactory.getLogger(EntitlementKeySelector.class);
  /** Both names an Ed25519 signature goes by: the original "EdDSA" and RFC 9864's "Ed25519". */
  static final Set<JWSAlgorithm> ED25519 = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

  private final Set<JWSAlgorithm> allowed;
  private final JWKSource<SecurityContext> source;
  private final JWSVerificationKeySelector<SecurityContext> rsaAndEc;

  EntitlementKeySelector(Set<JWSAlgorithm> allowed, JWKSource<SecurityContext> source) {
    this.allowed = Set.copyOf(allowed);
    this.source = source;
    Set<JWSAlgorithm> others = new java.util.HashSet<>(allowed);
    others.removeAll(ED25519);
    this.rsaAndEc = new JWSVerificationKeySelector<>(others, source);
  }

  @Override
  public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
    JWSAlgorithm algorithm = header.getAlgorithm();
    if (!allowed.contains(algorithm)) return List.of();
    if (!ED25519.contains(algorithm)) return rsaAndEc.selectJWSKeys(header, context);
    JWKMatcher matcher = new JWKMatcher.Builder(JWKMatcher.forJWSHeader(header)).curve(Curve.Ed25519).build();
    List<Key> keys = new ArrayList<>();
    for (JWK jwk : source.get(new JWKSelector(matcher), context)) {
      if (!(jwk instanceof OctetKeyPair okp)) continue;
      try {
        keys.add(Ed25519PublicKeys.toJava(okp));
      } catch (IllegalArgumentException malformed) {
        // One broken entry in the provider's JWKS must not fail proofs signed with its other keys.
        log.warn("entitlement JWKS: skipping unusable key: {}", malformed.getMessage());
      }
    }
    return keys;
  }
}
