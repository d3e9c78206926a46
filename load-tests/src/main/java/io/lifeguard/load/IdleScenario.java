package io.lifeguard.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Opens N authenticated relay connections and holds them: the node's resident and heap memory per
 * connection (delta over a baseline taken after a warm-up, both after a full GC), the class
 * histogram diff that says where the bytes go, and the node's CPU over a holding window.
 */
final class IdleScenario {
  private IdleScenario() {}

  static int run(Harness h) {
    Flags f = h.flags;
    int connections = f.integer("connections", 10_000);
    int sessionSize = f.integer("session-size", 2);
    int concurrency = f.integer("concurrency", 200);
    int warmup = f.integer("warmup-connections", Math.min(1000, connections / 5));
    Duration hold = f.duration("hold", Duration.ofSeconds(30));
    Duration timeout = f.duration("connect-timeout", Duration.ofSeconds(30));
    int top = f.integer("histogram-top", 12);
    f.rejectUnknown();
    LocalNode node = h.startNodes(1).get(0);
    ProcessProbe probe = node.probe();
    List<java.net.URI> url = List.of(h.relayUrl(node));

    // Warm-up: JIT, class loading and pools grow here, so the baseline after it is fair.
    if (warmup > 0) {
      try (RelayTraffic warm = new RelayTraffic(h, Math.max(1, warmup / sessionSize), sessionSize, 0, i -> url,
          Duration.ofMillis(500), Duration.ofSeconds(5))) {
        warm.connectAll(concurrency, timeout);
      }
      pause(Duration.ofSeconds(3));
    }
    probe.forceGc();
    long baseRss = probe.residentKib();
    long baseHeap = probe.heapUsedKib();
    Map<String, long[]> baseHistogram = probe.classHistogram();
    long baseFds = probe.openFileDescriptors();
    long baseThreads = probe.threads();

    RelayTraffic traffic = new RelayTraffic(h, Math.max(1, connections / sessionSize), sessionSize, 0, i -> url,
        Duration.ofMillis(500), Duration.ofSeconds(5));
    long connectNanos = traffic.connectAll(concurrency, timeout);
    pause(Duration.ofSeconds(2));
    long established = traffic.established.sum();

    long nodeTicks = probe.cpuTicks();
    long selfTicks = h.self().cpuTicks();
    long holdStart = System.nanoTime();
    pause(hold);
    long holdNanos = System.nanoTime() - holdStart;
    double nodeCpu = ProcessProbe.percentOfOneCore(nodeTicks, probe.cpuTicks(), holdNanos);
    double genCpu = ProcessProbe.percentOfOneCore(selfTicks, h.self().cpuTicks(), holdNanos);
    long stillConnected = traffic.connectedCount();

    probe.forceGc();
    long rss = probe.residentKib();
    long heap = probe.heapUsedKib();
    Map<String, long[]> histogram = probe.classHistogram();
    long fds = probe.openFileDescriptors();
    long threads = probe.threads();
    traffic.close();

    double n = Math.max(1, established);
    Map<String, Object> r = h.result;
    r.put("connections_requested", traffic.size());
    r.put("session_size", sessionSize);
    r.put("established", established);
    r.put("failures", traffic.failed.sum());
    r.put("still_connected_after_hold", stillConnected);
    r.put("outcomes", traffic.outcomeCounts());
    r.put("connect_seconds", Math.round(connectNanos / 1e7) / 100.0);
    r.put("handshake_latency", traffic.handshake.summaryMillis());
    r.put("rss_baseline_mib", baseRss / 1024);
    r.put("rss_loaded_mib", rss / 1024);
    r.put("rss_bytes_per_connection", Math.round((rss - baseRss) * 1024 / n));
    r.put("heap_baseline_mib", baseHeap / 1024);
    r.put("heap_loaded_mib", heap / 1024);
    r.put("heap_bytes_per_connection", Math.round((heap - baseHeap) * 1024 / n));
    r.put("fds_per_connection", Math.round((fds - baseFds) * 100 / n) / 100.0);
    r.put("node_threads", threads);
    r.put("node_threads_delta", threads - baseThreads);
    r.put("hold_seconds", hold.toSeconds());
    r.put("node_cpu_pct_of_core", nodeCpu);
    r.put("node_cpu_pct_of_machine", Math.round(nodeCpu * 100 / Runtime.getRuntime().availableProcessors()) / 100.0);
    r.put("generator_cpu_pct_of_core", genCpu);
    List<Map<String, Object>> breakdown = histogramDiff(baseHistogram, histogram, n, top);
    r.put("heap_breakdown_per_connection", breakdown);

    List<String> summary = new ArrayList<>();
    summary.add(String.format("connections: %d established, %d failed, %d still connected after %ds hold (opened in %.1fs)",
        established, traffic.failed.sum(), stillConnected, hold.toSeconds(), connectNanos / 1e9));
    summary.add("outcomes: " + traffic.outcomeCounts());
    summary.add(String.format("node RSS %d -> %d MiB: %d bytes/connection; heap %d -> %d MiB: %d bytes/connection",
        baseRss / 1024, rss / 1024, r.get("rss_bytes_per_connection"), baseHeap / 1024, heap / 1024, r.get("heap_bytes_per_connection")));
    summary.add(String.format("node CPU while holding: %.2f%% of one core (%.2f%% of the machine); generator %.2f%% of one core",
        nodeCpu, r.get("node_cpu_pct_of_machine"), genCpu));
    summary.add("heap per connection by class (live bytes after GC):");
    for (Map<String, Object> row : breakdown) summary.add(String.format("  %6d B  %6.2f objs  %s", row.get("bytes"), row.get("instances"), row.get("class")));
    h.finish(summary);
    return established == traffic.size() ? 0 : 1;
  }

  /** Classes whose live bytes grew most between the two histograms, per connection. */
  static List<Map<String, Object>> histogramDiff(Map<String, long[]> before, Map<String, long[]> after, double n, int top) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[2]);
      long bytes = e.getValue()[1] - b[1];
      long instances = e.getValue()[0] - b[0];
      if (bytes <= 0) continue;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("class", e.getKey());
      row.put("bytes", Math.round(bytes / n));
      row.put("instances", Math.round(instances * 100 / n) / 100.0);
      rows.add(row);
    }
    rows.sort((a, b) -> Long.compare((Long) b.get("bytes"), (Long) a.get("bytes")));
    return rows.subList(0, Math.min(top, rows.size()));
  }

  static void pause(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < deadline) {
      LockSupport.parkNanos(Math.min(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(200)));
    }
  }
}
