package io.lifeguard.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Paced senders and counting receivers on {@link EdgeClients} sockets, for the edge fan-out and
 * bridge benchmarks. Each sender writes {@link Payload}s with its own sequence numbers from its
 * socket's event loop at a fixed rate; each receiver checks the sequence of the one sender it
 * listens to (gaps are lost frames, a step back is a reorder) and records the latency from the
 * send timestamp (one JVM, one clock). A phase is bounded by its duration and a drain deadline.
 */
final class FanoutTraffic implements AutoCloseable {
  /** How a server wants a payload sent: its wire message around the payload. */
  interface Encoder {
    Object message(long seq, byte[] payload);
  }

  /** One phase's figures. */
  record Phase(double seconds, long sent, long expected, long delivered, long gaps, long reordered, long serverTicks,
      long generatorTicks, LatencyHistogram latency, String loadavg) {
    Map<String, Object> asMap(double targetPerSecond) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("target_deliveries_per_second", Math.round(targetPerSecond));
      m.put("loadavg", loadavg);
      m.put("seconds", EdgeBenchScenario.round(seconds, 2));
      m.put("sent", sent);
      m.put("expected_deliveries", expected);
      m.put("delivered", delivered);
      m.put("lost", Math.max(0, expected - delivered));
      m.put("sequence_gaps", gaps);
      m.put("reordered", reordered);
      m.put("deliveries_per_second", Math.round(delivered / seconds));
      m.put("server_cpu_pct_of_core", ProcessProbe.percentOfOneCore(0, serverTicks, (long) (seconds * 1e9)));
      m.put("generator_cpu_pct_of_core", ProcessProbe.percentOfOneCore(0, generatorTicks, (long) (seconds * 1e9)));
      m.put("cpu_us_per_delivery", delivered == 0 ? null
          : EdgeBenchScenario.round(serverTicks * (1e6 / ProcessProbe.TICKS_PER_SECOND) / delivered, 2));
      m.put("latency", latency.summaryMillis());
      return m;
    }
  }

  final LongAdder sent = new LongAdder();
  final LongAdder received = new LongAdder();
  final LongAdder gaps = new LongAdder();
  final LongAdder reordered = new LongAdder();
  final LatencyHistogram latency = new LatencyHistogram();
  private final long epoch = System.nanoTime();
  private final int bytes;
  private final int payloadOffset;
  private final Encoder encoder;
  private final List<Sender> senders = new ArrayList<>();
  private volatile boolean recording;

  /**
   * {@code bytes}: the payload size; {@code payloadOffset}: where the payload starts in what a
   * receiver gets (the relay's frame header).
   */
  FanoutTraffic(int bytes, int payloadOffset, Encoder encoder) {
    this.bytes = bytes;
    this.payloadOffset = payloadOffset;
    this.encoder = encoder;
  }

  /** A sink for one receiver socket; it listens to one sender's sequence. */
  EdgeClients.FrameSink receiver() {
    long[] last = {-1};
    return content -> {
      if (!Payload.looksLike(content, payloadOffset)) return;
      long seq = Payload.seq(content, payloadOffset);
      long sentAt = Payload.nanos(content, payloadOffset);
      received.increment();
      if (seq > last[0] + 1) gaps.add(seq - last[0] - 1);
      if (seq <= last[0]) reordered.increment();
      else last[0] = seq;
      if (recording) latency.recordNanos(System.nanoTime() - epoch - sentAt);
    };
  }

  void addSender(Channel channel) {
    senders.add(new Sender(channel));
  }

  int senders() {
    return senders.size();
  }

  /**
   * Sends {@code framesPerSecond} in total, spread evenly over the senders, for {@code duration};
   * then waits (at most {@code drain}) until every receiver of {@code fanout} per frame heard it.
   */
  Phase run(double framesPerSecond, int fanout, Duration duration, Duration drain, ProcessProbe server, ProcessProbe self,
      boolean record) {
    long sent0 = sent.sum();
    long received0 = received.sum();
    long gaps0 = gaps.sum();
    long reordered0 = reordered.sum();
    latency.reset();
    recording = record;
    String load = ProcessProbe.loadAverage();
    long ticks0 = server.cpuTicks();
    long self0 = self.cpuTicks();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    double perSender = framesPerSecond / Math.max(1, senders.size());
    long periodNanos = Math.max(1_000, (long) (1e9 / perSender));
    List<ScheduledFuture<?>> pacers = new ArrayList<>(senders.size());
    for (int i = 0; i < senders.size(); i++) {
      Sender s = senders.get(i);
      long first = periodNanos * i / senders.size();
      pacers.add(s.channel.eventLoop().scheduleAtFixedRate(() -> s.tick(end), first, periodNanos, TimeUnit.NANOSECONDS));
    }
    LockSupport.parkNanos(Math.max(0, end - System.nanoTime()));
    for (ScheduledFuture<?> p : pacers) p.cancel(false);
    // A pacer task already running finishes on its loop; give the loops a moment to pass it.
    for (Sender s : senders) CompletableFuture.runAsync(() -> {}, s.channel.eventLoop()).orTimeout(5, TimeUnit.SECONDS)
        .exceptionally(e -> null).join();
    long sendNanos = System.nanoTime() - start;
    long expected = (sent.sum() - sent0) * fanout;
    long deadline = System.nanoTime() + drain.toNanos();
    while (System.nanoTime() < deadline && received.sum() - received0 < expected) LockSupport.parkNanos(5_000_000L);
    long ticks = server.cpuTicks() - ticks0;
    long selfTicks = self.cpuTicks() - self0;
    recording = false;
    return new Phase(sendNanos / 1e9, sent.sum() - sent0, expected, received.sum() - received0, gaps.sum() - gaps0,
        reordered.sum() - reordered0, ticks, selfTicks, latency.copy(), load);
  }

  @Override
  public void close() {
    senders.clear();
  }

  private final class Sender {
    final Channel channel;
    long seq;

    Sender(Channel channel) {
      this.channel = channel;
    }

    /** Runs on the channel's loop: one frame, unless the phase is over or the socket stopped draining. */
    void tick(long end) {
      if (System.nanoTime() >= end || !channel.isActive()) return;
      byte[] payload = Payload.encode(seq++, System.nanoTime() - epoch, bytes);
      channel.writeAndFlush(encoder.message(seq - 1, payload));
      sent.increment();
    }
  }

  /** The relay's wire frame around a payload: binary. */
  static Object binary(byte[] message) {
    return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message));
  }

  /** A payload as a text frame (nchan, the bridge). */
  static Object text(byte[] payload) {
    ByteBuf buf = Unpooled.wrappedBuffer(payload);
    return new TextWebSocketFrame(buf);
  }
}
