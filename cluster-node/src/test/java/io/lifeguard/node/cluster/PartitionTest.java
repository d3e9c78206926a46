package io.lifeguard.node.cluster;

import static io.lifeguard.node.testing.RelayTestClients.sendAndExpect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.cluster.RecordingController.Answer;
import io.lifeguard.node.testing.NamespacedNode;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenSigner;
import io.lifeguard.sharding.testing.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Network faults and a stall between real node processes: three nodes, each in its own network
 * namespace on a private bridge ({@link NamespaceCluster}), sharing PostgreSQL and Redis through
 * forwarders that do not cross that network. One cluster serves the scenarios in turn (a node that
 * exited is replaced before the next); each prints its timeline, in seconds after the fault, and
 * asserts behaviour with generous bounds only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PartitionTest {
  private static final OctetKeyPair KEY = Ed25519Keys.generate("partition");
  private static final TokenSigner SIGNER = new TokenSigner(KEY);
  /** Downing takes ~4-5 s with the shipped settings (ADR 0005); this bound only catches lost settings. */
  private static final Duration DOWNED_WITHIN = Duration.ofSeconds(30);
  /**
   * Shorter than the failure detector's margin plus TCP's first retransmissions: the link is back
   * before the 1.4 s retransmission, so traffic resumes before stable-after (2 s) could run out.
   */
  private static final Duration SHORT_CUT = Duration.ofMillis(1200);

  private static final List<FailoverTimeline.Milestone> RESOLVER = List.of(
      new FailoverTimeline.Milestone("marked unreachable", "Marking node as UNREACHABLE"),
      new FailoverTimeline.Milestone("resolver waits for stable-after", "SBR found unreachable members"),
      new FailoverTimeline.Milestone("resolver saw it heal", "SBR found all unreachable members healed"),
      new FailoverTimeline.Milestone("marked reachable again", "Marking node as REACHABLE"),
      new FailoverTimeline.Milestone("resolver downs", "SBR took decision"),
      new FailoverTimeline.Milestone("leader removes it", "Leader is removing"),
      new FailoverTimeline.Milestone("host shard allocated on the majority", "node_load_before="),
      new FailoverTimeline.Milestone("host entity recovered on the majority", "host recovered:"));
  private static final List<FailoverTimeline.Milestone> OWN_END = List.of(
      new FailoverTimeline.Milestone("it marks the others unreachable", "Marking node as UNREACHABLE"),
      new FailoverTimeline.Milestone("its resolver downs", "SBR took decision"),
      new FailoverTimeline.Milestone("it learns it is quarantined", "quarantined"),
      new FailoverTimeline.Milestone("it runs coordinated shutdown", "Running CoordinatedShutdown"),
      new FailoverTimeline.Milestone("it shuts down", "Shutting down remote daemon"));

  private NamespaceCluster cluster;

  @BeforeAll
  void startCluster() throws Exception {
    TestPostgres.ensureDatabase();
    cluster = NamespaceCluster.start(3, Map.of(
        "LIFEGUARD_SIGNING_JWK", KEY.toJSONString(),
        "LIFEGUARD_ADMIN_TOKENS", AdminHttp.adminTokensEnv(),
        "LIFEGUARD_REDIS_URL", "redis://127.0.0.1:6379",
        "LIFEGUARD_JDBC_URL", TestPostgres.URL,
        "LIFEGUARD_JDBC_USER", TestPostgres.USER));
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  /**
   * Node 2 is cut off for {@link #SHORT_CUT}, less than the resolver's stable-after: nobody is
   * downed, both relay clients keep their connections, and a frame sent during the cut arrives.
   */
  @Test
  @Order(1)
  void aPartitionThatHealsBeforeTheResolverActsDownsNobody() throws Exception {
    cluster.ensureUp();
    NamespacedNode cutOff = cluster.node(2);
    NamespacedNode majority = cluster.node(0);
    String session = "short-cut-" + UUID.randomUUID();
    try (ObservedClient far = ObservedClient.connect("client@node2", SIGNER, session, Role.HOST,
            List.of(cutOff.wsUri("/ws"), majority.wsUri("/ws")));
        ObservedClient near = ObservedClient.connect("client@node0", SIGNER, session, Role.PARTICIPANT,
            List.of(majority.wsUri("/ws")))) {
      sendAndExpect(far.client, near.inbox, "before", Duration.ofSeconds(20));
      sendAndExpect(near.client, far.inbox, "before-reply", Duration.ofSeconds(20));

      Instant cutWall = Instant.now();
      long cutAt = System.nanoTime();
      far.mark(cutAt);
      near.mark(cutAt);
      cluster.network().cut(2);
      far.client.send("sent-during-cut".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      // The fault's length is the scenario, not a wait for something to happen.
      LockSupport.parkNanos(cutAt + SHORT_CUT.toNanos() - System.nanoTime());
      cluster.network().heal(2);
      double healed = seconds(cutAt);
      String duringCut = near.inbox.poll(20, TimeUnit.SECONDS);
      double delivered = seconds(cutAt);
      NamespacedNode.awaitMembersUp(cluster.nodes(), 3, Duration.ofSeconds(30));
      double settled = seconds(cutAt);
      sendAndExpect(far.client, near.inbox, "after", Duration.ofSeconds(20));
      sendAndExpect(near.client, far.inbox, "after-reply", Duration.ofSeconds(20));

      System.out.printf("short partition: node 2 cut off, then healed%n"
              + "  %6.2f s  link healed%n"
              + "  %6.2f s  frame sent by node 2's client during the cut delivered on node 0%n"
              + "  %6.2f s  all three report 3 Up, none unreachable%n%s%s%s",
          healed, delivered, settled, FailoverTimeline.describeLogs(cutWall, cluster.logs(), RESOLVER),
          far.events(), near.events());
      assertEquals("sent-during-cut", duringCut, "a frame sent during a short cut is delayed, not lost");
      assertNull(far.firstClose(), "the cut-off node's client kept its connection");
      assertNull(near.firstClose(), "the majority's client kept its connection");
      assertTrue(cluster.nodes().stream().allMatch(NamespacedNode::isAlive), "no node exited");
      assertEquals(0, cluster.count(cutWall, "SBR took decision"), "the resolver took no decision");
    }
  }

  /**
   * Node 1 is stopped (SIGSTOP) until the others have downed and removed it, then resumed: it
   * finds itself out of the cluster and exits by itself; its relay client is moved to a survivor.
   */
  @Test
  @Order(2)
  void aStalledNodeIsDownedAndExitsWhenItResumes() throws Exception {
    cluster.ensureUp();
    NamespacedNode stalled = cluster.node(1);
    String session = "stall-" + UUID.randomUUID();
    try (ObservedClient frozen = ObservedClient.connect("client@node1", SIGNER, session, Role.HOST,
            List.of(stalled.wsUri("/ws"), cluster.node(0).wsUri("/ws"), cluster.node(2).wsUri("/ws")));
        ObservedClient other = ObservedClient.connect("client@node0", SIGNER, session, Role.PARTICIPANT,
            List.of(cluster.node(0).wsUri("/ws")))) {
      sendAndExpect(frozen.client, other.inbox, "before", Duration.ofSeconds(20));
      sendAndExpect(other.client, frozen.inbox, "before-reply", Duration.ofSeconds(20));

      Instant stopWall = Instant.now();
      long stopAt = System.nanoTime();
      frozen.mark(stopAt);
      other.mark(stopAt);
      stalled.pause();
      NamespacedNode.awaitMembersUp(cluster.others(1), 2, DOWNED_WITHIN);
      double removed = seconds(stopAt);
      stalled.resume();
      double resumed = seconds(stopAt);
      CompletableFuture<Double> exchanging = CompletableFuture.supplyAsync(() -> exchangeAgain(frozen, other, stopAt));
      int exitCode = stalled.awaitExit(Duration.ofSeconds(30));
      double exited = stalled.exitedSecondsAfter(stopAt);
      double back = exchanging.get(40, TimeUnit.SECONDS);

      System.out.printf("node stall: SIGSTOP node 1 until the others removed it, then SIGCONT%n"
              + "  %6.2f s  both others report 2 Up, none unreachable%n"
              + "  %6.2f s  SIGCONT%n"
              + "  %6.2f s  the stalled node's client exchanging again on a survivor%n"
              + "  %6.2f s  the stalled node exited by itself with code %d%n%s"
              + "  the stalled node's own view, after SIGCONT:%n%s%s%s",
          removed, resumed, back, exited, exitCode,
          FailoverTimeline.describeLogs(stopWall, List.of(cluster.node(0).log(), cluster.node(2).log()), RESOLVER),
          FailoverTimeline.describeLogs(stopWall, List.of(stalled.log()), OWN_END), frozen.events(), other.events());
      assertNotNull(frozen.firstClose(), "the stalled node's client was disconnected, and then moved");
      assertNull(other.firstClose(), "the survivor's client kept its connection");
    }
  }

  /**
   * Node 2 runs a host whose controller holds the lease through node 2, and has a relay client;
   * then node 2 is cut off for good. The majority downs it and takes the host over, node 2's relay
   * client moves to the majority, the lease is never held by two controllers at once (the new
   * holder gets it only after the isolated side's last renewal expired, and the old epoch is then
   * refused with {@code stale_epoch}), the pending action survives, and node 2 exits by itself
   * without rejoining after the link is healed.
   */
  @Test
  @Order(3)
  void anIsolatedNodeIsDownedItsClientsMoveAndNoLeaseIsGrantedTwice() throws Exception {
    cluster.ensureUp();
    NamespacedNode isolated = cluster.node(2);
    NamespacedNode majority = cluster.node(0);
    String host = cluster.hostPlacedOn(2);
    String session = "partition-" + UUID.randomUUID();
    Duration ttl = Duration.ofSeconds(3);
    try (RecordingController old = RecordingController.connect("ctl-a@node2", SIGNER, isolated, host, "ctl-a");
        RecordingController next = RecordingController.connect("ctl-b@node0", SIGNER, majority, host, "ctl-b");
        ObservedClient far = ObservedClient.connect("client@node2", SIGNER, session, Role.HOST,
            List.of(isolated.wsUri("/ws"), majority.wsUri("/ws"), cluster.node(1).wsUri("/ws")));
        ObservedClient near = ObservedClient.connect("client@node0", SIGNER, session, Role.PARTICIPANT,
            List.of(majority.wsUri("/ws")))) {
      Answer first = old.acquire(ttl, Duration.ofSeconds(10));
      assertTrue(first.isLease(), first.toString());
      long epoch = first.epoch();
      assertEquals("action_accepted", old.action("act-1", epoch, Duration.ofSeconds(10)).type());
      assertEquals(2, cluster.holderOf(majority, host), "the host entity runs on the node to be isolated");
      sendAndExpect(far.client, near.inbox, "before", Duration.ofSeconds(20));
      sendAndExpect(near.client, far.inbox, "before-reply", Duration.ofSeconds(20));
      old.keepRenewing(epoch, ttl, Duration.ofSeconds(1));

      Instant cutWall = Instant.now();
      long cutAt = System.nanoTime();
      for (RecordingController c : List.of(old, next)) c.mark(cutAt);
      far.mark(cutAt);
      near.mark(cutAt);
      cluster.network().cut(2);
      CompletableFuture<Double> moved = CompletableFuture.supplyAsync(() -> exchangeAgain(far, near, cutAt));
      // Overlapping admin queries, as in HostFailoverTest: when the host entity answers on the majority.
      CompletableFuture<String> hostBack = CompletableFuture.supplyAsync(() -> {
        try {
          var answer = AdminHttp.firstOk(majority.uri("/v1/admin/hosts/" + host), Duration.ofMillis(100), Duration.ofSeconds(40));
          return answer == null ? "never" : String.format("%.2f s, lease %s", seconds(cutAt),
              io.lifeguard.node.http.Json.MAPPER.readTree(answer.body()).get("lease"));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // The link comes back as soon as the majority has removed node 2: whatever still runs there
      // could then try to rejoin.
      double[] healedAt = new double[1];
      CompletableFuture<Double> removedAt = CompletableFuture.supplyAsync(() -> {
        NamespacedNode.awaitMembersUp(cluster.others(2), 2, DOWNED_WITHIN);
        double removedSeconds = seconds(cutAt);
        cluster.network().heal(2);
        healedAt[0] = seconds(cutAt);
        return removedSeconds;
      });

      Answer granted = null;
      long deadline = cutAt + TimeUnit.SECONDS.toNanos(60);
      while (granted == null && System.nanoTime() < deadline) {
        Answer a = next.acquire(Duration.ofSeconds(60), Duration.ofSeconds(7));
        if (a.isLease()) granted = a;
        else LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
      double removed = removedAt.get(DOWNED_WITHIN.toSeconds() + 5, TimeUnit.SECONDS);
      double healed = healedAt[0];
      int exitCode = isolated.awaitExit(Duration.ofSeconds(60));
      double exited = isolated.exitedSecondsAfter(cutAt);
      double clientMoved = moved.get(60, TimeUnit.SECONDS);
      String hostAnswered = hostBack.get(45, TimeUnit.SECONDS);
      boolean rejoined = watchForRejoin(isolated, Duration.ofSeconds(3));

      System.out.printf("partition: node 2 (host entity, lease holder's bus, a relay client) cut off for good%n"
              + "  %6.2f s  node 2's relay client exchanging on the majority%n"
              + "  host answers the admin API on the majority (polled every 100 ms) at %s%n"
              + "  %6.2f s  new controller, asking one request at a time on its bus, granted the lease (%s)%n"
              + "  %6.2f s  both majority nodes report 2 Up, none unreachable; link healed at %.2f s%n"
              + "  %6.2f s  node 2 exited by itself with code %d%n%s  node 2's own view:%n%s%s%s%s%s",
          clientMoved, hostAnswered, granted == null ? -1 : granted.at(cutAt),
          granted == null ? "never" : "epoch " + granted.epoch(), removed, healed, exited, exitCode,
          FailoverTimeline.describeLogs(cutWall, List.of(majority.log(), cluster.node(1).log()), RESOLVER),
          FailoverTimeline.describeLogs(cutWall, List.of(isolated.log()), OWN_END),
          far.events(), near.events(), old.describe(), next.describe());

      assertNotNull(granted, "the majority granted the lease to a new controller once it expired");
      assertLeaseNeverHeldTwice(old.answers(), granted, epoch);
      try (RecordingController late = RecordingController.connect("ctl-a@node0", SIGNER, majority, host, "ctl-a")) {
        Answer stale = late.action("act-2", epoch, Duration.ofSeconds(10));
        assertEquals("stale_epoch", stale.code(), "the old holder's epoch is fenced: " + stale.describe(cutAt));
      }
      JsonNode status = AdminHttp.json(AdminHttp.get(majority.uri("/v1/admin/hosts/" + host)));
      assertEquals("ctl-b", status.get("lease").get("holder").asText(), status.toString());
      assertEquals("[\"act-1\"]", status.get("pending_action_ids").toString(), "the pending action survived");
      assertFalse(rejoined, "the isolated node did not come back after the heal");
    }
  }

  /** The isolated side's grants all carry the old epoch and end before the new holder's begins. */
  private static void assertLeaseNeverHeldTwice(List<Answer> oldSide, Answer granted, long oldEpoch) {
    Instant grantedAt = granted.expiresAt().minus(Duration.ofSeconds(60));
    assertTrue(granted.epoch() > oldEpoch, "a new holder gets a new epoch");
    for (Answer a : oldSide) {
      if (!a.isLease()) continue;
      assertEquals(oldEpoch, a.epoch(), "the old holder only ever renewed its own epoch");
      assertFalse(a.expiresAt().isAfter(grantedAt),
          "the old holder's lease (until " + a.expiresAt() + ") ended before the new one began (" + grantedAt + ")");
    }
  }

  /** Sends both ways between the two clients until it works; seconds after {@code t0}. */
  private static double exchangeAgain(ObservedClient moving, ObservedClient staying, long t0) {
    try {
      sendAndExpect(moving.client, staying.inbox, "after-fault", Duration.ofSeconds(45));
      sendAndExpect(staying.client, moving.inbox, "after-fault-reply", Duration.ofSeconds(15));
      return seconds(t0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Whether, within {@code window}, the majority lists the isolated node again or sees an unreachable member. */
  private boolean watchForRejoin(NamespacedNode isolated, Duration window) throws Exception {
    long end = System.nanoTime() + window.toNanos();
    while (System.nanoTime() < end) {
      for (NamespacedNode n : cluster.others(2)) {
        JsonNode health = n.health();
        if (health == null || health.get("cluster_members_up").asInt() != 2 || health.get("cluster_unreachable").asInt() != 0) {
          return true;
        }
      }
      JsonNode members = AdminHttp.json(AdminHttp.get(cluster.node(0).uri("/v1/admin/cluster"))).get("members");
      for (JsonNode m : members) if (m.get("address").asText().equals(isolated.clusterAddress())) return true;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    return false;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
