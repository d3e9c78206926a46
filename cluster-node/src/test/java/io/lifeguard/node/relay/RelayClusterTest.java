package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.client.ClientListener;
import io.lifeguard.protocol.client.LifeguardClient;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two nodes form a cluster; peers of one session connect to different nodes and exchange frames,
 * in order, through the inboxes. The protocol module's own client also talks end-to-end encrypted
 * through the cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayClusterTest {
  private TestNode first;
  private TestNode second;

  /** Settings both nodes get on top of the relay's test defaults. */
  Map<String, Object> nodeSettings() {
    return Map.of();
  }

  @BeforeAll
  void start() {
    Map<String, Object> base = new HashMap<>(RelayTokens.nodeConfig());
    base.putAll(nodeSettings());
    first = TestNode.start(base).awaitReady();
    Map<String, Object> config = new HashMap<>(base);
    config.put("lifeguard.cluster.seed-nodes", "127.0.0.1:" + first.clusterPort());
    second = TestNode.start(config).awaitReady();
  }

  @AfterAll
  void stop() {
    second.close();
    first.close();
  }

  @Test
  void peersOnDifferentNodesExchangeFramesInOrder() {
    String session = RelayTokens.newSessionId();
    try (RawRelayClient host = RawRelayClient.connect(first.wsUri("/ws"));
        RawRelayClient remote = RawRelayClient.connect(second.wsUri("/ws"));
        RawRelayClient local = RawRelayClient.connect(first.wsUri("/ws"))) {
      host.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
      remote.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
      local.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
      host.awaitRouteTo(remote);
      host.awaitRouteTo(local);
      remote.awaitRouteTo(host);
      remote.awaitRouteTo(local);
      // Windows of 32 stay inside each receiver's 64-frame queue: the relay drops, by design,
      // what a receiver cannot take, so a test of ordering must not exceed that budget.
      for (int start = 1; start <= 300; start += 32) {
        int end = Math.min(300, start + 31);
        for (int i = start; i <= end; i++) host.sendBinary(frame(i));
        for (int i = start; i <= end; i++) {
          assertArrayEquals(frame(i), remote.next(), "remote peer: frame " + i);
          assertArrayEquals(frame(i), local.next(), "local peer: frame " + i);
        }
      }
      remote.sendBinary(frame(1000));
      assertArrayEquals(frame(1000), host.next());
      assertArrayEquals(frame(1000), local.next());
    }
  }

  private static byte[] frame(int seq) {
    return FrameCodec.encode(Frame.of(FrameKind.DATA, seq, ("frame " + seq).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theClientLibraryTalksEndToEndEncryptedAcrossNodes() throws Exception {
    String session = RelayTokens.newSessionId();
    byte[] psk = new byte[32];
    new SecureRandom().nextBytes(psk);
    LinkedBlockingQueue<String> atHost = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<String> atGuest = new LinkedBlockingQueue<>();
    try (LifeguardClient host = client(first, session, Role.HOST, psk, atHost);
        LifeguardClient guest = client(second, session, Role.PARTICIPANT, psk, atGuest)) {
      host.connect().get(10, TimeUnit.SECONDS);
      guest.connect().get(10, TimeUnit.SECONDS);
      // Peers learn each other's keys from announces; retry the first message until it lands.
      String first = null;
      for (int attempt = 0; attempt < 50 && first == null; attempt++) {
        host.send("hello guest".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
        first = atGuest.poll(200, TimeUnit.MILLISECONDS);
      }
      assertEquals("hello guest", first);
      guest.send("hello host".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
      assertEquals("hello host", atHost.poll(10, TimeUnit.SECONDS));
      assertTrue(host.isConnected() && guest.isConnected());
    }
  }

  private static LifeguardClient client(TestNode node, String session, Role role, byte[] psk,
      LinkedBlockingQueue<String> inbox) {
    return LifeguardClient.builder()
        .urls(List.of(node.wsUri("/ws")))
        .tokenSupplier(() -> RelayTokens.token(session, role))
        .sessionId(session)
        .role(role)
        .preSharedKey(psk)
        .listener(new ClientListener() {
          @Override
          public void onMessage(String peerId, FrameKind kind, byte[] plaintext) {
            if (kind == FrameKind.DATA) inbox.add(new String(plaintext, StandardCharsets.UTF_8));
          }
        })
        .build();
  }
}
