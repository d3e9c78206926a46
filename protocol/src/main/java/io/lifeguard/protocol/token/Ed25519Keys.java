package io.lifeguard.protocol.token;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.text.ParseException;

/** Creates and parses the Ed25519 JWKs that sign and verify Lifeguard tokens. */
public final class Ed25519Keys {
  private Ed25519Keys() {}

  /** A fresh private key pair with the given key id. */
  public static OctetKeyPair generate(String kid) {
    requireKid(kid);
    try {
      return new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("Ed25519 key generation failed", e);
    }
  }

  /**
   * The key pair for a 32-byte RFC 8032 private key (seed); used for test vectors and for keys
   * kept outside JWK form.
   *
   * @throws IllegalArgumentException if the seed is not 32 bytes
   */
  public static OctetKeyPair fromSeed(String kid, byte[] seed) {
    requireKid(kid);
    if (seed == null || seed.length != 32) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
    }
    try {
      Ed25519Sign.KeyPair pair = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed);
      return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(pair.getPublicKey()))
          .d(Base64URL.encode(seed))
          .keyID(kid)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 key derivation failed", e);
    }
  }

  /**
   * Parses one JWK (public or private).
   *
   * @throws IllegalArgumentException if the JSON is not a JWK, or the key is not an OKP key on
   *     curve Ed25519
   */
  public static OctetKeyPair parse(String jwkJson) {
    JWK jwk;
    try {
      jwk = JWK.parse(jwkJson);
    } catch (ParseException e) {
      throw new IllegalArgumentException("not a valid JWK: " + e.getMessage(), e);
    }
    return requireEd25519(jwk);
  }

  static OctetKeyPair requireEd25519(JWK jwk) {
    if (!(jwk instanceof OctetKeyPair okp)) {
      throw new IllegalArgumentException(
          "expected an OKP key on curve Ed25519 but got kty=" + jwk.getKeyType());
    }
    if (!Curve.Ed25519.equals(okp.getCurve())) {
      throw new IllegalArgumentException(
          "expected an OKP key on curve Ed25519 but got crv=" + okp.getCurve());
    }
    return okp;
  }

  static void requireKid(String kid) {
    if (kid == null || kid.isBlank()) {
      throw new IllegalArgumentException("a key id (kid) is required");
    }
  }
}
