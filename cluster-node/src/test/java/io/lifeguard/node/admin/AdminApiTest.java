package io.lifeguard.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.host.BusClient;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.FreePorts;
import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.client.ClientListener;
import io.lifeguard.protocol.client.LifeguardClient;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two real nodes in one cluster (this JVM): the admin API's authentication, the cluster view with
 * roles and connection counts that follow real relay clients, the session drill-down, the host
 * lookup (an unknown host leaves no entity behind), the cluster gauges, and Pekko Management
 * behind Basic auth with the same credentials.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiTest {
  private static final String SECRET = "s3cret-" + UUID.randomUUID();
  private static final String AUTH = "Bearer " + SECRET;
  private final OctetKeyPair key = Ed25519Keys.generate("admin-test");
  private final TokenSigner signer = new TokenSigner(key);
  private final HttpClient http = HttpClient.newHttpClient();
  private TestNode first;
  private TestNode second;
  private int firstManagementPort;

  @BeforeAll
  void start() {
    firstManagementPort = FreePorts.next();
    Map<String, Object> shared = new HashMap<>();
    shared.put("lifeguard.tokens.signing-jwk", key.toJSONString());
    shared.put("lifeguard.control.admin-tokens", "ops-alice:" + SECRET);
    shared.put("lifeguard.redis.url", "");
    Map<String, Object> one = new HashMap<>(shared);
    one.put("pekko.management.http.port", firstManagementPort);
    one.put("lifeguard.cluster.roles", "relay,manager");
    first = TestNode.start(one).awaitReady();
    Map<String, Object> two = new HashMap<>(shared);
    two.put("lifeguard.cluster.seed-nodes", "127.0.0.1:" + first.clusterPort());
    second = TestNode.start(two).awaitReady();
    await(() -> members(first).size() == 2 && members(second).size() == 2, "both nodes see two members");
  }

  @AfterAll
  void stop() {
    if (second != null) second.close();
    if (first != null) first.close();
  }

  @Test
  void everyAdminEndpointRefusesMissingOrWrongCredentials() throws Exception {
    for (String path : List.of("/v1/admin/cluster", "/v1/admin/sessions/s-1", "/v1/admin/hosts/h-1")) {
      for (String header : new String[] {null, "Bearer wrong", "Basic " + SECRET, "Bearer"}) {
        HttpResponse<String> r = send(first.uri(path), "GET", header);
        assertEquals(401, r.statusCode(), path + " with " + header);
        assertEquals("Bearer realm=\"lifeguard-admin\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals("unauthorized", Json.MAPPER.readTree(r.body()).get("error").asText());
      }
    }
    HttpResponse<String> drain = send(first.uri("/v1/admin/nodes/self/drain"), "POST", "Bearer nope");
    assertEquals(401, drain.statusCode());
    assertFalse(json(send(first.uri("/v1/admin/cluster"), "GET", AUTH)).get("members").get(0).get("draining").asBoolean(),
        "a refused drain did nothing");
    assertEquals(200, send(second.uri("/v1/admin/cluster"), "GET", AUTH).statusCode());
  }

  @Test
  void clusterViewListsBothNodesWithRolesAndLiveConnectionCounts() throws Exception {
    JsonNode body = json(send(second.uri("/v1/admin/cluster"), "GET", AUTH));
    assertEquals("pekko://lifeguard@127.0.0.1:" + second.clusterPort(), body.get("self").asText());
    assertFalse(body.get("fallback_paused").asBoolean());
    JsonNode a = member(body, first);
    JsonNode b = member(body, second);
    assertEquals("[\"manager\",\"relay\"]", a.get("roles").toString());
    assertEquals("[\"bridge\",\"manager\",\"relay\"]", b.get("roles").toString());
    for (JsonNode m : List.of(a, b)) {
      assertEquals("up", m.get("status").asText());
      assertTrue(m.get("reachable").asBoolean());
      assertTrue(m.get("answered").asBoolean(), m.toString());
      assertTrue(m.get("uptime_seconds").asLong() >= 0);
      assertFalse(m.get("draining").asBoolean());
      assertTrue(m.get("shards").has("relay-session") && m.get("entities").has("host"), m.toString());
    }
    assertEquals("127.0.0.1:" + first.httpPort(), a.get("http").asText());
    int relayBefore = a.get("connections").get("relay").asInt();

    String session = "admin-" + UUID.randomUUID();
    List<LifeguardClient> clients = new ArrayList<>();
    try {
      clients.add(connect(first, session, Role.HOST));
      clients.add(connect(first, session, Role.PARTICIPANT));
      clients.add(connect(second, session, Role.PARTICIPANT));
      await(() -> relayCount(second, first) == relayBefore + 2, "first node reports two more relay connections");
      JsonNode after = json(send(first.uri("/v1/admin/cluster"), "GET", AUTH));
      assertEquals(1, member(after, second).get("connections").get("relay").asInt());
      int sessionEntities = member(after, first).get("entities").get("relay-session").asInt()
          + member(after, second).get("entities").get("relay-session").asInt();
      assertTrue(sessionEntities >= 1, after.toString());

      JsonNode drill = json(send(second.uri("/v1/admin/sessions/" + session), "GET", AUTH));
      assertEquals(3, drill.get("members").asInt(), drill.toString());
      assertEquals(3, drill.get("peers").size(), drill.toString());
      int onFirst = 0;
      for (JsonNode p : drill.get("peers")) {
        assertTrue(p.get("peer_id").asText().startsWith("p-"), p.toString());
        assertEquals(0, p.get("drops").asLong());
        assertTrue(p.get("queue_depth").asInt() >= 0);
        if (p.get("address").asText().endsWith(":" + first.clusterPort())) onFirst++;
      }
      assertEquals(2, onFirst);
      assertEquals(1, drill.get("by_role").get("host").asInt());
      assertEquals(0, drill.get("nodes_not_answering").size());
    } finally {
      clients.forEach(LifeguardClient::close);
    }
    await(() -> relayCount(second, first) == relayBefore, "closed clients are no longer counted");
    // The host left, so the session is closed (a tombstone refuses joins for a while) and empty.
    JsonNode closed = json(send(first.uri("/v1/admin/sessions/" + session), "GET", AUTH));
    assertTrue(closed.get("closed").asBoolean(), closed.toString());
    assertEquals(0, closed.get("peers").size());
    HttpResponse<String> unknown = send(first.uri("/v1/admin/sessions/never-" + UUID.randomUUID()), "GET", AUTH);
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertEquals("session_not_found", Json.MAPPER.readTree(unknown.body()).get("error").asText());
    assertEquals(400, send(first.uri("/v1/admin/sessions/bad%20id"), "GET", AUTH).statusCode());
  }

  @Test
  void anUnknownHostIsA404AndLeavesNoHostEntityRunning() throws Exception {
    int before = hostEntities();
    String never = "never-" + UUID.randomUUID();
    for (String id : List.of(never, never, "never-" + UUID.randomUUID(), "never-" + UUID.randomUUID())) {
      for (TestNode asking : List.of(first, second)) {
        HttpResponse<String> r = send(asking.uri("/v1/admin/hosts/" + id), "GET", AUTH);
        assertEquals(404, r.statusCode(), r.body());
        assertEquals("unknown_host", Json.MAPPER.readTree(r.body()).get("error").asText());
      }
    }
    // Each query started an entity; each must be gone again, not wait for idle passivation (2 min).
    await(() -> hostEntities() == before, "no host entity is left running after the 404s");
    HttpResponse<String> bad = send(first.uri("/v1/admin/hosts/bad%20id"), "GET", AUTH);
    assertEquals(400, bad.statusCode());
    assertEquals("invalid_host_session_id", Json.MAPPER.readTree(bad.body()).get("error").asText());

    // A host with a lease is known: it answers 200 and its entity stays, so the count above is real.
    String host = "known-" + UUID.randomUUID();
    try (BusClient controller = BusClient.connect(first.wsUri("/v1/hosts/" + host + "/bus?token="
        + RelayTestClients.token(signer, host, Role.CONTROLLER, "test")))) {
      controller.send("{\"type\":\"lease_acquire\",\"holder\":\"ops\",\"ttl_ms\":60000}").expectReply("lease");
    }
    JsonNode known = json(send(second.uri("/v1/admin/hosts/" + host), "GET", AUTH));
    assertEquals("ops", known.get("lease").get("holder").asText(), known.toString());
    assertEquals(1, known.get("last_epoch").asLong());
    await(() -> hostEntities() == before + 1, "the known host's entity is counted and keeps running");
  }

  @Test
  void clusterGaugesAreExported() throws Exception {
    String metrics = send(first.uri("/metrics"), "GET", null).body();
    assertTrue(metrics.contains("lifeguard_cluster_members{status=\"up\"} 2.0"), metrics);
    assertTrue(metrics.contains("lifeguard_cluster_unreachable_members 0.0"), metrics);
  }

  @Test
  void managementNeedsTheAdminCredentialAsBasicAuth() throws Exception {
    URI members = URI.create("http://127.0.0.1:" + firstManagementPort + "/cluster/members");
    HttpResponse<String> anonymous = send(members, "GET", null);
    assertEquals(401, anonymous.statusCode());
    assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
    assertEquals(401, send(members, "GET", basic("ops-alice", "wrong")).statusCode());
    assertEquals(401, send(members, "GET", basic("someone-else", SECRET)).statusCode());
    // Cluster bootstrap's contact point is open only on nodes that bootstrap (docs/cluster.md); here it
    // needs the credential like every other management path.
    URI seedNodes = URI.create("http://127.0.0.1:" + firstManagementPort + "/bootstrap/seed-nodes");
    assertEquals(401, send(seedNodes, "GET", null).statusCode());
    HttpResponse<String> ok = send(members, "GET", basic("ops-alice", SECRET));
    assertEquals(200, ok.statusCode(), ok.body());
    JsonNode body = Json.MAPPER.readTree(ok.body());
    List<String> nodes = new ArrayList<>();
    body.get("members").forEach(m -> nodes.add(m.get("node").asText()));
    assertTrue(nodes.contains("pekko://lifeguard@127.0.0.1:" + first.clusterPort()), body.toString());
    assertTrue(nodes.contains("pekko://lifeguard@127.0.0.1:" + second.clusterPort()), body.toString());
    HttpResponse<String> shards = send(URI.create("http://127.0.0.1:" + firstManagementPort + "/cluster/shards/relay-session"),
        "GET", basic("ops-alice", SECRET));
    assertEquals(200, shards.statusCode(), shards.body());
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private LifeguardClient connect(TestNode node, String session, Role role) throws Exception {
    LifeguardClient client = RelayTestClients.builder(signer, session, role, List.of(node.wsUri("/ws")))
        .listener(new ClientListener() {})
        .build();
    client.connect().get(20, TimeUnit.SECONDS);
    return client;
  }

  private int relayCount(TestNode asking, TestNode about) {
    try {
      return member(json(send(asking.uri("/v1/admin/cluster"), "GET", AUTH)), about).get("connections").get("relay").asInt();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Host entities running in the whole cluster, from the admin cluster view; -1 without statistics. */
  private int hostEntities() {
    try {
      int total = 0;
      for (JsonNode m : json(send(first.uri("/v1/admin/cluster"), "GET", AUTH)).get("members")) {
        JsonNode hosts = m.get("entities").get("host");
        if (hosts == null || hosts.isNull()) return -1;
        total += hosts.asInt();
      }
      return total;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode member(JsonNode cluster, TestNode node) {
    for (JsonNode m : cluster.get("members")) {
      if (m.get("address").asText().equals("pekko://lifeguard@127.0.0.1:" + node.clusterPort())) return m;
    }
    throw new AssertionError("no member for port " + node.clusterPort() + " in " + cluster);
  }

  private List<JsonNode> members(TestNode node) {
    try {
      HttpResponse<String> r = send(node.uri("/v1/admin/cluster"), "GET", AUTH);
      List<JsonNode> up = new ArrayList<>();
      if (r.statusCode() != 200) return up;
      for (JsonNode m : Json.MAPPER.readTree(r.body()).get("members")) {
        if ("up".equals(m.get("status").asText()) && m.get("answered").asBoolean()) up.add(m);
      }
      return up;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertEquals(200, response.statusCode(), response.body());
    return Json.MAPPER.readTree(response.body());
  }

  private HttpResponse<String> send(URI uri, String method, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) b.header("Authorization", authorization);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void await(java.util.function.BooleanSupplier condition, String what) {
    Predicate<Void> ok = v -> condition.getAsBoolean();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (ok.test(null)) return;
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    throw new AssertionError("timed out waiting until " + what);
  }
}
