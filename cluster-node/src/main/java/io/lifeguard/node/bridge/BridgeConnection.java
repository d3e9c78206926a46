package io.lifeguard.node.bridge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import io.lifeguard.node.websocket.WsIn;
import io.lifeguard.node.websocket.WsOut;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.StreamLimitReachedException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridge socket: {@code session:{id}:down} messages flow through a byte-bounded {@link Outbox}
 * to the client; client text messages are size-checked, validated as one JSON value and published
 * on {@code session:{id}:up}, in order. Any error ends the socket through {@link #close}.
 */
final class BridgeConnection implements BridgeRedis.Subscriber, Outbox.Listener {
  private static final Logger log = LoggerFactory.getLogger(BridgeConnection.class);
  private static final JsonFactory JSON = new JsonFactory();
  // PUBLISHes in flight per socket; results stay in order (mapAsync), and lettuce keeps one
  // connection's commands in order too.
  private static final int PUBLISH_PARALLELISM = 8;

  private final String agentId;
  private final String sessionId;
  private final String downChannel;
  private final String upChannel;
  private final BridgeSettings settings;
  private final BridgeRedis redis;
  private final BridgeMetrics metrics;
  private final java.util.concurrent.Executor callbacks;
  private final Consumer<BridgeConnection> onReleased;
  private final Outbox outbox;
  private boolean released; // guarded by this

  BridgeConnection(String agentId, String sessionId, BridgeSettings settings, BridgeRedis redis,
      BridgeMetrics metrics, java.util.concurrent.Executor callbacks, Consumer<BridgeConnection> onReleased) {
    this.agentId = agentId;
    this.sessionId = sessionId;
    this.downChannel = "session:" + sessionId + ":down";
    this.upChannel = "session:" + sessionId + ":up";
    this.settings = settings;
    this.redis = redis;
    this.metrics = metrics;
    this.callbacks = callbacks;
    this.onReleased = onReleased;
    this.outbox = new Outbox(settings.sendBufferBytes(), settings.closeTimeout(), metrics.bufferedBytes, this);
  }

  String sessionId() {
    return sessionId;
  }

  /**
   * Completes once Redis confirmed the down subscription. Synchronized with {@link #stopped} so a
   * late subscribe (after a handshake timed out and released the socket) cannot leak a channel.
   */
  synchronized CompletionStage<Void> subscribe() {
    if (released) return CompletableFuture.failedFuture(new IllegalStateException("socket already released"));
    return redis.subscribe(downChannel, this);
  }

  /** Called on lettuce's event loop: never blocks. */
  @Override
  public void onMessage(String message, long receivedNanos) {
    if (outbox.offer(message, receivedNanos) == Outbox.Offer.OVERFLOW && close(CloseReason.SLOW_CONSUMER, true)) {
      metrics.backpressure();
    }
  }

  /** Ends the socket with {@code reason}; false when it was already ending. */
  boolean close(CloseReason reason, boolean dropPending) {
    if (!outbox.closeWith(reason, dropPending)) return false;
    metrics.error(reason.reason());
    log("close", reason.reason(), "closing bridge socket (intended close code {})", reason.code());
    return true;
  }

  /** For a socket whose stream never started (client gone during the upgrade). */
  void abandonIfNotStarted() {
    if (outbox.started()) return;
    outbox.closeWith(CloseReason.INTERNAL_ERROR, true);
    log("abandon", "not_started", "bridge socket never started; releasing it");
    stopped();
  }

  /** The handler flow pekko-http runs for this socket. */
  Flow<WsIn, WsOut, NotUsed> flow() {
    var inbound = Flow.<WsIn>create()
        .idleTimeout(settings.idleTimeout())
        // A ping is liveness (it resets the idle timeout above) and nothing else: never published.
        .filter(message -> !(message instanceof WsIn.Ping))
        .mapAsync(1, this::text)
        .map(BridgeConnection::requireJson)
        .mapAsync(PUBLISH_PARALLELISM, this::publish)
        .watchTermination((notUsed, done) -> {
          // An explicit executor: pekko's CompletionStage runs whenComplete through the JDK's default
          // async pool, which on a machine with fewer than three cores starts a thread per call.
          done.whenCompleteAsync(this::inboundEnded, callbacks);
          return notUsed;
        })
        .to(Sink.ignore());
    return Flow.fromSinkAndSource(inbound, Source.fromGraph(outbox.source()));
  }

  private CompletionStage<String> text(WsIn message) {
    if (message instanceof WsIn.Text text) {
      return Utf8.length(text.text()) > settings.maxMessageBytes()
          ? CompletableFuture.failedFuture(new Closure(CloseReason.MESSAGE_TOO_LARGE))
          : CompletableFuture.completedFuture(text.text());
    }
    if (message instanceof WsIn.TooBig tooBig && tooBig.text()) {
      return CompletableFuture.failedFuture(new Closure(CloseReason.MESSAGE_TOO_LARGE));
    }
    return CompletableFuture.failedFuture(new Closure(CloseReason.BINARY_NOT_SUPPORTED));
  }

  /** Exactly one JSON value, nothing after it. Streams the tokens; builds no tree. */
  static String requireJson(String text) {
    try (JsonParser parser = JSON.createParser(text)) {
      if (parser.nextToken() == null) throw new Closure(CloseReason.INVALID_JSON);
      parser.skipChildren();
      if (parser.nextToken() != null) throw new Closure(CloseReason.INVALID_JSON);
      return text;
    } catch (IOException e) {
      throw new Closure(CloseReason.INVALID_JSON);
    }
  }

  private CompletionStage<Done> publish(String text) {
    CompletableFuture<Long> published;
    try {
      published = redis.commands().async().publish(upChannel, text).toCompletableFuture();
    } catch (RuntimeException e) {
      published = CompletableFuture.failedFuture(e);
    }
    return published
        .orTimeout(settings.publishTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle((receivers, failure) -> {
          if (failure != null) {
            metrics.error("publish_failed");
            log("publish", "publish_failed", "PUBLISH failed: {}", BridgeRedis.rootMessage(failure));
            throw new Closure(CloseReason.REDIS_UNAVAILABLE);
          }
          metrics.received();
          return Done.getInstance();
        });
  }

  private void inboundEnded(Done done, Throwable failure) {
    if (failure == null) {
      outbox.finish();
      return;
    }
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof Closure closure) {
      close(closure.reason, false);
    } else if (cause instanceof TimeoutException) {
      close(CloseReason.IDLE_TIMEOUT, false);
    } else {
      log("inbound", "stream_failed", "bridge inbound stream failed: {}", BridgeRedis.rootMessage(cause));
      close(CloseReason.INTERNAL_ERROR, false);
    }
  }

  @Override
  public void delivered(long receivedNanos) {
    metrics.delivered(receivedNanos);
  }

  @Override
  public void stopped() {
    synchronized (this) {
      if (released) return;
      released = true;
    }
    redis.unsubscribe(downChannel, this);
    onReleased.accept(this);
  }

  void log(String phase, String reason, String message, Object... args) {
    BridgeLog.info(log, sessionId, agentId, phase, reason, message, args);
  }

  /** Ends the inbound stream with a known reason; no stack trace, it is not a bug. */
  static final class Closure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient CloseReason reason;

    Closure(CloseReason reason) {
      super(reason.reason(), null, false, false);
      this.reason = reason;
    }
  }
}
