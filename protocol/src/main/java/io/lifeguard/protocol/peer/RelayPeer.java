package io.lifeguard.protocol.peer;

import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.ProtocolException;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import io.lifeguard.protocol.client.ClientListener;
import io.lifeguard.protocol.client.GapDetector;
import io.lifeguard.protocol.client.LifeguardClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A runnable relay peer on the Java client library, for trying the relay from two terminals and
 * for tests of other clients against this one: each stdin line becomes a DATA frame, each frame
 * received is printed as one line on stdout, and connection events go to stderr as
 * {@code peer: <event> ...} lines. Run it with
 * {@code java -cp lifeguard-node.jar io.lifeguard.protocol.peer.RelayPeer --help} or
 * {@code ./lifeguard peer ...}.
 */
public final class RelayPeer {
  private RelayPeer() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(PeerOptions.USAGE);
      return;
    }
    PeerOptions options;
    try {
      options = PeerOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("peer: " + e.getMessage());
      System.err.println(PeerOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.urls().isEmpty()) {
      try {
        URI url = TokenMinter.relayUrl(options.node());
        System.err.println("peer: relay at " + url);
        options = options.withUrls(List.of(url));
      } catch (IllegalStateException e) {
        System.err.println("peer: " + e.getMessage() + " (start a node with ./lifeguard run, or give --url)");
        System.exit(2);
        return;
      }
    }
    System.exit(run(options));
  }

  static int run(PeerOptions options) throws InterruptedException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PrintStream events = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stdinEnded = new AtomicBoolean();
    LifeguardClient.Builder builder = LifeguardClient.builder()
        .urls(options.urls())
        .sessionId(options.sessionId())
        .role(Role.fromWire(options.role()))
        .tokenSupplier(tokens(options, events))
        .listener(new Printer(out, events, stopped));
    options.psk().ifPresent(builder::preSharedKey);
    LifeguardClient client = builder.build();
    client.connect().exceptionally(error -> null);
    Thread reader = new Thread(() -> forwardStdin(client, events, stdinEnded, stopped), "relay-peer-stdin");
    reader.setDaemon(true);
    reader.start();
    stopped.await();
    return stdinEnded.get() ? 0 : 1;
  }

  /** Sends each stdin line; at end of input closes the client (which then reports NORMAL). */
  private static void forwardStdin(LifeguardClient client, PrintStream events, AtomicBoolean ended, CountDownLatch stopped) {
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      for (String line; (line = stdin.readLine()) != null; ) {
        if (!client.isConnected()) {
          events.println("peer: dropped (not connected) " + line.length() + " chars");
          continue;
        }
        client.send(line.getBytes(StandardCharsets.UTF_8)).exceptionally(error -> {
          events.println("peer: send failed " + error.getMessage());
          return null;
        });
      }
    } catch (IOException e) {
      events.println("peer: stdin failed: " + e.getMessage());
    }
    ended.set(true);
    client.close();
    try {
      // close() without an open connection reports no close: do not wait for one for long.
      stopped.await(3, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopped.countDown();
  }

  private static Supplier<String> tokens(PeerOptions options, PrintStream events) {
    if (options.token().isPresent()) {
      String token = options.token().get();
      return () -> token;
    }
    TokenMinter minter = new TokenMinter(options.node(), options.serviceSecret(),
        options.sessionId(), options.role());
    return () -> {
      try {
        return minter.mint();
      } catch (IllegalStateException e) {
        events.println("peer: " + e.getMessage());
        throw e;
      }
    };
  }

  /** Prints what the client reports: payloads on stdout, everything else on stderr. */
  private record Printer(PrintStream out, PrintStream events, CountDownLatch stopped) implements ClientListener {
    @Override
    public void onConnected(ServerHello hello) {
      events.println("peer: joined peer_id=" + hello.peerId() + " heartbeat=" + hello.heartbeatIntervalSeconds() + "s");
    }

    @Override
    public void onMessage(String peerId, FrameKind kind, byte[] plaintext) {
      out.println(new String(plaintext, StandardCharsets.UTF_8));
    }

    @Override
    public void onFrame(Frame frame) {
      out.println(new String(frame.body(), StandardCharsets.UTF_8));
    }

    @Override
    public void onPeerAnnounced(String peerId) {
      events.println("peer: peer " + peerId + " announced its key");
    }

    @Override
    public void onGap(String peerId, GapDetector.Gap gap) {
      events.println("peer: gap from " + peerId + ": " + gap.missing() + " frame(s) lost");
    }

    @Override
    public void onPeerFrameRejected(ProtocolException error) {
      events.println("peer: dropped a frame: " + error.getMessage());
    }

    @Override
    public void onClose(CloseReason reason) {
      events.println("peer: closed " + reason.wireName() + " (" + reason.wsCode() + ")"
          + (reason.reconnect() ? "" : ", not reconnecting"));
      if (!reason.reconnect()) {
        stopped.countDown();
      }
    }

    @Override
    public void onReconnecting(int attempt, Duration delay) {
      events.println("peer: reconnecting in " + delay.toMillis() + " ms (attempt " + attempt + ")");
    }
  }
}
