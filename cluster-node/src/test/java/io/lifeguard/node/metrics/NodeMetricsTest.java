package io.lifeguard.node.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The process and JVM collectors on per-node registries: several nodes in one JVM (as TestNode
 * runs them) each export the whole set, with this process's values.
 */
class NodeMetricsTest {
  /** Name and a fragment its labels must contain ("" for a series without labels); all positive. */
  private static final List<List<String>> POSITIVE = List.of(
      List.of("process_cpu_seconds_total", ""), List.of("process_resident_memory_bytes", ""),
      List.of("process_open_fds", ""), List.of("process_max_fds", ""),
      List.of("jvm_memory_used_bytes", "area=\"heap\""), List.of("jvm_memory_max_bytes", "area=\"heap\""),
      List.of("jvm_threads_current", ""), List.of("jvm_classes_currently_loaded", ""));

  @Test
  void everyNodeRegistryInOneJvmExportsTheProcessAndJvmMetrics() {
    for (NodeMetrics metrics : List.of(new NodeMetrics(), new NodeMetrics(), new NodeMetrics())) {
      String scrape = metrics.scrape();
      for (List<String> series : POSITIVE) {
        assertTrue(value(scrape, series.get(0), series.get(1)) > 0, series + " positive in\n" + scrape);
      }
      // A young JVM may not have collected yet: the summary must exist, one series per collector.
      assertTrue(value(scrape, "jvm_gc_collection_seconds_count", "gc=\"") >= 0, scrape);
    }
  }

  /** The first sample of {@code name} whose labels contain {@code labels}; fails when absent. */
  private static double value(String scrape, String name, String labels) {
    Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE).matcher(scrape);
    while (m.find()) {
      boolean matches = labels.isEmpty() ? m.group(1) == null : m.group(1) != null && m.group(1).contains(labels);
      if (matches) return Double.parseDouble(m.group(2));
    }
    throw new AssertionError(name + "{" + labels + "...} not exported:\n" + scrape);
  }
}
