package io.lifeguard.node.bridge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A real {@code java.net.http.WebSocket} client for bridge tests: collects text messages, pongs and
 * the close. With {@code autoRead = false} it never requests messages until {@link #readAll()}, the
 * way a stalled client behaves.
 */
final class WsClient implements WebSocket.Listener {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The close the server sent, or an abnormal end. */
  record Closed(int status, String reason) {}

  final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  final BlockingQueue<ByteBuffer> pongs = new LinkedBlockingQueue<>();
  final CompletableFuture<Closed> closed = new CompletableFuture<>();
  private final boolean autoRead;
  private final Consumer<WebSocket> onOpen;
  private final StringBuilder partial = new StringBuilder();
  volatile WebSocket socket;

  private WsClient(boolean autoRead, Consumer<WebSocket> onOpen) {
    this.autoRead = autoRead;
    this.onOpen = onOpen;
  }

  static CompletableFuture<WsClient> open(URI uri, String authorization, boolean autoRead, Consumer<WebSocket> onOpen) {
    WsClient client = new WsClient(autoRead, onOpen);
    WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (authorization != null) builder.header("Authorization", authorization);
    return builder.buildAsync(uri, client).thenApply(ws -> client);
  }

  static WsClient connect(URI uri, String token) throws Exception {
    return open(uri, "Bearer " + token, true, ws -> {}).get(10, TimeUnit.SECONDS);
  }

  /** The HTTP status of a refused upgrade. */
  static int refusedStatus(CompletableFuture<WsClient> attempt) throws Exception {
    try {
      WsClient client = attempt.get(10, TimeUnit.SECONDS);
      client.socket.abort();
      throw new AssertionError("upgrade was accepted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) cause = cause.getCause();
      if (cause instanceof WebSocketHandshakeException h) return h.getResponse().statusCode();
      throw new AssertionError("upgrade failed without an HTTP status", cause);
    }
  }

  String next() throws InterruptedException {
    String message = messages.poll(10, TimeUnit.SECONDS);
    if (message == null) throw new AssertionError("no message within 10 s");
    return message;
  }

  Closed awaitClose() throws Exception {
    return closed.get(15, TimeUnit.SECONDS);
  }

  void send(String text) throws Exception {
    socket.sendText(text, true).get(5, TimeUnit.SECONDS);
  }

  /** Starts reading after a stall. */
  void readAll() {
    socket.request(Long.MAX_VALUE);
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    socket = webSocket;
    onOpen.accept(webSocket);
    if (autoRead) webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      messages.add(partial.toString());
      partial.setLength(0);
    }
    if (autoRead) webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    pongs.add(message);
    if (autoRead) webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(new Closed(statusCode, reason));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.completeExceptionally(error);
  }
}
