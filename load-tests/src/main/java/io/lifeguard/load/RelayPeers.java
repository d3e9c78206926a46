package io.lifeguard.load;

import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.CloseReason;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.client.Backoff;
import io.lifeguard.protocol.client.ReconnectPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sessions of two relay peers on the lean Netty generator ({@link EdgeClients}), each reconnecting
 * as docs/protocol.md §6.3 tells clients: the next URL of its list on every attempt, a full-jitter
 * delay from the protocol module's own {@link Backoff} and {@link ReconnectPolicy} (the Java
 * client's code), no reconnect after a close code that forbids it. Thousands of {@code
 * java.net.http} WebSockets cost this generator more CPU than the nodes it measured during a
 * failover storm; these cost a few microseconds per frame on one event-loop thread.
 *
 * <p>Peers {@code 2s} (host) and {@code 2s+1} (participant) form session {@code s}. DATA payload:
 * {@code u64 send nanoTime ‖ u32 sender index ‖ padding}; sender and receivers share this JVM's
 * clock, and every delivery goes to the {@link Listener}.
 */
final class RelayPeers implements AutoCloseable {
  /** What the measurement sees; called from the sender thread and the event loop. */
  interface Listener {
    /** A DATA frame the sender's socket accepted (sent at {@code sentNanos}, nanoTime). */
    void sent(int sender, long sentNanos);

    void delivered(int receiver, int sender, long sentNanos, long receivedNanos);

    /** A peer got its ServerHello on a connection to {@code node} (index into its node list). */
    void connected(int peer, int node, long nanos);
  }

  private static final int MIN_PAYLOAD = 12;
  private static final Pattern CLOSE_CODE = Pattern.compile("close_(\\d+)");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicInteger GENERATION = new AtomicInteger();

  final LongAdder established = new LongAdder();
  final LongAdder failedAttempts = new LongAdder();
  final LongAdder closes = new LongAdder();
  final LongAdder reconnects = new LongAdder();
  final LongAdder sent = new LongAdder();
  final LongAdder skipped = new LongAdder();
  final LatencyHistogram reconnect = new LatencyHistogram();
  final LatencyHistogram handshake = new LatencyHistogram();
  private final EdgeClients clients;
  private final List<Peer> peers = new ArrayList<>();
  private final List<URI> nodes;
  private final Backoff backoff;
  private final Duration handshakeTimeout;
  private final int payloadBytes;
  private final Listener listener;
  private volatile boolean closing;
  private volatile boolean stopSending;

  /**
   * @param nodes every node's relay URL; peer {@code i} tries {@code firstNode.apply(i)} first and
   *     then the others in an order of its own, as docs/protocol.md §6.3 tells clients (the peers
   *     of a killed node spread over the survivors instead of all moving to the same next one)
   */
  RelayPeers(Harness harness, int sessions, List<URI> nodes, IntFunction<Integer> firstNode, int payloadBytes,
      Backoff backoff, Duration handshakeTimeout, int threads, Listener listener) {
    this.clients = new EdgeClients(threads);
    this.nodes = nodes;
    this.backoff = backoff;
    this.handshakeTimeout = handshakeTimeout;
    this.payloadBytes = Math.max(MIN_PAYLOAD, payloadBytes);
    this.listener = listener;
    int generation = GENERATION.incrementAndGet();
    for (int s = 0; s < sessions; s++) {
      String sessionId = harness.runId + "-n" + generation + "-s" + s;
      for (Role role : List.of(Role.HOST, Role.PARTICIPANT)) {
        int index = peers.size();
        // One token per peer, minted before anything is timed and reused on reconnects: the node
        // keeps no token replay list, and minting 3,000 Ed25519 tokens in the storm would charge
        // the generator's signing to the failover.
        peers.add(new Peer(index, sessionId, role, harness.tokens.mint(sessionId, role), firstNode.apply(index)));
      }
    }
  }

  int size() {
    return peers.size();
  }

  static int partnerOf(int peer) {
    return peer ^ 1;
  }

  /** The node index a peer is connected or connecting to. */
  int nodeOf(int peer) {
    return peers.get(peer).node;
  }

  boolean isConnected(int peer) {
    return peers.get(peer).channel != null;
  }

  long connectedCount() {
    return peers.stream().filter(p -> p.channel != null).count();
  }

  long stoppedCount() {
    return peers.stream().filter(p -> p.stopped).count();
  }

  Map<String, Long> outcomeCounts() {
    return clients.outcomeCounts();
  }

  /**
   * First connections, at most {@code concurrency} handshakes at a time, bounded by the handshake
   * timeout each; a peer whose first attempt fails keeps trying on its own (with backoff).
   */
  void connectAll(int concurrency, Duration within) {
    java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(concurrency);
    long deadline = System.nanoTime() + within.toNanos();
    for (Peer peer : peers) {
      try {
        if (!permits.tryAcquire(handshakeTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("handshakes stalled");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      peer.attempt(permits::release);
    }
    while (connectedCount() < peers.size() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /**
   * Sends {@code ratePerPeer} DATA frames a second from every connected peer until {@code end}
   * (nanoTime), phases spread so the load is even; a peer whose socket is not writable skips its
   * turn (counted), so nothing queues without bound.
   */
  void send(double ratePerPeer, long end, int tickMillis) {
    long start = System.nanoTime();
    long[] due = new long[peers.size()];
    double phaseStep = 1.0 / Math.max(1, peers.size());
    while (!closing && !stopSending) {
      long now = System.nanoTime();
      if (now >= end) break;
      double elapsed = (now - start) / 1e9;
      for (int i = 0; i < due.length; i++) {
        long target = (long) (elapsed * ratePerPeer + i * phaseStep);
        while (due[i] < target) {
          due[i]++;
          peers.get(i).sendOne();
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(tickMillis));
    }
  }

  /** Ends {@link #send} at its next tick. */
  void stopSending() {
    stopSending = true;
  }

  @Override
  public void close() {
    closing = true;
    clients.close();
  }

  private static Integer closeCode(String detail) {
    Matcher m = CLOSE_CODE.matcher(detail == null ? "" : detail);
    return m.find() ? Integer.valueOf(m.group(1)) : null;
  }

  /** One relay peer: at most one connection at a time, and the reconnect loop around it. */


  private final class Peer {
    final int index;
    final String sessionId;
    final Role role;
    final String token;
    volatile int node;
    /** The nodes in this peer's own order, its first node first: the protocol client's rotation. */
    private final io.lifeguard.protocol.client.UrlRotation urls;
    volatile Channel channel;
    volatile boolean stopped;
    volatile long droppedAtNanos;
    private int failed;
    private long seq;
    private int connections;

    Peer(int index, String sessionId, Role role, String token, int firstNode) {
      this.index = index;
      this.sessionId = sessionId;
      this.role = role;
      this.token = token;
      int first = Math.floorMod(firstNode, nodes.size());
      List<URI> fromFirst = new java.util.ArrayList<>(nodes.subList(first, nodes.size()));
      fromFirst.addAll(nodes.subList(0, first));
      // Seeded per peer: runs are repeatable.
      this.urls = io.lifeguard.protocol.client.UrlRotation.shuffled(fromFirst, new java.util.Random(index));
      this.node = first;
    }

    /** One connection attempt to the next node; {@code done} runs once it has an outcome. */
    void attempt(Runnable done) {
      if (closing || stopped) {
        done.run();
        return;
      }
      int target = nodes.indexOf(urls.next());
      node = target;
      byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
      RANDOM.nextBytes(nonce);
      byte[] hello = HelloCodec.encodeClientHello(new ClientHello(sessionId, token, nonce, 1, Compression.NONE, role));
      long started = System.nanoTime();
      clients.open(new EdgeClients.Target(nodes.get(target), hello), handshakeTimeout, this::onFrame).whenComplete((ch, error) -> {
        done.run();
        if (error != null) {
          failedAttempts.increment();
          retry(error.getMessage());
          return;
        }
        long now = System.nanoTime();
        handshake.recordNanos(now - started);
        established.increment();
        synchronized (this) {
          failed = 0;
          seq = 0;
          connections++;
        }
        if (connections > 1) {
          reconnects.increment();
          if (droppedAtNanos != 0) reconnect.recordNanos(now - droppedAtNanos);
        }
        channel = ch;
        listener.connected(index, target, now);
        ch.closeFuture().addListener(f -> {
          channel = null;
          closes.increment();
          droppedAtNanos = System.nanoTime();
          EdgeClientHandler handler = ch.pipeline().get(EdgeClientHandler.class);
          retry(handler == null ? null : handler.closeDetail());
        });
      });
    }

    /** After a failed attempt or a dropped connection: back off, or stop if the code forbids it. */
    private void retry(String detail) {
      if (closing) return;
      Integer code = closeCode(detail);
      CloseReason reason = code == null ? CloseReason.TRY_AGAIN_LATER : CloseReason.fromWsCodeOrFallback(code);
      if (!ReconnectPolicy.shouldReconnect(reason)) {
        stopped = true;
        return;
      }
      int attempt;
      synchronized (this) {
        attempt = ++failed;
      }
      long delay = ReconnectPolicy.delay(reason, attempt, backoff).toMillis();
      clients.group().schedule(() -> attempt(() -> {}), delay, TimeUnit.MILLISECONDS);
    }

    void sendOne() {
      Channel ch = channel;
      if (ch == null) return;
      if (!ch.isWritable()) {
        skipped.increment();
        return;
      }
      long now = System.nanoTime();
      byte[] payload = new byte[payloadBytes];
      java.nio.ByteBuffer.wrap(payload).putLong(now).putInt(index);
      long s;
      synchronized (this) {
        s = seq;
        seq = (seq + 1) & Frame.MAX_SEQ;
      }
      byte[] frame = FrameCodec.encode(Frame.of(FrameKind.DATA, s, payload));
      ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame))).addListener(f -> {
        if (f.isSuccess()) {
          sent.increment();
          listener.sent(index, now);
        }
      });
    }

    private void onFrame(ByteBuf message) {
      long now = System.nanoTime();
      int start = message.readerIndex();
      // Byte 1 is the frame kind; only DATA carries the generator's timestamped payload.
      if (message.readableBytes() < FrameCodec.HEADER_LENGTH + MIN_PAYLOAD
          || message.getUnsignedByte(start + 1) != FrameKind.DATA.code()) return;
      long sentAt = message.getLong(start + FrameCodec.HEADER_LENGTH);
      int sender = message.getInt(start + FrameCodec.HEADER_LENGTH + 8);
      listener.delivered(index, sender, sentAt, now);
    }
  }
}
