package io.lifeguard.load;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.WebSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Fan-out through the Redis bridge: S sessions of K WebSocket clients on
 * {@code /{agent_id}/ws/{session_id}} (one-time tokens SET in the harness's private Redis), each
 * sending R JSON messages per second; an in-harness worker echoes every {@code :up} message on
 * {@code :down}, which reaches all K sockets of the session. Reports the round trip (client, node,
 * Redis, worker, Redis, node, client) at every receiver.
 */
final class BridgeScenario {
  private static final SecureRandom RANDOM = new SecureRandom();

  private BridgeScenario() {}

  static int run(Harness h) {
    Flags f = h.flags;
    int sessions = f.integer("sessions", 100);
    int peers = f.integer("peers", 1);
    double rate = f.decimal("rate", 10);
    int bytes = f.integer("bytes", 100);
    Duration duration = f.duration("duration", Duration.ofSeconds(20));
    Duration warmup = f.duration("warmup", Duration.ofSeconds(3));
    f.rejectUnknown();
    LocalNode node = h.startNodes(1).get(0);
    ProcessProbe probe = node.probe();
    LatencyHistogram latency = new LatencyHistogram();
    LongAdder sent = new LongAdder();
    LongAdder skipped = new LongAdder();
    LongAdder received = new LongAdder();
    LongAdder failed = new LongAdder();
    String prefix = h.runId + "-b";
    List<Socket> sockets = new ArrayList<>();
    RedisClient redisClient = RedisClient.create(h.redis().url());
    try (EchoWorker worker = new EchoWorker(h.redis().url(), prefix);
        StatefulRedisConnection<String, String> redis = redisClient.connect()) {
      for (int s = 0; s < sessions; s++) {
        String sessionId = prefix + s;
        for (int k = 0; k < peers; k++) {
          String token = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
          redis.sync().set("session:" + sessionId + ":auth", token, SetArgs.Builder.ex(60));
          Socket socket = new Socket(sockets.size(), latency, received);
          try {
            socket.ws = h.httpClient().newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(node.ws("/load-agent/ws/" + sessionId), socket).get(15, TimeUnit.SECONDS);
            sockets.add(socket);
          } catch (Exception e) {
            failed.increment();
          }
        }
      }
      String padding = "x".repeat(Math.max(0, bytes - 40));
      // Warm-up, then the measured window.
      long[] window = new long[4];
      for (int phase = 0; phase < 2; phase++) {
        Duration length = phase == 0 ? warmup : duration;
        if (length.isZero()) continue;
        if (phase == 1) {
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
          latency.reset();
          window[0] = sent.sum();
          window[1] = received.sum();
          window[2] = probe.cpuTicks();
          window[3] = h.self().cpuTicks();
        }
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long[] due = new long[sockets.size()];
        while (System.nanoTime() < end) {
          double elapsed = (System.nanoTime() - start) / 1e9;
          for (int i = 0; i < due.length; i++) {
            long target = (long) (elapsed * rate + (double) i / due.length);
            while (due[i] < target) {
              due[i]++;
              if (sockets.get(i).send("{\"t\":" + System.nanoTime() + ",\"p\":\"" + padding + "\"}")) sent.increment();
              else skipped.increment();
            }
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
      }
      long measuredNanos = duration.toNanos();
      double nodeCpu = ProcessProbe.percentOfOneCore(window[2], probe.cpuTicks(), measuredNanos);
      double genCpu = ProcessProbe.percentOfOneCore(window[3], h.self().cpuTicks(), measuredNanos);
      long expected = (sent.sum() - window[0]) * peers;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && received.sum() - window[1] < expected) LockSupport.parkNanos(50_000_000L);
      long got = received.sum() - window[1];
      double loss = expected == 0 ? 0 : Math.max(0, 1.0 - (double) got / expected);
      Map<String, Object> r = h.result;
      r.put("sessions", sessions);
      r.put("peers", peers);
      r.put("rate_per_socket", rate);
      r.put("bytes", bytes);
      r.put("duration_seconds", duration.toSeconds());
      r.put("connected", sockets.size());
      r.put("connect_failures", failed.sum());
      r.put("sent_messages_per_second", Math.round((sent.sum() - window[0]) / (measuredNanos / 1e9)));
      r.put("delivered_messages_per_second", Math.round(got / (measuredNanos / 1e9)));
      r.put("round_trip_latency", latency.summaryMillis());
      r.put("loss_ratio", Math.round(loss * 1e6) / 1e6);
      r.put("generator_skipped_sends", skipped.sum());
      r.put("echoed_by_worker", worker.echoed.sum());
      r.put("node_cpu_pct_of_core", nodeCpu);
      r.put("generator_cpu_pct_of_core", genCpu);
      List<String> summary = new ArrayList<>();
      summary.add(String.format("%d sockets (%d failed) in %d sessions, %.1f msg/s each, %d B: %s delivered/s, loss %.4f%%",
          sockets.size(), failed.sum(), sessions, rate, bytes, r.get("delivered_messages_per_second"), loss * 100));
      summary.add("round trip ms (client -> node -> Redis -> worker -> Redis -> node -> client): " + latency.summaryMillis());
      summary.add(String.format("CPU: node %.1f%% of one core, generator (incl. echo worker) %.1f%%", nodeCpu, genCpu));
      h.finish(summary);
      return failed.sum() == 0 ? 0 : 1;
    } finally {
      for (Socket socket : sockets) socket.ws.abort();
      redisClient.shutdown();
    }
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** One bridge WebSocket: at most one send outstanding (java.net.http's rule), text reassembled. */
  private static final class Socket implements WebSocket.Listener {
    final int index;
    final LatencyHistogram latency;
    final LongAdder received;
    final AtomicBoolean sending = new AtomicBoolean();
    final StringBuilder partial = new StringBuilder();
    volatile WebSocket ws;

    Socket(int index, LatencyHistogram latency, LongAdder received) {
      this.index = index;
      this.latency = latency;
      this.received = received;
    }

    boolean send(String text) {
      WebSocket socket = ws;
      if (socket == null || !sending.compareAndSet(false, true)) return false;
      socket.sendText(text, true).whenComplete((ok, error) -> sending.set(false));
      return true;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        long now = System.nanoTime();
        int at = partial.indexOf("\"t\":");
        if (at >= 0) {
          int endAt = partial.indexOf(",", at);
          latency.recordNanos(now - Long.parseLong(partial.substring(at + 4, endAt)));
          received.increment();
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }
}
