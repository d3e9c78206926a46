package io.lifeguard.node.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Redis, HTTP and WebSocket helpers shared by the bridge tests. */
final class BridgeFixture implements AutoCloseable {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  final RedisClient client;
  final StatefulRedisConnection<String, String> redis;

  BridgeFixture(String url) {
    client = RedisClient.create(url);
    redis = client.connect();
  }

  BridgeFixture() {
    this("redis://127.0.0.1:6379");
  }

  static String id(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
  }

  /** What a backend does: a one-time token for the session, valid 60 s. */
  String issue(String sessionId) {
    String token = UUID.randomUUID().toString().replace("-", "");
    redis.sync().setex("session:" + sessionId + ":auth", 60, token);
    return token;
  }

  long publishDown(String sessionId, String message) {
    return redis.sync().publish("session:" + sessionId + ":down", message);
  }

  /** Collects what clients publish on {@code session:{id}:up}. */
  BlockingQueue<String> listenUp(String sessionId) throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub();
    pubSub.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String channel, String message) {
        received.add(message);
      }
    });
    pubSub.async().subscribe("session:" + sessionId + ":up").get(5, TimeUnit.SECONDS);
    return received;
  }

  static URI wsUri(TestNode node, String agentId, String sessionId) {
    return node.wsUri("/" + agentId + "/ws/" + sessionId);
  }

  static HttpResponse<String> get(TestNode node, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A plain GET to the edge port, where the bridge's WebSocket path lives. */
  static HttpResponse<String> getEdge(TestNode node, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(node.edgeUri(path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A sample from /metrics (sum over matching lines), 0 when absent. */
  static double metric(TestNode node, String name, String labels) throws Exception {
    String body = get(node, "/metrics").body();
    String selector = labels == null ? Pattern.quote(name) + "(\\{[^}]*})?" : Pattern.quote(name + "{" + labels + "}");
    Matcher m = Pattern.compile("(?m)^" + selector + " ([0-9.eE+-]+)$").matcher(body);
    double sum = 0;
    while (m.find()) sum += Double.parseDouble(m.group(m.groupCount()));
    return sum;
  }

  static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }

  /** Polls {@code condition} until true or fails after {@code timeout}. */
  static void await(Duration timeout, String what, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (condition.getAsBoolean()) return;
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  /** Like {@link #await} for probes that throw. */
  interface Probe {
    boolean test() throws Exception;
  }

  static BooleanSupplier quietly(Probe probe) {
    return () -> {
      try {
        return probe.test();
      } catch (Exception e) {
        return false;
      }
    };
  }

  @Override
  public void close() {
    redis.close();
    client.shutdown();
  }
}
