package io.lifeguard.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.host.BusClient;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.NodeProcess;
import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenSigner;
import io.lifeguard.sharding.assignment.RendezvousAssignment;
import io.lifeguard.sharding.testing.TestPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Three node processes over one PostgreSQL journal. A controller takes a host's lease and submits
 * actions over the bus, the host acknowledges one; then the node running the host entity, chosen
 * to be the oldest so the shard coordinator moves as well (the slowest case), is SIGKILLed. A
 * survivor's admin API answers within {@link #WITHIN} with the same lease (holder, epoch) and the
 * same pending actions, and re-sending the acknowledged action is answered from the journal, not
 * applied again. The time printed is when the first of the overlapping status requests was
 * answered, with where the time went according to the survivors' logs.
 */
class HostFailoverTest {
  private static final OctetKeyPair KEY = Ed25519Keys.generate("host-failover");
  private static final TokenSigner SIGNER = new TokenSigner(KEY);
  private static final String JDBC = TestPostgres.URL;
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** A new status request this often while the host is away; the figure is no coarser than this. */
  private static final Duration POLL_EVERY = Duration.ofMillis(100);
  /** Twice the aim (10 s): Pekko's defaults (~47 s) or a lost setting fail here, machine noise does not. */
  private static final Duration WITHIN = Duration.ofSeconds(20);
  private static final String RENEW = "{\"type\":\"lease_renew\",\"holder\":\"agent-a\",\"epoch\":1,\"ttl_ms\":120000}";

  @Test
  void killingTheNodeOfAHostKeepsItsLeaseAndActions() throws Exception {
    TestPostgres.ensureDatabase();
    List<NodeProcess> nodes = new ArrayList<>();
    try {
      NodeProcess first = NodeProcess.start(env(null));
      nodes.add(first);
      nodes.add(NodeProcess.start(env(first.seed())));
      nodes.add(NodeProcess.start(env(first.seed())));
      for (NodeProcess n : nodes) n.awaitReady(Duration.ofSeconds(60));
      NodeProcess.awaitMembersUp(nodes, 3);

      String host = hostPlacedOn(nodes.get(0), nodes);
      int holder;
      try (BusClient controller = bus(nodes.get(0), host, Role.CONTROLLER);
          BusClient harness = bus(nodes.get(0), host, Role.HOST)) {
        harness.send("{\"type\":\"subscribe\",\"namespace\":\"manager\",\"topic\":\"action\"}").expectReply("subscribed");
        JsonNode lease = controller.send("{\"type\":\"lease_acquire\",\"holder\":\"agent-a\",\"ttl_ms\":120000}").expectReply("lease");
        assertEquals(1, lease.get("epoch").asLong());
        for (String id : List.of("act-1", "act-2", "act-3")) {
          controller.send("{\"type\":\"action\",\"action_id\":\"" + id + "\",\"epoch\":1,\"payload\":{\"n\":\"" + id + "\"}}")
              .expectReply("action_accepted");
        }
        assertEquals("act-1", harness.expect("message").get("meta").get("action_id").asText());
        harness.send("{\"type\":\"ack\",\"action_id\":\"act-1\",\"payload\":{\"ok\":true}}").expectReply("ack_accepted");
        holder = holderOf(nodes.get(0), host, nodes);
      }
      assertEquals(0, holder, "rendezvous placed the host on the oldest node");
      JsonNode before = AdminHttp.json(AdminHttp.get(nodes.get((holder + 1) % 3).uri("/v1/admin/hosts/" + host)));
      assertEquals("[\"act-2\",\"act-3\"]", before.get("pending_action_ids").toString(), before.toString());

      NodeProcess survivor = nodes.get((holder + 1) % 3);
      // A controller attached through a survivor keeps renewing across the crash, as a real one would.
      BusClient renewing = bus(survivor, host, Role.CONTROLLER);
      renewing.send(RENEW).expectReply("lease");
      System.out.println("host entity on node " + holder + "; SIGKILL");
      Instant killedWall = Instant.now();
      long killedAt = System.nanoTime();
      nodes.get(holder).kill();
      List<NodeProcess> survivors = List.of(survivor, nodes.get((holder + 2) % 3));
      List<String> refusals = new ArrayList<>();
      double renewedAfter = -1;
      while (System.nanoTime() - killedAt < WITHIN.toNanos()) {
        JsonNode reply = renewing.send(RENEW).expectReply(null);
        if ("lease".equals(reply.path("type").asText())) {
          renewedAfter = (System.nanoTime() - killedAt) / 1e9;
          break;
        }
        refusals.add(String.format("%s at %.1f s", reply.path("code").asText(), (System.nanoTime() - killedAt) / 1e9));
      }
      renewing.close();
      System.out.printf("host failover: controller renewed its lease through a survivor %.1f s after SIGKILL (refused before: %s)%n",
          renewedAfter, refusals);
      assertTrue(renewedAfter > 0, "the controller renewed within " + WITHIN + "; refusals " + refusals);
      HttpResponse<String> answer = AdminHttp.firstOk(survivor.uri("/v1/admin/hosts/" + host), POLL_EVERY, WITHIN);
      double seconds = (System.nanoTime() - killedAt) / 1e9;
      if (answer == null) {
        throw new AssertionError("host entity did not answer on a survivor within " + WITHIN + "\n"
            + FailoverTimeline.describe(killedWall, survivors, FailoverTimeline.CRASH) + survivor.logTail());
      }
      JsonNode after = Json.MAPPER.readTree(answer.body());
      System.out.printf("host failover: host entity answered on a survivor %.1f s after SIGKILL (polled every %d ms)%n%s",
          seconds, POLL_EVERY.toMillis(), FailoverTimeline.describe(killedWall, survivors, FailoverTimeline.CRASH));

      assertEquals("agent-a", after.get("lease").get("holder").asText(), after.toString());
      assertEquals(1, after.get("lease").get("epoch").asLong());
      assertEquals(2, after.get("inflight_actions").asInt());
      assertEquals(before.get("pending_action_ids"), after.get("pending_action_ids"));
      int moved = holderOf(survivor, host, nodes);
      assertTrue(moved != holder, "the host moved to a survivor");

      try (BusClient controller = bus(survivor, host, Role.CONTROLLER);
          BusClient harness = bus(survivor, host, Role.HOST)) {
        harness.send("{\"type\":\"subscribe\",\"namespace\":\"manager\",\"topic\":\"action\"}").expectReply("subscribed");
        JsonNode again = controller.send("{\"type\":\"action\",\"action_id\":\"act-1\",\"holder\":\"agent-a\",\"epoch\":1,\"payload\":{}}")
            .expectReply("action_accepted");
        assertEquals("acked", again.get("status").asText(), again.toString());
        assertTrue(again.get("duplicate").asBoolean());
        List<String> redelivered = new ArrayList<>();
        for (JsonNode stray = harness.poll(Duration.ofMillis(500)); stray != null; stray = harness.poll(Duration.ofMillis(200))) {
          assertFalse("act-1".equals(stray.path("meta").path("action_id").asText()),
              "an acknowledged action is not delivered again: " + stray);
          if (stray.path("meta").path("redelivered").asBoolean()) redelivered.add(stray.path("meta").path("action_id").asText());
        }
        assertEquals(List.of("act-2", "act-3"), redelivered, "the pending actions reach the re-attached host");
        JsonNode lease = controller.send("{\"type\":\"lease_acquire\",\"holder\":\"agent-b\",\"ttl_ms\":60000}").expectReply("error");
        assertEquals("lease_held", lease.get("code").asText(), "the lease survived the crash");
      }
    } finally {
      nodes.forEach(NodeProcess::close);
    }
  }

  private static Map<String, String> env(String seed) {
    return Map.of(
        "LIFEGUARD_SIGNING_JWK", KEY.toJSONString(),
        "LIFEGUARD_ADMIN_TOKENS", AdminHttp.adminTokensEnv(),
        "LIFEGUARD_SEED_NODES", seed == null ? "" : seed,
        "LIFEGUARD_REDIS_URL", "",
        "LIFEGUARD_JDBC_URL", JDBC,
        "LIFEGUARD_JDBC_USER", "postgres");
  }

  /**
   * A host id that rendezvous hashing places on {@code target}. The test uses the oldest node, which
   * also runs the shard coordinator: killing it moves the coordinator too, the slowest failover.
   */
  private static String hostPlacedOn(NodeProcess target, List<NodeProcess> nodes) {
    List<String> members = nodes.stream().map(n -> "pekko://lifeguard@127.0.0.1:" + n.clusterPort()).toList();
    String wanted = "pekko://lifeguard@127.0.0.1:" + target.clusterPort();
    while (true) {
      String host = "host-" + UUID.randomUUID();
      if (RendezvousAssignment.rank(host, members).get(0).equals(wanted)) return host;
    }
  }

  /** Index of the node running the host entity, from /debug/assignments. */
  private static int holderOf(NodeProcess asking, String host, List<NodeProcess> nodes) throws Exception {
    JsonNode assignments = Json.MAPPER.readTree(HTTP.send(java.net.http.HttpRequest.newBuilder(asking.uri("/debug/assignments")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    for (JsonNode row : assignments.get("assignments")) {
      if (!row.get("host_session_id").asText().equals(host)) continue;
      for (int i = 0; i < nodes.size(); i++) {
        if (row.get("node").asText().endsWith(":" + nodes.get(i).clusterPort())) return i;
      }
    }
    throw new AssertionError("host " + host + " not in " + assignments);
  }

  private static BusClient bus(NodeProcess node, String host, Role role) throws Exception {
    return BusClient.connect(node.wsUri("/v1/hosts/" + host + "/bus?token=" + RelayTestClients.token(SIGNER, host, role, "test")));
  }

}
