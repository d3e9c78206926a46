package io.lifeguard.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Session affinity ({@code lifeguard.edge.session-affinity}): a socket moved to the I/O thread its
 * key maps to ({@link Outbound#moveTo}) ends up there with every other socket of that key, and
 * keeps working there: messages both ways in order, writes offered from other threads in order,
 * heartbeats written in place from its new thread, and the close handshake.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeSocketMoveTest {
  private static final ConstantFrame HEARTBEAT = ConstantFrame.binary(ByteString.fromArrayUnsafe(new byte[] {1, 2, 3}));
  private static final int FOREIGN_WRITES = 200;

  private final ActorTestKit kit = ActorTestKit.create();
  private final java.util.Map<String, CountDownLatch> terminated = new java.util.concurrent.ConcurrentHashMap<>();
  private EdgeServer server;
  private int port;

  @BeforeAll
  void start() {
    EdgeTestServer edge = EdgeTestServer.start(kit, new MoveRoute(), "5s", true);
    server = edge.server();
    port = edge.port();
  }

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  /**
   * "key:K" moves the socket to K's thread and answers "moved:FROM>TO" (thread names before and
   * after); "n:I" answers "I@THREAD"; "foreign" offers "f:0".."f:199" from a thread of no edge
   * loop; "hb" writes the heartbeat from the socket's I/O thread; "close:N" closes with N.
   */
  private final class MoveRoute implements EdgeRoute {
    @Override
    public boolean matches(List<String> segments) {
      return segments.equals(List.of("move"));
    }

    @Override
    public CompletionStage<EdgeUpgrade> upgrade(EdgeRequest request) {
      CountDownLatch ended = terminated.computeIfAbsent(request.query("id").orElse("-"), id -> new CountDownLatch(1));
      return CompletableFuture.completedFuture(new EdgeUpgrade.Accept(1024, 1024, out -> new SocketHandler() {
        @Override
        public CompletionStage<?> onMessage(WsIn message) {
          if (!(message instanceof WsIn.Text text)) return CompletableFuture.completedFuture(null);
          String t = text.text();
          String here = Thread.currentThread().getName();
          if (t.startsWith("key:")) {
            return out.moveTo(t.substring(4))
                .thenAccept(v -> out.offer(new WsOut.Text("moved:" + here + ">" + Thread.currentThread().getName())));
          }
          if (t.startsWith("n:")) {
            out.offer(new WsOut.Text(t.substring(2) + "@" + here));
          } else if (t.equals("foreign")) {
            Thread writer = new Thread(() -> {
              for (int i = 0; i < FOREIGN_WRITES; i++) out.offer(new WsOut.Text("f:" + i));
            }, "foreign-writer");
            writer.start();
          } else if (t.equals("hb")) {
            out.ioThread().execute(() -> out.offerConstant(HEARTBEAT));
          } else if (t.startsWith("close:")) {
            out.offer(new WsOut.Close(Integer.parseInt(t.substring(6)), "asked"));
          }
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void terminated() {
          ended.countDown();
        }
      }));
    }
  }

  private static final class Client implements WebSocket.Listener {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
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

  private Client connect(String id) {
    Client client = new Client();
    client.ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/move?id=" + id), client).orTimeout(10, TimeUnit.SECONDS).join();
    return client;
  }

  private static String threadOf(io.netty.channel.EventLoop loop) throws Exception {
    return loop.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
  }

  /** Two keys that map to different I/O threads. */
  private String[] twoKeysOnDifferentThreads() {
    String first = "session-0";
    for (int i = 1; i < 100; i++) {
      String other = "session-" + i;
      if (server.loopFor(other) != server.loopFor(first)) return new String[] {first, other};
    }
    throw new AssertionError("no two keys on different threads");
  }

  @Test
  void socketsOfOneKeyEndUpOnOneThreadAndKeepWorkingThere() throws Exception {
    String[] keys = twoKeysOnDifferentThreads();
    // Accepted sockets go to the two threads in turn; keys in pairs (a a b b a a b b) give each key
    // sockets accepted on both threads, so some of them must move.
    List<Client> clients = new ArrayList<>();
    List<String> keyOf = new ArrayList<>();
    Set<String> moves = new HashSet<>();
    for (int i = 0; i < 8; i++) {
      String key = keys[(i / 2) % 2];
      Client c = connect("k" + i);
      c.ws.sendText("key:" + key, true).join();
      String moved = c.next();
      assertTrue(moved.startsWith("moved:"), moved);
      String[] fromTo = moved.substring(6).split(">");
      assertEquals(threadOf(server.loopFor(key)), fromTo[1], "handled on the key's thread after the move");
      if (!fromTo[0].equals(fromTo[1])) moves.add(key);
      clients.add(c);
      keyOf.add(key);
    }
    assertEquals(2, moves.size(), "sockets of both keys were moved from the other thread");

    for (int i = 0; i < clients.size(); i++) {
      Client c = clients.get(i);
      String expectedThread = threadOf(server.loopFor(keyOf.get(i)));
      for (int n = 0; n < 50; n++) c.ws.sendText("n:" + n, true).join();
      for (int n = 0; n < 50; n++) assertEquals(n + "@" + expectedThread, c.next(), "in order, on the key's thread");

      c.ws.sendText("foreign", true).join();
      for (int n = 0; n < FOREIGN_WRITES; n++) assertEquals("f:" + n, c.next(), "writes from another thread in order");

      c.ws.sendText("hb", true).join();
      assertEquals("binary:3", c.next(), "the heartbeat written from the socket's new thread");

      c.ws.sendText("close:" + (4000 + i), true).join();
      assertEquals(4000 + i, c.closed.get(10, TimeUnit.SECONDS), "the close handshake after the move");
      assertTrue(terminated.get("k" + i).await(10, TimeUnit.SECONDS), "the handler heard the end");
    }
  }

  @Test
  void aClientThatLeavesRightAfterTheMoveIsStillForgotten() throws Exception {
    String[] keys = twoKeysOnDifferentThreads();
    for (int i = 0; i < 4; i++) {
      Client c = connect("gone" + i);
      c.ws.sendText("key:" + keys[i % 2], true).join();
      c.ws.abort();
      assertTrue(terminated.get("gone" + i).await(10, TimeUnit.SECONDS), "the handler heard the end");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.openSockets() > 0 && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
    assertEquals(0, server.openSockets());
  }
}
