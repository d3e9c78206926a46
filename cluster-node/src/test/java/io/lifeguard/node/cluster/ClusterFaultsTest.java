package io.lifeguard.node.cluster;

import static io.lifeguard.node.cluster.FaultTimelines.OWN_END;
import static io.lifeguard.node.cluster.FaultTimelines.RESOLVER;
import static io.lifeguard.node.cluster.FaultTimelines.exchangeAgain;
import static io.lifeguard.node.cluster.FaultTimelines.seconds;
import static io.lifeguard.node.testing.RelayTestClients.sendAndExpect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.NodeExit;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.opentest4j.TestAbortedException;

/**
 * Faults between real node processes that a crash test does not cover: a short and a lasting
 * network partition, a stalled node (SIGSTOP) and a rolling restart. Three nodes, each in its own
 * network namespace on a private bridge ({@link NamespaceCluster}), share PostgreSQL and Redis
 * through forwarders that do not cross that network, so cutting a node's link separates it from
 * the other nodes only. One cluster serves the scenarios in turn (a node that exited is replaced
 * before the next; the lasting partition, whose node exits, comes last); each prints its timeline, in seconds after the fault, for
 * docs/operations/fault-matrix.md, and asserts behaviour with generous bounds only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultsTest {
  private static final OctetKeyPair KEY = Ed25519Keys.generate("cluster-faults");
  private static final TokenSigner SIGNER = new TokenSigner(KEY);
  /** Downing takes ~4-5 s with the shipped settings (ADR 0005); this bound only catches lost settings. */
  private static final Duration DOWNED_WITHIN = Duration.ofSeconds(30);
  /**
   * Shorter than the failure detector's margin plus TCP's first retransmissions: the link is back
   * before the 1.4 s retransmission, so traffic resumes before stable-after (2 s) could run out.
   */
  private static final Duration SHORT_CUT = Duration.ofMillis(1200);

  private NamespaceCluster cluster;
  private String unavailable;

  /**
   * Starts the cluster for the first scenario and replaces exited nodes before each later one.
   * Where namespaces cannot be made, every scenario is skipped with the reason (failed under
   * {@code LIFEGUARD_REQUIRE_TOOLS=1}).
   */
  @BeforeEach
  void threeNodesUp() throws Exception {
    if (unavailable != null) Assumptions.abort(unavailable);
    if (cluster == null) {
      TestPostgres.ensureDatabase();
      try {
        cluster = NamespaceCluster.start(3, Map.of(
            "LIFEGUARD_SIGNING_JWK", KEY.toJSONString(),
            "LIFEGUARD_ADMIN_TOKENS", AdminHttp.adminTokensEnv(),
            "LIFEGUARD_REDIS_URL", "redis://127.0.0.1:6379",
            "LIFEGUARD_JDBC_URL", TestPostgres.URL,
            "LIFEGUARD_JDBC_USER", TestPostgres.USER));
      } catch (TestAbortedException e) {
        unavailable = e.getMessage();
        throw e;
      }
    }
    cluster.ensureUp();
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
      // Skips repeats of the earlier frames that sendAndExpect may have sent.
      long deliveryDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      String duringCut = null;
      while (!"sent-during-cut".equals(duringCut) && System.nanoTime() < deliveryDeadline) {
        duringCut = near.inbox.poll(deliveryDeadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      }
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
   * finds itself out of the cluster and exits by itself with {@link NodeExit#DOWNED}; its relay
   * client is moved to a survivor.
   */
  @Test
  @Order(2)
  void aStalledNodeIsDownedAndExitsWhenItResumes() throws Exception {
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
      other.sendOnce("to-stalled");
      frozen.sendOnce("from-stalled");
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
              + "  %6.2f s  the stalled node exited by itself with code %d%n"
              + "  frame sent during the stall to its client: %s; from its client: %s%n%s"
              + "  the stalled node's own view, after SIGCONT:%n%s%s%s",
          removed, resumed, back, exited, exitCode, frozen.fate("to-stalled"), other.fate("from-stalled"),
          FailoverTimeline.describeLogs(stopWall, List.of(cluster.node(0).log(), cluster.node(2).log()), RESOLVER),
          FailoverTimeline.describeLogs(stopWall, List.of(stalled.log()), OWN_END), frozen.events(), other.events());
      assertNotNull(frozen.firstClose(), "the stalled node's client was disconnected, and then moved");
      assertEquals(NodeExit.DOWNED.code, exitCode, "a node the cluster downed says so: " + stalled.logTail());
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
  @Order(4)
  void anIsolatedNodeIsDownedItsClientsMoveAndNoLeaseIsGrantedTwice() throws Exception {
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
      near.sendOnce("to-isolated");
      far.sendOnce("from-isolated");
      CompletableFuture<Double> moved = CompletableFuture.supplyAsync(() -> exchangeAgain(far, near, cutAt));
      CompletableFuture<String> hostBack = FaultTimelines.hostAnswers(majority.uri("/v1/admin/hosts/" + host), cutAt);
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
              + "  %6.2f s  new controller on the majority granted the lease (%s)%n"
              + "  %6.2f s  both majority nodes report 2 Up, none unreachable; link healed at %.2f s%n"
              + "  %6.2f s  node 2 exited by itself with code %d%n"
              + "  frame sent right after the cut to node 2's client: %s; from it: %s%n%s  node 2's own view:%n%s%s%s%s%s",
          clientMoved, hostAnswered, granted == null ? -1 : granted.at(cutAt),
          granted == null ? "never" : "epoch " + granted.epoch(), removed, healed, exited, exitCode,
          far.fate("to-isolated"), near.fate("from-isolated"),
          FailoverTimeline.describeLogs(cutWall, List.of(majority.log(), cluster.node(1).log()), RESOLVER),
          FailoverTimeline.describeLogs(cutWall, List.of(isolated.log()), OWN_END),
          far.events(), near.events(), old.describe(), next.describe());

      assertNotNull(granted, "the majority granted the lease to a new controller once it expired");
      assertEquals(NodeExit.DOWNED.code, exitCode, "a node the cluster downed says so: " + isolated.logTail());
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

  /**
   * Each node in turn gets SIGTERM (the operator's drain) and is started again, as a rolling
   * restart does: every node exits 0, the relay session keeps working after each step, and the
   * host's lease (same holder and epoch) and pending action come through all three restarts.
   */
  @Test
  @Order(3)
  void aRollingRestartLosesNoSessionLeaseOrAction() throws Exception {
    String host = cluster.hostPlacedOn(0);
    long epoch;
    try (RecordingController ctl = RecordingController.connect("ctl@node1", SIGNER, cluster.node(1), host, "ctl-r")) {
      Answer lease = ctl.acquire(Duration.ofMinutes(3), Duration.ofSeconds(10));
      assertTrue(lease.isLease(), lease.toString());
      epoch = lease.epoch();
      assertEquals("action_accepted", ctl.action("act-r", epoch, Duration.ofSeconds(10)).type());
    }
    String session = "rolling-" + UUID.randomUUID();
    List<java.net.URI> all = cluster.nodes().stream().map(n -> n.wsUri("/ws")).toList();
    try (ObservedClient a = ObservedClient.connect("client-a", SIGNER, session, Role.HOST, all);
        ObservedClient b = ObservedClient.connect("client-b", SIGNER, session, Role.PARTICIPANT,
            List.of(all.get(2), all.get(1), all.get(0)))) {
      sendAndExpect(a.client, b.inbox, "before", Duration.ofSeconds(20));
      sendAndExpect(b.client, a.inbox, "before-reply", Duration.ofSeconds(20));
      StringBuilder report = new StringBuilder("rolling restart: SIGTERM each node in turn, start it again\n");
      for (int i = 0; i < 3; i++) {
        NamespacedNode restarting = cluster.node(i);
        var hostWatch = new FaultTimelines.HostWatch(cluster.node((i + 1) % 3).uri("/v1/admin/hosts/" + host)).awaitAnswering();
        long t0 = System.nanoTime();
        a.mark(t0);
        b.mark(t0);
        restarting.terminate();
        // A client on the stopping node is told to go (SERVER_SHUTDOWN); measured from then on.
        CompletableFuture<Double> relay = CompletableFuture.supplyAsync(() -> {
          long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
          while (a.firstClose() == null && b.firstClose() == null && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
          }
          return exchangeAgain(a, b, t0);
        });
        int exitCode = restarting.awaitExit(Duration.ofSeconds(30));
        double exited = restarting.exitedSecondsAfter(t0);
        double relayBack = relay.get(60, TimeUnit.SECONDS);
        String hostGap = hostWatch.stopAndDescribe();
        assertTrue(a.firstClose() != null || b.firstClose() != null, "a relay client was on node " + i + " and was moved");
        cluster.ensureUp();
        report.append(String.format("  node %d: exited %d after %.2f s; relay clients exchanging again %.2f s;"
                + " longest time without a host answer %s; 3 Up again after %.2f s%n%s%s",
            i, exitCode, exited, relayBack, hostGap, seconds(t0), a.events(), b.events()));
        assertEquals(0, exitCode, "a drained node exits 0: " + restarting.logTail());
      }
      System.out.print(report);
    }
    JsonNode status = AdminHttp.json(AdminHttp.get(cluster.node(0).uri("/v1/admin/hosts/" + host)));
    assertEquals("ctl-r", status.get("lease").get("holder").asText(), status.toString());
    assertEquals(epoch, status.get("lease").get("epoch").asLong(), "the lease kept its epoch");
    assertEquals("[\"act-r\"]", status.get("pending_action_ids").toString(), "the pending action survived");
    try (RecordingController ctl = RecordingController.connect("ctl@node2", SIGNER, cluster.node(2), host, "ctl-r")) {
      Answer renewed = ctl.renew(epoch, Duration.ofMinutes(1), Duration.ofSeconds(10));
      assertTrue(renewed.isLease() && renewed.epoch() == epoch, "the holder renews its lease afterwards: " + renewed);
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

}
