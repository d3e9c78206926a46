package io.lifeguard.node.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lifeguard.node.config.NodeSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one Redis client. Components share its connections (lettuce connections are
 * thread-safe and multiplex commands), so a node holds a handful of sockets to Redis however many
 * clients it serves. Lettuce reconnects by itself; commands fail fast while it is disconnected
 * instead of queueing without bound.
 *
 * <p>The reconnect delay is capped at {@code lifeguard.redis.reconnect-max-delay} (500 ms): lettuce's
 * default backoff grows to 30 s, so after a 20 s outage the node waited up to 14 s more before it
 * tried again, and the bridge, kill switch and guardrail stayed off that long. Equal jitter keeps
 * the nodes of a cluster from reconnecting in step.
 *
 * <p>When Redis is disabled ({@code lifeguard.redis.url = ""}) {@link #client()} is empty and each
 * component says in its own log line what that limits.
 */
public final class NodeRedis {
  private static final Logger log = LoggerFactory.getLogger(NodeRedis.class);

  private final RedisClient client;
  private final ClientResources resources;
  private final io.netty.util.Timer timer;
  private final Duration commandTimeout;
  private final Duration reconnectMaxDelay;

  private NodeRedis(RedisClient client, ClientResources resources, io.netty.util.Timer timer, NodeSettings.Redis settings) {
    this.client = client;
    this.resources = resources;
    this.timer = timer;
    this.commandTimeout = settings.commandTimeout();
    this.reconnectMaxDelay = settings.reconnectMaxDelay();
  }

  /** Creates the client (no connection yet) and closes it in CoordinatedShutdown's last phase. */
  public static NodeRedis init(ActorSystem<?> system, NodeSettings settings) {
    if (!settings.redis().enabled()) {
      log.warn("Redis disabled (lifeguard.redis.url is empty): the bridge, shared kill switch and guardrail counters are unavailable");
      return new NodeRedis(null, null, null, settings.redis());
    }
    io.netty.util.Timer timer = newTimer();
    ClientResources resources = resources(settings.redis(), timer);
    RedisURI uri = uri(settings.redis());
    RedisClient client = client(uri, resources);
    NodeRedis redis = new NodeRedis(client, resources, timer, settings.redis());
    CoordinatedShutdown.get(system)
        .addTask(CoordinatedShutdown.PhaseActorSystemTerminate(), "close-redis", redis::closeAsync);
    log.info("Redis client for {}:{} (reconnect attempts at most {} ms apart)", uri.getHost(), uri.getPort(),
        settings.redis().reconnectMaxDelay().toMillis());
    warnOnceIfUnreachable(client, uri);
    return redis;
  }

  /** Lettuce's shared resources as the node sets them: {@code timer} is the caller's to stop. */
  public static ClientResources resources(NodeSettings.Redis settings, io.netty.util.Timer timer) {
    return ClientResources.builder()
        .timer(timer)
        .reconnectDelay(Delay.equalJitter(Duration.ofMillis(50), settings.reconnectMaxDelay(), 100, TimeUnit.MILLISECONDS))
        .nettyCustomizer(new ConsolidatedFlushes())
        .build();
  }

  /** A client with the node's options (no connection yet); tests build theirs here too. */
  public static RedisClient client(NodeSettings.Redis settings, ClientResources resources) {
    return client(uri(settings), resources);
  }

  private static RedisClient client(RedisURI uri, ClientResources resources) {
    RedisClient client = RedisClient.create(resources, uri);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            // While disconnected, fail commands at once rather than buffering them in memory.
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).keepAlive(true).build())
            .timeoutOptions(CommandTimeouts.options(uri.getTimeout()))
            .build());
    return client;
  }

  private static RedisURI uri(NodeSettings.Redis settings) {
    RedisURI uri = RedisURI.create(settings.url());
    uri.setTimeout(settings.commandTimeout());
    return uri;
  }

  /** The timer lettuce uses for reconnect delays and command timeouts, sleeping while none is due. */
  public static io.netty.util.Timer newTimer() {
    return new SleepingTimer("lettuce-timer");
  }

  /**
   * One probe at start-up: lettuce's own reconnect lines are silenced (logback.xml), so an operator
   * who started a node without Redis learns here, once, what is degraded and how to run without.
   */
  private static void warnOnceIfUnreachable(RedisClient client, RedisURI uri) {
    client.connectAsync(io.lettuce.core.codec.StringCodec.UTF8, uri).whenComplete((connection, failure) -> {
      if (connection != null) {
        connection.closeAsync();
        return;
      }
      log.warn("Redis at {}:{} does not answer: the node serves the relay and the host bus, while the bridge, the "
          + "shared kill switch and the guardrail counters wait for it (\"degraded\" in /ready and /healthz); to run "
          + "without Redis start with LIFEGUARD_REDIS_URL= (empty)", uri.getHost(), uri.getPort());
    });
  }

  /**
   * Lettuce flushes its socket once per command. Commands written from other threads (every bridge
   * PUBLISH comes from an edge I/O thread) queue up as tasks on the connection's thread; with this
   * handler the writes of one pass over that queue leave in one system call instead of one each.
   */
  private static final class ConsolidatedFlushes implements io.lettuce.core.resource.NettyCustomizer {
    @Override
    public void afterChannelInitialized(io.netty.channel.Channel channel) {
      channel.pipeline().addFirst(new io.netty.handler.flush.FlushConsolidationHandler(
          io.netty.handler.flush.FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    }
  }

  /** Empty when Redis is disabled. */
  public Optional<RedisClient> client() {
    return Optional.ofNullable(client);
  }

  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** The longest wait between two connect attempts; components that connect by themselves use it too. */
  public Duration reconnectMaxDelay() {
    return reconnectMaxDelay;
  }

  /** A new command connection (callers keep and share it; lettuce reconnects it). */
  public StatefulRedisConnection<String, String> connect() {
    return require().connect();
  }

  /** A new pub/sub connection (callers keep and share it; lettuce resubscribes after reconnects). */
  public StatefulRedisPubSubConnection<String, String> connectPubSub() {
    return require().connectPubSub();
  }

  private RedisClient require() {
    if (client == null) throw new IllegalStateException("Redis is disabled (lifeguard.redis.url is empty)");
    return client;
  }

  private CompletionStage<Done> closeAsync() {
    if (client == null) return CompletableFuture.completedFuture(Done.getInstance());
    return client.shutdownAsync(0, 2, TimeUnit.SECONDS)
        .thenCompose(v -> {
          CompletableFuture<Void> released = new CompletableFuture<>();
          resources.shutdown(0, 2, TimeUnit.SECONDS).addListener(f -> {
            timer.stop(); // supplied by us, so lettuce leaves it running
            released.complete(null);
          });
          return released;
        })
        .thenApply(v -> Done.getInstance());
  }
}
