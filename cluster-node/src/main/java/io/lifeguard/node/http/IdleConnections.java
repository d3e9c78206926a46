package io.lifeguard.node.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Closes HTTP connections that carry no request for the idle timeout, with one shared sweep a second
 * for all of them, in place of pekko-http's {@code idle-timeout}. pekko-http checks its idle timeout
 * with a timer per connection that fires every second whatever the timeout is, upgraded WebSockets
 * included: 10,000 relay sockets meant 10,000 stream wake-ups a second on an otherwise idle node.
 *
 * <p>A connection counts as idle while no request is being answered and no streamed response is
 * being sent, measured from its last request or response; one that never sends a request is idle
 * from the start. A connection upgraded to a WebSocket ({@code 101}) leaves the watch: its own
 * protocol decides when it is dead (relay heartbeats and hello deadline, the bridge's idle timeout,
 * the host bus's idle timeout).
 */
public final class IdleConnections {
  private final Set<Watch> watched = ConcurrentHashMap.newKeySet();
  private final long idleNanos;

  private IdleConnections(Duration idleTimeout) {
    this.idleNanos = idleTimeout.toNanos();
  }

  /** Starts the shared sweep on the system's scheduler. */
  public static IdleConnections start(ActorSystem<?> system, Duration idleTimeout) {
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idle timeout must be positive");
    }
    IdleConnections connections = new IdleConnections(idleTimeout);
    io.lifeguard.node.NodeTicks.get(system).every("http-idle-sweep", () -> connections.sweep(System.nanoTime()));
    return connections;
  }

  /** The per-connection handler: {@code handler} behind this connection's watch. */
  public Flow<HttpRequest, HttpResponse, NotUsed> watch(Flow<HttpRequest, HttpResponse, ?> handler) {
    return BidiFlow.fromGraph(new WatchStage()).join(handler);
  }

  /** Connections being watched (upgraded ones are not). */
  public int watchedCount() {
    return watched.size();
  }

  void sweep(long now) {
    for (Watch w : watched) {
      if (w.idleSince(now) >= idleNanos) w.expire();
    }
  }

  /** What the sweep sees of a connection; written by its stream, read by the sweep. */
  private interface Watch {
    long idleSince(long now);

    void expire();
  }

  /** Requests in (from the client) and out (to the handler); responses in (handler) and out. */
  private final class WatchStage extends GraphStage<BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse>> {
    private final Inlet<HttpRequest> requestsIn = Inlet.create("IdleWatch.requestsIn");
    private final Outlet<HttpRequest> requestsOut = Outlet.create("IdleWatch.requestsOut");
    private final Inlet<HttpResponse> responsesIn = Inlet.create("IdleWatch.responsesIn");
    private final Outlet<HttpResponse> responsesOut = Outlet.create("IdleWatch.responsesOut");
    private final BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape =
        BidiShape.of(requestsIn, requestsOut, responsesIn, responsesOut);

    @Override
    public BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      return new Logic();
    }

    private final class Logic extends GraphStageLogic implements Watch {
      private volatile long lastActivityNanos = System.nanoTime();
      /** Requests being answered plus streamed responses being sent; idle only at zero. */
      private volatile int busy;
      private final AsyncCallback<Done> expired = createAsyncCallback(done -> {
        if (idleSince(System.nanoTime()) >= idleNanos) completeStage();
      });
      private final AsyncCallback<Done> streamEnded = createAsyncCallback(done -> {
        busy--;
        lastActivityNanos = System.nanoTime();
      });

      Logic() {
        super(shape);
        setHandler(requestsIn, new AbstractInHandler() {
          @Override
          public void onPush() {
            busy++;
            lastActivityNanos = System.nanoTime();
            push(requestsOut, grab(requestsIn));
          }

          @Override
          public void onUpstreamFinish() {
            complete(requestsOut);
          }
        });
        setHandler(requestsOut, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pull(requestsIn);
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            cancel(requestsIn, cause);
          }
        });
        setHandler(responsesIn, new AbstractInHandler() {
          @Override
          public void onPush() {
            push(responsesOut, onResponse(grab(responsesIn)));
          }

          @Override
          public void onUpstreamFinish() {
            complete(responsesOut);
          }
        });
        setHandler(responsesOut, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pull(responsesIn);
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            cancel(responsesIn, cause);
          }
        });
      }

      private HttpResponse onResponse(HttpResponse response) {
        busy--;
        lastActivityNanos = System.nanoTime();
        if (response.status().intValue() == 101) {
          watched.remove(this);
          return response;
        }
        ResponseEntity entity = response.entity();
        if (entity.isStrict() || entity.isKnownEmpty()) return response;
        // A streamed body (the console's event stream) keeps the connection busy until it ends.
        busy++;
        Flow<ByteString, ByteString, Object> untilEnd = Flow.<ByteString>create().watchTermination((mat, done) -> {
          // In place: the non-async variant would run on the JDK's default async pool.
          done.whenCompleteAsync((ok, failure) -> streamEnded.invoke(Done.getInstance()), Runnable::run);
          return (Object) mat;
        });
        return response.withEntity(
            ((org.apache.pekko.http.scaladsl.model.ResponseEntity) entity).transformDataBytes(untilEnd.asScala()));
      }

      @Override
      public void preStart() {
        watched.add(this);
      }

      @Override
      public void postStop() {
        watched.remove(this);
      }

      @Override
      public long idleSince(long now) {
        return busy > 0 ? 0 : now - lastActivityNanos;
      }

      @Override
      public void expire() {
        // Checked again on the stream's thread: a request may have arrived since the sweep looked.
        expired.invoke(Done.getInstance());
      }
    }
  }
}
