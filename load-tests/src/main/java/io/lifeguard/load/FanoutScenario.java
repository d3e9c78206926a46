package io.lifeguard.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * S sessions of K relay peers, each peer sending R frames per second of B bytes for T seconds:
 * delivered frames per second, end-to-end latency percentiles, loss, and the CPU both sides used.
 */
final class FanoutScenario {
  private FanoutScenario() {}

  static int run(Harness h) {
    Flags f = h.flags;
    int sessions = f.integer("sessions", 100);
    int peers = f.integer("peers", 3);
    double rate = f.decimal("rate", 10);
    int bytes = f.integer("bytes", 100);
    Duration duration = f.duration("duration", Duration.ofSeconds(20));
    Duration warmup = f.duration("warmup", Duration.ofSeconds(3));
    int concurrency = f.integer("concurrency", 200);
    int tick = f.integer("tick-ms", 5);
    int senderThreads = f.integer("sender-threads", 1);
    f.rejectUnknown();
    LocalNode node = h.startNodes(1).get(0);
    ProcessProbe probe = node.probe();
    List<URI> url = List.of(h.relayUrl(node));

    try (RelayTraffic traffic = new RelayTraffic(h, sessions, peers, bytes, i -> url, Duration.ofMillis(500), Duration.ofSeconds(5))) {
      traffic.connectAll(concurrency, Duration.ofSeconds(30));
      // Membership pushes reach every peer shortly after the last join; frames sent before that
      // would miss peers that joined later, so wait until the session lists settle.
      IdleScenario.pause(Duration.ofSeconds(1));
      if (!warmup.isZero()) traffic.send(rate, warmup, tick, senderThreads);
      traffic.drain(Duration.ofSeconds(5));
      long sentBefore = traffic.sent.sum();
      long failedBefore = traffic.sendFailed.sum();
      long deliveredBefore = traffic.delivered.sum();
      traffic.latencyFloorNanos = System.nanoTime();
      traffic.recordLatency = true;
      long nodeTicks = probe.cpuTicks();
      long selfTicks = h.self().cpuTicks();
      long start = System.nanoTime();
      traffic.send(rate, duration, tick, senderThreads);
      long sendNanos = System.nanoTime() - start;
      double nodeCpu = ProcessProbe.percentOfOneCore(nodeTicks, probe.cpuTicks(), sendNanos);
      double genCpu = ProcessProbe.percentOfOneCore(selfTicks, h.self().cpuTicks(), sendNanos);
      long deliveredDuringSend = traffic.delivered.sum() - deliveredBefore;
      traffic.drain(Duration.ofSeconds(10));
      traffic.recordLatency = false;

      long sent = traffic.sent.sum() - sentBefore;
      long delivered = traffic.delivered.sum() - deliveredBefore;
      long expected = sent * (peers - 1);
      double seconds = sendNanos / 1e9;
      double deliveredPerSecond = deliveredDuringSend / seconds;
      double loss = expected == 0 ? 0 : Math.max(0, 1.0 - (double) delivered / expected);
      double perCore = nodeCpu <= 0 ? 0 : deliveredPerSecond / (nodeCpu / 100.0);

      Map<String, Object> r = h.result;
      r.put("sessions", sessions);
      r.put("peers", peers);
      r.put("rate_per_peer", rate);
      r.put("bytes", bytes);
      r.put("duration_seconds", duration.toSeconds());
      r.put("connected", traffic.established.sum());
      r.put("connect_failures", traffic.failed.sum());
      r.put("offered_frames_per_second", Math.round(sessions * peers * rate));
      r.put("sent_frames_per_second", Math.round(sent / seconds));
      r.put("delivered_frames_per_second", Math.round(deliveredPerSecond));
      r.put("delivered_frames_per_second_per_node_core", Math.round(perCore));
      r.put("latency", traffic.latency.summaryMillis());
      r.put("sent", sent);
      r.put("expected_deliveries", expected);
      r.put("delivered", delivered);
      r.put("loss_ratio", Math.round(loss * 1e6) / 1e6);
      r.put("send_failures", traffic.sendFailed.sum() - failedBefore);
      r.put("generator_skipped_sends", traffic.skipped.sum());
      r.put("node_cpu_pct_of_core", nodeCpu);
      r.put("generator_cpu_pct_of_core", genCpu);

      r.put("outcomes", traffic.outcomeCounts());
      List<String> summary = new ArrayList<>();
      summary.add("outcomes: " + traffic.outcomeCounts());
      summary.add(String.format("%d sessions x %d peers, %.1f frames/s each, %d B, %ds: offered %d frames/s, sent %d/s",
          sessions, peers, rate, bytes, duration.toSeconds(), r.get("offered_frames_per_second"), r.get("sent_frames_per_second")));
      summary.add(String.format("delivered %.0f frames/s (%.0f per node core); loss %.4f%% (%d of %d); skipped sends %d",
          deliveredPerSecond, perCore, loss * 100, expected - delivered, expected, traffic.skipped.sum()));
      summary.add("end-to-end latency ms: " + traffic.latency.summaryMillis());
      summary.add(String.format("CPU: node %.1f%% of one core, generator %.1f%% of one core", nodeCpu, genCpu));
      h.finish(summary);
      return traffic.failed.sum() == 0 ? 0 : 1;
    }
  }
}
