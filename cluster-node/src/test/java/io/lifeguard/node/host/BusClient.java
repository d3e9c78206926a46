package io.lifeguard.node.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real {@link java.net.http.WebSocket} on a host bus that queues every frame it receives. */
public final class BusClient implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final WebSocket socket;

  private BusClient(URI uri) throws Exception {
    socket = HTTP.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          try {
            frames.add(Json.MAPPER.readTree(partial.toString()));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          partial.setLength(0);
        }
        ws.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
      }

      @Override
      public void onError(WebSocket ws, Throwable error) {
        closed.completeExceptionally(error);
      }
    }).get(10, TimeUnit.SECONDS);
  }

  public static BusClient connect(URI uri) throws Exception {
    return new BusClient(uri);
  }

  public BusClient send(String json) {
    socket.sendText(json, true).join();
    return this;
  }

  void sendBinary(byte[] bytes) {
    socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
  }

  /** The next frame, or a failure after 10 s. */
  JsonNode next() throws InterruptedException {
    JsonNode frame = frames.poll(10, TimeUnit.SECONDS);
    if (frame == null) throw new AssertionError("no frame within 10s");
    return frame;
  }

  /** The next frame, which must have this type. */
  public JsonNode expect(String type) throws InterruptedException {
    JsonNode frame = next();
    assertEquals(type, frame.path("type").asText(), "unexpected frame " + frame);
    return frame;
  }

  /**
   * The next reply of this type, skipping bus messages that interleave with replies (deliveries of
   * other actions); replies themselves keep their order. A null {@code type} takes any reply.
   */
  public JsonNode expectReply(String type) throws InterruptedException {
    JsonNode frame = next();
    while ("message".equals(frame.path("type").asText())) frame = next();
    if (type != null) assertEquals(type, frame.path("type").asText(), "unexpected frame " + frame);
    return frame;
  }

  /** Subscribes and waits for the confirmation. */
  BusClient subscribe(String namespace, String topic) throws InterruptedException {
    send("{\"type\":\"subscribe\",\"namespace\":\"" + namespace + "\",\"topic\":\"" + topic + "\"}");
    expect("subscribed");
    return this;
  }

  /** The WebSocket status the server closed with, or a failure if it did not close within {@code wait}. */
  public int awaitClosedByServer(Duration wait) throws Exception {
    return closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  public JsonNode poll(Duration wait) throws InterruptedException {
    return frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Drops the TCP connection without a close frame, as a crashed client or a cut cable would. */
  public void abort() {
    socket.abort();
  }

  @Override
  public void close() {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    try {
      closed.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      socket.abort();
    }
  }
}
