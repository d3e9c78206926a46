package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Peers of a session exchange frames through one node, with real WebSocket clients. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayExchangeTest {
  private TestNode node;

  @BeforeAll
  void start() {
    node = TestNode.start(RelayTokens.nodeConfig()).awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private RawRelayClient join(String session, Role role) {
    RawRelayClient client = RawRelayClient.connect(node.wsUri("/ws"));
    ServerHello hello = client.hello(session, RelayTokens.token(session, role), role);
    assertTrue(hello.peerId().startsWith("p-"));
    return client;
  }

  private static byte[] frame(long seq, String text) {
    return FrameCodec.encode(Frame.of(FrameKind.DATA, seq, text.getBytes()));
  }

  @Test
  void twoPeersExchangeFramesInOrderBothWays() {
    String session = RelayTokens.newSessionId();
    try (RawRelayClient host = join(session, Role.HOST); RawRelayClient guest = join(session, Role.PARTICIPANT)) {
      host.awaitRouteTo(guest);
      guest.awaitRouteTo(host);
      // In windows inside the receiver's 64-frame queue (beyond it the relay drops by design).
      for (int start = 1; start <= 200; start += 32) {
        int end = Math.min(200, start + 31);
        for (int i = start; i <= end; i++) host.sendBinary(frame(i, "from host " + i));
        for (int i = start; i <= end; i++) {
          assertArrayEquals(frame(i, "from host " + i), guest.next(), "frame " + i + " out of order or changed");
        }
      }
      guest.sendBinary(frame(1, "from guest"));
      assertArrayEquals(frame(1, "from guest"), host.next());
      // The relay never echoes a frame back to its sender.
      assertTrue(host.received.isEmpty() || isHeartbeatOnly(host));
    }
  }

  private static boolean isHeartbeatOnly(RawRelayClient c) {
    return c.received.stream().allMatch(m -> FrameCodec.peekHeader(m).kind() == FrameKind.HEARTBEAT);
  }

  @Test
  void tenPeersAllReceiveEveryOtherPeersFrames() {
    String session = RelayTokens.newSessionId();
    List<RawRelayClient> peers = new ArrayList<>();
    peers.add(join(session, Role.HOST));
    for (int i = 1; i < 10; i++) peers.add(join(session, Role.PARTICIPANT));
    // The last joiner knows everyone; the others learn of it asynchronously.
    for (int i = 0; i < 9; i++) peers.get(i).awaitRouteTo(peers.get(9));
    try {
      for (int sender = 0; sender < 10; sender++) peers.get(sender).sendBinary(frame(1, "peer " + sender));
      for (int receiver = 0; receiver < 10; receiver++) {
        List<String> got = new ArrayList<>();
        for (int k = 0; k < 9; k++) got.add(new String(FrameCodec.decode(peers.get(receiver).next()).body()));
        assertEquals(9, got.size());
        assertTrue(!got.contains("peer " + receiver), "peer " + receiver + " received its own frame");
      }
    } finally {
      peers.forEach(RawRelayClient::close);
    }
  }

  @Test
  void peersJoiningABusySessionAlwaysSeeTheirServerHelloFirst() throws Exception {
    String session = RelayTokens.newSessionId();
    RawRelayClient host = join(session, Role.HOST);
    java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread traffic = new Thread(() -> {
      long seq = 0;
      // Bounded: at most 20 000 frames, and it stops as soon as the joins are done.
      while (sending.get() && seq < 20_000) host.sendBinary(frame(++seq, "busy"));
    }, "busy-host");
    traffic.start();
    List<RawRelayClient> joiners = new ArrayList<>();
    try {
      // 15 peers with the host: inside the default limit of 16 per session.
      for (int i = 0; i < 14; i++) {
        RawRelayClient c = RawRelayClient.connect(node.wsUri("/ws"));
        joiners.add(c);
        // hello() fails if anything but a ServerHello arrives first.
        c.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
      }
    } finally {
      sending.set(false);
      traffic.join(10_000);
      joiners.forEach(RawRelayClient::close);
      host.close();
    }
  }

  @Test
  void aHostCloseFrameClosesTheSessionForEveryPeerWithTheHostsReason() {
    String session = RelayTokens.newSessionId();
    RawRelayClient host = join(session, Role.HOST);
    RawRelayClient a = join(session, Role.PARTICIPANT);
    RawRelayClient b = join(session, Role.PARTICIPANT);
    host.sendBinary(FrameCodec.encode(Frame.close(7, CloseReason.GUARDRAIL_TRIPPED)));
    assertEquals(CloseReason.GUARDRAIL_TRIPPED, a.awaitCloseReason());
    assertEquals(CloseReason.GUARDRAIL_TRIPPED, b.awaitCloseReason());
    assertEquals(CloseReason.NORMAL, host.awaitCloseReason());
    // The session refuses newcomers while its tombstone lasts.
    RawRelayClient late = RawRelayClient.connect(node.wsUri("/ws"));
    late.sendHello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
    assertEquals(CloseReason.SESSION_CLOSED, late.awaitCloseReason());
  }

  @Test
  void aSlowConsumerLosesOnlyItsOwnFramesWhileOthersReceiveEverything() throws Exception {
    String session = RelayTokens.newSessionId();
    double dropsBefore = metric("lifeguard_flow_control_drops_total");
    try (RawRelayClient sender = join(session, Role.HOST);
        RawRelayClient fast = join(session, Role.PARTICIPANT)) {
      RawRelayClient slow = RawRelayClient.connect(node.wsUri("/ws"), true);
      slow.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
      sender.awaitRouteTo(slow);
      sender.awaitRouteTo(fast);
      // From now on the slow peer reads nothing: its socket, then its queue, fill up.
      stopReading(slow);
      byte[] payload = new byte[16 * 1024];
      int frames = 3000;
      // The sender paces itself on the fast peer (windows of 32, inside its queue); the slow peer
      // stops reading, so its socket buffers and then its queue fill and its frames are dropped.
      for (int start = 1; start <= frames; start += 32) {
        int end = Math.min(frames, start + 31);
        for (int i = start; i <= end; i++) {
          ByteBuffer.wrap(payload).putInt(0, i);
          sender.sendFrame(FrameKind.DATA, i, payload);
        }
        for (int i = start; i <= end; i++) {
          Frame got = FrameCodec.decode(fast.next());
          assertEquals(i, got.seq(), "the fast peer lost or reordered a frame");
        }
      }
      assertTrue(metric("lifeguard_flow_control_drops_total") > dropsBefore, "drops were not counted");
      slow.close();
    }
  }

  private static void stopReading(RawRelayClient client) {
    // java.net.http delivers only what was requested: after at most one more message nothing is
    // read from the socket, so the kernel buffers and then the node's queue for this peer fill up.
    client.pauseReading();
  }

  @Test
  void debugStatsAndMetricsReportSessionsWithoutSecrets() throws Exception {
    String session = RelayTokens.newSessionId();
    try (RawRelayClient host = join(session, Role.HOST); RawRelayClient guest = join(session, Role.PARTICIPANT)) {
      host.awaitRouteTo(guest);
      host.sendBinary(frame(1, "hello"));
      guest.next();
      String stats = get("/debug/stats");
      assertTrue(stats.contains(session), stats);
      assertTrue(stats.contains("\"local_peers\":2"), stats);
      assertTrue(!stats.contains("hello") && !stats.contains("eyJ"), "stats leak payloads or tokens: " + stats);
      String metrics = get("/metrics");
      for (String name : List.of("lifeguard_connections_active", "lifeguard_sessions_active",
          "lifeguard_handshakes_total", "lifeguard_messages_forwarded_total", "lifeguard_bytes_forwarded_total",
          "lifeguard_message_size_bytes", "lifeguard_flow_control_drops_total", "lifeguard_idle_pruned_total",
          "lifeguard_sessions_emptied_total")) {
        assertTrue(metrics.contains(name), name + " missing from /metrics");
      }
      assertNotEquals(0.0, metric("lifeguard_messages_forwarded_total"));
      assertTrue(metric("lifeguard_connections_active") >= 2);
    }
  }

  private String get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  double metric(String name) throws Exception {
    return RelayMetricsReader.value(get("/metrics"), name);
  }
}
