package io.lifeguard.node.bridge;

import io.lifeguard.node.edge.Outbound;
import io.lifeguard.node.edge.WsOut;
import io.lifeguard.node.http.Json;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The down messages on their way to one socket, bounded in bytes. The Redis listener thread calls
 * {@link #offer}, which never blocks: the message goes to the socket or, when the byte budget is
 * spent, the caller hears {@link Offer#OVERFLOW} and closes the socket. Bytes count from the offer
 * until the edge has written the message to the kernel.
 *
 * <p>The down channel is subscribed before the upgrade completes, so messages that arrive in
 * between wait here and go out, in order, when the socket {@link #attach}es.
 */
final class Outbox {
  /** A down message held until the socket opens. */
  private record Entry(String text, int bytes, long receivedNanos) {}

  /** What happened to an offered message. */
  enum Offer { ACCEPTED, OVERFLOW, CLOSED }

  /** Told of each message written. */
  interface Listener {
    void delivered(long receivedNanos);
  }

  private final AtomicLong bytes = new AtomicLong();
  private final long capacity;
  private final AtomicLong nodeBytes;
  private final Listener listener;
  // Guarded by this until the socket attaches; read without the lock afterwards.
  private final ArrayDeque<Entry> early = new ArrayDeque<>();
  private volatile Outbound socket;
  private CloseReason closing;
  private boolean closed;

  Outbox(long capacityBytes, AtomicLong nodeBytes, Listener listener) {
    this.capacity = capacityBytes;
    this.nodeBytes = nodeBytes;
    this.listener = listener;
  }

  /** Non-blocking; safe from any thread. */
  Offer offer(String text, long receivedNanos) {
    int size = Utf8.length(text);
    if (bytes.addAndGet(size) > capacity) {
      bytes.addAndGet(-size);
      return Offer.OVERFLOW;
    }
    nodeBytes.addAndGet(size);
    Outbound out = socket;
    if (out == null) {
      synchronized (this) {
        out = socket;
        if (out == null) {
          if (closed) {
            release(size);
            return Offer.CLOSED;
          }
          early.add(new Entry(text, size, receivedNanos));
          return Offer.ACCEPTED;
        }
      }
    }
    return send(out, text, size, receivedNanos);
  }

  private Offer send(Outbound out, String text, int size, long receivedNanos) {
    Outbound.Offer result = out.offer(new WsOut.Text(text), delivered -> {
      release(size);
      if (delivered) listener.delivered(receivedNanos);
    });
    if (result == Outbound.Offer.ENQUEUED) return Offer.ACCEPTED;
    release(size);
    return result == Outbound.Offer.DROPPED ? Offer.OVERFLOW : Offer.CLOSED;
  }

  long bufferedBytes() {
    return bytes.get();
  }

  /** The socket opened: what waited goes first, then a close decided meanwhile. */
  void attach(Outbound out) {
    CloseReason decided;
    boolean closedMeanwhile;
    synchronized (this) {
      for (Entry e : early) send(out, e.text(), e.bytes(), e.receivedNanos());
      early.clear();
      decided = closing;
      closedMeanwhile = closed;
      socket = out;
    }
    if (closedMeanwhile) sendClose(out, decided);
  }

  /**
   * The one place a server-side close happens: a final JSON error frame saying why, then the
   * WebSocket close with the same code. A client that has stopped reading never takes them; the
   * edge drops its connection after its close timeout.
   *
   * @param dropPending discard messages still waiting for the socket to open
   * @return false when the socket was already closing
   */
  boolean closeWith(CloseReason reason, boolean dropPending) {
    Outbound out;
    synchronized (this) {
      if (closed) return false;
      closed = true;
      closing = reason;
      if (dropPending) {
        for (Entry e : early) release(e.bytes());
        early.clear();
      }
      out = socket;
    }
    if (out != null) sendClose(out, reason);
    return true;
  }

  /** The client closed first: nothing left to tell it. */
  void finish() {
    closeWith(null, true);
  }

  boolean closing() {
    synchronized (this) {
      return closed;
    }
  }

  /** The socket ended: messages never sent give their bytes back. */
  synchronized void ended() {
    closed = true;
    for (Entry e : early) release(e.bytes());
    early.clear();
  }

  private static void sendClose(Outbound out, CloseReason reason) {
    if (reason == null) {
      out.complete();
      return;
    }
    out.offer(finalFrame(reason));
    out.offer(new WsOut.Close(reason.code(), reason.reason()));
  }

  private static WsOut finalFrame(CloseReason reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "error");
    body.put("code", reason.code());
    body.put("reason", reason.reason());
    body.put("retry", reason.retry());
    return new WsOut.Text(Json.write(body));
  }

  private void release(int size) {
    bytes.addAndGet(-size);
    nodeBytes.addAndGet(-size);
  }
}
