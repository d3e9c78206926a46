package io.lifeguard.node.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.sharding.assignment.RendezvousAssignment;
import io.lifeguard.sharding.host.HostEntity;
import io.lifeguard.sharding.testing.TestPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two real nodes in one cluster (in this JVM, sharing a PostgreSQL journal): sharding places each
 * host where rendezvous hashing says, a full node passes hosts to the next in hash order, and
 * {@code /debug/assignments} on either node reports the same placement with reasons.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodeAssignmentTest {
  private static final int CAPACITY = 3;
  private final HttpClient http = HttpClient.newHttpClient();
  private TestNode first;
  private TestNode second;

  @BeforeAll
  void start() throws Exception {
    TestPostgres.ensureDatabase();
    Map<String, Object> shared = Map.of(
        "lifeguard.jdbc.url", TestPostgres.URL,
        "lifeguard.jdbc.user", "postgres",
        "lifeguard.manager.capacity", CAPACITY);
    first = TestNode.start(shared).awaitReady();
    second = TestNode.startJoining(first, shared).awaitReady();
    first.awaitMembers(2);
  }

  @AfterAll
  void stop() {
    if (second != null) second.close();
    if (first != null) first.close();
  }

  @Test
  void shardingPlacesHostsByRendezvousWithCapacity() throws Exception {
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < 2 * CAPACITY; i++) hosts.add("host-" + UUID.randomUUID());
    var sharding = ClusterSharding.get(second.system());
    for (String host : hosts) {
      sharding.entityRefFor(HostEntity.ENTITY_KEY, host)
          .<HostEntity.HostStatus>askWithStatus(HostEntity.GetStatus::new, Duration.ofSeconds(10))
          .toCompletableFuture().get(15, java.util.concurrent.TimeUnit.SECONDS);
    }
    JsonNode fromFirst = assignments(first);
    JsonNode fromSecond = assignments(second);
    List<String> members = List.of(address(first), address(second));
    Map<String, Integer> load = new HashMap<>();
    int placed = 0;
    for (JsonNode row : fromFirst.get("assignments")) {
      String host = row.get("host_session_id").asText();
      if (!hosts.contains(host)) continue;
      placed++;
      String node = row.get("node").asText();
      load.merge(node, 1, Integer::sum);
      String reason = row.get("reason").asText();
      List<String> ranked = RendezvousAssignment.rank(host, members);
      if (ranked.get(0).equals(node)) {
        assertEquals("hrw-rank-1", reason);
      } else {
        assertEquals("capacity-overflow-rank-2", reason, "a host left its first choice although it had room");
      }
    }
    assertEquals(hosts.size(), placed, fromFirst.toString());
    for (int hostsOnNode : load.values()) assertTrue(hostsOnNode <= CAPACITY, "capacity exceeded: " + load);
    assertEquals(fromFirst.get("assignments"), fromSecond.get("assignments"), "both nodes report the same placement");
  }

  private static String address(TestNode node) {
    return "pekko://lifeguard@127.0.0.1:" + node.clusterPort();
  }

  private JsonNode assignments(TestNode node) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(node.uri("/debug/assignments")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return Json.MAPPER.readTree(response.body());
  }
}
