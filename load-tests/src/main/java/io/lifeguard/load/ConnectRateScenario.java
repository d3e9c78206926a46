package io.lifeguard.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Opens N authenticated relay connections as fast as a bounded number of concurrent handshakes
 * allows: handshakes per second (per node core too, Ed25519 verification included) and the
 * handshake latency from socket open to ServerHello.
 */
final class ConnectRateScenario {
  private ConnectRateScenario() {}

  static int run(Harness h) {
    Flags f = h.flags;
    int connections = f.integer("connections", 5000);
    int sessionSize = f.integer("session-size", 2);
    int concurrency = f.integer("concurrency", 64);
    int warmup = f.integer("warmup-connections", 1000);
    f.rejectUnknown();
    LocalNode node = h.startNodes(1).get(0);
    ProcessProbe probe = node.probe();
    List<URI> url = List.of(h.relayUrl(node));
    if (warmup > 0) {
      try (RelayTraffic warm = new RelayTraffic(h, Math.max(1, warmup / sessionSize), sessionSize, 0, i -> url,
          Duration.ofMillis(500), Duration.ofSeconds(5))) {
        warm.connectAll(concurrency, Duration.ofSeconds(30));
      }
      IdleScenario.pause(Duration.ofSeconds(2));
    }
    // Tokens are minted when the peers are built, before the clock starts.
    try (RelayTraffic traffic = new RelayTraffic(h, Math.max(1, connections / sessionSize), sessionSize, 0, i -> url,
        Duration.ofMillis(500), Duration.ofSeconds(5))) {
      long nodeTicks = probe.cpuTicks();
      long selfTicks = h.self().cpuTicks();
      long nanos = traffic.connectAll(concurrency, Duration.ofSeconds(30));
      double nodeCpu = ProcessProbe.percentOfOneCore(nodeTicks, probe.cpuTicks(), nanos);
      double genCpu = ProcessProbe.percentOfOneCore(selfTicks, h.self().cpuTicks(), nanos);
      long ok = traffic.established.sum();
      double perSecond = ok / (nanos / 1e9);
      double perCore = nodeCpu <= 0 ? 0 : perSecond / (nodeCpu / 100.0);
      Map<String, Object> r = h.result;
      r.put("connections", traffic.size());
      r.put("concurrency", concurrency);
      r.put("established", ok);
      r.put("failures", traffic.failed.sum());
      r.put("handshakes_per_second", Math.round(perSecond));
      r.put("handshakes_per_second_per_node_core", Math.round(perCore));
      r.put("handshake_latency", traffic.handshake.summaryMillis());
      r.put("node_cpu_pct_of_core", nodeCpu);
      r.put("generator_cpu_pct_of_core", genCpu);
      r.put("outcomes", traffic.outcomeCounts());
      List<String> summary = new ArrayList<>();
      summary.add("outcomes: " + traffic.outcomeCounts());
      summary.add(String.format("%d of %d handshakes in %.2fs: %.0f/s (%.0f per node core), %d failed, concurrency %d",
          ok, traffic.size(), nanos / 1e9, perSecond, perCore, traffic.failed.sum(), concurrency));
      summary.add("handshake latency ms: " + traffic.handshake.summaryMillis());
      summary.add(String.format("CPU: node %.1f%% of one core, generator %.1f%% of one core", nodeCpu, genCpu));
      h.finish(summary);
      return ok == traffic.size() ? 0 : 1;
    }
  }
}
