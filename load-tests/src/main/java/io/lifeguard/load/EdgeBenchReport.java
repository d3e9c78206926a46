package io.lifeguard.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The edge benchmark's printed table, its ratios to the reference peer and issue 13's targets
 * (met / not met). Figures only: the benchmark's exit code does not depend on them.
 */
final class EdgeBenchReport {
  /** Issue 13: server CPU per authenticated relay handshake. */
  static final double MAX_US_PER_HANDSHAKE = 400;
  static final double MAX_HANDSHAKE_RATIO = 8;
  /** Issue 13: resident bytes per idle authenticated connection, with the default JVM flags. */
  static final long MAX_RSS_BYTES = 16 * 1024;
  static final double MAX_RSS_RATIO = 1.5;
  static final double MAX_HOLD_PCT = 2;

  private static final String[] RATIO_KEYS = {
      "cpu_us_per_handshake", "cold_cpu_us_per_handshake", "handshakes_per_second", "rss_bytes_per_connection", "rss_after_gc_bytes_per_connection",
      "hold_cpu_pct_of_core"};

  private EdgeBenchReport() {}

  /** Lifeguard's figure over the reference's, per key both have. */
  static Map<String, Object> ratios(Map<String, Object> row, Map<String, Object> ref) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : RATIO_KEYS) {
      double mine = number(row, key);
      double theirs = number(ref, key);
      out.put(key, theirs > 0 ? EdgeBenchScenario.round(mine / theirs, 2) : null);
    }
    return out;
  }

  static List<String> summary(List<Map<String, Object>> rows, Map<String, Object> ref) {
    List<String> out = new ArrayList<>();
    out.add(String.format("%-10s %-36s %8s %9s %9s %11s %11s %10s %9s %7s %7s",
        "server", "JVM flags", "hs/s", "us/hs", "cold us/hs", "RSS B/conn", "(after GC)", "heap B/c", "hold %", "failed", "dropped"));
    for (Map<String, Object> r : rows) {
      out.add(String.format("%-10s %-36s %8d %9.1f %9s %11d %11d %10s %9.2f %7d %7d",
          r.get("server"), r.get("variant"), (long) number(r, "handshakes_per_second"), number(r, "cpu_us_per_handshake"),
          r.containsKey("cold_cpu_us_per_handshake") ? r.get("cold_cpu_us_per_handshake").toString() : "-",
          (long) number(r, "rss_bytes_per_connection"), (long) number(r, "rss_after_gc_bytes_per_connection"),
          r.containsKey("heap_bytes_per_connection") ? r.get("heap_bytes_per_connection").toString() : "-",
          number(r, "hold_cpu_pct_of_core"), (long) number(r, "idle_failed_opens") + (long) number(r, "handshakes_failed"),
          (long) number(r, "dropped_while_held")));
    }
    if (ref != null) {
      out.add("ratios Lifeguard / " + ref.get("server") + " (CPU per handshake steady and cold, handshakes/s, RSS per connection, RSS after GC, hold CPU):");
      for (Map<String, Object> r : rows) {
        if (r.containsKey("ratios_to_reference")) out.add(String.format("  %-36s %s", r.get("variant"), r.get("ratios_to_reference")));
      }
    }
    out.add("us/hs is the steady state (after the handshake warm-up); cold us/hs is the first handshakes of the fresh"
        + " server (--warmup). Verdicts judge the steady-state figure.");
    out.add("issue 13 targets (per Lifeguard row):");
    for (Map<String, Object> r : rows) {
      if (!"lifeguard".equals(r.get("server"))) continue;
      out.add(String.format("  %-36s %s", r.get("variant"), verdicts(r, ref)));
    }
    for (Map<String, Object> r : rows) {
      if (r.get("hold_threads") instanceof Map<?, ?> split) {
        out.add(String.format("hold per thread [%s] (wake-ups/s, %% of a core): total %s, JIT %s",
            r.get("variant"), split.get("total"), split.get("jit")));
        if (split.get("threads") instanceof Map<?, ?> threads) {
          threads.entrySet().stream().limit(14).forEach(e -> out.add(String.format("  %-60s %s", e.getKey(), e.getValue())));
        }
      }
    }
    out.add("(opens: " + rows.stream().map(r -> r.get("server") + " " + r.get("idle_outcomes")).toList() + ")");
    return out;
  }

  static Map<String, String> verdicts(Map<String, Object> r, Map<String, Object> ref) {
    Map<String, String> v = new LinkedHashMap<>();
    double us = number(r, "cpu_us_per_handshake");
    v.put("steady cpu/handshake <= 400us", verdict(us <= MAX_US_PER_HANDSHAKE, us + "us"));
    double rss = number(r, "rss_bytes_per_connection");
    v.put("RSS/conn <= 16KB", verdict(rss <= MAX_RSS_BYTES, Math.round(rss / 1024) + "KB"));
    if (ref != null) {
      double refUs = number(ref, "cpu_us_per_handshake");
      if (refUs > 0) {
        double hsRatio = us / refUs;
        v.put("steady cpu/handshake <= 8x ref", verdict(hsRatio <= MAX_HANDSHAKE_RATIO, EdgeBenchScenario.round(hsRatio, 1) + "x"));
      } else {
        // The reference's CPU over a handful of handshakes rounds to no clock tick at all.
        v.put("steady cpu/handshake <= 8x ref", "not measured (reference used < 1 clock tick; raise --handshakes)");
      }
      double rssRatio = rss / Math.max(1, number(ref, "rss_bytes_per_connection"));
      v.put("RSS/conn <= 1.5x ref", verdict(rssRatio <= MAX_RSS_RATIO, EdgeBenchScenario.round(rssRatio, 2) + "x"));
    }
    double hold = number(r, "hold_cpu_pct_of_core");
    v.put("hold <= 2% core", verdict(hold <= MAX_HOLD_PCT, hold + "%"));
    long failed = (long) number(r, "idle_failed_opens");
    v.put("0 failed opens", verdict(failed == 0, Long.toString(failed)));
    return v;
  }

  private static String verdict(boolean met, String figure) {
    return (met ? "met " : "NOT met ") + figure;
  }

  static double number(Map<String, Object> row, String key) {
    Object v = row.get(key);
    return v instanceof Number n ? n.doubleValue() : 0;
  }
}
