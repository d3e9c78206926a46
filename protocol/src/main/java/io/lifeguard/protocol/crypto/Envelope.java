package io.lifeguard.protocol.crypto;

import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.ProtocolException;
import java.util.Arrays;

/**
 * Layout of CONTROL and DATA bodies between peers that share a key. The first body byte says
 * what follows:
 *
 * <pre>
 * 0x01 sealed:       key_id[8] || ciphertext || tag[16]
 * 0x02 key announce: see {@link KeyAnnounce}
 * </pre>
 */
public final class Envelope {
  public static final int SEALED = 0x01;
  public static final int KEY_ANNOUNCE = 0x02;
  /** Bytes a sealed body adds to the plaintext: type, key id, tag. */
  public static final int SEALED_OVERHEAD = 1 + KeySchedule.KEY_ID_LENGTH + CipherSuite.TAG_LENGTH;

  private Envelope() {}

  /**
   * The envelope type of a forwarded frame's body.
   *
   * @throws ProtocolException {@link ErrorCode#MALFORMED_ENVELOPE} for HEARTBEAT/CLOSE frames or
   *     an empty body
   */
  public static int type(Frame frame) {
    if (!frame.kind().forwarded() || frame.body().length == 0) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_ENVELOPE, "no envelope in " + frame.kind() + " frame");
    }
    return frame.body()[0] & 0xFF;
  }

  /**
   * The key id of a sealed frame, which tells a receiver the sender and epoch.
   *
   * @throws ProtocolException {@link ErrorCode#MALFORMED_ENVELOPE} if the frame is not sealed
   */
  public static byte[] keyId(Frame frame) {
    if (type(frame) != SEALED || frame.body().length < SEALED_OVERHEAD) {
      throw new ProtocolException(ErrorCode.MALFORMED_ENVELOPE, "not a sealed body");
    }
    return Arrays.copyOfRange(frame.body(), 1, 1 + KeySchedule.KEY_ID_LENGTH);
  }
}
