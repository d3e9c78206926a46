package io.lifeguard.node.relay;

import io.lifeguard.node.websocket.WsIn;
import io.lifeguard.node.websocket.WsOut;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * The relay's whole per-socket handler as one stage, in place of {@code Source.queue(n)
 * .preMaterialize()}, {@code mapAsync(1)}, {@code Sink.ignore}, {@code fromSinkAndSourceCoupled}
 * and {@code watchTermination}:
 *
 * <ul>
 *   <li>a bounded outbound queue any thread may offer to; a full queue drops (the caller counts it);
 *   <li>inbound messages go to the handler one at a time, the next only after the previous one's
 *       handling completed;
 *   <li>either side ending ends both, and the handler hears {@link Handler#terminated} exactly once.
 * </ul>
 *
 * <p>Why: the pre-materialized queue was a second stream (its own interpreter actor) per socket, and
 * the five stages were materialized on every handshake and kept alive for the life of the socket.
 * This stage is materialized with the WebSocket pipeline in one go.
 */
final class RelaySocketStage extends GraphStage<FlowShape<WsIn, WsOut>> {
  /** What the stage drives, created when the stage starts. */
  interface Handler {
    /** One complete inbound message; the next is not delivered before the returned stage completes. */
    CompletionStage<Done> onMessage(WsIn message);

    /** The socket ended, for whatever reason. Called once, on the stream's thread. */
    void terminated();
  }

  // Completing a handler's future only wakes the stage; that is cheap enough to run in place.
  private static final Executor IN_PLACE = Runnable::run;

  private final Inlet<WsIn> in = Inlet.create("RelaySocket.in");
  private final Outlet<WsOut> out = Outlet.create("RelaySocket.out");
  private final FlowShape<WsIn, WsOut> shape = FlowShape.of(in, out);
  private final int capacity;
  private final Function<BoundedSourceQueue<WsOut>, Handler> handlerFactory;

  /**
   * @param capacity outbound messages held before offers are dropped
   * @param handlerFactory creates the handler when the stage starts, given the outbound queue
   */
  RelaySocketStage(int capacity, Function<BoundedSourceQueue<WsOut>, Handler> handlerFactory) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
    this.capacity = capacity;
    this.handlerFactory = handlerFactory;
  }

  @Override
  public FlowShape<WsIn, WsOut> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  private final class Logic extends GraphStageLogic implements BoundedSourceQueue<WsOut> {
    private final ConcurrentLinkedQueue<WsOut> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    /** Set by the stage when it found the queue empty while downstream waits; offers clear it. */
    private final AtomicBoolean waiting = new AtomicBoolean();
    private final AsyncCallback<Done> wakeup = createAsyncCallback(done -> {
      if (isAvailable(out)) pushNext();
    });
    private final AsyncCallback<Throwable> handled = createAsyncCallback(this::onHandled);
    /** No more offers: the handler completed or failed the queue, or the stage stopped. */
    private volatile boolean closed;
    private volatile Throwable failure;
    private Handler handler;
    private boolean inFlight;
    private boolean inboundEnded;
    private Throwable inboundFailure;

    Logic() {
      super(shape);
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          handle(grab(in));
        }

        @Override
        public void onUpstreamFinish() {
          endInbound(null);
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          endInbound(ex);
        }
      });
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          pushNext();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          completeStage();
        }
      });
    }

    @Override
    public void preStart() {
      handler = handlerFactory.apply(this);
      pull(in);
    }

    @Override
    public void postStop() {
      closed = true;
      queue.clear();
      size.set(0);
      if (handler != null) handler.terminated();
    }

    private void handle(WsIn message) {
      CompletionStage<Done> result = handler.onMessage(message);
      CompletableFuture<Done> future = result.toCompletableFuture();
      if (future.isDone() && !future.isCompletedExceptionally()) {
        pull(in);
        return;
      }
      inFlight = true;
      result.whenCompleteAsync((done, error) -> handled.invoke(error), IN_PLACE);
    }

    private void onHandled(Throwable error) {
      inFlight = false;
      if (error != null) {
        failStage(error);
      } else if (inboundEnded) {
        endInbound(inboundFailure);
      } else if (!hasBeenPulled(in) && !isClosed(in)) {
        pull(in);
      }
    }

    /** Like mapAsync, a message still being handled finishes before the stage does. */
    private void endInbound(Throwable error) {
      inboundEnded = true;
      inboundFailure = error;
      if (inFlight) return;
      if (error != null) failStage(error);
      else completeStage();
    }

    private void pushNext() {
      boolean ending = closed;
      WsOut next = queue.poll();
      if (next == null) {
        if (ending) {
          endOutbound();
          return;
        }
        waiting.set(true);
        // An offer or a completion may have slipped in between the poll and the flag: look again.
        ending = closed;
        next = queue.poll();
        if (next == null) {
          if (ending) endOutbound();
          return;
        }
        waiting.set(false);
      }
      size.decrementAndGet();
      push(out, next);
    }

    private void endOutbound() {
      Throwable error = failure;
      if (error != null) failStage(error);
      else completeStage();
    }

    private void wake() {
      if (waiting.compareAndSet(true, false)) wakeup.invoke(Done.getInstance());
    }

    // BoundedSourceQueue: called from any thread.

    @Override
    public QueueOfferResult offer(WsOut message) {
      if (closed) return QueueOfferResult.closed();
      if (size.incrementAndGet() > capacity) {
        size.decrementAndGet();
        return QueueOfferResult.dropped();
      }
      queue.add(message);
      wake();
      return QueueOfferResult.enqueued();
    }

    @Override
    public void complete() {
      closed = true;
      wakeup.invoke(Done.getInstance());
    }

    @Override
    public void fail(Throwable error) {
      failure = error;
      complete();
    }

    @Override
    public boolean isCompleted() {
      return closed;
    }

    @Override
    public int size() {
      return Math.max(0, size.get());
    }
  }
}
