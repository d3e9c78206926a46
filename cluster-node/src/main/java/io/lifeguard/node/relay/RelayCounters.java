package io.lifeguard.node.relay;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lifeguard.node.redis.NodeRedis;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis counters of source document 000 ({@code fallback:metrics:*} totals and
 * {@code fallback:session:{id}:*}), kept when Redis is reachable. Counting happens in memory on the
 * hot path; a flush every second sends the deltas with INCRBY, so relay throughput never waits on
 * Redis and a Redis outage loses at most the deltas of the failed flushes.
 */
public final class RelayCounters {
  private static final Logger log = LoggerFactory.getLogger(RelayCounters.class);
  /** Per-session keys expire when a session goes quiet, so Redis does not collect dead sessions. */
  static final long SESSION_TTL_SECONDS = 3600;

  private final LongAdder connections = new LongAdder();
  private final LongAdder messages = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> sessionMessages = new ConcurrentHashMap<>();
  /** Joins minus leaves since the last flush; the Redis key holds the live count per session. */
  private final ConcurrentHashMap<String, LongAdder> sessionActive = new ConcurrentHashMap<>();
  private final RedisAsyncCommands<String, String> redis;

  private RelayCounters(RedisAsyncCommands<String, String> redis) {
    this.redis = redis;
  }

  /** Counters that are never sent anywhere (Redis disabled). */
  public static RelayCounters disabled() {
    return new RelayCounters(null);
  }

  public static RelayCounters start(ActorSystem<?> system, NodeRedis nodeRedis) {
    if (nodeRedis.client().isEmpty()) return disabled();
    StatefulRedisConnection<String, String> connection;
    try {
      connection = nodeRedis.connect();
    } catch (RuntimeException e) {
      log.warn("Redis unreachable at start: relay counters stay in Prometheus only ({})", e.getMessage());
      return disabled();
    }
    RelayCounters counters = new RelayCounters(connection.async());
    io.lifeguard.node.NodeTicks.get(system).every("relay-counters-flush", counters::flush);
    return counters;
  }

  void connected(String sessionId) {
    connections.increment();
    if (redis != null) sessionActive.computeIfAbsent(sessionId, k -> new LongAdder()).increment();
  }

  void disconnected(String sessionId) {
    if (redis != null) sessionActive.computeIfAbsent(sessionId, k -> new LongAdder()).decrement();
  }

  void forwarded(String sessionId, int deliveries, int frameBytes) {
    if (deliveries == 0) return;
    messages.add(deliveries);
    bytes.add((long) deliveries * frameBytes);
    if (redis != null) sessionMessages.computeIfAbsent(sessionId, k -> new LongAdder()).add(deliveries);
  }

  void flush() {
    if (redis == null) return;
    try {
      long c = connections.sumThenReset();
      long m = messages.sumThenReset();
      long b = bytes.sumThenReset();
      if (c > 0) redis.incrby("fallback:metrics:connections_total", c);
      if (m > 0) redis.incrby("fallback:metrics:messages_forwarded_total", m);
      if (b > 0) redis.incrby("fallback:metrics:bytes_forwarded_total", b);
      drain(sessionMessages, "messages_forwarded");
      drain(sessionActive, "connections_active");
    } catch (RuntimeException e) {
      log.debug("relay counter flush failed: {}", e.getMessage());
    }
  }

  private void drain(ConcurrentHashMap<String, LongAdder> deltas, String field) {
    for (Map.Entry<String, LongAdder> e : deltas.entrySet()) {
      long n = e.getValue().sumThenReset();
      if (n == 0) {
        // Quiet since the last flush; a delta arriving meanwhile re-creates the entry.
        deltas.remove(e.getKey(), e.getValue());
        continue;
      }
      String key = "fallback:session:" + e.getKey() + ":" + field;
      redis.incrby(key, n);
      redis.expire(key, SESSION_TTL_SECONDS);
    }
  }
}
