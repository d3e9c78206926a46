package io.lifeguard.node.cluster;

import static io.lifeguard.node.testing.RelayTestClients.sendAndExpect;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.NodeProcess;
import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.protocol.Frame;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three node processes; a relay session with one peer on each; SIGKILL the node that holds the
 * session's entity. The survivors keep exchanging frames, the entity re-forms on a survivor, and
 * the client that lost its node reconnects elsewhere through the client library and rejoins.
 */
class RelayFailoverTest {
  private static final OctetKeyPair KEY = Ed25519Keys.generate("failover");
  private static final TokenSigner SIGNER = new TokenSigner(KEY);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void killingTheNodeThatHoldsASessionLosesNoSession() throws Exception {
    List<NodeProcess> nodes = new ArrayList<>();
    List<LifeguardClient> clients = new ArrayList<>();
    try {
      NodeProcess first = NodeProcess.start(env(null));
      nodes.add(first);
      nodes.add(NodeProcess.start(env(first.seed())));
      nodes.add(NodeProcess.start(env(first.seed())));
      for (NodeProcess n : nodes) n.awaitReady(Duration.ofSeconds(90));
      NodeProcess.awaitMembersUp(nodes, 3);

      String session = "failover-" + UUID.randomUUID();
      List<LinkedBlockingQueue<String>> inboxes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        LinkedBlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        inboxes.add(inbox);
        // Each client prefers its own node and falls back to the others in order.
        List<URI> urls = new ArrayList<>();
        for (int k = 0; k < 3; k++) urls.add(nodes.get((i + k) % 3).wsUri("/ws"));
        LifeguardClient client = client(session, i == 0 ? Role.HOST : Role.PARTICIPANT, urls, inbox);
        client.connect().get(20, TimeUnit.SECONDS);
        clients.add(client);
      }
      exchange(clients, inboxes, "before");

      int holder = entityHolder(nodes);
      System.out.println("session entity on node " + holder + "; killing it with SIGKILL");
      long killedAt = System.nanoTime();
      nodes.get(holder).kill();

      // Peers on the survivors keep talking while the cluster decides the node is gone.
      List<Integer> survivors = new ArrayList<>();
      for (int i = 0; i < 3; i++) if (i != holder) survivors.add(i);
      sendAndExpect(clients.get(survivors.get(0)), inboxes.get(survivors.get(1)), "survivors-talk", Duration.ofSeconds(5));

      // The client of the dead node reconnects to another node and rejoins: everyone hears it.
      try {
        sendAndExpect(clients.get(holder), inboxes.get(survivors.get(0)), "rejoined", Duration.ofSeconds(45));
      } catch (AssertionError e) {
        for (int i : survivors) System.out.println("---- node " + i + " log\n" + nodes.get(i).log());
        throw e;
      }
      System.out.printf("relay failover: moved client heard again %.1f s after SIGKILL%n", (System.nanoTime() - killedAt) / 1e9);

      // After the dead node is removed, the session entity lives on a survivor and all three talk.
      NodeProcess.awaitMembersUp(List.of(nodes.get(survivors.get(0)), nodes.get(survivors.get(1))), 2);
      for (LinkedBlockingQueue<String> inbox : inboxes) inbox.clear();
      exchange(clients, inboxes, "after");
      System.out.printf("relay failover: full exchange restored %.1f s after SIGKILL%n", (System.nanoTime() - killedAt) / 1e9);
    } finally {
      clients.forEach(LifeguardClient::close);
      nodes.forEach(NodeProcess::close);
    }
  }

  private static Map<String, String> env(String seed) {
    return Map.of(
        "LIFEGUARD_SIGNING_JWK", KEY.toJSONString(),
        "LIFEGUARD_SEED_NODES", seed == null ? "" : seed,
        "LIFEGUARD_REDIS_URL", "");
  }

  /** Every client sends one frame; every other client must receive it. */
  private static void exchange(List<LifeguardClient> clients, List<LinkedBlockingQueue<String>> inboxes, String tag)
      throws Exception {
    for (int sender = 0; sender < clients.size(); sender++) {
      for (int receiver = 0; receiver < clients.size(); receiver++) {
        if (receiver == sender) continue;
        sendAndExpect(clients.get(sender), inboxes.get(receiver), tag + "-" + sender, Duration.ofSeconds(20));
      }
    }
  }

  private static int entityHolder(List<NodeProcess> nodes) throws Exception {
    for (int i = 0; i < nodes.size(); i++) {
      JsonNode stats = Json.MAPPER.readTree(get(nodes.get(i).uri("/debug/stats")));
      if (stats.get("session_entities_on_node").asInt() > 0) return i;
    }
    throw new AssertionError("no node reports the session entity");
  }

  private static String get(URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static LifeguardClient client(String session, Role role, List<URI> urls, LinkedBlockingQueue<String> inbox) {
    return RelayTestClients.builder(SIGNER, session, role, urls)
        .listener(new ClientListener() {
          @Override
          public void onFrame(Frame frame) {
            inbox.add(new String(frame.body(), StandardCharsets.UTF_8));
          }

          @Override
          public void onConnected(io.lifeguard.protocol.ServerHello hello) {
            System.out.println(Instant.now() + " " + role + " connected as " + hello.peerId());
          }

          @Override
          public void onClose(io.lifeguard.protocol.CloseReason reason) {
            System.out.println(Instant.now() + " " + role + " closed: " + reason);
          }

          @Override
          public void onReconnecting(int attempt, Duration delay) {
            System.out.println(Instant.now() + " " + role + " reconnecting, attempt " + attempt + " in " + delay);
          }
        })
        .build();
  }

}
