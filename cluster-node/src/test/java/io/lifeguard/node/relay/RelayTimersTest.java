package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Heartbeats, the heartbeat deadline and the idle recycler, on a node with second-scale timers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayTimersTest {
  private TestNode node;
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  void start() {
    Map<String, Object> config = new java.util.HashMap<>(RelayTokens.nodeConfig());
    config.put("lifeguard.relay.heartbeat-interval", "1s");
    config.put("lifeguard.relay.missed-heartbeats", 2);
    config.put("lifeguard.relay.idle-timeout", "3s");
    config.put("lifeguard.relay.idle-check-interval", "1s");
    node = TestNode.start(config).awaitReady();
  }

  @AfterAll
  void stop() {
    heartbeats.shutdownNow();
    node.close();
  }

  @Test
  void aSilentPeerGetsServerHeartbeatsThenIsClosedAfterTheMissedOnes() {
    String session = RelayTokens.newSessionId();
    RawRelayClient silent = RawRelayClient.connect(node.wsUri("/ws"));
    silent.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
    long started = System.nanoTime();
    // next() skips heartbeats, so read raw: heartbeats first, then the CLOSE frame.
    int heartbeatsSeen = 0;
    while (true) {
      byte[] message = poll(silent);
      if (HelloCodec.looksLikeHello(message)) continue;
      FrameKind kind = FrameCodec.peekHeader(message).kind();
      if (kind == FrameKind.HEARTBEAT) {
        heartbeatsSeen++;
        continue;
      }
      assertEquals(FrameKind.CLOSE, kind);
      assertEquals(CloseReason.HEARTBEAT_TIMEOUT, FrameCodec.decode(message).closeReason());
      break;
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    assertTrue(heartbeatsSeen >= 1, "no server heartbeat before the deadline");
    assertTrue(seconds >= 1.0, "closed too early: " + seconds + " s");
  }

  private static byte[] poll(RawRelayClient c) {
    try {
      byte[] m = c.received.poll(10, TimeUnit.SECONDS);
      if (m == null) throw new AssertionError("nothing received within 10 s");
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void peersThatOnlyHeartbeatAreRecycledAsIdleAndTheSessionIsEmptied() throws Exception {
    double prunedBefore = metric("lifeguard_idle_pruned_total");
    double emptiedBefore = metric("lifeguard_sessions_emptied_total");
    String session = RelayTokens.newSessionId();
    RawRelayClient a = RawRelayClient.connect(node.wsUri("/ws"));
    a.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
    RawRelayClient b = RawRelayClient.connect(node.wsUri("/ws"));
    b.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
    // Both peers keep their heartbeats going, so only the idle rule can close them.
    var task = heartbeats.scheduleAtFixedRate(() -> {
      if (!a.isClosed()) a.sendFrame(FrameKind.HEARTBEAT, 0, new byte[0]);
      if (!b.isClosed()) b.sendFrame(FrameKind.HEARTBEAT, 0, new byte[0]);
    }, 0, 300, TimeUnit.MILLISECONDS);
    try {
      assertEquals(CloseReason.IDLE_TIMEOUT, a.awaitCloseReason());
      assertEquals(CloseReason.IDLE_TIMEOUT, b.awaitCloseReason());
    } finally {
      task.cancel(false);
    }
    assertTrue(metric("lifeguard_idle_pruned_total") >= prunedBefore + 2);
    awaitMetricAbove("lifeguard_sessions_emptied_total", emptiedBefore);
  }

  private void awaitMetricAbove(String name, double floor) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (metric(name) > floor) return;
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
    throw new AssertionError(name + " did not rise above " + floor);
  }

  private double metric(String name) throws Exception {
    String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(node.uri("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    return RelayMetricsReader.value(text, name);
  }
}
