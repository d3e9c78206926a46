package io.lifeguard.protocol.client;

import java.util.Optional;

/**
 * Notices frames a receiver never got from one sender, e.g. frames that were in flight on a node
 * that died. Expects seq to rise by one within an epoch and to restart at 0 in a new epoch. Not
 * thread-safe.
 */
public final class GapDetector {
  /**
   * Frames missing before the one just received.
   *
   * @param epoch sender epoch of the received frame
   * @param expectedSeq seq that should have arrived
   * @param receivedSeq seq that arrived
   */
  public record Gap(long epoch, long expectedSeq, long receivedSeq) {
    /** Frames lost within the epoch; unknown tail of an earlier epoch is not counted. */
    public long missing() {
      return receivedSeq - expectedSeq;
    }
  }

  private long epoch = -1;
  private long lastSeq = -1;

  /** Records an accepted frame and reports the gap before it, if any. */
  public Optional<Gap> observe(long frameEpoch, long seq) {
    long expected = frameEpoch == epoch ? lastSeq + 1 : 0;
    epoch = frameEpoch;
    lastSeq = seq;
    return seq > expected ? Optional.of(new Gap(frameEpoch, expected, seq)) : Optional.empty();
  }

  /** Forgets the sender's history (it reconnected with new keys and restarts at seq 0). */
  public void reset() {
    epoch = -1;
    lastSeq = -1;
  }
}
