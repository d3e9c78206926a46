package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.NodeProcess;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Three node processes; sessions of two peers, one on node 1 and one on node 2, whose entities are
 * spread over all three nodes. Node 0 is SIGKILLed. Each survivor re-joins only the connections
 * whose session entity ran on node 0 (counted by {@code lifeguard_relay_rejoins_total}), not the
 * others; and the two unmoved peers of every session, also those whose entity moved, lose no
 * frame while their entity restarts: the first to re-join keeps routing to the other until it has
 * re-joined too (before, its member list was replaced by the new incarnation's, which held only
 * itself).
 */
class RelayTargetedRejoinTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Pattern MEMBER_REMOVED =
      Pattern.compile("^lifeguard_relay_rejoins_total\\{trigger=\"member_removed\"} (\\S+)$", Pattern.MULTILINE);
  private static final int MIN_SESSIONS = 6;
  private static final int MAX_SESSIONS = 60;

  @Test
  void survivorsRejoinOnlySessionsWhoseEntityMovedAndUnmovedPeersLoseNothing() throws Exception {
    List<NodeProcess> nodes = new ArrayList<>();
    List<RawRelayClient[]> sessions = new ArrayList<>();
    AtomicBoolean sending = new AtomicBoolean(true);
    Thread sender = null;
    try {
      // One at a time: three JVMs starting at once on two cores can starve one past the failure
      // detector's pause, and the cluster downs it before the test begins.
      NodeProcess first = NodeProcess.start(env(null));
      nodes.add(first);
      first.awaitReady(Duration.ofSeconds(90));
      for (int i = 1; i < 3; i++) {
        NodeProcess next = NodeProcess.start(env(first.seed()));
        nodes.add(next);
        next.awaitReady(Duration.ofSeconds(90));
      }
      NodeProcess.awaitMembersUp(nodes, 3);
      NodeProcess doomed = nodes.get(0);
      List<NodeProcess> survivors = List.of(nodes.get(1), nodes.get(2));

      // Sessions with both peers on the survivors, until some entities run on node 0 and some do not.
      while (sessions.size() < MIN_SESSIONS || entities(doomed) == 0 || entities(doomed) == sessions.size()) {
        assertTrue(sessions.size() < MAX_SESSIONS, "entities never spread over node 0 and the others");
        String session = RelayTokens.newSessionId();
        RawRelayClient host = RawRelayClient.connect(survivors.get(0).wsUri("/ws"));
        RawRelayClient guest = RawRelayClient.connect(survivors.get(1).wsUri("/ws"));
        sessions.add(new RawRelayClient[] {host, guest});
        host.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
        guest.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
        host.awaitRouteTo(guest);
        guest.awaitRouteTo(host);
      }
      int moved = entities(doomed);
      System.out.printf("%d sessions, %d of them with their entity on node 0%n", sessions.size(), moved);

      // Both peers of every session send numbered frames, from before the kill until every
      // entity runs again on a survivor; each receiver must then have every number, in order.
      AtomicLong rounds = new AtomicLong();
      sender = new Thread(() -> {
        while (sending.get()) {
          long seq = rounds.incrementAndGet();
          for (RawRelayClient[] pair : sessions) {
            pair[0].sendBinary(frame(seq));
            pair[1].sendBinary(frame(seq));
          }
          // Pacing of a traffic source (20 frames/s per peer, well inside the 64-frame queues).
          java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
      }, "frames");
      sender.start();
      await("frames flowing", Duration.ofSeconds(10), () -> rounds.get() >= 5);

      doomed.kill();
      await("the survivors to re-join the sessions whose entity ran on node 0", Duration.ofSeconds(60),
          () -> rejoins(survivors) >= 2L * moved);
      // Every session's entity runs again on a survivor: the moved ones were started by the re-joins.
      await("every entity running on a survivor", Duration.ofSeconds(30),
          () -> entities(survivors.get(0)) + entities(survivors.get(1)) == sessions.size());
      NodeProcess.awaitMembersUp(survivors, 2);
      long last = rounds.get() + 20;
      await("20 more rounds of frames", Duration.ofSeconds(30), () -> rounds.get() >= last);
      sending.set(false);
      sender.join(10_000);
      long sent = rounds.get();

      // One re-join per connection of a moved session (one peer on each survivor), none for the others.
      assertEquals(2L * moved, rejoins(survivors),
          "survivors re-join exactly the connections whose session entity ran on the killed node");
      for (RawRelayClient[] pair : sessions) {
        expectEverySeq(pair[1], sent, "guest of a session");
        expectEverySeq(pair[0], sent, "host of a session");
      }
    } finally {
      sending.set(false);
      if (sender != null) sender.join(10_000);
      for (RawRelayClient[] pair : sessions) for (RawRelayClient c : pair) c.close();
      nodes.forEach(NodeProcess::close);
    }
  }

  private static Map<String, String> env(String seed) {
    return Map.of(
        "LIFEGUARD_SIGNING_JWK", RelayTokens.KEY.toJSONString(),
        "LIFEGUARD_SEED_NODES", seed == null ? "" : seed,
        "LIFEGUARD_REDIS_URL", "");
  }

  private static byte[] frame(long seq) {
    return FrameCodec.encode(Frame.of(FrameKind.DATA, seq, ("n" + seq).getBytes(StandardCharsets.UTF_8)));
  }

  /** The partner's frames 1..sent, each exactly once and in order: no loss, no duplicate. */
  private static void expectEverySeq(RawRelayClient receiver, long sent, String who) {
    for (long seq = 1; seq <= sent; seq++) {
      Frame got = FrameCodec.decode(receiver.next());
      assertEquals(seq, got.seq(), who + ": expected frame " + seq + " of " + sent + ", got " + got);
    }
  }

  private static int entities(NodeProcess node) {
    try {
      JsonNode stats = Json.MAPPER.readTree(get(node.uri("/debug/stats")));
      return stats.get("session_entities_on_node").asInt();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }

  private static long rejoins(List<NodeProcess> nodes) {
    long total = 0;
    for (NodeProcess n : nodes) {
      Matcher m = MEMBER_REMOVED.matcher(get(n.uri("/metrics")));
      if (m.find()) total += (long) Double.parseDouble(m.group(1));
    }
    return total;
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  private static String get(URI uri) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
