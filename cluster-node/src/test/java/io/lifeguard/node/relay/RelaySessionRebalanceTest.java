package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Role;
import io.lifeguard.sharding.session.SessionEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;

/**
 * A session entity that moves while every node stays up: its shard is rebalanced towards a node
 * that joined. The restarted entity starts empty; before the fix nothing made the existing peers
 * join it again (they only re-joined when a member was removed), so a peer joining afterwards saw
 * only itself. Now the stopped entity asks its members to re-join, and the new joiner exchanges
 * frames with both existing peers, which never stopped exchanging with each other.
 */
class RelaySessionRebalanceTest {
  private static final int SESSIONS = 10;

  @Test
  void aNewJoinerSeesEveryMemberAfterTheSessionShardWasRebalanced() {
    Map<String, Object> config = new HashMap<>(RelayTokens.nodeConfig());
    // Rebalance rounds every second instead of every 10 s; the allocation strategy is Pekko's default.
    config.put("pekko.cluster.sharding.rebalance-interval", "1s");
    List<RawRelayClient> clients = new ArrayList<>();
    try (TestNode a = TestNode.start(config).awaitReady()) {
      // Every session starts on a, the only node: a holds all of their shards.
      List<String> sessions = new ArrayList<>();
      Map<String, RawRelayClient[]> peers = new HashMap<>();
      for (int i = 0; i < SESSIONS; i++) {
        String session = RelayTokens.newSessionId();
        RawRelayClient host = RawRelayClient.connect(a.wsUri("/ws"));
        RawRelayClient guest = RawRelayClient.connect(a.wsUri("/ws"));
        clients.add(host);
        clients.add(guest);
        host.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
        guest.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
        host.awaitRouteTo(guest);
        guest.awaitRouteTo(host);
        sessions.add(session);
        peers.put(session, new RawRelayClient[] {host, guest});
      }
      assertTrue(entitiesOn(a).containsAll(sessions), "every session entity runs on the only node");

      try (TestNode b = TestNode.startJoining(a, config).awaitReady()) {
        a.awaitMembers(2);
        b.awaitMembers(2);
        // The coordinator moves shards from a (10) towards b (0): wait until one of ours has left a.
        String moved = awaitOneMovedOffA(a, sessions);
        System.out.println("session " + moved + " was handed off from node a");
        RawRelayClient host = peers.get(moved)[0];
        RawRelayClient guest = peers.get(moved)[1];

        // A peer joining after the move, on the new node: it must reach both existing peers and
        // hear from both, through the entity's next incarnation.
        RawRelayClient joiner = RawRelayClient.connect(b.wsUri("/ws"));
        clients.add(joiner);
        joiner.hello(moved, RelayTokens.token(moved, Role.PARTICIPANT), Role.PARTICIPANT);
        joiner.awaitRouteTo(host);
        joiner.awaitRouteTo(guest);
        host.awaitRouteTo(joiner);
        guest.awaitRouteTo(joiner);
        host.awaitRouteTo(guest);
        guest.awaitRouteTo(host);
        assertTrue(entitiesOn(a).contains(moved) || entitiesOn(b).contains(moved),
            "the session's entity runs again on one of the nodes");
        // The existing peers re-joined because the stopped entity asked them (both are on a).
        assertTrue(RelayMetricsReader.value(scrape(a), "lifeguard_relay_rejoins_total", "trigger=\"entity_stopped\"") >= 2,
            "the handed-off entity's members re-joined on its request");
      }
    } finally {
      clients.forEach(RawRelayClient::close);
    }
  }

  private static String scrape(TestNode node) {
    try {
      return java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(node.uri("/metrics")).timeout(Duration.ofSeconds(5)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Polls a's shard region until one of {@code sessions} no longer has its entity there. */
  private static String awaitOneMovedOffA(TestNode a, List<String> sessions) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Set<String> onA = entitiesOn(a);
      for (String s : sessions) if (!onA.contains(s)) return s;
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    throw new AssertionError("no session shard was rebalanced off node a within 60 s");
  }

  /** The relay-session entities running on {@code node}, from its own shard region. */
  static Set<String> entitiesOn(TestNode node) {
    ShardRegion.CurrentShardRegionState state = AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
            ClusterSharding.get(node.system()).shardState(),
            replyTo -> new GetShardRegionState(SessionEntity.ENTITY_KEY, replyTo),
            Duration.ofSeconds(5), node.system().scheduler())
        .toCompletableFuture().join();
    Set<String> ids = new HashSet<>();
    for (ShardRegion.ShardState shard : state.getShards()) ids.addAll(shard.getEntityIds());
    return ids;
  }
}
