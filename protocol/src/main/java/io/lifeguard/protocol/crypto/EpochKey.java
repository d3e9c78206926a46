package io.lifeguard.protocol.crypto;

import java.util.HexFormat;

/**
 * The keys of one sender for one epoch.
 *
 * @param epoch epoch number, 0..2^32-1
 * @param key 32-byte AEAD key
 * @param nonceBase 12-byte nonce base; frame nonce = base XOR seq
 * @param keyId 8 bytes that identify this sender and epoch in clear in every sealed body
 */
public record EpochKey(long epoch, byte[] key, byte[] nonceBase, byte[] keyId) {

  /** Frame nonce: the nonce base with the u32 seq XORed into its last four bytes. */
  public byte[] nonce(long seq) {
    byte[] nonce = nonceBase.clone();
    nonce[8] ^= (byte) (seq >>> 24);
    nonce[9] ^= (byte) (seq >>> 16);
    nonce[10] ^= (byte) (seq >>> 8);
    nonce[11] ^= (byte) seq;
    return nonce;
  }

  /** Shows only the key id; keys never reach logs. */
  @Override
  public String toString() {
    return "EpochKey[epoch=" + epoch + ", keyId=" + HexFormat.of().formatHex(keyId) + "]";
  }
}
