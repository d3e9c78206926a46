package io.lifeguard.protocol.crypto;

import io.lifeguard.protocol.FeatureBits;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AEADs peers may seal frames with; both use a 256-bit key, a 96-bit nonce and a 128-bit
 * tag. AES-256-GCM is the default; ChaCha20-Poly1305 is used when the server hello sets {@link
 * FeatureBits#E2E_CHACHA20}. The suite id enters the key schedule so the two never share keys.
 */
public enum CipherSuite {
  AES_256_GCM(0, "AES/GCM/NoPadding", "AES"),
  CHACHA20_POLY1305(1, "ChaCha20-Poly1305", "ChaCha20");

  public static final int KEY_LENGTH = 32;
  public static final int NONCE_LENGTH = 12;
  public static final int TAG_LENGTH = 16;

  private final int id;
  private final String transformation;
  private final String keyAlgorithm;

  CipherSuite(int id, String transformation, String keyAlgorithm) {
    this.id = id;
    this.transformation = transformation;
    this.keyAlgorithm = keyAlgorithm;
  }

  /** The byte that names the suite in the key schedule and in key announces. */
  public int id() {
    return id;
  }

  /** The suite a server hello's feature bits select. */
  public static CipherSuite fromFeatureBits(long featuresBitmap) {
    return FeatureBits.has(featuresBitmap, FeatureBits.E2E_CHACHA20)
        ? CHACHA20_POLY1305
        : AES_256_GCM;
  }

  /** Looks a suite up by id; empty-handed lookups throw because the peer sent nonsense. */
  public static CipherSuite fromId(int id) {
    for (CipherSuite suite : values()) {
      if (suite.id == id) {
        return suite;
      }
    }
    throw new IllegalArgumentException("unknown cipher suite id " + id);
  }

  Cipher newCipher() {
    try {
      return Cipher.getInstance(transformation);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(transformation + " is part of Java 17", e);
    }
  }

  SecretKeySpec key(byte[] key) {
    return new SecretKeySpec(key, keyAlgorithm);
  }

  AlgorithmParameterSpec parameters(byte[] nonce) {
    return this == AES_256_GCM
        ? new GCMParameterSpec(TAG_LENGTH * 8, nonce)
        : new IvParameterSpec(nonce);
  }
}
