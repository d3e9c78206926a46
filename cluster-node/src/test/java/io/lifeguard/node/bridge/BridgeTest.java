package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.await;
import static io.lifeguard.node.bridge.BridgeFixture.id;
import static io.lifeguard.node.bridge.BridgeFixture.json;
import static io.lifeguard.node.bridge.BridgeFixture.quietly;
import static io.lifeguard.node.bridge.BridgeFixture.wsUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.testing.TestNode;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The bridge against real Redis and real WebSocket clients: protocol, auth and message checks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BridgeTest {
  private TestNode node;
  private BridgeFixture redis;

  @BeforeAll
  void start() {
    redis = new BridgeFixture();
    node = TestNode.start(Map.of(
        "lifeguard.bridge.idle-timeout", "3s",
        "lifeguard.bridge.connections-per-second", "1000",
        "lifeguard.bridge.connection-burst", "1000")).awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
    redis.close();
  }

  private WsClient connect(String sessionId) throws Exception {
    return WsClient.connect(wsUri(node, "agent", sessionId), redis.issue(sessionId));
  }

  private static void assertErrorFrame(WsClient client, int code, String reason) throws Exception {
    JsonNode frame = json(client.next());
    assertEquals("error", frame.get("type").asText(), frame.toString());
    assertEquals(code, frame.get("code").asInt(), frame.toString());
    assertEquals(reason, frame.get("reason").asText(), frame.toString());
    // The WebSocket close carries the same code as the error frame.
    assertEquals(code, client.awaitClose().status());
  }

  @Test
  void roundTripDownAndUpInOrder() throws Exception {
    String session = id("rt");
    BlockingQueue<String> up = redis.listenUp(session);
    WsClient client = connect(session);
    for (int i = 0; i < 50; i++) redis.publishDown(session, "{\"n\":" + i + "}");
    for (int i = 0; i < 50; i++) assertEquals("{\"n\":" + i + "}", client.next());
    for (int i = 0; i < 20; i++) client.send("{\"up\":" + i + "}");
    for (int i = 0; i < 20; i++) assertEquals("{\"up\":" + i + "}", up.poll(5, TimeUnit.SECONDS));
    client.socket.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
    assertEquals(1000, client.awaitClose().status());
  }

  @Test
  void messagePublishedOnThe101CallbackArrives() throws Exception {
    for (int round = 0; round < 20; round++) {
      String session = id("early");
      String message = "{\"early\":" + round + "}";
      long[] receivers = new long[1];
      WsClient client = WsClient.open(wsUri(node, "agent", session), "Bearer " + redis.issue(session), true,
          ws -> receivers[0] = redis.publishDown(session, message)).get(10, TimeUnit.SECONDS);
      assertEquals(1, receivers[0], "the node was subscribed before the 101");
      assertEquals(message, client.next());
      client.socket.abort();
    }
  }

  @Test
  void missingOrMalformedAuthorizationIs401() throws Exception {
    String session = id("noauth");
    redis.issue(session);
    assertEquals(401, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), null, true, ws -> {})));
    assertEquals(401, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), "Basic YTpi", true, ws -> {})));
    assertEquals(401, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), "Bearer", true, ws -> {})));
    // None of those consumed the token.
    assertTrue(redis.redis.sync().exists("session:" + session + ":auth") == 1);
  }

  @Test
  void unknownTokenIs401() throws Exception {
    String session = id("missing");
    assertEquals(401, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), "Bearer abc", true, ws -> {})));
  }

  @Test
  void wrongTokenIs403AndSpendsTheToken() throws Exception {
    String session = id("wrong");
    String token = redis.issue(session);
    assertEquals(403, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), "Bearer " + token + "x", true, ws -> {})));
    assertEquals(401, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), "Bearer " + token, true, ws -> {})));
  }

  @Test
  void aTokenWorksExactlyOnceEvenUnderConcurrentUse() throws Exception {
    String session = id("once");
    String token = redis.issue(session);
    WsClient first = WsClient.connect(wsUri(node, "agent", session), token);
    assertEquals(401, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), "Bearer " + token, true, ws -> {})));
    first.socket.abort();

    String raced = id("race");
    String shared = redis.issue(raced);
    List<CompletableFuture<WsClient>> attempts = new ArrayList<>();
    for (int i = 0; i < 8; i++) attempts.add(WsClient.open(wsUri(node, "agent", raced), "Bearer " + shared, true, ws -> {}));
    int accepted = 0;
    for (CompletableFuture<WsClient> attempt : attempts) {
      try {
        attempt.get(10, TimeUnit.SECONDS).socket.abort();
        accepted++;
      } catch (ExecutionException refused) {
        assertEquals(401, WsClient.refusedStatus(attempt));
      }
    }
    assertEquals(1, accepted);
  }

  @Test
  void badIdsAre400AndPlainGetIs400() throws Exception {
    String token = "Bearer abc";
    assertEquals(400, WsClient.refusedStatus(WsClient.open(node.wsUri("/agent/ws/a:b"), token, true, ws -> {})));
    assertEquals(400, WsClient.refusedStatus(WsClient.open(node.wsUri("/agent/ws/" + "x".repeat(200)), token, true, ws -> {})));
    assertEquals(400, WsClient.refusedStatus(WsClient.open(node.wsUri("/a*b/ws/session"), token, true, ws -> {})));
    HttpResponse<String> plain = BridgeFixture.getEdge(node, "/agent/ws/" + id("plain"));
    assertEquals(400, plain.statusCode());
    assertEquals("websocket_upgrade_required", json(plain.body()).get("error").asText());
  }

  @Test
  void invalidJsonGetsA1007ErrorAndClose() throws Exception {
    for (String bad : List.of("not json", "{\"a\":1} trailing", "{} {}", "{\"open\":", "")) {
      String session = id("badjson");
      BlockingQueue<String> up = redis.listenUp(session);
      WsClient client = connect(session);
      client.send(bad);
      assertErrorFrame(client, 1007, "invalid_json");
      assertNull(up.poll(200, TimeUnit.MILLISECONDS), "invalid JSON must not be published");
    }
  }

  @Test
  void messageSizeLimitIsExactAndOversizeGetsA1009ErrorAndClose() throws Exception {
    int max = 64 * 1024;
    String session = id("size");
    BlockingQueue<String> up = redis.listenUp(session);
    WsClient client = connect(session);
    String largest = "\"" + "a".repeat(max - 2) + "\"";
    client.send(largest);
    assertEquals(largest, up.poll(5, TimeUnit.SECONDS));
    // Multi-byte characters count in UTF-8 bytes: 2 bytes each here.
    client.send("\"" + "é".repeat((max - 2) / 2) + "a\"");
    assertErrorFrame(client, 1009, "message_too_large");
    assertNull(up.poll(200, TimeUnit.MILLISECONDS));
  }

  @Test
  void binaryMessageGetsA1003ErrorAndClose() throws Exception {
    WsClient client = connect(id("binary"));
    client.socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(5, TimeUnit.SECONDS);
    assertErrorFrame(client, 1003, "binary_not_supported");
  }

  @Test
  void pingIsAnsweredLocallyAndNeverForwarded() throws Exception {
    String session = id("ping");
    BlockingQueue<String> up = redis.listenUp(session);
    WsClient client = connect(session);
    client.socket.sendPing(ByteBuffer.wrap("hi".getBytes())).get(5, TimeUnit.SECONDS);
    ByteBuffer pong = client.pongs.poll(5, TimeUnit.SECONDS);
    assertEquals("hi", new String(pong.array(), pong.arrayOffset() + pong.position(), pong.remaining()));
    client.send("{\"after\":\"ping\"}");
    assertEquals("{\"after\":\"ping\"}", up.poll(5, TimeUnit.SECONDS), "the first thing published is the text, not the ping");
  }

  @Test
  void silentClientIsClosedAfterTheIdleTimeout() throws Exception {
    WsClient client = connect(id("idle"));
    long started = System.nanoTime();
    JsonNode frame = json(client.messages.poll(10, TimeUnit.SECONDS));
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertEquals(1001, frame.get("code").asInt());
    assertEquals("idle_timeout", frame.get("reason").asText());
    assertTrue(elapsedMs >= 2500, "closed after " + elapsedMs + " ms, before the 3 s idle timeout");
    assertEquals(1001, client.awaitClose().status());
  }

  @Test
  void pingsCountAsActivityForAListenOnlyClient() throws Exception {
    String session = id("listener");
    WsClient client = connect(session);
    long started = System.nanoTime();
    // Ping well inside the 3 s idle timeout for twice its length; the socket must stay open.
    while (System.nanoTime() - started < TimeUnit.SECONDS.toNanos(6)) {
      client.socket.sendPing(ByteBuffer.wrap(new byte[] {1})).get(5, TimeUnit.SECONDS);
      assertNotNull(client.pongs.poll(5, TimeUnit.SECONDS), "pong");
      assertNull(client.messages.poll(1, TimeUnit.SECONDS), "no error frame while pinging");
    }
    assertEquals(1, redis.publishDown(session, "{\"still\":\"here\"}"));
    assertEquals("{\"still\":\"here\"}", client.messages.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void socketsOfOneSessionShareOneReferenceCountedSubscription() throws Exception {
    String session = id("shared");
    String channel = "session:" + session + ":down";
    WsClient a = connect(session);
    WsClient b = connect(session);
    assertEquals(1L, redis.redis.sync().pubsubNumsub(channel).get(channel), "one node subscription for two sockets");
    assertEquals(1, redis.publishDown(session, "{\"to\":\"both\"}"));
    assertEquals("{\"to\":\"both\"}", a.next());
    assertEquals("{\"to\":\"both\"}", b.next());

    a.socket.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
    a.awaitClose();
    redis.publishDown(session, "{\"to\":\"b\"}");
    assertEquals("{\"to\":\"b\"}", b.next());
    assertEquals(1L, redis.redis.sync().pubsubNumsub(channel).get(channel), "still subscribed for the remaining socket");

    b.socket.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
    b.awaitClose();
    await(Duration.ofSeconds(5), "unsubscribe after the last socket",
        () -> redis.redis.sync().pubsubNumsub(channel).get(channel) == 0L);
  }

  @Test
  void otherRoutesStillWinAndHealthAndMetricsReportTheBridge() throws Exception {
    assertEquals(200, BridgeFixture.get(node, "/healthz").statusCode());
    HttpResponse<String> ready = BridgeFixture.get(node, "/ready");
    assertEquals(200, ready.statusCode());
    assertEquals("[]", json(ready.body()).get("degraded").toString(), ready.body());
    assertEquals("ok", json(BridgeFixture.get(node, "/healthz").body()).get("dependencies").get("redis").asText());
    HttpResponse<String> health = BridgeFixture.get(node, "/health");
    assertEquals(200, health.statusCode());
    assertEquals("ok", json(health.body()).get("status").asText());
    // /ws belongs to the relay: a plain GET there is the relay's 400 (upgrade expected), not the bridge's.
    HttpResponse<String> relay = BridgeFixture.getEdge(node, "/ws");
    assertEquals(400, relay.statusCode());
    assertTrue(relay.body().contains("WebSocket"), relay.body());
    assertEquals(404, BridgeFixture.get(node, "/v1/nothing").statusCode());
    assertEquals(404, BridgeFixture.getEdge(node, "/v1/nothing").statusCode());
    // The edge answers its own readiness probe for load balancers in front of the client port.
    assertEquals(200, BridgeFixture.getEdge(node, "/ready").statusCode());

    String session = id("metrics");
    WsClient client = connect(session);
    await(Duration.ofSeconds(5), "gauges", quietly(() ->
        BridgeFixture.metric(node, "lifeguard_bridge_active_connections", null) >= 1
            && BridgeFixture.metric(node, "lifeguard_bridge_pubsub_channels", null) >= 1));
    double sent = BridgeFixture.metric(node, "lifeguard_bridge_messages_sent_total", null);
    double received = BridgeFixture.metric(node, "lifeguard_bridge_messages_received_total", null);
    redis.publishDown(session, "{}");
    client.next();
    client.send("{}");
    await(Duration.ofSeconds(5), "counters", quietly(() ->
        BridgeFixture.metric(node, "lifeguard_bridge_messages_sent_total", null) >= sent + 1
            && BridgeFixture.metric(node, "lifeguard_bridge_messages_received_total", null) >= received + 1));
    String scrape = BridgeFixture.get(node, "/metrics").body();
    for (String name : List.of("lifeguard_bridge_connections_total{outcome=\"accepted\"}",
        "lifeguard_bridge_message_latency_seconds_bucket", "lifeguard_bridge_buffer_bytes",
        "lifeguard_bridge_backpressure_events_total", "lifeguard_bridge_errors_total")) {
      assertTrue(scrape.contains(name), name + " missing from /metrics");
    }
    client.socket.abort();
  }
}
