package io.lifeguard.protocol.crypto;

import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a sender tells its peers, in clear, so they can derive its keys: a CONTROL frame with seq 0
 * whose body is
 *
 * <pre>
 * u8 0x02 | u8 suite_id | u8 flags (bit 0: reply requested) | client_nonce[16] | server_nonce[16]
 *   | UTF-8 peer_id (1..128 bytes, the rest of the body)
 * </pre>
 *
 * An announce is not authenticated by itself; the first frame that opens under the derived key
 * authenticates it, because the key depends on the PSK and on every announced field.
 *
 * @param replyRequested set on the announce sent after connecting; a receiver that did not know
 *     this sender answers with its own announce (reply not requested), so late joiners learn
 *     everyone's keys without announce storms
 */
public record KeyAnnounce(
    String peerId,
    byte[] clientNonce,
    byte[] serverNonce,
    CipherSuite suite,
    boolean replyRequested) {

  private static final int FIXED_LENGTH = 3 + 2 * HelloCodec.NONCE_LENGTH;

  public KeyAnnounce {
    Objects.requireNonNull(suite, "suite");
    if (peerId == null || !HelloCodec.IDENTIFIER.matcher(peerId).matches()) {
      throw new IllegalArgumentException("invalid peer id");
    }
    if (clientNonce.length != HelloCodec.NONCE_LENGTH
        || serverNonce.length != HelloCodec.NONCE_LENGTH) {
      throw new IllegalArgumentException("nonces must be 16 bytes");
    }
  }

  /** True for a CONTROL frame whose body is a key announce. */
  public static boolean isAnnounce(Frame frame) {
    return frame.kind() == FrameKind.CONTROL
        && frame.body().length > 0
        && (frame.body()[0] & 0xFF) == Envelope.KEY_ANNOUNCE;
  }

  /** The CONTROL frame (seq 0) that carries this announce. */
  public Frame toFrame() {
    byte[] peer = peerId.getBytes(StandardCharsets.UTF_8);
    byte[] body =
        ByteBuffer.allocate(FIXED_LENGTH + peer.length)
            .put((byte) Envelope.KEY_ANNOUNCE)
            .put((byte) suite.id())
            .put((byte) (replyRequested ? 1 : 0))
            .put(clientNonce)
            .put(serverNonce)
            .put(peer)
            .array();
    return Frame.of(FrameKind.CONTROL, 0, body);
  }

  /**
   * Reads an announce frame.
   *
   * @throws ProtocolException {@link ErrorCode#MALFORMED_ENVELOPE} for anything that does not
   *     follow the layout
   */
  public static KeyAnnounce fromFrame(Frame frame) {
    if (!isAnnounce(frame) || frame.body().length <= FIXED_LENGTH) {
      throw malformed("not a key announce");
    }
    ByteBuffer body = ByteBuffer.wrap(frame.body());
    body.get();
    int suiteId = body.get() & 0xFF;
    int flags = body.get() & 0xFF;
    byte[] clientNonce = new byte[HelloCodec.NONCE_LENGTH];
    byte[] serverNonce = new byte[HelloCodec.NONCE_LENGTH];
    body.get(clientNonce).get(serverNonce);
    String peerId;
    try {
      peerId =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(body)
              .toString();
    } catch (CharacterCodingException e) {
      throw malformed("peer id is not UTF-8");
    }
    if ((flags & ~1) != 0) {
      throw malformed("unknown announce flags");
    }
    try {
      return new KeyAnnounce(
          peerId, clientNonce, serverNonce, CipherSuite.fromId(suiteId), (flags & 1) != 0);
    } catch (IllegalArgumentException e) {
      throw malformed(e.getMessage());
    }
  }

  /** The schedule a receiver uses to open this sender's frames. */
  public KeySchedule schedule(byte[] psk) {
    return new KeySchedule(suite, psk, peerId, clientNonce, serverNonce);
  }

  /** True when both announces describe the same sender keys (the reply flag is ignored). */
  public boolean sameKeys(KeyAnnounce other) {
    return peerId.equals(other.peerId)
        && suite == other.suite
        && Arrays.equals(clientNonce, other.clientNonce)
        && Arrays.equals(serverNonce, other.serverNonce);
  }

  private static ProtocolException malformed(String message) {
    return new ProtocolException(ErrorCode.MALFORMED_ENVELOPE, message);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KeyAnnounce that
        && sameKeys(that)
        && replyRequested == that.replyRequested;
  }

  @Override
  public int hashCode() {
    return Objects.hash(peerId, suite, replyRequested) * 31 + Arrays.hashCode(clientNonce);
  }

  @Override
  public String toString() {
    return "KeyAnnounce[peerId=" + peerId + ", suite=" + suite
        + ", replyRequested=" + replyRequested + "]";
  }
}
