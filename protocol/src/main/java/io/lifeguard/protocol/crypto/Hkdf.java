package io.lifeguard.protocol.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF with HMAC-SHA256 (RFC 5869), over {@link javax.crypto.Mac}. */
public final class Hkdf {
  private static final String HMAC = "HmacSHA256";
  private static final int HASH_LENGTH = 32;

  private Hkdf() {}

  /** HKDF-Extract: PRK = HMAC(salt, ikm). An empty salt means 32 zero bytes, as in the RFC. */
  public static byte[] extract(byte[] salt, byte[] inputKeyMaterial) {
    byte[] effectiveSalt = salt.length == 0 ? new byte[HASH_LENGTH] : salt;
    return mac(effectiveSalt).doFinal(inputKeyMaterial);
  }

  /**
   * HKDF-Expand: T(1) | T(2) | ... truncated to {@code length}.
   *
   * @throws IllegalArgumentException if {@code length} exceeds 255 * 32 or the PRK is shorter
   *     than 32 bytes
   */
  public static byte[] expand(byte[] pseudoRandomKey, byte[] info, int length) {
    if (length < 0 || length > 255 * HASH_LENGTH) {
      throw new IllegalArgumentException("HKDF output length out of range: " + length);
    }
    if (pseudoRandomKey.length < HASH_LENGTH) {
      throw new IllegalArgumentException("PRK must be at least " + HASH_LENGTH + " bytes");
    }
    Mac mac = mac(pseudoRandomKey);
    byte[] output = new byte[length];
    byte[] block = new byte[0];
    int offset = 0;
    for (int counter = 1; offset < length; counter++) {
      mac.update(block);
      mac.update(info);
      mac.update((byte) counter);
      block = mac.doFinal();
      int chunk = Math.min(block.length, length - offset);
      System.arraycopy(block, 0, output, offset, chunk);
      offset += chunk;
    }
    return output;
  }

  private static Mac mac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
    }
  }
}
