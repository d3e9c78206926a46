package io.lifeguard.node.bridge;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lifeguard.node.redis.CommandTimeouts;
import io.lettuce.core.protocol.RedisCommand;
import java.util.ArrayList;
import java.util.List;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lifeguard.node.redis.NodeRedis;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's two Redis connections per node, however many sockets it serves: one pub/sub
 * connection multiplexing every {@code session:{id}:down} channel, reference-counted per channel
 * (SUBSCRIBE on the first socket of a session, UNSUBSCRIBE after the last), and one command
 * connection for GETDEL and PUBLISH.
 *
 * <p>The pub/sub listener runs on lettuce's event loop and must never block: it only offers each
 * message to the subscribers' bounded {@link Outbox}es. Lettuce reconnects by itself (at most
 * {@code lifeguard.redis.reconnect-max-delay} apart);
 * {@code onLost} is told when the pub/sub connection drops because messages published while it is
 * down are lost for good.
 */
final class BridgeRedis {
  private static final Logger log = LoggerFactory.getLogger(BridgeRedis.class);

  /** Receives the messages of one channel. */
  interface Subscriber {
    void onMessage(String message, long receivedNanos);
  }

  private final ActorSystem<?> system;
  private final NodeRedis redis;
  private final Runnable onLost;
  private final Duration publishTimeout;
  /** The PUBLISHes an edge I/O thread gathered in its current turn; see {@link #publish}. */
  private final io.netty.util.concurrent.FastThreadLocal<List<RedisCommand<String, String, ?>>> turn =
      new io.netty.util.concurrent.FastThreadLocal<>() {
        @Override
        protected List<RedisCommand<String, String, ?>> initialValue() {
          return new ArrayList<>();
        }
      };
  private final Object lock = new Object();
  // Mutated under lock; read lock-free by the listener.
  private final Map<String, Set<Subscriber>> channels = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> confirmations = new HashMap<>();
  // Channels whose UNSUBSCRIBE failed while Redis was away: lettuce may resubscribe them.
  private final Set<String> staleChannels = new HashSet<>();
  private volatile StatefulRedisPubSubConnection<String, String> pubSub;
  private volatile StatefulRedisConnection<String, String> commands;
  private volatile boolean pubSubConnected;
  private volatile boolean stopped;
  private volatile boolean warnedUnreachable;

  BridgeRedis(ActorSystem<?> system, NodeRedis redis, Runnable onLost, Duration publishTimeout) {
    this.system = system;
    this.redis = redis;
    this.onLost = onLost;
    this.publishTimeout = publishTimeout;
  }

  /** Connects in the background, retrying with capped backoff until Redis answers; one WARN, not one per attempt. */
  void start() {
    connect(Duration.ofMillis(250).compareTo(redis.reconnectMaxDelay()) > 0 ? redis.reconnectMaxDelay() : Duration.ofMillis(250));
  }

  private void connect(Duration backoff) {
    if (stopped) return;
    CompletableFuture.runAsync(() -> {
          if (commands == null) commands = redis.connect();
          if (pubSub == null) {
            StatefulRedisPubSubConnection<String, String> connection = redis.connectPubSub();
            connection.addListener(new Listener());
            connection.addListener(new StateListener());
            pubSub = connection;
            pubSubConnected = true;
            log.info("bridge connected to Redis (one pub/sub and one command connection)");
          }
        }, system.dispatchers().lookup(DispatcherSelector.blocking()))
        .whenComplete((ok, failure) -> {
          if (failure == null) return;
          // Capped like lettuce's own reconnects, so a Redis that was down at start is used soon after it answers.
          Duration max = redis.reconnectMaxDelay();
          Duration next = backoff.multipliedBy(2).compareTo(max) > 0 ? max : backoff.multipliedBy(2);
          if (!warnedUnreachable) {
            warnedUnreachable = true;
            log.warn("bridge cannot reach Redis yet, retrying every {} ms or less: {}", max.toMillis(), rootMessage(failure));
          }
          system.scheduler().scheduleOnce(backoff, () -> connect(next), system.executionContext());
        });
  }

  /** True while the shared pub/sub connection is up. */
  boolean connected() {
    return pubSubConnected && !stopped;
  }

  StatefulRedisConnection<String, String> commands() {
    StatefulRedisConnection<String, String> c = commands;
    if (c == null) throw new RedisNotConnected();
    return c;
  }

  /**
   * PUBLISHes {@code message} on {@code channel}; fails with a timeout when Redis has not answered
   * within the bridge's publish timeout. Called on an edge I/O thread ({@code ioThread}), the
   * PUBLISHes of that thread's turn (every socket it read in one pass) go to Redis together after
   * the turn: one hand-over to lettuce's thread, one write and one timeout for all of them, instead
   * of one each. Lettuce keeps one connection's commands in order, so a socket's stay in order.
   */
  CompletableFuture<Long> publish(String channel, String message, java.util.concurrent.Executor ioThread) {
    AsyncCommand<String, String, Long> command = new AsyncCommand<>(new CommandTimeouts.CallerTimed<>(CommandType.PUBLISH,
        new IntegerOutput<>(StringCodec.UTF8), new CommandArgs<>(StringCodec.UTF8).addKey(channel).addValue(message)));
    if (!(ioThread instanceof io.netty.channel.EventLoop loop) || !loop.inEventLoop()) {
      dispatch(List.of(command));
      return command;
    }
    List<RedisCommand<String, String, ?>> pending = turn.get();
    // A task queued by the loop's own thread runs after the I/O events of this pass (no wake-up).
    if (pending.isEmpty()) loop.execute(this::flushTurn);
    pending.add(command);
    return command;
  }

  private void flushTurn() {
    List<RedisCommand<String, String, ?>> pending = turn.get();
    if (pending.isEmpty()) return;
    List<RedisCommand<String, String, ?>> batch = new ArrayList<>(pending);
    pending.clear();
    dispatch(batch);
  }

  private void dispatch(List<RedisCommand<String, String, ?>> batch) {
    try {
      commands().dispatch(batch);
    } catch (RuntimeException e) {
      for (RedisCommand<String, String, ?> c : batch) c.completeExceptionally(e);
      return;
    }
    // One timer for the batch. Answers come in order, so the last one answered means all were.
    org.apache.pekko.actor.Cancellable timer = system.scheduler().scheduleOnce(publishTimeout, () -> {
      java.util.concurrent.TimeoutException late = new java.util.concurrent.TimeoutException(
          "PUBLISH unanswered after " + publishTimeout.toMillis() + " ms");
      for (RedisCommand<String, String, ?> c : batch) {
        if (!c.isDone()) c.completeExceptionally(late);
      }
    }, system.executionContext());
    ((AsyncCommand<?, ?, ?>) batch.get(batch.size() - 1)).whenComplete((v, e) -> timer.cancel());
  }

  long channelCount() {
    return channels.size();
  }

  /**
   * Adds {@code subscriber} to {@code channel}; completes once Redis confirmed the subscription,
   * so every message published afterwards reaches the subscriber.
   */
  CompletionStage<Void> subscribe(String channel, Subscriber subscriber) {
    StatefulRedisPubSubConnection<String, String> connection = pubSub;
    if (connection == null || !connected()) return CompletableFuture.failedFuture(new RedisNotConnected());
    synchronized (lock) {
      Set<Subscriber> subscribers = channels.get(channel);
      if (subscribers == null) {
        subscribers = new CopyOnWriteArraySet<>();
        channels.put(channel, subscribers);
        staleChannels.remove(channel);
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        confirmations.put(channel, confirmed);
        connection.async().subscribe(channel).whenComplete((v, e) -> {
          if (e == null) confirmed.complete(null);
          else confirmed.completeExceptionally(e);
        });
      }
      subscribers.add(subscriber);
      return confirmations.get(channel);
    }
  }

  /** Removes {@code subscriber}; the last one out unsubscribes the channel. Idempotent. */
  void unsubscribe(String channel, Subscriber subscriber) {
    StatefulRedisPubSubConnection<String, String> connection = pubSub;
    synchronized (lock) {
      Set<Subscriber> subscribers = channels.get(channel);
      if (subscribers == null || !subscribers.remove(subscriber) || !subscribers.isEmpty()) return;
      channels.remove(channel);
      confirmations.remove(channel);
      if (connection == null) return;
      connection.async().unsubscribe(channel).whenComplete((v, e) -> {
        if (e != null) {
          synchronized (lock) {
            if (!channels.containsKey(channel)) staleChannels.add(channel);
          }
        }
      });
    }
  }

  /** Closes both connections (subscriptions end with the pub/sub connection). */
  CompletionStage<Void> stop() {
    stopped = true;
    CompletableFuture<Void> pubSubClosed = pubSub == null ? CompletableFuture.completedFuture(null) : pubSub.closeAsync();
    CompletableFuture<Void> commandsClosed = commands == null ? CompletableFuture.completedFuture(null) : commands.closeAsync();
    return CompletableFuture.allOf(pubSubClosed, commandsClosed);
  }

  private final class Listener extends RedisPubSubAdapter<String, String> {
    @Override
    public void message(String channel, String message) {
      long now = System.nanoTime();
      Set<Subscriber> subscribers = channels.get(channel);
      if (subscribers == null) return;
      for (Subscriber s : subscribers) s.onMessage(message, now);
    }
  }

  private final class StateListener implements RedisConnectionStateListener {
    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
      if (!pubSubConnected) return;
      pubSubConnected = false;
      if (stopped) return;
      log.warn("bridge lost its Redis pub/sub connection; closing bridge sockets, lettuce reconnects with backoff");
      onLost.run();
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
      if (stopped) return;
      Set<String> stale;
      synchronized (lock) {
        stale = new HashSet<>(staleChannels);
        staleChannels.clear();
        stale.removeAll(channels.keySet());
      }
      StatefulRedisPubSubConnection<String, String> c = pubSub;
      if (!stale.isEmpty() && c != null) c.async().unsubscribe(stale.toArray(String[]::new));
      pubSubConnected = true;
      log.info("bridge pub/sub connection to Redis restored ({})", address);
    }
  }

  static String rootMessage(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  /** Redis is not connected (yet, or any more). */
  static final class RedisNotConnected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RedisNotConnected() {
      super("Redis is not connected", null, false, false);
    }
  }
}
