package io.lifeguard.node.relay;

import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A relay client that speaks raw bytes over {@code java.net.http.WebSocket}, so tests can send
 * anything (garbage, text, oversized, a second hello) and see exactly what the node answers.
 * {@code autoRead=false} makes it a slow consumer: it never asks for more messages.
 */
final class RawRelayClient implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final SecureRandom RANDOM = new SecureRandom();

  final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closedWith = new CompletableFuture<>();
  final WebSocket socket;

  private RawRelayClient(WebSocket socket) {
    this.socket = socket;
  }

  static RawRelayClient connect(URI uri) {
    return connect(uri, true);
  }

  static RawRelayClient connect(URI uri, boolean autoRead) {
    Listener listener = new Listener(autoRead);
    WebSocket ws = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
        .buildAsync(uri, listener).orTimeout(10, TimeUnit.SECONDS).join();
    RawRelayClient client = new RawRelayClient(ws);
    listener.client = client;
    client.listener = listener;
    return client;
  }

  /** Sends a hello and returns the ServerHello; fails if the node closes instead. */
  ServerHello hello(String sessionId, String token, Role role) {
    return hello(sessionId, token, role, 0);
  }

  /** As {@link #hello(String, String, Role)}, asking for the feature bits {@code features}. */
  ServerHello hello(String sessionId, String token, Role role, long features) {
    sendHello(sessionId, token, role, features);
    byte[] reply = next();
    if (!HelloCodec.looksLikeHello(reply)) {
      throw new AssertionError("expected ServerHello, got " + describe(reply));
    }
    return HelloCodec.decodeServerHello(reply);
  }

  void sendHello(String sessionId, String token, Role role) {
    sendHello(sessionId, token, role, 0);
  }

  void sendHello(String sessionId, String token, Role role, long features) {
    byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
    RANDOM.nextBytes(nonce);
    sendBinary(HelloCodec.encodeClientHello(new ClientHello(sessionId, token, nonce, 1, Compression.NONE, role, features)));
  }

  void sendFrame(FrameKind kind, long seq, byte[] body) {
    sendBinary(FrameCodec.encode(Frame.of(kind, seq, body)));
  }

  void sendBinary(byte[] bytes) {
    socket.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(10, TimeUnit.SECONDS).join();
  }

  void sendText(String text) {
    socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
  }

  /** The next message, skipping server heartbeats; fails after 10 s. */
  byte[] next() {
    return next(Duration.ofSeconds(10));
  }

  byte[] next(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      byte[] message;
      try {
        message = received.poll(Math.max(left, 0), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      if (message == null) throw new AssertionError("no message within " + timeout);
      if (!HelloCodec.looksLikeHello(message) && FrameCodec.peekHeader(message).kind() == FrameKind.HEARTBEAT) continue;
      if (isProbe(message)) continue;
      return message;
    }
  }

  private static final byte[] PROBE = "route-probe".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private static boolean isProbe(byte[] message) {
    if (HelloCodec.looksLikeHello(message) || message.length != FrameCodec.HEADER_LENGTH + PROBE.length) return false;
    return java.util.Arrays.equals(message, FrameCodec.HEADER_LENGTH, message.length, PROBE, 0, PROBE.length);
  }

  /**
   * Waits until frames from this client reach {@code receiver}: a peer's ServerHello says it joined,
   * not that every other peer already routes to it (membership reaches them asynchronously).
   */
  void awaitRouteTo(RawRelayClient receiver) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      sendFrame(FrameKind.CONTROL, 0, PROBE);
      try {
        byte[] got = receiver.received.poll(100, TimeUnit.MILLISECONDS);
        if (got != null && isProbe(got)) return;
        if (got != null) receiver.received.add(got);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no route to the other peer within 10 s");
  }

  /**
   * Waits for the node's CLOSE frame and returns its reason, after checking that the WebSocket
   * itself then closed with the same status code.
   */
  CloseReason awaitCloseReason() {
    byte[] message = next();
    Frame frame = FrameCodec.decode(message);
    if (frame.kind() != FrameKind.CLOSE) throw new AssertionError("expected CLOSE, got " + frame);
    int status = closedWith.orTimeout(10, TimeUnit.SECONDS).join();
    if (status != frame.closeReason().wsCode()) {
      throw new AssertionError("CLOSE frame says " + frame.closeReason() + " (" + frame.closeReason().wsCode()
          + ") but the WebSocket closed with " + status);
    }
    return frame.closeReason();
  }

  boolean isClosed() {
    return closedWith.isDone();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    socket.abort();
  }

  static String describe(byte[] message) {
    try {
      return FrameCodec.decode(message).toString();
    } catch (RuntimeException e) {
      return message.length + " bytes";
    }
  }

  /** From now on nothing more is requested from the socket: the node sees a reader that stalled. */
  void pauseReading() {
    listener.paused = true;
  }

  private Listener listener;

  private static final class Listener implements WebSocket.Listener {
    private final boolean autoRead;
    volatile boolean paused;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    RawRelayClient client;

    Listener(boolean autoRead) {
      this.autoRead = autoRead;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      if (autoRead) webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      partial.writeBytes(chunk);
      if (last) {
        client.received.add(partial.toByteArray());
        partial.reset();
      }
      if (autoRead && !paused) webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      if (autoRead) webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      client.closedWith.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      client.closedWith.complete(-1);
    }
  }
}
