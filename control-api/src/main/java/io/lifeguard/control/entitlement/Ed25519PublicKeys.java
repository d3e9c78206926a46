package io.lifeguard.control.entitlement;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Converts Ed25519 public keys between their JWK form and the JDK's {@link EdECPublicKey}, the
 * form nimbus' key selection passes around. The X.509 encoding of an Ed25519 key is a fixed
 * 12-byte header followed by the 32 raw key bytes, so the conversion is exact both ways.
 */
final class Ed25519PublicKeys {
  private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  private static final int RAW_LENGTH = 32;

  private Ed25519PublicKeys() {}

  /** Throws {@link IllegalArgumentException} when {@code x} is not 32 bytes (a malformed JWKS entry). */
  static PublicKey toJava(OctetKeyPair jwk) {
    byte[] raw = jwk.getX().decode();
    if (raw.length != RAW_LENGTH) throw new IllegalArgumentException("Ed25519 key " + jwk.getKeyID() + " is not 32 bytes");
    byte[] encoded = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + RAW_LENGTH);
    System.arraycopy(raw, 0, encoded, X509_PREFIX.length, RAW_LENGTH);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("Ed25519 key " + jwk.getKeyID() + ": " + e.getMessage(), e);
    }
  }

  static OctetKeyPair toJwk(EdECPublicKey key) {
    byte[] encoded = key.getEncoded();
    byte[] raw = Arrays.copyOfRange(encoded, encoded.length - RAW_LENGTH, encoded.length);
    return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw)).build();
  }
}
