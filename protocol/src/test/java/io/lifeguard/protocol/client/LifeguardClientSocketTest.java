package io.lifeguard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameHeader;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against a real socket: {@link TestWebSocketServer} on loopback. */
@Timeout(30)
class LifeguardClientSocketTest {
  static final byte[] PSK = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** Records every callback as a line in a queue the test polls with timeouts. */
  static final class Recorder implements ClientListener {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final BlockingQueue<ServerHello> hellos = new LinkedBlockingQueue<>();
    final List<Frame> frames = new CopyOnWriteArrayList<>();

    @Override public void onConnected(ServerHello hello) {
      hellos.add(hello);
      events.add("connected " + hello.peerId());
    }
    @Override public void onMessage(String peerId, FrameKind kind, byte[] plaintext) {
      events.add("message " + peerId + " " + kind + " " + new String(plaintext, StandardCharsets.UTF_8));
    }
    @Override public void onFrame(Frame frame) {
      frames.add(frame);
      events.add("frame " + frame.seq());
    }
    @Override public void onPeerAnnounced(String peerId) {
      events.add("announced " + peerId);
    }
    @Override public void onGap(String peerId, GapDetector.Gap gap) {
      events.add("gap " + peerId + " " + gap.expectedSeq() + ".." + gap.receivedSeq());
    }
    @Override public void onClose(CloseReason reason) {
      events.add("close " + reason);
    }
    @Override public void onReconnecting(int attempt, Duration delay) {
      events.add("reconnecting " + attempt);
    }

    String next() throws InterruptedException {
      String event = events.poll(15, TimeUnit.SECONDS);
      if (event == null) {
        throw new AssertionError("no event within 15 s");
      }
      return event;
    }

    /** Skips events until one starts with the prefix. */
    String await(String prefix) throws InterruptedException {
      for (String event = next(); ; event = next()) {
        if (event.startsWith(prefix)) {
          return event;
        }
      }
    }
  }

  static ServerHello answer(TestWebSocketServer.Connection connection, String peerId, int heartbeat,
      long features) throws Exception {
    ClientHello hello = HelloCodec.decodeClientHello(connection.readBinary());
    byte[] serverNonce = new byte[16];
    serverNonce[0] = (byte) peerId.hashCode();
    ServerHello reply = new ServerHello(hello.clientNonce(), serverNonce, Compression.NONE, features, peerId, heartbeat);
    connection.sendBinary(HelloCodec.encodeServerHello(reply));
    return reply;
  }

  static LifeguardClient.Builder client(Recorder recorder, TestWebSocketServer... servers) {
    LifeguardClient.Builder builder = LifeguardClient.builder()
        .tokenSupplier(() -> "token").sessionId("sess-1").role(Role.PARTICIPANT)
        .listener(recorder).backoff(Duration.ofMillis(10), Duration.ofMillis(50))
        .handshakeTimeout(Duration.ofSeconds(5));
    for (TestWebSocketServer server : servers) {
      builder.url(server.uri());
    }
    return builder;
  }

  @Test
  void endToEndEncryptedThroughARelayWithGapDetection() throws Exception {
    List<TestWebSocketServer.Connection> peers = new CopyOnWriteArrayList<>();
    AtomicInteger ids = new AtomicInteger();
    try (TestWebSocketServer relay = new TestWebSocketServer(connection -> {
      answer(connection, "p" + ids.incrementAndGet(), 15, FeatureBits.E2E_CHACHA20);
      peers.add(connection);
      for (byte[] message = connection.readBinary(); message != null; message = connection.readBinary()) {
        FrameHeader header = FrameCodec.peekHeader(message);
        boolean dropped = header.kind() == FrameKind.DATA && header.seq() == 1;
        if (header.kind().forwarded() && !dropped) {
          for (TestWebSocketServer.Connection other : peers) {
            if (other != connection) {
              other.sendBinary(message);
            }
          }
        }
      }
    })) {
      Recorder alice = new Recorder();
      Recorder bob = new Recorder();
      try (LifeguardClient a = client(alice, relay).preSharedKey(PSK).build();
           LifeguardClient b = client(bob, relay).preSharedKey(PSK).build()) {
        assertEquals("p1", a.connect().get(10, TimeUnit.SECONDS).peerId());
        assertEquals("p2", b.connect().get(10, TimeUnit.SECONDS).peerId());
        assertEquals("announced p2", alice.await("announced"));
        assertEquals("announced p1", bob.await("announced"));
        a.send("zero".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
        a.send("one (dropped by the relay)".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
        a.sendControl("two".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
        assertEquals("message p1 DATA zero", bob.await("message"));
        assertEquals("gap p1 1..2", bob.next());
        assertEquals("message p1 CONTROL two", bob.next());
        b.send("back".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
        assertEquals("message p2 DATA back", alice.await("message"));
      }
    }
  }

  @Test
  void plaintextFramesFragmentedHelloAndCloseReasonWithoutReconnect() throws Exception {
    BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    try (TestWebSocketServer server = new TestWebSocketServer(connection -> {
      ClientHello hello = HelloCodec.decodeClientHello(connection.readBinary());
      ServerHello reply = new ServerHello(hello.clientNonce(), new byte[16], Compression.NONE, 0, "p1", 15);
      connection.sendFragmented(HelloCodec.encodeServerHello(reply), 7);
      received.add(FrameCodec.decode(connection.readBinary()));
      connection.sendFragmented(FrameCodec.encode(Frame.of(FrameKind.DATA, 41, new byte[300])), 100);
      connection.sendBinary(FrameCodec.encode(Frame.close(0, CloseReason.GUARDRAIL_TRIPPED)));
      connection.sendClose(CloseReason.GUARDRAIL_TRIPPED.wsCode(), "guardrail_tripped");
      connection.readBinary();
    })) {
      Recorder recorder = new Recorder();
      try (LifeguardClient client = client(recorder, server).build()) {
        client.connect().get(10, TimeUnit.SECONDS);
        client.send(new byte[] {1, 2, 3}).get(5, TimeUnit.SECONDS);
        Frame sent = received.poll(10, TimeUnit.SECONDS);
        assertEquals(Frame.of(FrameKind.DATA, 0, new byte[] {1, 2, 3}), sent);
        assertEquals("frame 41", recorder.await("frame"));
        assertArrayEquals(new byte[300], recorder.frames.get(0).body());
        assertEquals("close GUARDRAIL_TRIPPED", recorder.next());
        assertTrue(client.isStopped());
        assertFalse(client.isConnected());
        assertEquals(1, server.acceptedConnections());
        assertThrows(IllegalStateException.class, () -> client.send(new byte[1]));
      }
    }
  }

  @Test
  void reconnectsToTheNextNodeWithAFreshToken() throws Exception {
    BlockingQueue<String> tokensSeen = new LinkedBlockingQueue<>();
    try (TestWebSocketServer first = new TestWebSocketServer(connection -> {
      ClientHello hello = HelloCodec.decodeClientHello(connection.readBinary());
      tokensSeen.add(hello.token());
      connection.sendBinary(HelloCodec.encodeServerHello(
          new ServerHello(hello.clientNonce(), new byte[16], Compression.NONE, 0, "first", 15)));
      connection.sendClose(CloseReason.SERVER_SHUTDOWN.wsCode(), "server_shutdown");
      connection.readBinary();
    });
        TestWebSocketServer second = new TestWebSocketServer(connection -> {
          ClientHello hello = HelloCodec.decodeClientHello(connection.readBinary());
          tokensSeen.add(hello.token());
          connection.sendBinary(HelloCodec.encodeServerHello(
              new ServerHello(hello.clientNonce(), new byte[16], Compression.NONE, 0, "second", 15)));
          connection.readBinary();
        })) {
      Recorder recorder = new Recorder();
      AtomicInteger tokens = new AtomicInteger();
      try (LifeguardClient client = client(recorder, first, second)
          .tokenSupplier(() -> "token-" + tokens.incrementAndGet()).build()) {
        client.connect().get(10, TimeUnit.SECONDS);
        assertEquals("connected first", recorder.next());
        assertEquals("close SERVER_SHUTDOWN", recorder.next());
        assertEquals("reconnecting 1", recorder.next());
        assertEquals("connected second", recorder.next());
        assertEquals(List.of("token-1", "token-2"),
            List.of(tokensSeen.poll(5, TimeUnit.SECONDS), tokensSeen.poll(5, TimeUnit.SECONDS)));
      }
    }
  }

  @Test
  void handshakeTimeoutReconnects() throws Exception {
    try (TestWebSocketServer silent = new TestWebSocketServer(connection -> {
      connection.readBinary();
      connection.readBinary();
    })) {
      Recorder recorder = new Recorder();
      LifeguardClient client = client(recorder, silent).handshakeTimeout(Duration.ofMillis(300)).build();
      CompletableFuture<ServerHello> connected = client.connect();
      assertEquals("close HANDSHAKE_TIMEOUT", recorder.next());
      assertEquals("reconnecting 1", recorder.next());
      client.close();
      assertTrue(connected.isCompletedExceptionally() || recorder.await("close") != null);
    }
  }

  @Test
  void sendsHeartbeatsAndDeclaresASilentServerDead() throws Exception {
    BlockingQueue<FrameKind> kinds = new LinkedBlockingQueue<>();
    try (TestWebSocketServer server = new TestWebSocketServer(connection -> {
      answer(connection, "p1", 1, 0);
      for (byte[] message = connection.readBinary(); message != null; message = connection.readBinary()) {
        kinds.add(FrameCodec.decode(message).kind());
      }
    })) {
      Recorder recorder = new Recorder();
      try (LifeguardClient client = client(recorder, server).backoff(Duration.ofSeconds(5), Duration.ofSeconds(5)).build()) {
        client.connect().get(10, TimeUnit.SECONDS);
        assertEquals(FrameKind.HEARTBEAT, kinds.poll(5, TimeUnit.SECONDS));
        assertEquals("close HEARTBEAT_TIMEOUT", recorder.await("close"));
        assertEquals("reconnecting 1", recorder.next());
      }
    }
  }

  @Test
  void answersTheNodesHeartbeatsWhenGrantedAndSendsNoneOfItsOwn() throws Exception {
    BlockingQueue<Long> asked = new LinkedBlockingQueue<>();
    BlockingQueue<FrameKind> answers = new LinkedBlockingQueue<>();
    BlockingQueue<FrameKind> unprompted = new LinkedBlockingQueue<>();
    try (TestWebSocketServer server = new TestWebSocketServer(connection -> {
      ClientHello hello = HelloCodec.decodeClientHello(connection.readBinary());
      asked.add(hello.features());
      connection.sendBinary(HelloCodec.encodeServerHello(new ServerHello(hello.clientNonce(), new byte[16],
          Compression.NONE, FeatureBits.HEARTBEAT_ANSWER, "p1", 1)));
      // Each node heartbeat waits for its answer, so the exchange is not timed.
      for (int i = 0; i < 3; i++) {
        connection.sendBinary(FrameCodec.encode(LifeguardClient.heartbeatFrame(0)));
        answers.add(FrameCodec.decode(connection.readBinary()).kind());
      }
      // Then silence: the client must not beat on its own, and must declare the node dead.
      // (The CLOSE frame the client may send when it gives up is not a heartbeat: not counted.)
      for (byte[] message = connection.readBinary(); message != null; message = connection.readBinary()) {
        FrameKind kind = FrameCodec.decode(message).kind();
        if (kind == FrameKind.HEARTBEAT) unprompted.add(kind);
      }
    })) {
      Recorder recorder = new Recorder();
      try (LifeguardClient client = client(recorder, server).backoff(Duration.ofSeconds(5), Duration.ofSeconds(5)).build()) {
        client.connect().get(10, TimeUnit.SECONDS);
        assertEquals(FeatureBits.HEARTBEAT_ANSWER, asked.poll(5, TimeUnit.SECONDS));
        for (int i = 0; i < 3; i++) {
          assertEquals(FrameKind.HEARTBEAT, answers.poll(5, TimeUnit.SECONDS));
        }
        assertEquals("close HEARTBEAT_TIMEOUT", recorder.await("close"));
        assertTrue(unprompted.isEmpty(), "heartbeats the node did not ask for: " + unprompted);
      }
    }
  }

  @Test
  void textMessageEndsTheSessionWithUnsupportedData() throws Exception {
    try (TestWebSocketServer server = new TestWebSocketServer(connection -> {
      answer(connection, "p1", 15, 0);
      connection.sendText("hello?");
      connection.readBinary();
    })) {
      Recorder recorder = new Recorder();
      try (LifeguardClient client = client(recorder, server).build()) {
        client.connect().get(10, TimeUnit.SECONDS);
        assertEquals("close UNSUPPORTED_DATA", recorder.await("close"));
        assertTrue(client.isStopped());
      }
    }
  }
}
