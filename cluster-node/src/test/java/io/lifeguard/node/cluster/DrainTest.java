package io.lifeguard.node.cluster;

import static io.lifeguard.node.testing.RelayTestClients.sendAndExpect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.host.BusClient;
import io.lifeguard.node.testing.NodeProcess;
import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import io.lifeguard.protocol.client.ClientListener;
import io.lifeguard.protocol.client.LifeguardClient;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenSigner;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import io.lifeguard.protocol.token.TokenClaims;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two node processes; an operator drains the one a relay client is on through the other node's
 * admin API. The client hears SERVER_SHUTDOWN, the client library moves it to the other node and
 * frames flow again; the drained process stops being ready, leaves the cluster and exits 0.
 */
class DrainTest {
  private static final OctetKeyPair KEY = Ed25519Keys.generate("drain");
  private static final TokenSigner SIGNER = new TokenSigner(KEY);

  @Test
  void drainingANodeMovesItsClientsAndExitsZero() throws Exception {
    NodeProcess drained = NodeProcess.start(env(null));
    NodeProcess other = NodeProcess.start(env(drained.seed()));
    LifeguardClient moving = null;
    LifeguardClient staying = null;
    try {
      drained.awaitReady(Duration.ofSeconds(60));
      other.awaitReady(Duration.ofSeconds(60));
      String session = "drain-" + UUID.randomUUID();
      LinkedBlockingQueue<String> atMoving = new LinkedBlockingQueue<>();
      LinkedBlockingQueue<String> atStaying = new LinkedBlockingQueue<>();
      CompletableFuture<CloseReason> movingClosed = new CompletableFuture<>();
      moving = client(session, Role.HOST, List.of(drained.wsUri("/ws"), other.wsUri("/ws")), atMoving, movingClosed);
      staying = client(session, Role.PARTICIPANT, List.of(other.wsUri("/ws")), atStaying, new CompletableFuture<>());
      moving.connect().get(20, TimeUnit.SECONDS);
      staying.connect().get(20, TimeUnit.SECONDS);
      sendAndExpect(moving, atStaying, "before", Duration.ofSeconds(20));
      String host = "drain-host-" + UUID.randomUUID();
      Instant now = Instant.now();
      BusClient bus = BusClient.connect(drained.wsUri("/v1/hosts/" + host + "/bus?token=" + SIGNER.sign(
          new TokenClaims(host, Role.VIEWER, now, now.plusSeconds(120), "test", 0, UUID.randomUUID().toString()))));

      HttpResponse<String> refused = AdminHttp.post(other.uri("/v1/admin/nodes/127.0.0.1:1/drain"), "{}");
      assertEquals(404, refused.statusCode(), refused.body());
      long drainAt = System.nanoTime();
      HttpResponse<String> accepted = AdminHttp.post(
          other.uri("/v1/admin/nodes/127.0.0.1:" + drained.clusterPort() + "/drain"), "{\"reason\":\"kernel upgrade\"}");
      assertEquals(202, accepted.statusCode(), accepted.body());
      JsonNode body = Json.MAPPER.readTree(accepted.body());
      assertEquals("pekko://lifeguard@127.0.0.1:" + drained.clusterPort(), body.get("address").asText());
      assertEquals(AdminHttp.ADMIN_ID, body.get("requested_by").asText());

      assertEquals(CloseReason.SERVER_SHUTDOWN, movingClosed.get(10, TimeUnit.SECONDS));
      assertNotEquals(200, AdminHttp.status(drained.uri("/ready")), "a draining node is not ready");
      sendAndExpect(moving, atStaying, "after-move", Duration.ofSeconds(30));
      sendAndExpect(staying, atMoving, "reply-after-move", Duration.ofSeconds(10));
      System.out.printf("drain: moved client exchanging again %.1f s after the drain request%n", (System.nanoTime() - drainAt) / 1e9);

      // Host-bus sockets are closed, not dropped: 1001, the client reconnects elsewhere.
      assertEquals(1001, bus.awaitClosedByServer(Duration.ofSeconds(30)));
      assertEquals(0, drained.awaitExit(Duration.ofSeconds(30)), drained.logTail());
      assertTrue(!drained.log().contains(" ERROR "), "no ERROR line while draining:\n" + drained.logTail());
      System.out.printf("drain: drained process exited 0 %.1f s after the drain request%n", (System.nanoTime() - drainAt) / 1e9);
      assertTrue(drained.log().contains("requested by admin '" + AdminHttp.ADMIN_ID + "' because 'kernel upgrade'"), drained.logTail());
      JsonNode cluster = AdminHttp.json(AdminHttp.get(other.uri("/v1/admin/cluster")));
      assertEquals(1, cluster.get("members").size(), cluster.toString());
      sendAndExpect(moving, atStaying, "after-exit", Duration.ofSeconds(20));
    } finally {
      if (moving != null) moving.close();
      if (staying != null) staying.close();
      drained.close();
      other.close();
    }
  }

  private static Map<String, String> env(String seed) {
    return Map.of(
        "LIFEGUARD_SIGNING_JWK", KEY.toJSONString(),
        "LIFEGUARD_ADMIN_TOKENS", AdminHttp.adminTokensEnv(),
        "LIFEGUARD_SEED_NODES", seed == null ? "" : seed,
        "LIFEGUARD_REDIS_URL", "");
  }

  private static LifeguardClient client(String session, Role role, List<URI> urls, LinkedBlockingQueue<String> inbox,
      CompletableFuture<CloseReason> firstClose) {
    return RelayTestClients.builder(SIGNER, session, role, urls)
        .listener(new ClientListener() {
          @Override
          public void onFrame(Frame frame) {
            inbox.add(new String(frame.body(), StandardCharsets.UTF_8));
          }

          @Override
          public void onConnected(ServerHello hello) {
            System.out.println(Instant.now() + " " + role + " connected as " + hello.peerId());
          }

          @Override
          public void onClose(CloseReason reason) {
            System.out.println(Instant.now() + " " + role + " closed: " + reason);
            firstClose.complete(reason);
          }
        })
        .build();
  }
}
