package io.lifeguard.protocol.crypto;

import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.ProtocolException;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;

/**
 * Seals one sender's CONTROL and DATA frames. Sequence numbers start at 0 and rise by one per
 * frame. Rekey rule: an epoch covers seq 0..{@code rekeyLimit - 1} (2^32 by default, so seq
 * never wraps); the frame after seq {@code rekeyLimit - 1} is sealed with the next epoch's key and
 * seq 0. After the last epoch (2^32 - 1) the sealer refuses with {@link
 * ErrorCode#SEQUENCE_EXHAUSTED}; the sender must reconnect to get fresh nonces.
 *
 * <p>Not thread-safe: one sender seals from one place, in the order frames are sent.
 */
public final class FrameSealer {
  /** Frames per epoch in production: every u32 seq value once. */
  public static final long DEFAULT_REKEY_LIMIT = 1L << 32;

  private final KeySchedule schedule;
  private final long rekeyLimit;
  private final Cipher cipher;
  private EpochKey current;
  private long nextSeq;

  public FrameSealer(KeySchedule schedule) {
    this(schedule, DEFAULT_REKEY_LIMIT);
  }

  /**
   * @param rekeyLimit frames per epoch, 1..2^32; smaller values exist for tests
   */
  public FrameSealer(KeySchedule schedule, long rekeyLimit) {
    if (rekeyLimit < 1 || rekeyLimit > DEFAULT_REKEY_LIMIT) {
      throw new IllegalArgumentException("rekey limit must be in 1..2^32");
    }
    this.schedule = schedule;
    this.rekeyLimit = rekeyLimit;
    this.cipher = schedule.suite().newCipher();
    this.current = schedule.epoch(0);
  }

  /** The epoch the next frame will be sealed in. */
  public long epoch() {
    return nextSeq == rekeyLimit ? current.epoch() + 1 : current.epoch();
  }

  /**
   * Seals a payload into a frame with the next seq.
   *
   * @throws IllegalArgumentException for a kind other than CONTROL or DATA
   * @throws ProtocolException {@link ErrorCode#OVERSIZED} when the payload does not fit, {@link
   *     ErrorCode#SEQUENCE_EXHAUSTED} after the last epoch
   */
  public Frame seal(FrameKind kind, byte[] payload) {
    if (!kind.forwarded()) {
      throw new IllegalArgumentException("only CONTROL and DATA frames are sealed");
    }
    int bodyLength = Envelope.SEALED_OVERHEAD + payload.length;
    if (bodyLength > FrameCodec.MAX_BODY) {
      throw new ProtocolException(ErrorCode.OVERSIZED, "payload too large to seal");
    }
    if (nextSeq == rekeyLimit) {
      if (current.epoch() == KeySchedule.MAX_EPOCH) {
        throw new ProtocolException(ErrorCode.SEQUENCE_EXHAUSTED, "no epochs left");
      }
      current = schedule.epoch(current.epoch() + 1);
      nextSeq = 0;
    }
    long seq = nextSeq;
    byte[] header = new byte[FrameCodec.HEADER_LENGTH];
    FrameCodec.writeHeader(header, FrameCodec.VERSION, kind, bodyLength, seq);
    byte[] body = new byte[bodyLength];
    body[0] = (byte) Envelope.SEALED;
    System.arraycopy(current.keyId(), 0, body, 1, KeySchedule.KEY_ID_LENGTH);
    try {
      cipher.init(
          Cipher.ENCRYPT_MODE,
          schedule.suite().key(current.key()),
          schedule.suite().parameters(current.nonce(seq)));
      cipher.updateAAD(header);
      cipher.doFinal(payload, 0, payload.length, body, 1 + KeySchedule.KEY_ID_LENGTH);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AEAD encryption failed", e);
    }
    nextSeq++;
    return Frame.of(kind, seq, body);
  }
}
