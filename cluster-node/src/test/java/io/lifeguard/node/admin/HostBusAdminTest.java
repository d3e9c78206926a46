package io.lifeguard.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.host.BusClient;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The host drill-down's bus subscribers: two real nodes in one cluster, real WebSocket bus clients
 * attached to either, and {@code GET /v1/admin/hosts/{id}} asked on both. Subscribers show up
 * with their role, node and topics, follow subscribe/unsubscribe, and disappear when their socket
 * closes, cleanly or not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostBusAdminTest {
  private static final String SECRET = "s3cret-" + UUID.randomUUID();
  private static final String AUTH = "Bearer " + SECRET;
  private final OctetKeyPair key = Ed25519Keys.generate("bus-admin-test");
  private final TokenSigner signer = new TokenSigner(key);
  private final HttpClient http = HttpClient.newHttpClient();
  private TestNode first;
  private TestNode second;

  @BeforeAll
  void start() {
    Map<String, Object> shared = new HashMap<>();
    shared.put("lifeguard.tokens.signing-jwk", key.toJSONString());
    shared.put("lifeguard.control.admin-tokens", "ops-alice:" + SECRET);
    shared.put("lifeguard.redis.url", "");
    Map<String, Object> one = new HashMap<>(shared);
    one.put("lifeguard.node-name", "beach-a");
    first = TestNode.start(one).awaitReady();
    Map<String, Object> two = new HashMap<>(shared);
    two.put("lifeguard.node-name", "beach-b");
    two.put("lifeguard.cluster.seed-nodes", "127.0.0.1:" + first.clusterPort());
    second = TestNode.start(two).awaitReady();
    await(() -> agents(first) == 2 && agents(second) == 2, "both nodes' agents answer on both nodes");
  }

  @AfterAll
  void stop() {
    if (second != null) second.close();
    if (first != null) first.close();
  }

  @Test
  void subscribersOnBothNodesAreListedWithRolesNodesAndTopicsUntilTheyLeave() throws Exception {
    String host = "bus-" + UUID.randomUUID();
    BusClient harness = attach(first, host, Role.HOST);
    BusClient viewer = attach(second, host, Role.VIEWER);
    try {
      subscribe(harness, "host", "config");
      subscribe(harness, "manager", "action");
      subscribe(viewer, "host", "status");
      // A subscription is listed before its confirmation is sent, so no waiting is needed here.
      for (TestNode asking : List.of(first, second)) {
        JsonNode body = json(hostView(asking, host, AUTH));
        assertTrue(body.get("lease").isNull(), body.toString());
        assertEquals(0, body.get("last_epoch").asLong());
        assertEquals(0, body.get("inflight_actions").asInt());
        JsonNode bus = body.get("bus");
        assertEquals(2, bus.get("connections").asInt(), bus.toString());
        assertEquals("{\"host\":1,\"viewer\":1}", bus.get("by_role").toString());
        assertFalse(bus.get("truncated").asBoolean());
        assertEquals(0, bus.get("nodes_not_answering").size());
        JsonNode h = subscriber(bus, "host");
        assertEquals("beach-a", h.get("node").asText());
        assertEquals("pekko://lifeguard@127.0.0.1:" + first.clusterPort(), h.get("address").asText());
        assertEquals("[\"host/config\",\"manager/action\"]", h.get("subscriptions").toString());
        JsonNode v = subscriber(bus, "viewer");
        assertEquals("beach-b", v.get("node").asText());
        assertEquals("[\"host/status\"]", v.get("subscriptions").toString());
        assertFalse(h.get("connection_id").asText().isEmpty());
        assertFalse(h.get("connection_id").asText().equals(v.get("connection_id").asText()));
      }

      viewer.send("{\"type\":\"unsubscribe\",\"namespace\":\"host\",\"topic\":\"status\"}").expect("unsubscribed");
      assertEquals("[]", subscriber(json(hostView(first, host, AUTH)).get("bus"), "viewer").get("subscriptions").toString());

      viewer.close();
      await(() -> connections(first, host) == 1, "the closed viewer is no longer listed");
      JsonNode remaining = json(hostView(second, host, AUTH)).get("bus");
      assertEquals("{\"host\":1}", remaining.get("by_role").toString());
      assertEquals("host", remaining.get("subscribers").get(0).get("role").asText());

      harness.close();
      // No lease was ever granted, so with its last client gone the host is unknown again.
      await(() -> status(second, host) == 404, "the host without lease or clients is 404 again");
      HttpResponse<String> gone = hostView(first, host, AUTH);
      assertEquals(404, gone.statusCode(), gone.body());
      assertEquals("unknown_host", Json.MAPPER.readTree(gone.body()).get("error").asText());
    } finally {
      viewer.abort();
      harness.abort();
    }
  }

  @Test
  void aClientThatVanishesWithoutACloseFrameIsRemoved() throws Exception {
    String host = "bus-" + UUID.randomUUID();
    try (BusClient controller = attach(second, host, Role.CONTROLLER)) {
      controller.send("{\"type\":\"lease_acquire\",\"holder\":\"ops\",\"ttl_ms\":60000}").expectReply("lease");
      BusClient crashed = attach(first, host, Role.PARTICIPANT);
      subscribe(crashed, "host", "status");
      assertEquals(2, connections(first, host));
      crashed.abort();
      await(() -> connections(second, host) == 1, "the aborted socket is no longer listed");
      JsonNode body = json(hostView(first, host, AUTH));
      assertEquals("ops", body.get("lease").get("holder").asText(), body.toString());
      assertEquals("controller", body.get("bus").get("subscribers").get(0).get("role").asText());
    }
    // A host with a lease stays known without clients: 200 with an empty bus.
    await(() -> connections(first, host) == 0, "the closed controller is no longer listed");
    JsonNode bus = json(hostView(second, host, AUTH)).get("bus");
    assertEquals(0, bus.get("subscribers").size());
    assertEquals("{}", bus.get("by_role").toString());
  }

  @Test
  void aValidTokenWithoutAWebSocketUpgradeLeavesNoSubscriberBehind() throws Exception {
    String host = "bus-" + UUID.randomUUID();
    String token = RelayTestClients.token(signer, host, Role.VIEWER, "test");
    HttpResponse<String> plain = http.send(HttpRequest.newBuilder(first.edgeUri("/v1/hosts/" + host + "/bus?token=" + token))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, plain.statusCode(), plain.body());
    HttpResponse<String> view = hostView(first, host, AUTH);
    assertEquals(404, view.statusCode(), view.body());
    assertEquals("unknown_host", Json.MAPPER.readTree(view.body()).get("error").asText());
  }

  @Test
  void theDrillDownStillRefusesMissingOrWrongCredentials() throws Exception {
    String host = "bus-" + UUID.randomUUID();
    try (BusClient viewer = attach(first, host, Role.VIEWER)) {
      subscribe(viewer, "host", "status");
      assertEquals(1, connections(second, host));
      for (String header : new String[] {null, "Bearer wrong", "Basic " + SECRET, "Bearer"}) {
        HttpResponse<String> r = hostView(second, host, header);
        assertEquals(401, r.statusCode(), String.valueOf(header));
        assertEquals("unauthorized", Json.MAPPER.readTree(r.body()).get("error").asText());
        assertFalse(r.body().contains("viewer"), r.body());
      }
    }
  }

  @Test
  void theAgentsBusMessagesSurviveSerialization() {
    SerializationTestKit kit = new SerializationTestKit(first.system());
    kit.verifySerialization(new NodeAgent.BusSubscribers("beach-a", "pekko://lifeguard@127.0.0.1:1", 3,
        Map.of("host", 1, "viewer", 2), List.of(new NodeAgent.BusSubscriber("c-1", "host", List.of("host/config")))), true);
    kit.verifySerialization(new NodeAgent.ListBusSubscribers("h-1", first.system().deadLetters()), true);
  }

  private BusClient attach(TestNode node, String host, Role role) throws Exception {
    return BusClient.connect(node.wsUri("/v1/hosts/" + host + "/bus?token=" + RelayTestClients.token(signer, host, role, "test")));
  }

  private static void subscribe(BusClient client, String namespace, String topic) throws InterruptedException {
    client.send("{\"type\":\"subscribe\",\"namespace\":\"" + namespace + "\",\"topic\":\"" + topic + "\"}").expect("subscribed");
  }

  private static JsonNode subscriber(JsonNode bus, String role) {
    List<JsonNode> found = new ArrayList<>();
    bus.get("subscribers").forEach(s -> {
      if (s.get("role").asText().equals(role)) found.add(s);
    });
    assertEquals(1, found.size(), "one " + role + " in " + bus);
    return found.get(0);
  }

  private HttpResponse<String> hostView(TestNode node, String host, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.uri("/v1/admin/hosts/" + host)).timeout(Duration.ofSeconds(10));
    if (authorization != null) b.header("Authorization", authorization);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int status(TestNode node, String host) {
    try {
      return hostView(node, host, AUTH).statusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Bus connections of {@code host} the drill-down reports; 0 for a 404. */
  private int connections(TestNode node, String host) {
    try {
      HttpResponse<String> r = hostView(node, host, AUTH);
      if (r.statusCode() == 404) return 0;
      return json(r).get("bus").get("connections").asInt();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Members whose node agent answered the cluster view. */
  private int agents(TestNode node) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(node.uri("/v1/admin/cluster")).header("Authorization", AUTH)
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) return 0;
      int answered = 0;
      for (JsonNode m : Json.MAPPER.readTree(r.body()).get("members")) {
        if ("up".equals(m.get("status").asText()) && m.get("answered").asBoolean()) answered++;
      }
      return answered;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertEquals(200, response.statusCode(), response.body());
    return Json.MAPPER.readTree(response.body());
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) return;
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    throw new AssertionError("timed out waiting until " + what);
  }
}
