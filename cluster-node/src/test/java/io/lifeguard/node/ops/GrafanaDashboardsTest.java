package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * ops/grafana: every dashboard parses as JSON, every panel query uses documented metrics and
 * defined recording rules, and together they cover the topics operators asked for.
 */
class GrafanaDashboardsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void dashboardsParseAndUseOnlyDocumentedMetrics() throws Exception {
    List<Path> dashboards;
    try (Stream<Path> files = Files.list(OpsFiles.resolve("ops/grafana"))) {
      dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertFalse(dashboards.isEmpty(), "no dashboards in ops/grafana");
    Set<String> documented = OpsFiles.documentedMetrics();
    Set<String> recorded = MetricReferences.recordingRules(recordDefinitions());
    Set<String> used = new TreeSet<>();
    for (Path file : dashboards) {
      JsonNode dashboard = JSON.readTree(file.toFile());
      assertTrue(dashboard.hasNonNull("uid") && dashboard.hasNonNull("title"), file + " has uid and title");
      Set<Integer> ids = new HashSet<>();
      int queries = 0;
      for (JsonNode panel : dashboard.get("panels")) {
        assertTrue(ids.add(panel.get("id").asInt()), file + ": duplicate panel id " + panel.get("id"));
        if (panel.get("type").asText().equals("row")) continue;
        assertTrue(panel.has("datasource"), file + ": panel " + panel.get("title") + " has no datasource");
        for (JsonNode target : panel.withArray("targets")) {
          String expr = target.get("expr").asText();
          queries++;
          Set<String> metrics = MetricReferences.in(expr);
          Set<String> rules = MetricReferences.recordingRules(expr);
          assertFalse(metrics.isEmpty() && rules.isEmpty(), file + ": no metric found in " + expr);
          Set<String> undocumented = new TreeSet<>(metrics);
          undocumented.removeAll(documented);
          assertEquals(Set.of(), undocumented, file + ": panel " + panel.get("title") + " uses undocumented metrics");
          Set<String> undefined = new TreeSet<>(rules);
          undefined.removeAll(recorded);
          assertEquals(Set.of(), undefined, file + ": recording rules not defined in " + PrometheusRulesTest.RULES);
          used.addAll(metrics);
          used.addAll(rules);
        }
      }
      assertTrue(queries > 0, file + " has queries");
    }
    for (String topic : List.of("lifeguard:fallback_activation_ratio:1h", "lifeguard_sessions_active",
        "lifeguard_connections_active", "lifeguard_bytes_forwarded_total", "lifeguard_flow_control_drops_total",
        "lifeguard_bridge_message_latency_seconds", "lifeguard_message_size_bytes", "lifeguard_handshakes_total",
        "lifeguard_cluster_members", "lifeguard:process_cpu_limit_ratio:rate5m", "jvm_memory_used_bytes",
        "process_open_fds", "jvm_gc_collection_seconds")) {
      assertTrue(used.contains(topic), "no panel shows " + topic);
    }
  }

  private static String recordDefinitions() {
    StringBuilder out = new StringBuilder();
    for (String line : OpsFiles.read(PrometheusRulesTest.RULES).split("\n")) {
      if (line.strip().startsWith("- record:")) out.append(line.strip().substring("- record:".length()).strip()).append('\n');
    }
    return out.toString();
  }
}
