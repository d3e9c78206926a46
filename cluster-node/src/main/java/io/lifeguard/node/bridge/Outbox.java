package io.lifeguard.node.bridge;

import io.lifeguard.node.http.Json;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import io.lifeguard.node.websocket.WsOut;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * The down messages waiting for one socket, bounded in bytes. The Redis listener thread calls
 * {@link #offer}, which never blocks: it appends to a lock-free queue or, when the byte budget is
 * spent, reports overflow so the caller can close the socket. {@link #source()} is the socket's
 * outbound stream and drains the queue as fast as the client reads.
 *
 * <p>Bytes are counted from enqueue until the message is handed to pekko-http's WebSocket stage;
 * pekko-http and the kernel buffer a little more beyond that point.
 */
final class Outbox {
  /** A down message and when it arrived from Redis (for the latency histogram). */
  private record Entry(String text, int bytes, long receivedNanos) {}

  /** What happened to an offered message. */
  enum Offer { ACCEPTED, OVERFLOW, CLOSED }

  /** Called when the outbound stream stops, for whatever reason, exactly once. */
  interface Listener {
    void delivered(long receivedNanos);

    void stopped();
  }

  private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong bytes = new AtomicLong();
  private final long capacity;
  private final Duration closeTimeout;
  private final AtomicLong nodeBytes;
  private final Listener listener;
  /** Set once; a null reason means "complete quietly". */
  private record Closing(CloseReason reason) {}

  private final AtomicReference<Closing> closing = new AtomicReference<>();
  private final AtomicBoolean waiting = new AtomicBoolean();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile AsyncCallback<Boolean> wake;

  Outbox(long capacityBytes, Duration closeTimeout, AtomicLong nodeBytes, Listener listener) {
    this.capacity = capacityBytes;
    this.closeTimeout = closeTimeout;
    this.nodeBytes = nodeBytes;
    this.listener = listener;
  }

  /** Non-blocking; safe from any thread. */
  Offer offer(String text, long receivedNanos) {
    if (closing.get() != null) return Offer.CLOSED;
    int size = Utf8.length(text);
    if (bytes.addAndGet(size) > capacity) {
      bytes.addAndGet(-size);
      return Offer.OVERFLOW;
    }
    nodeBytes.addAndGet(size);
    queue.add(new Entry(text, size, receivedNanos));
    signal();
    return Offer.ACCEPTED;
  }

  long bufferedBytes() {
    return bytes.get();
  }

  boolean started() {
    return started.get();
  }

  /**
   * The one place a server-side close happens. pekko-http 1.3.0 cannot send a chosen close code
   * (completing the stream sends 1000, failing it 1011), so the intended code travels in a final
   * JSON error frame and the stream then completes. A low-level frame layer that sends real close
   * codes would replace {@link #finalFrame} and the completion in the stage, nothing else. If the
   * client does not take the final frame within the close timeout (it stopped reading), the stream
   * fails so pekko-http drops the connection instead of holding it until its idle timeout.
   *
   * @param dropPending discard queued messages (the slow-consumer case) instead of sending them
   *     before the error frame
   * @return false when the socket was already closing
   */
  boolean closeWith(CloseReason reason, boolean dropPending) {
    if (!closing.compareAndSet(null, new Closing(reason))) return false;
    if (dropPending) clear();
    // Wake the stage even if it is not waiting for data: it must start the close timer now,
    // also (above all) when the client has stopped reading.
    AsyncCallback<Boolean> callback = wake;
    if (callback != null) callback.invoke(Boolean.TRUE);
    return true;
  }

  /** Completes without an error frame: the client closed first, nothing left to tell it. */
  void finish() {
    closeWith(null, true);
  }

  private static WsOut finalFrame(CloseReason reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "error");
    body.put("code", reason.code());
    body.put("reason", reason.reason());
    body.put("retry", reason.retry());
    return new WsOut.Text(Json.write(body));
  }

  private void clear() {
    Entry e;
    while ((e = queue.poll()) != null) release(e);
  }

  private void release(Entry e) {
    bytes.addAndGet(-e.bytes());
    nodeBytes.addAndGet(-e.bytes());
  }

  private void signal() {
    AsyncCallback<Boolean> callback = wake;
    if (callback != null && waiting.compareAndSet(true, false)) callback.invoke(Boolean.TRUE);
  }

  /** The socket's outbound stream; materialize it once. */
  GraphStage<SourceShape<WsOut>> source() {
    return new Stage();
  }

  private final class Stage extends GraphStage<SourceShape<WsOut>> {
    private final Outlet<WsOut> out = Outlet.create("Outbox.out");
    private final SourceShape<WsOut> shape = SourceShape.of(out);

    @Override
    public SourceShape<WsOut> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      return new TimerGraphStageLogic(shape) {
        private boolean finalSent;
        private boolean closeTimerStarted;

        {
          setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
              drain();
            }
          });
        }

        @Override
        public void preStart() {
          started.set(true);
          wake = createAsyncCallback(ignored -> drain());
          startCloseTimerIfClosing();
        }

        private void startCloseTimerIfClosing() {
          if (closeTimerStarted || closing.get() == null) return;
          closeTimerStarted = true;
          scheduleOnce("close-timeout", closeTimeout);
        }

        @Override
        public void onTimer(Object key) {
          failStage(new CloseTimeout());
        }

        private void drain() {
          startCloseTimerIfClosing();
          while (isAvailable(out) && !finalSent) {
            Entry next = queue.poll();
            if (next != null) {
              release(next);
              push(out, new WsOut.Text(next.text()));
              listener.delivered(next.receivedNanos());
              return;
            }
            Closing close = closing.get();
            if (close != null) {
              finalSent = true;
              clear();
              CloseReason reason = close.reason();
              if (reason == null) {
                completeStage();
              } else {
                // The error frame says why in JSON; the WebSocket close then carries the same code.
                emit(out, finalFrame(reason),
                    () -> emit(out, new WsOut.Close(reason.code(), reason.reason()), this::completeStage));
              }
              return;
            }
            // Arm the wake-up, then look again: an offer may have slipped in before the flag was set.
            waiting.set(true);
            if (queue.isEmpty() && closing.get() == null) return;
            waiting.set(false);
          }
        }

        @Override
        public void postStop() {
          closing.compareAndSet(null, new Closing(null));
          clear();
          listener.stopped();
        }
      };
    }
  }

  /** The client did not take its final frame in time; the connection is dropped. */
  static final class CloseTimeout extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CloseTimeout() {
      super("client did not read its final frame within the close timeout", null, false, false);
    }
  }
}
