package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every malformed, oversized, forged, expired, replayed or unauthorised input gets its exact close
 * reason, and the session's other peers keep receiving throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayBadInputTest {
  private TestNode node;
  private String session;
  private RawRelayClient host;
  private RawRelayClient witness;
  private long seq;

  @BeforeAll
  void start() {
    Map<String, Object> config = new HashMap<>(RelayTokens.nodeConfig());
    config.put("lifeguard.relay.max-frame-bytes", 1024);
    config.put("lifeguard.relay.max-peers-per-session", 4);
    config.put("lifeguard.relay.hello-timeout", "1s");
    node = TestNode.start(config).awaitReady();
    session = RelayTokens.newSessionId();
    host = RawRelayClient.connect(node.wsUri("/ws"));
    host.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
    witness = RawRelayClient.connect(node.wsUri("/ws"));
    witness.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
    host.awaitRouteTo(witness);
  }

  @AfterAll
  void stop() {
    host.close();
    witness.close();
    node.close();
  }

  /** After each bad client, the session still carries frames from host to witness. */
  private void sessionStillWorks() {
    byte[] frame = FrameCodec.encode(Frame.of(FrameKind.DATA, ++seq, ("still here " + seq).getBytes()));
    host.sendBinary(frame);
    assertArrayEquals(frame, witness.next());
  }

  private CloseReason helloWith(String sessionId, String token, Role role) {
    RawRelayClient c = RawRelayClient.connect(node.wsUri("/ws"));
    c.sendHello(sessionId, token, role);
    return c.awaitCloseReason();
  }

  private RawRelayClient joined() {
    RawRelayClient c = RawRelayClient.connect(node.wsUri("/ws"));
    c.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
    return c;
  }

  @Test
  void noHelloWithinTheDeadlineIsAHandshakeTimeout() {
    RawRelayClient c = RawRelayClient.connect(node.wsUri("/ws"));
    assertEquals(CloseReason.HANDSHAKE_TIMEOUT, c.awaitCloseReason());
    sessionStillWorks();
  }

  @Test
  void aTextMessageIsUnsupportedData() {
    double before = handshakes("unsupported_data");
    RawRelayClient c = RawRelayClient.connect(node.wsUri("/ws"));
    c.sendText("{\"type\":\"client_hello\"}");
    assertEquals(CloseReason.UNSUPPORTED_DATA, c.awaitCloseReason());
    assertEquals(before + 1, handshakes("unsupported_data"), "a refused hello counts as a handshake outcome");
    sessionStillWorks();
  }

  @Test
  void garbageInsteadOfAHelloIsAProtocolError() {
    double before = handshakes("protocol_error");
    RawRelayClient c = RawRelayClient.connect(node.wsUri("/ws"));
    c.sendBinary(new byte[] {1, 1, 0, 0});
    assertEquals(CloseReason.PROTOCOL_ERROR, c.awaitCloseReason());
    assertEquals(before + 1, handshakes("protocol_error"));
    sessionStillWorks();
  }

  @Test
  void aMalformedHelloIsAProtocolError() {
    double before = handshakes("protocol_error");
    RawRelayClient c = RawRelayClient.connect(node.wsUri("/ws"));
    c.sendBinary("{\"type\":\"client_hello\",\"session_id\":42}".getBytes());
    assertEquals(CloseReason.PROTOCOL_ERROR, c.awaitCloseReason());
    assertEquals(before + 1, handshakes("protocol_error"));
    sessionStillWorks();
  }

  @Test
  void forgedExpiredAndOtherSessionTokensAreRefusedWithTheirReasons() {
    assertEquals(CloseReason.AUTH_FAILED, helloWith(session, RelayTokens.forgedToken(session, Role.PARTICIPANT), Role.PARTICIPANT));
    assertEquals(CloseReason.TOKEN_EXPIRED, helloWith(session, RelayTokens.expiredToken(session, Role.PARTICIPANT), Role.PARTICIPANT));
    assertEquals(CloseReason.SESSION_MISMATCH,
        helloWith(session, RelayTokens.token("another-session", Role.PARTICIPANT), Role.PARTICIPANT));
    assertEquals(CloseReason.AUTH_FAILED, helloWith(session, "not.a.token", Role.PARTICIPANT));
    assertEquals(CloseReason.FORBIDDEN_ROLE, helloWith(session, RelayTokens.token(session, Role.VIEWER), Role.VIEWER));
    assertEquals(CloseReason.FORBIDDEN_ROLE, helloWith(session, RelayTokens.token(session, Role.PARTICIPANT), Role.HOST));
    sessionStillWorks();
  }

  @Test
  void aMalformedFrameAfterTheHandshakeIsAProtocolError() {
    RawRelayClient c = joined();
    c.sendBinary(new byte[] {1, 1, 0});
    assertEquals(CloseReason.PROTOCOL_ERROR, c.awaitCloseReason());
    RawRelayClient d = joined();
    d.sendBinary(new byte[] {1, 1, 0, 5, 0, 0, 0, 1, 9}); // says 5 bytes, carries 1
    assertEquals(CloseReason.PROTOCOL_ERROR, d.awaitCloseReason());
    RawRelayClient e = joined();
    e.sendBinary(new byte[] {9, 1, 0, 0, 0, 0, 0, 1}); // unknown version
    assertEquals(CloseReason.PROTOCOL_ERROR, e.awaitCloseReason());
    sessionStillWorks();
  }

  @Test
  void anOversizedMessageIsTooBig() {
    RawRelayClient c = joined();
    c.sendFrame(FrameKind.DATA, 1, new byte[2000]);
    assertEquals(CloseReason.MESSAGE_TOO_BIG, c.awaitCloseReason());
    sessionStillWorks();
  }

  @Test
  void aSecondHelloIsRefused() {
    RawRelayClient c = joined();
    c.sendHello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
    assertEquals(CloseReason.DUPLICATE_HELLO, c.awaitCloseReason());
    sessionStillWorks();
  }

  @Test
  void aReplayedTokenStillOnlyJoinsItsOwnSession() {
    // A token is a bearer credential for at most five minutes; replaying it elsewhere fails.
    String token = RelayTokens.token(session, Role.PARTICIPANT);
    assertEquals(CloseReason.SESSION_MISMATCH, helloWith("replayed-elsewhere", token, Role.PARTICIPANT));
    sessionStillWorks();
  }

  @Test
  void thePeerLimitIsEnforced() {
    String full = RelayTokens.newSessionId();
    RawRelayClient[] peers = new RawRelayClient[4];
    for (int i = 0; i < 4; i++) {
      peers[i] = RawRelayClient.connect(node.wsUri("/ws"));
      peers[i].hello(full, RelayTokens.token(full, Role.PARTICIPANT), Role.PARTICIPANT);
    }
    assertEquals(CloseReason.SESSION_FULL, helloWith(full, RelayTokens.token(full, Role.PARTICIPANT), Role.PARTICIPANT));
    for (RawRelayClient p : peers) p.close();
    sessionStillWorks();
  }

  @Test
  void aPlainHttpRequestToTheSocketPathIsRejected() throws Exception {
    URI edge = URI.create("http://127.0.0.1:" + node.edgePort());
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(edge.resolve("/ws")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, response.statusCode());
    assertTrue(response.body().contains("websocket_upgrade_required"), response.body());
    HttpResponse<String> post = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(edge.resolve("/ws")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
    HttpResponse<String> unknown = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(edge.resolve("/nothing/here")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, unknown.statusCode());
    // The HTTP API port no longer serves the socket: clients are told nothing useful there.
    HttpResponse<String> api = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(node.uri("/ws")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, api.statusCode());
  }

  @Test
  void handshakeLimitsAnswerBeforeTheUpgrade() {
    Map<String, Object> config = new HashMap<>(RelayTokens.nodeConfig());
    config.put("lifeguard.relay.max-connections", 2);
    config.put("lifeguard.relay.handshakes-per-second-per-address", 0.001);
    config.put("lifeguard.relay.handshake-burst-per-address", 3);
    try (TestNode limited = TestNode.start(config).awaitReady()) {
      RawRelayClient a = RawRelayClient.connect(limited.wsUri("/ws"));
      RawRelayClient b = RawRelayClient.connect(limited.wsUri("/ws"));
      assertEquals(503, upgradeStatus(limited));
      a.close();
      b.close();
      awaitNoConnections(limited);
      // The burst of 3 allowed a and b (the 503 was refused before spending a token): one more
      // upgrade succeeds, the next is over the per-address rate.
      RawRelayClient.connect(limited.wsUri("/ws")).close();
      assertEquals(429, upgradeStatus(limited));
    }
  }

  private double handshakes(String outcome) {
    try {
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(node.uri("/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      return RelayMetricsReader.value(metrics, "lifeguard_handshakes_total", "outcome=\"" + outcome + "\"");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void awaitNoConnections(TestNode target) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(target.uri("/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        if (RelayMetricsReader.value(metrics, "lifeguard_connections_active") == 0) return;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
    throw new AssertionError("connections still open after 10 s");
  }

  private static int upgradeStatus(TestNode target) {
    CompletionException e = assertThrows(CompletionException.class, () -> RawRelayClient.connect(target.wsUri("/ws")));
    assertTrue(e.getCause() instanceof WebSocketHandshakeException, e.toString());
    return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
  }
}
