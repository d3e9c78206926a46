package io.lifeguard.node.cluster;

import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import io.lifeguard.protocol.client.ClientListener;
import io.lifeguard.protocol.client.LifeguardClient;
import io.lifeguard.protocol.token.TokenSigner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A relay client (the protocol library's {@link LifeguardClient}) that keeps what it received and
 * what happened to its connection, with times relative to a mark the test sets when it injects a
 * fault, so a fault test can report what a client saw.
 */
final class ObservedClient implements AutoCloseable {
  final String name;
  final LifeguardClient client;
  final LinkedBlockingQueue<String> inbox = new LinkedBlockingQueue<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final java.util.Map<String, Double> received = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile long markNanos = System.nanoTime();
  private volatile CloseReason firstCloseAfterMark;
  private volatile double firstCloseSeconds = -1;

  private ObservedClient(String name, TokenSigner signer, String session, Role role, List<URI> urls) {
    this.name = name;
    this.client = RelayTestClients.builder(signer, session, role, urls).listener(new ClientListener() {
      @Override
      public void onFrame(Frame frame) {
        String text = new String(frame.body(), StandardCharsets.UTF_8);
        received.putIfAbsent(text, sinceMark());
        inbox.add(text);
      }

      @Override
      public void onConnected(ServerHello hello) {
        event("connected as " + hello.peerId());
      }

      @Override
      public void onClose(CloseReason reason) {
        if (firstCloseAfterMark == null) {
          firstCloseSeconds = sinceMark();
          firstCloseAfterMark = reason;
        }
        event("closed: " + reason);
      }

      @Override
      public void onReconnecting(int attempt, Duration delay) {
        event("reconnecting, attempt " + attempt + " in " + delay.toMillis() + " ms");
      }
    }).build();
  }

  /** Connects to the first of {@code urls} that accepts; the others are where it reconnects. */
  static ObservedClient connect(String name, TokenSigner signer, String session, Role role, List<URI> urls)
      throws Exception {
    ObservedClient observed = new ObservedClient(name, signer, session, role, urls);
    observed.client.connect().get(30, TimeUnit.SECONDS);
    return observed;
  }

  /** Sets time zero (the fault) and forgets earlier events. */
  void mark(long nanos) {
    markNanos = nanos;
    events.clear();
    firstCloseAfterMark = null;
    firstCloseSeconds = -1;
  }

  double sinceMark() {
    return (System.nanoTime() - markNanos) / 1e9;
  }

  /** The first close since the mark, or null if the connection never ended. */
  CloseReason firstClose() {
    return firstCloseAfterMark;
  }

  double firstCloseSeconds() {
    return firstCloseSeconds;
  }

  private void event(String what) {
    events.add(String.format("  %6.2f s  %s %s", sinceMark(), name, what));
  }

  /** Sends {@code text} once, as a client would during a fault, without retrying. */
  void sendOnce(String text) {
    client.send(text.getBytes(StandardCharsets.UTF_8)).exceptionally(e -> null);
  }

  /** "delivered at N s" if {@code text} ever arrived (seconds after the mark), else "lost". */
  String fate(String text) {
    Double at = received.get(text);
    return at == null ? "lost" : String.format("delivered at %.2f s", at);
  }

  /** What happened to the connection since the mark, one line each. */
  String events() {
    return events.isEmpty() ? "  (no connection events for " + name + ")\n" : String.join("\n", events) + "\n";
  }

  @Override
  public void close() {
    client.close();
  }
}
