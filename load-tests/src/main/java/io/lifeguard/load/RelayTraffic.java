package io.lifeguard.load;

import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.ServerHello;
import io.lifeguard.protocol.client.ClientListener;
import io.lifeguard.protocol.client.LifeguardClient;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Sessions of relay peers driven through {@link LifeguardClient}: connects them with bounded
 * concurrency, sends timestamped DATA frames at a fixed rate, and records end-to-end latency at
 * every receiver (sender and receivers share this JVM's {@code nanoTime}).
 *
 * <p>Payload layout: {@code u64 send nanoTime ‖ u32 sender index ‖ padding}.
 */
final class RelayTraffic implements AutoCloseable {
  static final int MIN_PAYLOAD = 12;
  /** Distinguishes the sessions of successive traffic sets: a closed host ends its session for good. */
  private static final AtomicInteger GENERATION = new AtomicInteger();
  /** Sends not yet accepted by a peer's WebSocket before the generator skips that peer's next frame. */
  private static final int MAX_IN_FLIGHT = 64;

  final LatencyHistogram latency = new LatencyHistogram();
  final LatencyHistogram handshake = new LatencyHistogram();
  final LatencyHistogram reconnect = new LatencyHistogram();
  final LongAdder sent = new LongAdder();
  final LongAdder sendFailed = new LongAdder();
  final LongAdder skipped = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder established = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder closes = new LongAdder();
  final LongAdder reconnects = new LongAdder();
  final LongAdder failedAttempts = new LongAdder();
  /** Why connections ended or failed, by close reason or exception: tells a limit from a bug. */
  final java.util.concurrent.ConcurrentHashMap<String, LongAdder> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
  volatile boolean recordLatency;
  volatile long latencyFloorNanos = Long.MIN_VALUE;

  private final Harness harness;
  private final List<Peer> peers = new ArrayList<>();
  private final int payloadBytes;

  /**
   * @param urlsOfPeer node URLs for peer {@code i} (its first is tried first)
   */
  RelayTraffic(Harness harness, int sessions, int peersPerSession, int payloadBytes,
      java.util.function.IntFunction<List<URI>> urlsOfPeer, Duration backoffBase, Duration backoffMax) {
    this.harness = harness;
    this.payloadBytes = Math.max(MIN_PAYLOAD, payloadBytes);
    GENERATION.incrementAndGet();
    for (int s = 0; s < sessions; s++) {
      String sessionId = harness.runId + "-g" + GENERATION.get() + "-s" + s;
      for (int k = 0; k < peersPerSession; k++) {
        int index = peers.size();
        Role role = k == 0 ? Role.HOST : Role.PARTICIPANT;
        peers.add(new Peer(index, sessionId, role, urlsOfPeer.apply(index), backoffBase, backoffMax));
      }
    }
  }

  int size() {
    return peers.size();
  }

  List<Peer> peers() {
    return peers;
  }

  /**
   * Connects every peer, at most {@code concurrency} handshakes at a time; a peer not connected
   * within {@code timeout} is closed and counted as failed. Returns the wall time taken.
   */
  long connectAll(int concurrency, Duration timeout) {
    Semaphore permits = new Semaphore(concurrency);
    long start = System.nanoTime();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (Peer peer : peers) {
      try {
        if (!permits.tryAcquire(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) throw new IllegalStateException("handshakes stalled");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      pending.add(peer.connect(timeout).whenComplete((ok, error) -> permits.release()));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((a, b) -> null)
        .orTimeout(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS).handle((a, b) -> null).join();
    return System.nanoTime() - start;
  }

  /**
   * Sends {@code ratePerPeer} frames per second from every connected peer for {@code duration},
   * ticking every {@code tickMillis}. A peer whose WebSocket has {@value #MAX_IN_FLIGHT} sends
   * outstanding skips its turn (counted): the generator never queues without bound.
   */
  void send(double ratePerPeer, Duration duration, int tickMillis, int threads) {
    long start = System.nanoTime();
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int stripe = t;
      Thread sender = new Thread(() -> sendStripe(stripe, threads, start, ratePerPeer, duration, tickMillis), "sender-" + t);
      sender.setDaemon(true);
      sender.start();
      senders.add(sender);
    }
    for (Thread sender : senders) {
      try {
        sender.join(duration.toMillis() + 10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void sendStripe(int stripe, int stripes, long start, double ratePerPeer, Duration duration, int tickMillis) {
    long end = start + duration.toNanos();
    long[] due = new long[peers.size()];
    double phaseStep = 1.0 / Math.max(1, peers.size());
    while (true) {
      long now = System.nanoTime();
      if (now >= end) break;
      double elapsed = (now - start) / 1e9;
      for (int i = stripe; i < due.length; i += stripes) {
        long target = (long) (elapsed * ratePerPeer + i * phaseStep);
        Peer peer = peers.get(i);
        while (due[i] < target) {
          due[i]++;
          peer.sendOne();
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(tickMillis));
    }
  }

  /** Waits until deliveries stop growing for 500 ms, or {@code max} passed. */
  void drain(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    long last = -1;
    while (System.nanoTime() < deadline) {
      long now = delivered.sum();
      if (now == last) return;
      last = now;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
    }
  }

  void count(String outcome) {
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  java.util.Map<String, Long> outcomeCounts() {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    outcomes.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  long connectedCount() {
    return peers.stream().filter(p -> p.client != null && p.client.isConnected()).count();
  }

  @Override
  public void close() {
    for (Peer peer : peers) {
      if (peer.client != null) peer.client.close();
    }
  }

  /** One relay connection (a LifeguardClient that reconnects by itself) and its bookkeeping. */
  final class Peer implements ClientListener {
    final int index;
    final String sessionId;
    final Role role;
    final List<URI> urls;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    volatile long lastCloseNanos;
    volatile boolean connectedNow;
    volatile long lastDeliveryNanos;
    volatile LifeguardClient client;
    private final Duration backoffBase;
    private final Duration backoffMax;

    Peer(int index, String sessionId, Role role, List<URI> urls, Duration backoffBase, Duration backoffMax) {
      this.index = index;
      this.sessionId = sessionId;
      this.role = role;
      this.urls = urls;
      this.backoffBase = backoffBase;
      this.backoffMax = backoffMax;
    }

    CompletableFuture<ServerHello> connect(Duration timeout) {
      client = LifeguardClient.builder().urls(urls).sessionId(sessionId).role(role)
          .tokenSupplier(harness.tokens.premintedSupplier(sessionId, role))
          .httpClient(harness.httpClient()).handshakeTimeout(timeout).backoff(backoffBase, backoffMax)
          .listener(this).build();
      long start = System.nanoTime();
      return client.connect().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((hello, error) -> {
        if (error == null) {
          handshake.recordNanos(System.nanoTime() - start);
          established.increment();
        } else {
          failed.increment();
          Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
          count("connect_failed:" + cause.getClass().getSimpleName()
              + (cause instanceof LifeguardClient.ClosedException closed ? ":" + closed.reason().wireName() : ""));
          client.close();
        }
      });
    }

    void sendOne() {
      LifeguardClient c = client;
      if (c == null || !c.isConnected()) return;
      if (inFlight.get() >= MAX_IN_FLIGHT) {
        skipped.increment();
        return;
      }
      ByteBuffer payload = ByteBuffer.allocate(payloadBytes);
      payload.putLong(System.nanoTime()).putInt(index);
      inFlight.incrementAndGet();
      try {
        c.send(payload.array()).whenComplete((ok, error) -> {
          inFlight.decrementAndGet();
          if (error == null) sent.increment(); else sendFailed.increment();
        });
      } catch (IllegalStateException notConnected) {
        inFlight.decrementAndGet();
        sendFailed.increment();
      }
    }

    @Override
    public void onFrame(Frame frame) {
      long now = System.nanoTime();
      byte[] body = frame.body();
      if (body.length < MIN_PAYLOAD) return;
      long sentAt = ByteBuffer.wrap(body).getLong();
      delivered.increment();
      lastDeliveryNanos = sentAt;
      if (recordLatency && sentAt >= latencyFloorNanos) latency.recordNanos(now - sentAt);
    }

    @Override
    public void onConnected(ServerHello hello) {
      connectedNow = true;
      if (connections.incrementAndGet() > 1) {
        reconnects.increment();
        long closedAt = lastCloseNanos;
        if (closedAt != 0) reconnect.recordNanos(System.nanoTime() - closedAt);
      }
    }

    @Override
    public void onClose(CloseReason reason) {
      count("closed:" + reason.wireName());
      // A close of a live connection starts a disconnect episode; closes of later attempts that
      // never reached a ServerHello (a dead node, say) are failed attempts within that episode.
      if (connectedNow) {
        connectedNow = false;
        closes.increment();
        lastCloseNanos = System.nanoTime();
      } else if (connections.get() > 0) {
        failedAttempts.increment();
      }
    }
  }
}
