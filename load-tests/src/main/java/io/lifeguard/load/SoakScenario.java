package io.lifeguard.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A long run of relay traffic with connection churn (random cuts through a proxy, so clients
 * reconnect and the node sets up and tears down connections all along). Samples the node's live
 * heap after a full GC, threads, file descriptors, resident set and the interval's p99 latency;
 * fails (exit 1) when any grows faster over the second half than its threshold allows
 * (least-squares slope per minute).
 */
final class SoakScenario {
  private SoakScenario() {}

  static int run(Harness h) {
    Flags f = h.flags;
    int sessions = f.integer("sessions", 100);
    double rate = f.decimal("rate", 10);
    int bytes = f.integer("bytes", 100);
    double churn = f.decimal("disconnects-per-second", 2);
    Duration duration = f.duration("duration", Duration.ofMinutes(10));
    Duration sampleEvery = f.duration("sample", Duration.ofSeconds(15));
    double maxHeapSlope = f.decimal("max-heap-kib-per-min", 2048);
    double maxThreadSlope = f.decimal("max-threads-per-min", 1);
    double maxFdSlope = f.decimal("max-fds-per-min", 10);
    double maxP99Slope = f.decimal("max-p99-ms-per-min", 5);
    f.rejectUnknown();
    LocalNode node = h.startNodes(1).get(0);
    ProcessProbe probe = node.probe();
    ChaosProxy proxy = new ChaosProxy(node.edgePort());
    List<URI> url = List.of(proxy.relayUrl());
    List<double[]> samples = new ArrayList<>(); // minutes, heap KiB, threads, fds, rss KiB, p99 ms
    try (RelayTraffic traffic = new RelayTraffic(h, sessions, 2, bytes, i -> url, Duration.ofMillis(100), Duration.ofSeconds(2))) {
      traffic.connectAll(50, Duration.ofSeconds(30));
      traffic.recordLatency = true;
      Thread sender = new Thread(() -> traffic.send(rate, duration, 10, 1), "soak-sender");
      sender.setDaemon(true);
      sender.start();
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      long nextCut = start;
      long nextSample = start + sampleEvery.toNanos();
      while (System.nanoTime() < end) {
        long now = System.nanoTime();
        if (churn > 0 && now >= nextCut) {
          proxy.cutRandom();
          nextCut = now + (long) (1e9 / churn);
        }
        if (now >= nextSample) {
          double p99 = LatencyHistogram.millis(traffic.latency.percentileMicros(99));
          traffic.latency.reset();
          probe.forceGc();
          samples.add(new double[] {(now - start) / 6e10, probe.heapUsedKib(), probe.threads(),
              probe.openFileDescriptors(), probe.residentKib(), p99});
          nextSample += sampleEvery.toNanos();
        }
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
      }
      String[] names = {"heap_kib", "threads", "fds", "rss_kib", "p99_ms"};
      double[] limits = {maxHeapSlope, maxThreadSlope, maxFdSlope, Double.MAX_VALUE, maxP99Slope};
      Map<String, Object> slopes = new LinkedHashMap<>();
      List<String> breaches = new ArrayList<>();
      List<double[]> secondHalf = samples.subList(samples.size() / 2, samples.size());
      for (int k = 0; k < names.length; k++) {
        double slope = slope(secondHalf, k + 1);
        slopes.put(names[k] + "_per_min", Math.round(slope * 100) / 100.0);
        if (slope > limits[k]) breaches.add(names[k] + " grows " + Math.round(slope * 100) / 100.0 + "/min > " + limits[k]);
      }
      if (secondHalf.size() < 3) breaches.add("fewer than 3 samples in the second half: run longer or sample more often");
      List<List<Double>> table = new ArrayList<>();
      for (double[] s : samples) {
        List<Double> row = new ArrayList<>();
        for (double v : s) row.add(Math.round(v * 100) / 100.0);
        table.add(row);
      }
      Map<String, Object> r = h.result;
      r.put("sessions", sessions);
      r.put("rate_per_peer", rate);
      r.put("disconnects_per_second", churn);
      r.put("duration_seconds", duration.toSeconds());
      r.put("samples_columns", List.of("minutes", "heap_kib", "threads", "fds", "rss_kib", "p99_ms"));
      r.put("samples", table);
      r.put("second_half_slopes", slopes);
      r.put("breaches", breaches);
      r.put("delivered", traffic.delivered.sum());
      r.put("reconnects", traffic.reconnects.sum());
      r.put("outcomes", traffic.outcomeCounts());
      List<String> summary = new ArrayList<>();
      summary.add(String.format("%d samples over %ds; %d frames delivered, %d reconnects", samples.size(), duration.toSeconds(),
          traffic.delivered.sum(), traffic.reconnects.sum()));
      summary.add("second-half slopes per minute: " + slopes);
      summary.add(breaches.isEmpty() ? "no resource grows without bound" : "BREACHES: " + breaches);
      h.finish(summary);
      return breaches.isEmpty() ? 0 : 1;
    } finally {
      proxy.close();
    }
  }

  /** Least-squares slope of column {@code y} against column 0 (minutes). */
  static double slope(List<double[]> rows, int y) {
    int n = rows.size();
    if (n < 2) return 0;
    double mx = 0;
    double my = 0;
    for (double[] r : rows) {
      mx += r[0];
      my += r[y];
    }
    mx /= n;
    my /= n;
    double num = 0;
    double den = 0;
    for (double[] r : rows) {
      num += (r[0] - mx) * (r[y] - my);
      den += (r[0] - mx) * (r[0] - mx);
    }
    return den == 0 ? 0 : num / den;
  }
}
