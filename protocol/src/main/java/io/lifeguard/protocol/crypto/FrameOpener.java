package io.lifeguard.protocol.crypto;

import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.ProtocolException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;

/**
 * Opens one sender's sealed frames and enforces the replay rule: within an epoch seq must
 * strictly increase (gaps are allowed, a lost frame is not an attack); a frame under the next
 * epoch's key id starts that epoch, after which the old epoch is closed for good. A frame is
 * accepted only after its tag verified, so forged frames never move the state.
 *
 * <p>Not thread-safe: frames of one sender are opened in arrival order.
 */
public final class FrameOpener {
  private final KeySchedule schedule;
  private final Cipher cipher;
  private EpochKey previous;
  private EpochKey current;
  private EpochKey next;
  private long lastSeq = -1;

  public FrameOpener(KeySchedule schedule) {
    this.schedule = schedule;
    this.cipher = schedule.suite().newCipher();
    this.current = schedule.epoch(0);
    this.next = schedule.epoch(1);
  }

  /** The sender's peer id. */
  public String peerId() {
    return schedule.peerId();
  }

  /** Epoch of the last accepted frame (0 before any). */
  public long epoch() {
    return current.epoch();
  }

  /** Seq of the last accepted frame in the current epoch, -1 before any. */
  public long lastSeq() {
    return lastSeq;
  }

  /** True when the frame's key id belongs to this sender's current, next or previous epoch. */
  public boolean recognises(byte[] keyId) {
    return Arrays.equals(keyId, current.keyId())
        || (next != null && Arrays.equals(keyId, next.keyId()))
        || (previous != null && Arrays.equals(keyId, previous.keyId()));
  }

  /**
   * Authenticates and decrypts a sealed frame.
   *
   * @throws ProtocolException {@link ErrorCode#MALFORMED_ENVELOPE} for a body that is not
   *     sealed, {@link ErrorCode#UNKNOWN_SENDER_KEY} for a key id of another sender or a far
   *     epoch, {@link ErrorCode#REPLAYED_SEQUENCE} for a seq at or below the last accepted one
   *     or a frame of a closed epoch, {@link ErrorCode#AUTH_TAG_FAILED} when the tag fails
   */
  public byte[] open(Frame frame) {
    byte[] keyId = Envelope.keyId(frame);
    if (frame.version() != FrameCodec.VERSION) {
      throw new ProtocolException(ErrorCode.UNKNOWN_VERSION, "unknown frame version");
    }
    EpochKey key;
    if (Arrays.equals(keyId, current.keyId())) {
      if (frame.seq() <= lastSeq) {
        throw new ProtocolException(
            ErrorCode.REPLAYED_SEQUENCE, "seq " + frame.seq() + " not above " + lastSeq);
      }
      key = current;
    } else if (next != null && Arrays.equals(keyId, next.keyId())) {
      key = next;
    } else if (previous != null && Arrays.equals(keyId, previous.keyId())) {
      throw new ProtocolException(ErrorCode.REPLAYED_SEQUENCE, "frame of a closed epoch");
    } else {
      throw new ProtocolException(ErrorCode.UNKNOWN_SENDER_KEY, "key id not known");
    }
    byte[] plaintext = decrypt(frame, key);
    if (key == next) {
      previous = current;
      current = next;
      next = current.epoch() < KeySchedule.MAX_EPOCH ? schedule.epoch(current.epoch() + 1) : null;
    }
    lastSeq = frame.seq();
    return plaintext;
  }

  private byte[] decrypt(Frame frame, EpochKey key) {
    byte[] body = frame.body();
    byte[] header = new byte[FrameCodec.HEADER_LENGTH];
    FrameCodec.writeHeader(header, frame.version(), frame.kind(), body.length, frame.seq());
    int offset = 1 + KeySchedule.KEY_ID_LENGTH;
    try {
      cipher.init(
          Cipher.DECRYPT_MODE,
          schedule.suite().key(key.key()),
          schedule.suite().parameters(key.nonce(frame.seq())));
      cipher.updateAAD(header);
      return cipher.doFinal(body, offset, body.length - offset);
    } catch (GeneralSecurityException e) {
      throw new ProtocolException(ErrorCode.AUTH_TAG_FAILED, "authentication tag did not verify");
    }
  }
}
