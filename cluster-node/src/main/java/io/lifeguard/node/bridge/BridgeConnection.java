package io.lifeguard.node.bridge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.lifeguard.node.edge.Outbound;
import io.lifeguard.node.edge.SocketHandler;
import io.lifeguard.node.edge.WsIn;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridge socket: {@code session:{id}:down} messages flow through a byte-bounded {@link Outbox}
 * to the client; client text messages are size-checked, validated as one JSON value and published
 * on {@code session:{id}:up}, in order. Any error ends the socket through {@link #close}.
 */
final class BridgeConnection implements BridgeRedis.Subscriber, Outbox.Listener, SocketHandler {
  private static final Logger log = LoggerFactory.getLogger(BridgeConnection.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final CompletionStage<Done> DONE = CompletableFuture.completedFuture(Done.getInstance());
  // PUBLISHes unanswered per socket before its reading waits: a window of messages and of bytes
  // (or one message, when larger). Lettuce keeps one connection's commands in order, so they
  // complete in order and waiting on the newest waits for all. 8 messages capped a node's rate at
  // 8 per socket per Redis round trip, which a busy 2-core machine stretched to milliseconds
  // (docs/perf/bridge.md); the byte bound holds large messages to less memory than 8 did.
  static final int PUBLISH_WINDOW_MESSAGES = 32;
  static final int PUBLISH_WINDOW_BYTES = 64 * 1024;

  private final String agentId;
  private final String sessionId;
  private final String downChannel;
  private final String upChannel;
  private final BridgeSettings settings;
  private final BridgeRedis redis;
  private final BridgeMetrics metrics;
  private final Consumer<BridgeConnection> onReleased;
  private final Outbox outbox;
  /** The socket's I/O thread, where its messages are handled and its PUBLISHes gathered. */
  private volatile java.util.concurrent.Executor ioThread = Runnable::run;
  private boolean released; // guarded by this
  private final java.util.concurrent.atomic.AtomicInteger publishing = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger publishingBytes = new java.util.concurrent.atomic.AtomicInteger();
  private volatile long lastInboundNanos = System.nanoTime();

  BridgeConnection(String agentId, String sessionId, BridgeSettings settings, BridgeRedis redis,
      BridgeMetrics metrics, Consumer<BridgeConnection> onReleased) {
    this.agentId = agentId;
    this.sessionId = sessionId;
    this.downChannel = "session:" + sessionId + ":down";
    this.upChannel = "session:" + sessionId + ":up";
    this.settings = settings;
    this.redis = redis;
    this.metrics = metrics;
    this.onReleased = onReleased;
    this.outbox = new Outbox(settings.sendBufferBytes(), metrics.bufferedBytes, this);
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

  /** The socket opened (the edge's upgrade completed): this connection is its handler. */
  SocketHandler attach(Outbound socket) {
    ioThread = socket.ioThread();
    outbox.attach(socket);
    return this;
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
    log("close", reason.reason(), "closing bridge socket (close code {})", reason.code());
    return true;
  }

  /** Closes the socket when the client has sent nothing (pings count) for the idle timeout. */
  void closeIfIdle(long now) {
    if (now - lastInboundNanos >= settings.idleTimeout().toNanos()) close(CloseReason.IDLE_TIMEOUT, false);
  }

  @Override
  public CompletionStage<?> onMessage(WsIn message) {
    lastInboundNanos = System.nanoTime();
    if (outbox.closing()) return DONE;
    if (message instanceof WsIn.Ping) return DONE; // liveness only, never published
    if (message instanceof WsIn.Text text) {
      int bytes = Utf8.length(text.text());
      if (bytes > settings.maxMessageBytes()) return closing(CloseReason.MESSAGE_TOO_LARGE);
      try {
        requireJson(text.text());
      } catch (Closure closure) {
        return closing(closure.reason);
      }
      return publish(text.text(), bytes);
    }
    if (message instanceof WsIn.TooBig tooBig && !tooBig.binary()) return closing(CloseReason.MESSAGE_TOO_LARGE);
    return closing(CloseReason.BINARY_NOT_SUPPORTED);
  }

  private CompletionStage<Done> closing(CloseReason reason) {
    close(reason, false);
    return DONE;
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

  /**
   * Publishes on the up channel. Up to {@link #PUBLISH_WINDOW_MESSAGES} publishes and {@link
   * #PUBLISH_WINDOW_BYTES} run at once; at either limit the returned stage holds the socket's
   * reading until the newest one answered.
   */
  private CompletionStage<Done> publish(String text, int bytes) {
    CompletableFuture<Long> published;
    try {
      published = redis.publish(upChannel, text, ioThread);
    } catch (RuntimeException e) {
      published = CompletableFuture.failedFuture(e);
    }
    int inFlight = publishing.incrementAndGet();
    int inFlightBytes = publishingBytes.addAndGet(bytes);
    // The publish timeout is BridgeRedis's, one timer per batch of PUBLISHes.
    CompletableFuture<Done> answered = published
        .handle((receivers, failure) -> {
          publishing.decrementAndGet();
          publishingBytes.addAndGet(-bytes);
          if (failure != null) {
            metrics.error("publish_failed");
            log("publish", "publish_failed", "PUBLISH failed: {}", BridgeRedis.rootMessage(failure));
            close(CloseReason.REDIS_UNAVAILABLE, false);
          } else {
            metrics.received();
          }
          return Done.getInstance();
        });
    return inFlight < PUBLISH_WINDOW_MESSAGES && inFlightBytes < PUBLISH_WINDOW_BYTES ? DONE : answered;
  }

  @Override
  public void delivered(long receivedNanos) {
    metrics.delivered(receivedNanos);
  }

  @Override
  public void terminated() {
    outbox.ended();
    stopped();
  }

  /** Gives the socket's slot and subscription back; once. */
  void stopped() {
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
