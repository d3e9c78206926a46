package io.lifeguard.node.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Deferred flushes ({@link DeferredFlushes}): writes an I/O thread makes while it reads a socket
 * leave at the end of that read, writes handed over from other threads at the end of the loop's
 * pass. Nothing written may stay unflushed: every frame of a burst read in one go reaches every
 * receiver, on either I/O thread, in order, and a write offered while nothing is being read leaves
 * too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeFlushTest {
  private static final int RECEIVERS = 3;
  private static final int BURST = 200;

  private final ActorTestKit kit = ActorTestKit.create();
  private final List<Outbound> receivers = new CopyOnWriteArrayList<>();
  private final CountDownLatch receiversStarted = new CountDownLatch(RECEIVERS);
  private int port;

  @BeforeAll
  void start() {
    EdgeTestServer edge = EdgeTestServer.start(kit, new FanRoute(), "5s", false);
    port = edge.port();
  }

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  /** "/fan?role=receive" registers the socket; every text message on "/fan?role=send" goes to each. */
  private final class FanRoute implements EdgeRoute {
    @Override
    public boolean matches(List<String> segments) {
      return segments.equals(List.of("fan"));
    }

    @Override
    public CompletionStage<EdgeUpgrade> upgrade(EdgeRequest request) {
      boolean receiver = request.query("role").orElse("").equals("receive");
      // A capacity above the burst: this test is about flushing, not about the drop policy.
      return CompletableFuture.completedFuture(new EdgeUpgrade.Accept(1024, 4 * BURST, out -> {
        if (receiver) {
          receivers.add(out);
          receiversStarted.countDown();
        }
        return new SocketHandler() {
          @Override
          public CompletionStage<?> onMessage(WsIn message) {
            if (message instanceof WsIn.Text text) {
              for (Outbound r : receivers) r.offer(new WsOut.Text(text.text()));
            }
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public void terminated() {}
        };
      }));
    }
  }

  private static final class Receiver implements WebSocket.Listener {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();

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

    String next() throws InterruptedException {
      String m = messages.poll(10, TimeUnit.SECONDS);
      if (m == null) throw new AssertionError("no message within 10 s: a write was left unflushed");
      return m;
    }
  }

  @Test
  void aBurstReadInOneGoReachesEveryReceiverInOrderAndALoneForeignWriteLeavesToo() throws Exception {
    List<Receiver> clients = new ArrayList<>();
    for (int i = 0; i < RECEIVERS; i++) {
      Receiver r = new Receiver();
      HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/fan?role=receive"), r).orTimeout(10, TimeUnit.SECONDS).join();
      clients.add(r);
    }
    assertTrue(receiversStarted.await(10, TimeUnit.SECONDS));

    // Accepted sockets alternate between the two I/O threads, so the sender shares its thread with
    // some receivers (written in place) and not with others (handed over as tasks).
    try (Socket sender = new Socket("127.0.0.1", port)) {
      sender.setSoTimeout(10_000);
      upgrade(sender);
      ByteArrayOutputStream burst = new ByteArrayOutputStream();
      for (int n = 0; n < BURST; n++) burst.write(maskedText("m:" + n));
      // One write: the node reads many frames per read, which is what its flushes are batched by.
      sender.getOutputStream().write(burst.toByteArray());
      sender.getOutputStream().flush();
      for (Receiver r : clients) {
        for (int n = 0; n < BURST; n++) assertEquals("m:" + n, r.next(), "every frame, in order");
      }
    }

    // From a thread of no event loop, while nothing is read: the loop's own flush task sends it.
    Thread foreign = new Thread(() -> receivers.get(0).offer(new WsOut.Text("alone")), "foreign-writer");
    foreign.start();
    foreign.join();
    assertEquals("alone", clients.get(0).next());
  }

  private void upgrade(Socket socket) throws Exception {
    String key = Base64.getEncoder().encodeToString("flush-test-key!!".getBytes(StandardCharsets.US_ASCII));
    String request = "GET /fan?role=send HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new AssertionError("closed during the upgrade: " + head);
      head.append((char) b);
    }
    assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
  }

  /** A final, masked (client-to-server) text frame; payloads here are under 126 bytes. */
  private static byte[] maskedText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {0x11, 0x22, 0x33, 0x44};
    byte[] frame = new byte[2 + 4 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    return frame;
  }
}
