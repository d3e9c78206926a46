package io.lifeguard.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The edge below any component, with a test route at {@code /echo}: message assembly and its limit,
 * one message at a time, pings, close codes, refusals and the request deadline, over real sockets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeServerTest {
  private static final int LIMIT = 1024;

  private final ActorTestKit kit = ActorTestKit.create();
  private final List<String> handled = Collections.synchronizedList(new ArrayList<>());
  private final java.util.Map<String, CountDownLatch> terminated = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile CompletableFuture<Done> gate = CompletableFuture.completedFuture(Done.getInstance());
  private EdgeServer server;
  private int port;

  @BeforeAll
  void start() {
    EdgeTestServer edge = EdgeTestServer.start(kit, new EchoRoute(), "1s", false);
    server = edge.server();
    port = edge.port();
  }

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  /** Echoes each message; a message "close:N" closes with code N; waits on {@link #gate} first. */
  private final class EchoRoute implements EdgeRoute {
    @Override
    public boolean matches(List<String> segments) {
      return segments.equals(List.of("echo"));
    }

    @Override
    public CompletionStage<EdgeUpgrade> upgrade(EdgeRequest request) {
      if (request.query("refuse").isPresent()) {
        return CompletableFuture.completedFuture(new EdgeUpgrade.Refuse(429, "rate_limited", "slow down"));
      }
      CountDownLatch ended = terminated.computeIfAbsent(request.query("id").orElse("-"), id -> new CountDownLatch(1));
      // Decided later, as the bridge does after Redis answers.
      return CompletableFuture.supplyAsync(() -> new EdgeUpgrade.Accept(LIMIT, 16, out -> new SocketHandler() {
        @Override
        public CompletionStage<?> onMessage(WsIn message) {
          handled.add(message.getClass().getSimpleName());
          if (message instanceof WsIn.TooBig) {
            out.offer(new WsOut.Close(1009, "too big"));
            return gate;
          }
          if (message instanceof WsIn.Text text) {
            if (text.text().startsWith("close:")) {
              out.offer(new WsOut.Close(Integer.parseInt(text.text().substring(6)), "asked"));
            } else {
              out.offer(new WsOut.Text(text.text()));
            }
          } else if (message instanceof WsIn.Binary binary) {
            out.offer(new WsOut.Binary(binary.data()));
          }
          return gate;
        }

        @Override
        public void terminated() {
          ended.countDown();
        }
      }), CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
    }
  }

  private static final class Client implements WebSocket.Listener {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    final CompletableFuture<ByteBuffer> pong = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    WebSocket ws;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        messages.add(text.toString());
        text.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      messages.add("binary:" + data.remaining());
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
      pong.complete(message);
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.completeExceptionally(error);
    }

    String next() throws InterruptedException {
      String m = messages.poll(10, TimeUnit.SECONDS);
      if (m == null) throw new AssertionError("no message within 10 s");
      return m;
    }
  }

  private Client connect() {
    return connect("-");
  }

  private Client connect(String id) {
    Client client = new Client();
    client.ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/echo?id=" + id), client).orTimeout(10, TimeUnit.SECONDS).join();
    return client;
  }

  @Test
  void fragmentsAreAssembledIntoOneMessageAndPingsAnswered() throws Exception {
    Client c = connect();
    c.ws.sendText("hello ", false).join();
    c.ws.sendText("world", true).join();
    assertEquals("hello world", c.next());
    c.ws.sendBinary(ByteBuffer.wrap(new byte[300]), false).join();
    c.ws.sendBinary(ByteBuffer.wrap(new byte[300]), true).join();
    assertEquals("binary:600", c.next());
    c.ws.sendPing(ByteBuffer.wrap("p".getBytes(StandardCharsets.UTF_8))).join();
    assertEquals("p", StandardCharsets.UTF_8.decode(c.pong.get(10, TimeUnit.SECONDS)).toString());
    c.ws.sendText("close:4001", true).join();
    assertEquals(4001, c.closed.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aMessageOverTheLimitReachesTheHandlerAsTooBigInOneFrameOrInFragments() throws Exception {
    Client single = connect();
    single.ws.sendBinary(ByteBuffer.wrap(new byte[LIMIT + 1]), true);
    assertEquals(1009, single.closed.get(10, TimeUnit.SECONDS));
    Client fragmented = connect();
    fragmented.ws.sendText("x".repeat(LIMIT), false).join();
    fragmented.ws.sendText("y", true).join();
    assertEquals(1009, fragmented.closed.get(10, TimeUnit.SECONDS));
    assertTrue(handled.contains("TooBig"), handled.toString());
  }

  @Test
  void theNextMessageWaitsUntilTheHandlerFinishedThePrevious() throws Exception {
    CompletableFuture<Done> held = new CompletableFuture<>();
    Client c = connect();
    gate = held;
    try {
      c.ws.sendText("first", true).join();
      assertEquals("first", c.next());
      c.ws.sendText("second", true).join();
      // "second" is on the wire but not delivered while "first" is being handled.
      assertEquals(null, c.messages.poll(300, TimeUnit.MILLISECONDS));
      gate = CompletableFuture.completedFuture(Done.getInstance());
      held.complete(Done.getInstance());
      assertEquals("second", c.next());
    } finally {
      gate = CompletableFuture.completedFuture(Done.getInstance());
      held.complete(Done.getInstance());
      c.ws.abort();
    }
  }

  @Test
  void aClientCloseIsEchoedAndTheHandlerHearsTheEnd() throws Exception {
    Client c = connect("closing");
    c.ws.sendClose(1000, "bye").join();
    assertEquals(1000, c.closed.get(10, TimeUnit.SECONDS));
    assertTrue(terminated.get("closing").await(10, TimeUnit.SECONDS), "handler told the socket ended");
  }

  @Test
  void invalidUtf8InATextFrameIsClosedWith1007() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      assertTrue(readHead(in).startsWith("HTTP/1.1 101"));
      // A masked text frame (FIN, opcode 1) whose payload C3 28 is not UTF-8; the mask is zero.
      out.write(new byte[] {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, (byte) 0xC3, 0x28});
      out.flush();
      int b0 = in.read();
      int len = in.read();
      assertEquals(0x88, b0, "a close frame");
      assertTrue(len >= 2);
      int code = (in.read() << 8) | in.read();
      assertEquals(1007, code);
    }
  }

  @Test
  void refusalsAreJsonWithTheRoutesStatusAndUnknownPathsAre404() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo?refuse=1"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(429, refused.statusCode());
    assertTrue(refused.body().contains("\"rate_limited\""), refused.body());
    assertEquals(400, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/nope")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void anOversizedRequestHeadIs400AndASilentConnectionIsClosedAfterTheRequestTimeout() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(4096) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertTrue(readHead(socket.getInputStream()).startsWith("HTTP/1.1 400"));
    }
    try (Socket silent = new Socket("127.0.0.1", port)) {
      silent.setSoTimeout(10_000);
      long started = System.nanoTime();
      assertEquals(-1, silent.getInputStream().read(), "closed without an answer");
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(tookMs >= 500 && tookMs < 9_000, "closed after " + tookMs + " ms (request-timeout 1s)");
    }
  }

  private static String readHead(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) break;
      head.append((char) b);
    }
    return head.toString();
  }
}
