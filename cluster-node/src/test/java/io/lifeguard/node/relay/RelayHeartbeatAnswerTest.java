package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code HEARTBEAT_ANSWER} feature (protocol section 5): a client that asks for it gets the bit
 * in its ServerHello and keeps no heartbeat timer of its own; its answers to the node's heartbeats
 * keep the connection past the heartbeat deadline, and the deadline still closes it once it stops
 * answering. A client that does not ask does not get the bit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayHeartbeatAnswerTest {
  /** Node heartbeats every second, deadline four of them: the answers have three seconds of slack. */
  private static final int MISSED = 4;
  private TestNode node;

  @BeforeAll
  void start() {
    Map<String, Object> config = new java.util.HashMap<>(RelayTokens.nodeConfig());
    config.put("lifeguard.relay.heartbeat-interval", "1s");
    config.put("lifeguard.relay.missed-heartbeats", MISSED);
    node = TestNode.start(config).awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void theBitIsGrantedOnlyWhenAsked() {
    String session = RelayTokens.newSessionId();
    try (RawRelayClient asking = RawRelayClient.connect(node.wsUri("/ws"));
        RawRelayClient plain = RawRelayClient.connect(node.wsUri("/ws"))) {
      ServerHello granted = asking.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST, FeatureBits.HEARTBEAT_ANSWER);
      assertTrue(FeatureBits.has(granted.featuresBitmap(), FeatureBits.HEARTBEAT_ANSWER));
      ServerHello notAsked = plain.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
      assertFalse(FeatureBits.has(notAsked.featuresBitmap(), FeatureBits.HEARTBEAT_ANSWER));
    }
  }

  @Test
  void answersKeepTheConnectionPastTheDeadlineAndSilenceStillClosesIt() {
    String session = RelayTokens.newSessionId();
    try (RawRelayClient client = RawRelayClient.connect(node.wsUri("/ws"))) {
      client.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST, FeatureBits.HEARTBEAT_ANSWER);
      // Answer twice the deadline's worth of node heartbeats: without the answers counting as a
      // sign of life the node would have closed the socket after MISSED of them.
      int answered = 0;
      while (answered < 2 * MISSED) {
        byte[] message = poll(client);
        FrameKind kind = FrameCodec.peekHeader(message).kind();
        assertEquals(FrameKind.HEARTBEAT, kind, "closed or sent something else while the client answered");
        client.sendFrame(FrameKind.HEARTBEAT, answered, new byte[0]);
        answered++;
      }
      // Stop answering: the deadline closes it, after the heartbeats that go unanswered.
      while (true) {
        byte[] message = poll(client);
        if (FrameCodec.peekHeader(message).kind() == FrameKind.HEARTBEAT) continue;
        assertEquals(CloseReason.HEARTBEAT_TIMEOUT, FrameCodec.decode(message).closeReason());
        break;
      }
    }
  }

  private static byte[] poll(RawRelayClient c) {
    try {
      byte[] m = c.received.poll(10, TimeUnit.SECONDS);
      if (m == null) throw new AssertionError("nothing received within 10 s");
      if (HelloCodec.looksLikeHello(m)) throw new AssertionError("a second hello");
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
