package io.lifeguard.node.edge;

/**
 * A socket's bounded outbound side, safe to call from any thread. Messages are written in the
 * order offered; a {@link WsOut.Close} is the last thing the client receives.
 */
public interface Outbound {
  /** What became of an offered message. */
  enum Offer { ENQUEUED, DROPPED, CLOSED }

  /** Called once the message was handed to the kernel (or was discarded because the socket ended). */
  interface Written {
    void written(boolean delivered);
  }

  /**
   * Queues {@code message}; {@link Offer#DROPPED} when the socket already holds its capacity of
   * unwritten messages (the caller counts or closes), {@link Offer#CLOSED} after a close.
   */
  Offer offer(WsOut message);

  /** As {@link #offer(WsOut)}, with a callback when the message left the node (or never will). */
  Offer offer(WsOut message, Written written);

  /**
   * As {@link #offer(WsOut)}, but a write that must hop to the socket's I/O thread joins {@code
   * batch} and runs when the caller submits it (one task per thread for a whole fan-out).
   */
  default Offer offer(WsOut message, WriteBatch batch) {
    return offer(message);
  }

  /**
   * Offers a message every socket sends alike (heartbeats). On {@link #ioThread()}, with no earlier
   * offer still waiting for that thread, it is written at once past the WebSocket encoder and does
   * not count against the capacity ({@link Offer#DROPPED} when the capacity is already full);
   * otherwise it is offered as a {@link WsOut.Binary} of its payload.
   */
  default Offer offerConstant(ConstantFrame message) {
    return offer(new WsOut.Binary(message.payload()));
  }

  /** Ends the socket with a normal close (1000) unless a close was already offered. */
  void complete();

  /** Messages offered and not yet written to the socket. */
  int size();

  /** Payload bytes offered and not yet written to the socket. */
  long pendingBytes();

  /** True once a close was offered or the socket ended. */
  boolean isClosed();

  /**
   * The socket's I/O thread. Offers made on it are written at once; a caller with work for many
   * sockets (heartbeats) hands each thread one batch instead of waking it once per socket.
   */
  java.util.concurrent.Executor ioThread();

  /**
   * {@link #ioThread()} when the caller runs on it, else null. A task the caller hands to it runs
   * on the same thread after the caller's current turn (the socket may move later; the task stays),
   * which is what lets work be gathered during a turn and sent once at its end.
   */
  default java.util.concurrent.Executor ioThreadIfCurrent() {
    return null;
  }

  /**
   * Moves the socket to the I/O thread {@code key} maps to, so sockets offered the same frames
   * (a session's peers) share a thread and a fan-out among them needs no hand-over; completes once
   * the socket is there (at once when it already is, or when the edge does not move sockets). Call
   * it on {@link #ioThread()} while no other thread offers data to this socket (before anyone knows
   * of it): a write offered from elsewhere during the move still reaches the client, but may overtake
   * one offered before it.
   */
  default java.util.concurrent.CompletionStage<Void> moveTo(String key) {
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }
}
