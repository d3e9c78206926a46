package io.lifeguard.control;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's two Redis connections (commands, and one pub/sub subscription), opened
 * lazily. Lettuce reconnects an established connection by itself but gives up on a first connect
 * that fails, so {@link #ensureConnected()} is called from the kill switch's poller and retries
 * until Redis answers; the request path only ever reads {@link #commands()} and never blocks.
 *
 * <p>When lettuce re-establishes the command connection after an outage, {@code onReconnected} is
 * told at once, so the kill switch reconciles (and a pending decision is written) as soon as Redis
 * answers rather than at the next poll.
 */
public final class RedisLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisLink.class);

  private final RedisClient client;
  private final String channel;
  private final BiConsumer<String, String> onMessage;
  private volatile Runnable onReconnected = () -> {};
  private volatile StatefulRedisConnection<String, String> commands;
  private volatile StatefulRedisPubSubConnection<String, String> pubSub;
  private volatile boolean reachable;
  private volatile boolean warnedUnreachable;
  private volatile boolean attempted;

  /** {@code client} null means Redis is disabled for this node. */
  public RedisLink(RedisClient client, String channel, BiConsumer<String, String> onMessage) {
    this.client = client;
    this.channel = channel;
    this.onMessage = onMessage;
  }

  /** Runs {@code action} (on a lettuce thread: hand work off, never block) each time the command connection is re-established. */
  public void onReconnected(Runnable action) {
    this.onReconnected = action;
  }

  public boolean enabled() {
    return client != null;
  }

  /** True after the last command succeeded; false after one failed or before the first connect. */
  public boolean reachable() {
    return client != null && reachable;
  }

  /** {@code ok}, {@code unreachable} or {@code disabled}, for /healthz and the admin API. */
  public String status() {
    if (client == null) return "disabled";
    if (!attempted) return "connecting";
    return reachable ? "ok" : "unreachable";
  }

  /** Async commands, or empty while there is no connection yet. */
  public Optional<RedisAsyncCommands<String, String>> commands() {
    StatefulRedisConnection<String, String> connection = commands;
    return connection == null ? Optional.empty() : Optional.of(connection.async());
  }

  /** Records the health seen by a command; logs the transitions, not every failure. */
  public void observed(boolean success, Throwable failure) {
    if (success) {
      if (!reachable && client != null) log.info("control plane: Redis reachable");
      reachable = true;
      warnedUnreachable = false;
    } else {
      reachable = false;
      // Before the poller's first connect a missing connection is start-up, not an outage.
      if (attempted && !warnedUnreachable) {
        warnedUnreachable = true;
        log.warn("control plane: Redis unreachable ({}); kill switch keeps its last known state, tokens are issued with guardrail=unknown",
            failure == null ? "no connection" : failure.toString());
      }
    }
  }

  /** Opens whatever is not open yet; blocking, so only the poller thread calls it. */
  public void ensureConnected() {
    if (client == null) return;
    try {
      if (commands == null) attempted = true;
      if (commands == null) {
        StatefulRedisConnection<String, String> connection = client.connect();
        connection.addListener(new RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
            onReconnected.run();
          }
        });
        commands = connection;
      }
      if (pubSub == null) {
        StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
        connection.addListener(new RedisPubSubAdapter<>() {
          @Override
          public void message(String fromChannel, String message) {
            onMessage.accept(fromChannel, message);
          }
        });
        connection.sync().subscribe(channel);
        pubSub = connection;
      }
    } catch (RuntimeException e) {
      observed(false, e);
    }
  }

  @Override
  public void close() {
    StatefulRedisPubSubConnection<String, String> p = pubSub;
    StatefulRedisConnection<String, String> c = commands;
    if (p != null) p.closeAsync();
    if (c != null) c.closeAsync();
  }
}
