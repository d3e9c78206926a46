package io.lifeguard.node.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.KeySet;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The host bus over real WebSockets against a real node: auth, ACLs, pub/sub, leases, actions. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostBusTest {
  private static final int MAX_INFLIGHT = 3;
  private final HttpClient http = HttpClient.newHttpClient();
  private final OctetKeyPair key = Ed25519Keys.generate("bus-test");
  private final TokenSigner signer = new TokenSigner(key);
  private TestNode node;

  @BeforeAll
  void start() {
    node = TestNode.start(Map.of(
        "lifeguard.manager.jwks", KeySet.of(key).toPublicJwksJson(),
        "lifeguard.manager.max-inflight-actions", MAX_INFLIGHT)).awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private static String hostId() {
    return "host-" + UUID.randomUUID();
  }

  private String token(String sessionId, Role role, Instant issuedAt) {
    return signer.sign(new TokenClaims(sessionId, role, issuedAt, issuedAt.plusSeconds(240), "test", 0, UUID.randomUUID().toString()));
  }

  private URI busUri(String hostId, Role role) {
    return node.wsUri("/v1/hosts/" + hostId + "/bus?token=" + token(hostId, role, Instant.now()));
  }

  private BusClient attach(String hostId, Role role) throws Exception {
    return BusClient.connect(busUri(hostId, role));
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path));
    if (headers.length > 0) request.headers(headers);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A plain request to the edge port, where the bus's WebSocket path lives. */
  private HttpResponse<String> getEdge(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.edgeUri(path));
    if (headers.length > 0) request.headers(headers);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertRefused(HttpResponse<String> response, int status, String code) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(code, Json.MAPPER.readTree(response.body()).get("error").asText());
  }

  @Test
  void attachIsRefusedWithPreciseStatuses() throws Exception {
    String host = hostId();
    assertRefused(getEdge("/v1/hosts/" + host + "/bus"), 401, "missing_token");
    assertRefused(getEdge("/v1/hosts/" + host + "/bus?token=not.a.token"), 401, "invalid_token");
    assertRefused(getEdge("/v1/hosts/" + host + "/bus?token=" + token("other-host", Role.HOST, Instant.now())), 403, "session_mismatch");
    assertRefused(getEdge("/v1/hosts/" + host + "/bus?token=" + token(host, Role.HOST, Instant.now().minusSeconds(600))),
        401, "token_expired");
    assertRefused(getEdge("/v1/hosts/bad%20id/bus?token=x"), 400, "invalid_host_session_id");
    OctetKeyPair stranger = Ed25519Keys.generate("bus-test");
    String forged = new TokenSigner(stranger).sign(new TokenClaims(host, Role.CONTROLLER, Instant.now(),
        Instant.now().plusSeconds(60), "test", 0, "j"));
    assertRefused(getEdge("/v1/hosts/" + host + "/bus", "Authorization", "Bearer " + forged), 401, "invalid_token");
    // A good token in the Authorization header passes auth; a plain GET is then not a WebSocket upgrade.
    assertEquals(400, getEdge("/v1/hosts/" + host + "/bus", "Authorization", "Bearer " + token(host, Role.VIEWER, Instant.now())).statusCode());
  }

  @Test
  void viewersAndParticipantsCannotSubscribeOrPublishControllerTopics() throws Exception {
    for (Role role : new Role[] {Role.VIEWER, Role.PARTICIPANT}) refusesControllerTopics(role);
  }

  private void refusesControllerTopics(Role role) throws Exception {
    String host = hostId();
    try (BusClient viewer = attach(host, role)) {
      for (String topic : new String[] {"action", "ack", "state", "health"}) {
        viewer.send("{\"type\":\"subscribe\",\"id\":\"s-" + topic + "\",\"namespace\":\"manager\",\"topic\":\"" + topic + "\"}");
        JsonNode error = viewer.expect("error");
        assertEquals("forbidden", error.get("code").asText());
        assertEquals("s-" + topic, error.get("id").asText());
      }
      viewer.send("{\"type\":\"publish\",\"namespace\":\"manager\",\"topic\":\"state\",\"payload\":{}}");
      assertEquals("forbidden", viewer.expect("error").get("code").asText());
      viewer.send("{\"type\":\"action\",\"action_id\":\"a\",\"epoch\":1,\"payload\":{}}");
      assertEquals("forbidden", viewer.expect("error").get("code").asText());
      viewer.send("{\"type\":\"lease_acquire\",\"ttl_ms\":1000}");
      assertEquals("forbidden", viewer.expect("error").get("code").asText());
    }
  }

  @Test
  void controllersHandTheHarnessConfigAndOnlyTheHostReadsIt() throws Exception {
    String id = hostId();
    try (BusClient host = attach(id, Role.HOST).subscribe("host", "config");
        BusClient controller = attach(id, Role.CONTROLLER)) {
      controller.send("{\"type\":\"subscribe\",\"namespace\":\"host\",\"topic\":\"config\"}");
      assertEquals("forbidden", controller.expect("error").get("code").asText());
      controller.send("{\"type\":\"publish\",\"namespace\":\"host\",\"topic\":\"config\",\"payload\":{\"beach_url\":\"https://b\"}}");
      JsonNode m = host.expect("message");
      assertEquals("config", m.get("topic").asText());
      assertEquals("controller", m.get("from").asText());
      assertEquals("https://b", m.get("payload").get("beach_url").asText());
      host.send("{\"type\":\"publish\",\"namespace\":\"host\",\"topic\":\"config\",\"payload\":{}}");
      assertEquals("forbidden", host.expect("error").get("code").asText());
      host.send("{\"type\":\"publish\",\"namespace\":\"manager\",\"topic\":\"action\",\"payload\":{}}");
      assertEquals("forbidden", host.expect("error").get("code").asText(), "actions only through type=action");
    }
  }

  @Test
  void unknownNamespacesAndTopicsGetErrorFrames() throws Exception {
    try (BusClient host = attach(hostId(), Role.HOST)) {
      host.send("{\"type\":\"subscribe\",\"namespace\":\"controller\",\"topic\":\"input\"}");
      assertEquals("unknown_namespace", host.expect("error").get("code").asText());
      host.send("{\"type\":\"publish\",\"namespace\":\"manager\",\"topic\":\"input\",\"payload\":1}");
      assertEquals("unknown_topic", host.expect("error").get("code").asText());
      host.send("not json");
      assertEquals("bad_request", host.expect("error").get("code").asText());
      host.send("{\"type\":\"teleport\"}");
      assertEquals("unknown_type", host.expect("error").get("code").asText());
      host.sendBinary(new byte[] {1, 2, 3});
      assertEquals("binary_not_supported", host.expect("error").get("code").asText());
      host.send("{\"type\":\"publish\",\"id\":\"big-1\",\"namespace\":\"host\",\"topic\":\"status\",\"payload\":\"" + "x".repeat(70_000) + "\"}");
      JsonNode tooLarge = host.expect("error");
      assertEquals("frame_too_large", tooLarge.get("code").asText());
      assertEquals("big-1", tooLarge.get("id").asText(), "the refused frame's id is echoed: " + tooLarge);
      host.send("{\"type\":\"publish\",\"id\":\"p\",\"namespace\":\"host\",\"topic\":\"status\",\"payload\":1}");
      assertEquals("p", host.expect("published").get("id").asText(), "the socket still works after refusals");
    }
  }

  @Test
  void subscribersReceiveEveryMessageInPublisherOrderAndViewersNoControllerTopics() throws Exception {
    String id = hostId();
    try (BusClient host = attach(id, Role.HOST);
        BusClient controller = attach(id, Role.CONTROLLER).subscribe("manager", "state").subscribe("host", "status");
        BusClient viewer = attach(id, Role.VIEWER).subscribe("host", "status")) {
      for (int i = 0; i < 50; i++) {
        host.send("{\"type\":\"publish\",\"namespace\":\"manager\",\"topic\":\"state\",\"payload\":{\"seq\":" + i + "}}");
      }
      host.send("{\"type\":\"publish\",\"namespace\":\"host\",\"topic\":\"status\",\"payload\":{\"up\":true}}");
      for (int i = 0; i < 50; i++) {
        JsonNode m = controller.expect("message");
        assertEquals("state", m.get("topic").asText());
        assertEquals(i, m.get("payload").get("seq").asInt(), "out of order");
        assertEquals("host", m.get("from").asText());
      }
      assertEquals("status", controller.expect("message").get("topic").asText());
      // Had the viewer received any manager/state message, it would have come before host/status.
      JsonNode first = viewer.expect("message");
      assertEquals("host", first.get("namespace").asText());
      assertEquals("status", first.get("topic").asText());
      assertTrue(viewer.poll(Duration.ofMillis(200)) == null, "viewer got more than host/status");
      assertTrue(host.poll(Duration.ofMillis(50)) == null, "publishers do not hear themselves");
    }
  }

  @Test
  void leaseActionAckRoundTripWithFencingAndIdempotency() throws Exception {
    String id = hostId();
    try (BusClient host = attach(id, Role.HOST).subscribe("manager", "action");
        BusClient ctlA = attach(id, Role.CONTROLLER).subscribe("manager", "ack");
        BusClient ctlB = attach(id, Role.CONTROLLER)) {
      ctlA.send("{\"type\":\"lease_acquire\",\"id\":\"l1\",\"holder\":\"agent-a\",\"ttl_ms\":60000}");
      JsonNode lease = ctlA.expect("lease");
      assertEquals(1, lease.get("epoch").asLong());
      assertEquals("agent-a", lease.get("holder").asText());

      ctlB.send("{\"type\":\"lease_acquire\",\"holder\":\"agent-b\",\"ttl_ms\":60000}");
      assertEquals("lease_held", ctlB.expect("error").get("code").asText());
      ctlB.send("{\"type\":\"action\",\"action_id\":\"x\",\"holder\":\"agent-b\",\"epoch\":1,\"payload\":{}}");
      assertEquals("not_holder", ctlB.expect("error").get("code").asText());

      ctlA.send("{\"type\":\"action\",\"id\":\"r1\",\"action_id\":\"act-1\",\"epoch\":1,\"payload\":{\"key\":\"up\"}}");
      JsonNode accepted = ctlA.expect("action_accepted");
      assertEquals("pending", accepted.get("status").asText());
      assertFalse(accepted.get("duplicate").asBoolean());
      JsonNode action = host.expect("message");
      assertEquals("action", action.get("topic").asText());
      assertEquals("up", action.get("payload").get("key").asText());
      assertEquals("act-1", action.get("meta").get("action_id").asText());
      assertEquals(1, action.get("meta").get("epoch").asLong());

      host.send("{\"type\":\"ack\",\"id\":\"k1\",\"action_id\":\"act-1\",\"payload\":{\"ok\":true}}");
      assertFalse(host.expect("ack_accepted").get("duplicate").asBoolean());
      JsonNode ack = ctlA.expect("message");
      assertEquals("ack", ack.get("topic").asText());
      assertEquals("act-1", ack.get("meta").get("action_id").asText());
      assertTrue(ack.get("payload").get("ok").asBoolean());

      host.send("{\"type\":\"ack\",\"action_id\":\"act-1\"}");
      assertTrue(host.expect("ack_accepted").get("duplicate").asBoolean(), "a re-sent ack is a no-op");
      ctlA.send("{\"type\":\"action\",\"action_id\":\"act-1\",\"epoch\":1,\"payload\":{\"key\":\"up\"}}");
      JsonNode again = ctlA.expect("action_accepted");
      assertEquals("acked", again.get("status").asText());
      assertTrue(again.get("duplicate").asBoolean());
      assertTrue(host.poll(Duration.ofMillis(200)) == null, "an acknowledged action is not delivered again");

      ctlA.send("{\"type\":\"lease_release\",\"epoch\":1}");
      assertEquals(1, ctlA.expect("lease_released").get("epoch").asLong());
      ctlB.send("{\"type\":\"lease_acquire\",\"holder\":\"agent-b\",\"ttl_ms\":60000}");
      assertEquals(2, ctlB.expect("lease").get("epoch").asLong(), "a new holder gets a higher epoch");
      ctlA.send("{\"type\":\"action\",\"action_id\":\"act-2\",\"epoch\":1,\"payload\":{}}");
      assertEquals("stale_epoch", ctlA.expect("error").get("code").asText());

      host.send("{\"type\":\"action\",\"action_id\":\"act-3\",\"epoch\":2,\"payload\":{}}");
      assertEquals("forbidden", host.expect("error").get("code").asText());
    }
    String metrics = get("/metrics").body();
    assertTrue(metrics.contains("lifeguard_action_rejections_total{reason=\"stale_epoch\"}"), metrics);
    assertTrue(metrics.contains("lifeguard_acks_total"), metrics);
  }

  @Test
  void managerAgentsAttachWithTheirOwnRoleAndShareTheControllersLease() throws Exception {
    String id = hostId();
    try (BusClient host = attach(id, Role.HOST).subscribe("manager", "action");
        BusClient manager = attach(id, Role.MANAGER).subscribe("manager", "ack");
        BusClient controller = attach(id, Role.CONTROLLER)) {
      manager.send("{\"type\":\"lease_acquire\",\"holder\":\"manager-1\",\"ttl_ms\":60000}");
      assertEquals(1, manager.expect("lease").get("epoch").asLong());
      controller.send("{\"type\":\"lease_acquire\",\"holder\":\"ctl-1\",\"ttl_ms\":60000}");
      assertEquals("lease_held", controller.expect("error").get("code").asText(), "one lease for both kinds of driver");
      manager.send("{\"type\":\"action\",\"action_id\":\"m-1\",\"epoch\":1,\"payload\":{\"key\":\"go\"}}");
      assertEquals("pending", manager.expect("action_accepted").get("status").asText());
      JsonNode action = host.expect("message");
      assertEquals("m-1", action.get("meta").get("action_id").asText());
      assertEquals("manager", action.get("from").asText());
      host.send("{\"type\":\"ack\",\"action_id\":\"m-1\"}");
      host.expect("ack_accepted");
      assertEquals("m-1", manager.expect("message").get("meta").get("action_id").asText());
    }
  }

  @Test
  void inFlightActionsAreBoundedAndPendingOnesAreRedeliveredToAReattachingHost() throws Exception {
    String id = hostId();
    try (BusClient ctl = attach(id, Role.CONTROLLER)) {
      ctl.send("{\"type\":\"lease_acquire\",\"ttl_ms\":60000}");
      long epoch = ctl.expect("lease").get("epoch").asLong();
      for (int i = 1; i <= MAX_INFLIGHT; i++) {
        ctl.send("{\"type\":\"action\",\"action_id\":\"b-" + i + "\",\"epoch\":" + epoch + ",\"payload\":{\"n\":" + i + "}}");
        ctl.expect("action_accepted");
      }
      ctl.send("{\"type\":\"action\",\"id\":\"over\",\"action_id\":\"b-4\",\"epoch\":" + epoch + ",\"payload\":{}}");
      JsonNode busy = ctl.expect("error");
      assertEquals("busy", busy.get("code").asText());
      assertEquals("over", busy.get("id").asText());

      try (BusClient host = attach(id, Role.HOST)) {
        host.subscribe("manager", "action");
        for (int i = 1; i <= MAX_INFLIGHT; i++) {
          JsonNode m = host.expect("message");
          assertEquals("b-" + i, m.get("meta").get("action_id").asText());
          assertTrue(m.get("meta").get("redelivered").asBoolean());
        }
        host.send("{\"type\":\"ack\",\"action_id\":\"b-1\"}");
        host.expect("ack_accepted");
      }
      ctl.send("{\"type\":\"action\",\"action_id\":\"b-4\",\"epoch\":" + epoch + ",\"payload\":{}}");
      assertEquals("pending", ctl.expect("action_accepted").get("status").asText(), "an ack made room");
    }
    String metrics = get("/metrics").body();
    assertTrue(metrics.contains("lifeguard_action_rejections_total{reason=\"busy\"}"), metrics);
    assertTrue(metrics.contains("lifeguard_actions_inflight"), metrics);
  }

  @Test
  void debugAssignmentsListsEachHostWithItsNodeAndReason() throws Exception {
    String id = hostId();
    try (BusClient ctl = attach(id, Role.CONTROLLER)) {
      ctl.send("{\"type\":\"lease_acquire\",\"ttl_ms\":60000}");
      ctl.expect("lease");
    }
    JsonNode body = Json.MAPPER.readTree(get("/debug/assignments").body());
    JsonNode row = null;
    for (JsonNode a : body.get("assignments")) if (a.get("host_session_id").asText().equals(id)) row = a;
    assertNotNull(row, body.toString());
    assertEquals("pekko://lifeguard@127.0.0.1:" + node.clusterPort(), row.get("node").asText());
    assertEquals("hrw-rank-1", row.get("reason").asText());
    assertEquals(50, body.get("nodes").get(0).get("capacity").asInt());
  }
}
