package io.lifeguard.protocol.client;

import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.ProtocolException;
import io.lifeguard.protocol.ServerHello;
import java.time.Duration;

/**
 * Callbacks of a {@link LifeguardClient}. Called from the WebSocket and timer threads, one at a
 * time per client; implementations must return quickly and not block. All methods default to
 * doing nothing.
 */
public interface ClientListener {
  /** The hello exchange succeeded, on the first connection and on every reconnect. */
  default void onConnected(ServerHello hello) {}

  /** A decrypted CONTROL or DATA payload from a peer (end-to-end encryption on). */
  default void onMessage(String peerId, FrameKind kind, byte[] plaintext) {}

  /** A CONTROL or DATA frame as received (end-to-end encryption off). */
  default void onFrame(Frame frame) {}

  /** A peer announced its keys; frames sent from now on reach it (it learned ours first). */
  default void onPeerAnnounced(String peerId) {}

  /** Frames from a peer never arrived (for example they were lost with a dead node). */
  default void onGap(String peerId, GapDetector.Gap gap) {}

  /** A peer's frame could not be opened or was malformed; it was dropped. */
  default void onPeerFrameRejected(ProtocolException error) {}

  /**
   * The connection ended. An abnormal end without a close code is reported as {@link
   * CloseReason#TRY_AGAIN_LATER}. {@code onReconnecting} follows when the client will retry.
   */
  default void onClose(CloseReason reason) {}

  /** The client will try connection attempt {@code attempt} after {@code delay}. */
  default void onReconnecting(int attempt, Duration delay) {}
}
