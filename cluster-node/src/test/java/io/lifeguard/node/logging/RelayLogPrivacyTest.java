package io.lifeguard.node.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real node, real WebSocket peers and a token-bearing handshake, with every log line captured
 * through the production JSON encoder: the lines parse, carry the correlation fields and the
 * {@code transport.fallback.activated} event, and never contain the token, the signing key or a
 * relayed payload.
 */
class RelayLogPrivacyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void handshakeAndRelayLogStructuredLinesWithoutSecrets() throws Exception {
    OctetKeyPair key = Ed25519Keys.generate("log-test-" + UUID.randomUUID());
    OctetKeyPair forger = Ed25519Keys.generate(key.getKeyID());
    String session = "s-log-" + UUID.randomUUID();
    String hostToken = token(key, session, Role.HOST);
    String guestToken = token(key, session, Role.PARTICIPANT);
    String forgedToken = token(forger, session, Role.PARTICIPANT);
    String payload = "PAYLOAD-" + UUID.randomUUID();
    List<String> secrets = new ArrayList<>(List.of(hostToken, guestToken, forgedToken, key.toJSONString(),
        key.getD().toString(), forger.getD().toString(), payload,
        Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8))));
    for (String t : List.of(hostToken, guestToken, forgedToken)) secrets.add(t.substring(t.lastIndexOf('.') + 1));

    List<String> lines;
    String hostPeer;
    try (CapturedLog log = CapturedLog.attach();
        TestNode node = TestNode.start(Map.of("lifeguard.tokens.signing-jwk", key.toJSONString())).awaitReady()) {
      try (Peer host = Peer.connect(node.wsUri("/ws")); Peer guest = Peer.connect(node.wsUri("/ws"))) {
        hostPeer = host.hello(session, hostToken, Role.HOST).peerId();
        guest.hello(session, guestToken, Role.PARTICIPANT);
        // Membership reaches the host's connection asynchronously (docs/protocol.md section 4):
        // resend until the guest is routed to, at most 50 times.
        byte[] relayed = null;
        for (int attempt = 0; attempt < 50 && relayed == null; attempt++) {
          host.send(FrameCodec.encode(Frame.of(FrameKind.DATA, 1, payload.getBytes(StandardCharsets.UTF_8))));
          relayed = guest.pollData(200);
        }
        assertTrue(relayed != null && new String(relayed, StandardCharsets.ISO_8859_1).contains(payload), "payload relayed");
        try (Peer forged = Peer.connect(node.wsUri("/ws"))) {
          forged.sendHello(session, forgedToken, Role.PARTICIPANT);
          forged.closed.poll(10, TimeUnit.SECONDS);
        }
      }
      log.await(l -> l.contains("\"event\":\"transport.fallback.activated\"") && l.contains(hostPeer),
          Duration.ofSeconds(10), "the host's activation event");
      log.await(l -> l.contains("\"reason\":\"auth_failed\""), Duration.ofSeconds(10), "the forged token's refusal");
      lines = log.lines();
    }

    for (String line : lines) {
      for (String secret : secrets) {
        assertFalse(line.contains(secret), "log line leaks a secret (" + secret.length() + " chars): " + line);
      }
      JsonNode json = JSON.readTree(line);
      assertTrue(line.endsWith("}\n"), "one object a line: " + line);
      for (String field : List.of("timestamp", "level", "logger", "message")) {
        assertTrue(json.hasNonNull(field), field + " missing: " + line);
      }
      Instant.parse(json.get("timestamp").asText());
    }

    JsonNode activated = JSON.readTree(lines.stream()
        .filter(l -> l.contains("transport.fallback.activated") && l.contains(hostPeer)).findFirst().orElseThrow());
    assertEquals("transport.fallback.activated", activated.get("event").asText());
    assertEquals("io.lifeguard.events", activated.get("logger").asText());
    assertEquals(session, activated.get("session_id").asText());
    assertEquals(hostPeer, activated.get("peer_id").asText());
    assertEquals("host", activated.get("role").asText());
    assertEquals("test-cohort", activated.get("cohort").asText());
    assertEquals("handshake", activated.get("phase").asText());

    JsonNode refused = JSON.readTree(lines.stream()
        .filter(l -> l.contains("\"reason\":\"auth_failed\"")).findFirst().orElseThrow());
    assertEquals("WARN", refused.get("level").asText());
    assertTrue(refused.hasNonNull("phase"), "refusal names its phase: " + refused);
  }

  private static String token(OctetKeyPair key, String session, Role role) {
    Instant now = Instant.now();
    return new TokenSigner(key).sign(new TokenClaims(session, role, now, now.plus(Duration.ofMinutes(4)),
        "test-cohort", FeatureBits.FALLBACK_AUTHORIZED | FeatureBits.TELEMETRY, UUID.randomUUID().toString()));
  }

  /** A minimal relay peer over java.net.http.WebSocket. */
  private static final class Peer implements WebSocket.Listener, AutoCloseable {
    final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Integer> closed = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private WebSocket socket;

    static Peer connect(URI uri) {
      Peer peer = new Peer();
      peer.socket = HTTP.newWebSocketBuilder().buildAsync(uri, peer).orTimeout(10, TimeUnit.SECONDS).join();
      return peer;
    }

    ServerHello hello(String session, String token, Role role) throws InterruptedException {
      sendHello(session, token, role);
      byte[] reply = received.poll(10, TimeUnit.SECONDS);
      if (reply == null || !HelloCodec.looksLikeHello(reply)) throw new AssertionError("no ServerHello");
      return HelloCodec.decodeServerHello(reply);
    }

    void sendHello(String session, String token, Role role) {
      byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
      new java.security.SecureRandom().nextBytes(nonce);
      send(HelloCodec.encodeClientHello(new ClientHello(session, token, nonce, 1, Compression.NONE, role)));
    }

    void send(byte[] bytes) {
      socket.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** A DATA frame arriving within {@code millis}, skipping heartbeats, or null. */
    byte[] pollData(long millis) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      while (System.nanoTime() < deadline) {
        byte[] m = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (m != null && FrameCodec.peekHeader(m).kind() == FrameKind.DATA) return m;
      }
      return null;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      partial.writeBytes(chunk);
      if (last) {
        received.add(partial.toByteArray());
        partial.reset();
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.add(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.add(-1);
    }

    @Override
    public void close() {
      if (!socket.isOutputClosed()) socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
      socket.abort();
    }
  }
}
