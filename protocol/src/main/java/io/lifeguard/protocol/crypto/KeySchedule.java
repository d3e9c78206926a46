package io.lifeguard.protocol.crypto;

import io.lifeguard.protocol.HelloCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Derives one sender's frame keys from the session's pre-shared key and the sender's hello
 * nonces:
 *
 * <pre>
 * PRK  = HKDF-Extract(salt = client_nonce || server_nonce, IKM = psk)
 * info = "lifeguard/v1 frame key" || u8 suite_id || u32be epoch || UTF-8 peer_id
 * OKM  = HKDF-Expand(PRK, info, 52)
 * key = OKM[0..32), nonce_base = OKM[32..44), key_id = OKM[44..52)
 * </pre>
 *
 * The sender knows all inputs after its own hello exchange; a receiver learns peer_id and both
 * nonces from the sender's {@link KeyAnnounce}. The peer_id is bound into the keys, so a frame
 * that opens proves the announce's peer_id came from someone holding the PSK.
 */
public final class KeySchedule {
  public static final String INFO_LABEL = "lifeguard/v1 frame key";
  public static final int OUTPUT_LENGTH = 52;
  public static final int KEY_ID_LENGTH = 8;
  public static final int MIN_PSK_LENGTH = 16;
  public static final long MAX_EPOCH = 0xFFFF_FFFFL;

  private final CipherSuite suite;
  private final String peerId;
  private final byte[] pseudoRandomKey;
  private final byte[] clientNonce;
  private final byte[] serverNonce;

  /**
   * @throws IllegalArgumentException for a PSK under 16 bytes, nonces that are not 16 bytes or a
   *     peer id that is not a valid identifier
   */
  public KeySchedule(
      CipherSuite suite, byte[] psk, String peerId, byte[] clientNonce, byte[] serverNonce) {
    this.suite = Objects.requireNonNull(suite, "suite");
    if (psk == null || psk.length < MIN_PSK_LENGTH) {
      throw new IllegalArgumentException("pre-shared key must have at least 16 bytes");
    }
    if (peerId == null || !HelloCodec.IDENTIFIER.matcher(peerId).matches()) {
      throw new IllegalArgumentException("invalid peer id");
    }
    if (clientNonce == null || clientNonce.length != HelloCodec.NONCE_LENGTH
        || serverNonce == null || serverNonce.length != HelloCodec.NONCE_LENGTH) {
      throw new IllegalArgumentException("nonces must be 16 bytes");
    }
    this.peerId = peerId;
    this.clientNonce = clientNonce.clone();
    this.serverNonce = serverNonce.clone();
    byte[] salt = ByteBuffer.allocate(32).put(clientNonce).put(serverNonce).array();
    this.pseudoRandomKey = Hkdf.extract(salt, psk);
  }

  public CipherSuite suite() {
    return suite;
  }

  public String peerId() {
    return peerId;
  }

  public byte[] clientNonce() {
    return clientNonce.clone();
  }

  public byte[] serverNonce() {
    return serverNonce.clone();
  }

  /** The key announce a sender with this schedule sends to its peers. */
  public KeyAnnounce announce(boolean replyRequested) {
    return new KeyAnnounce(peerId, clientNonce, serverNonce, suite, replyRequested);
  }

  /**
   * Keys for one epoch.
   *
   * @throws IllegalArgumentException for an epoch outside u32
   */
  public EpochKey epoch(long epoch) {
    if (epoch < 0 || epoch > MAX_EPOCH) {
      throw new IllegalArgumentException("epoch out of u32 range: " + epoch);
    }
    byte[] label = INFO_LABEL.getBytes(StandardCharsets.US_ASCII);
    byte[] peer = peerId.getBytes(StandardCharsets.UTF_8);
    byte[] info =
        ByteBuffer.allocate(label.length + 1 + 4 + peer.length)
            .put(label)
            .put((byte) suite.id())
            .putInt((int) epoch)
            .put(peer)
            .array();
    byte[] okm = Hkdf.expand(pseudoRandomKey, info, OUTPUT_LENGTH);
    byte[] key = new byte[CipherSuite.KEY_LENGTH];
    byte[] nonceBase = new byte[CipherSuite.NONCE_LENGTH];
    byte[] keyId = new byte[KEY_ID_LENGTH];
    ByteBuffer.wrap(okm).get(key).get(nonceBase).get(keyId);
    return new EpochKey(epoch, key, nonceBase, keyId);
  }
}
