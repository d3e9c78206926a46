package io.lifeguard.control.entitlement;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeyTypeException;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import java.security.Key;
import java.security.interfaces.EdECPublicKey;
import java.util.HashSet;
import java.util.Set;

/**
 * nimbus' default verifier factory, plus Ed25519: the default knows HMAC, RSA and EC only and
 * answers "Unsupported JWS algorithm EdDSA". Ed25519 signatures are checked by nimbus'
 * {@link Ed25519Verifier}, which also enforces the critical-header rules.
 */
final class EntitlementVerifierFactory implements JWSVerifierFactory {
  private final DefaultJWSVerifierFactory others = new DefaultJWSVerifierFactory();

  @Override
  public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
    if (!EntitlementKeySelector.ED25519.contains(header.getAlgorithm())) return others.createJWSVerifier(header, key);
    if (!(key instanceof EdECPublicKey edKey)) throw new KeyTypeException(EdECPublicKey.class);
    return new Ed25519Verifier(Ed25519PublicKeys.toJwk(edKey));
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    Set<JWSAlgorithm> all = new HashSet<>(others.supportedJWSAlgorithms());
    all.addAll(EntitlementKeySelector.ED25519);
    return all;
  }

  @Override
  public JCAContext getJCAContext() {
    return others.getJCAContext();
  }
}
