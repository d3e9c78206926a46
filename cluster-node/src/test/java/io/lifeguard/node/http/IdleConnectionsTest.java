package io.lifeguard.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.TestNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The node's own HTTP idle timeout (pekko-http's is off on the main port): idle HTTP connections are
 * closed by the shared sweep, upgraded WebSockets are left to their own protocol.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdleConnectionsTest {
  private static final Duration IDLE = Duration.ofSeconds(2);
  private TestNode node;

  @BeforeAll
  void start() {
    // A long hello deadline, so only the HTTP idle timeout could close a WebSocket that sends nothing.
    node = TestNode.start(Map.of("lifeguard.http.idle-timeout", IDLE.toSeconds() + "s",
        "lifeguard.relay.hello-timeout", "60s")).awaitReady();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void aConnectionThatNeverSendsARequestIsClosed() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.httpPort())) {
      assertClosedByServer(socket, IDLE.plusSeconds(8));
    }
  }

  @Test
  void aKeepAliveConnectionIsClosedOnceIdleAndServedUntilThen() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.httpPort())) {
      OutputStream out = socket.getOutputStream();
      for (int i = 0; i < 2; i++) {
        out.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertTrue(readResponseHead(socket).startsWith("HTTP/1.1 200"), "request " + i + " answered");
      }
      assertClosedByServer(socket, IDLE.plusSeconds(8));
    }
  }

  @Test
  void anUpgradedWebSocketOutlivesTheIdleTimeout() throws Exception {
    CompletableFuture<Integer> closed = new CompletableFuture<>();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(node.wsUri("/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
          }

          @Override
          public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
          }
        }).orTimeout(10, TimeUnit.SECONDS).join();
    try {
      // Three idle timeouts without a byte either way: pekko-http's idle timeout would have closed it.
      long until = System.nanoTime() + IDLE.multipliedBy(3).toNanos();
      while (System.nanoTime() < until && !closed.isDone()) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
      assertFalse(closed.isDone(), "WebSocket closed after " + IDLE.multipliedBy(3) + ": " + closed.getNow(null));
    } finally {
      ws.abort();
    }
  }

  @Test
  void rejectsANonPositiveTimeout() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> IdleConnections.start(node.system(), Duration.ZERO));
  }

  private static void assertClosedByServer(Socket socket, Duration within) throws IOException {
    long started = System.nanoTime();
    socket.setSoTimeout((int) within.toMillis());
    InputStream in = socket.getInputStream();
    int read;
    try {
      read = in.read();
      while (read != -1) read = in.read();
    } catch (SocketTimeoutException e) {
      throw new AssertionError("server did not close the idle connection within " + within);
    } catch (IOException reset) {
      read = -1; // a reset is a close too
    }
    assertEquals(-1, read);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(tookMillis >= IDLE.toMillis() - 500, "closed after " + tookMillis + " ms, before the idle timeout");
  }

  private static String readResponseHead(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b == -1) throw new AssertionError("connection closed in the response head: " + head);
      head.append((char) b);
    }
    String text = head.toString();
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    in.readNBytes(length);
    return text;
  }
}
