package io.lifeguard.protocol.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs Lifeguard tokens: compact JWS with header {@code alg=EdDSA, kid, typ=lifeguard+jwt} and
 * the claims {@code iss, session_id, role, iat, exp, cohort, feature_bits, jti}. Ed25519
 * signatures are deterministic, so the same claims and key always give the same token.
 * Thread-safe.
 */
public final class TokenSigner {
  /** Longest lifetime ({@code exp - iat}) a token may have. */
  public static final Duration MAX_LIFETIME = Duration.ofMinutes(5);

  public static final String ISSUER = "lifeguard";
  public static final JOSEObjectType TYPE = new JOSEObjectType("lifeguard+jwt");

  private final Ed25519Signer signer;
  private final JWSHeader header;

  /**
   * @param ed25519PrivateJwk private Ed25519 key with a kid
   * @throws IllegalArgumentException if the key is not an Ed25519 private key with a kid
   */
  public TokenSigner(OctetKeyPair ed25519PrivateJwk) {
    Ed25519Keys.requireEd25519(ed25519PrivateJwk);
    Ed25519Keys.requireKid(ed25519PrivateJwk.getKeyID());
    if (!ed25519PrivateJwk.isPrivate()) {
      throw new IllegalArgumentException("signing needs the private key (d)");
    }
    try {
      this.signer = new Ed25519Signer(ed25519PrivateJwk);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable Ed25519 key: " + e.getMessage(), e);
    }
    this.header =
        new JWSHeader.Builder(JWSAlgorithm.EdDSA)
            .keyID(ed25519PrivateJwk.getKeyID())
            .type(TYPE)
            .build();
  }

  /**
   * Signs the claims.
   *
   * @throws IllegalArgumentException if {@code exp <= iat} or {@code exp - iat} exceeds {@link
   *     #MAX_LIFETIME}
   */
  public String sign(TokenClaims claims) {
    long issuedAt = claims.issuedAt().getEpochSecond();
    long expiresAt = claims.expiresAt().getEpochSecond();
    if (expiresAt <= issuedAt) {
      throw new IllegalArgumentException("exp must be after iat");
    }
    if (expiresAt - issuedAt > MAX_LIFETIME.toSeconds()) {
      throw new IllegalArgumentException("token lifetime exceeds " + MAX_LIFETIME);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("iss", ISSUER);
    json.put("session_id", claims.sessionId());
    json.put("role", claims.role().wireName());
    json.put("iat", issuedAt);
    json.put("exp", expiresAt);
    json.put("cohort", claims.cohort());
    json.put("feature_bits", claims.featureBits());
    json.put("jti", claims.jti());
    JWSObject jws = new JWSObject(header, new Payload(JSONObjectUtils.toJSONString(json)));
    try {
      jws.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
    return jws.serialize();
  }
}
