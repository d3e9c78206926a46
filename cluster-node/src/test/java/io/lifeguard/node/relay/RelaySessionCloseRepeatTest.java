package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.Role;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sixty sessions closed by their hosts in a row on one node. A close that raced the client's own
 * departure used to throw inside the node's relay inbox, which stopped it, and from then on every
 * session close and remote delivery on that node was lost; this caught it on its first run.
 */
class RelaySessionCloseRepeatTest {
  @Test
  void everyPeerOfEverySessionHearsItsHostsClose() {
    Map<String, Object> config = new HashMap<>(RelayTokens.nodeConfig());
    config.put("lifeguard.relay.handshakes-per-second-per-address", 10_000);
    config.put("lifeguard.relay.handshake-burst-per-address", 10_000);
    try (TestNode node = TestNode.start(config).awaitReady()) {
      for (int i = 0; i < 60; i++) {
        String session = RelayTokens.newSessionId();
        RawRelayClient host = RawRelayClient.connect(node.wsUri("/ws"));
        host.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
        RawRelayClient a = RawRelayClient.connect(node.wsUri("/ws"));
        a.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
        RawRelayClient b = RawRelayClient.connect(node.wsUri("/ws"));
        b.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
        host.sendBinary(FrameCodec.encode(Frame.close(7, CloseReason.GUARDRAIL_TRIPPED)));
        assertEquals(CloseReason.GUARDRAIL_TRIPPED, a.awaitCloseReason(), "session " + i);
        assertEquals(CloseReason.GUARDRAIL_TRIPPED, b.awaitCloseReason(), "session " + i);
        assertEquals(CloseReason.NORMAL, host.awaitCloseReason(), "session " + i);
      }
    }
  }
}
