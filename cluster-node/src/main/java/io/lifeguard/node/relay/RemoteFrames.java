package io.lifeguard.node.relay;

import io.lifeguard.sharding.session.PeerMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Frames an I/O thread forwards to peers on other nodes during one turn, gathered per destination
 * node and sent as one {@link PeerMessage.Frames} when the turn ends (a task the thread runs after
 * the reads it is handling). Each cross-node frame used to be its own Artery message: an envelope,
 * a send-queue offer, a wake-up of the remote dispatcher, then a mailbox enqueue and a hand-over to
 * the receiver's I/O thread on the other side. Under load a turn reads many sockets, so those costs
 * are paid once per turn and destination instead of once per frame; a lone frame still goes as a
 * {@link PeerMessage.Deliver} at the end of its turn (microseconds later than before).
 *
 * <p>One instance per thread, touched only by that thread. Order: frames from one connection are
 * appended in the order it forwards them, and one destination's frames leave in one message, so
 * a receiver sees each sender's frames in order, as with one message per frame.
 */
final class RemoteFrames {
  /**
   * Frame bytes gathered for one destination before it is sent without waiting for the turn's end;
   * Artery's envelope holds 256 KiB by default (pekko.remote.artery.advanced.maximum-frame-size).
   */
  static final int MAX_BATCH_BYTES = 64 * 1024;

  private static final ThreadLocal<RemoteFrames> CURRENT = ThreadLocal.withInitial(RemoteFrames::new);

  private final List<Pending> pending = new ArrayList<>(2);
  private boolean flushScheduled;
  private final Runnable flush = this::flush;

  private RemoteFrames() {}

  /**
   * Sends {@code frame} to connection {@code connectionId} behind {@code inbox}: gathered until the
   * end of the current turn of {@code ioThread} when the caller runs on that I/O thread (non-null),
   * else at once.
   */
  static void send(ActorRef<PeerMessage> inbox, long connectionId, byte[] frame, Executor ioThread) {
    if (ioThread == null) {
      inbox.tell(new PeerMessage.Deliver(connectionId, frame));
      return;
    }
    CURRENT.get().add(inbox, connectionId, frame, ioThread);
  }

  private void add(ActorRef<PeerMessage> inbox, long connectionId, byte[] frame, Executor ioThread) {
    Pending destination = null;
    for (int i = 0; i < pending.size(); i++) {
      if (pending.get(i).inbox.equals(inbox)) {
        destination = pending.get(i);
        break;
      }
    }
    if (destination == null) {
      destination = new Pending(inbox);
      pending.add(destination);
    } else if (destination.bytes + frame.length > MAX_BATCH_BYTES) {
      destination.send();
    }
    if (frame.length >= MAX_BATCH_BYTES) {
      // Alone, after what was gathered before it for the same node (order).
      destination.send();
      inbox.tell(new PeerMessage.Deliver(connectionId, frame));
      return;
    }
    destination.add(connectionId, frame);
    if (!flushScheduled) {
      flushScheduled = true;
      try {
        // On its own thread, a Netty event loop queues the task without a wake-up and runs it
        // after the I/O events of this turn.
        ioThread.execute(flush);
      } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
        flush();
      }
    }
  }

  private void flush() {
    flushScheduled = false;
    // Destinations are the other nodes and recur every turn: an entry is kept while it is used and
    // dropped after a turn without frames, so a removed node's entry does not stay.
    pending.removeIf(destination -> !destination.send());
  }

  /** One destination node's frames of this turn. */
  private static final class Pending {
    final ActorRef<PeerMessage> inbox;
    long[] ids = new long[16];
    byte[][] frames = new byte[16][];
    int count;
    int bytes;

    Pending(ActorRef<PeerMessage> inbox) {
      this.inbox = inbox;
    }

    void add(long connectionId, byte[] frame) {
      if (count == ids.length) {
        ids = java.util.Arrays.copyOf(ids, count * 2);
        frames = java.util.Arrays.copyOf(frames, count * 2);
      }
      ids[count] = connectionId;
      frames[count] = frame;
      count++;
      bytes += frame.length;
    }

    /** Sends what was gathered; false when there was nothing. */
    boolean send() {
      if (count == 0) return false;
      if (count == 1) {
        inbox.tell(new PeerMessage.Deliver(ids[0], frames[0]));
      } else {
        inbox.tell(new PeerMessage.Frames(java.util.Arrays.copyOf(ids, count), java.util.Arrays.copyOf(frames, count)));
      }
      java.util.Arrays.fill(frames, 0, count, null);
      count = 0;
      bytes = 0;
      return true;
    }
  }
}
