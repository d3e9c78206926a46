package io.lifeguard.node.console;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The values of this node's own counters and gauges the console charts, read from the node's
 * Prometheus registry (the numbers {@code /metrics} shows). Labelled series are summed, except
 * the outcomes of handshakes and token requests, which are also given per outcome. The page turns
 * successive values into rates.
 */
final class NodeCounters {
  static final List<String> COUNTERS = List.of(
      "lifeguard_handshakes_total",
      "lifeguard_messages_forwarded_total",
      "lifeguard_bytes_forwarded_total",
      "lifeguard_flow_control_drops_total",
      "lifeguard_bridge_messages_received_total",
      "lifeguard_bridge_messages_sent_total",
      "lifeguard_token_requests_total",
      "lifeguard_guardrail_sessions_total",
      "lifeguard_guardrail_activations_total",
      "lifeguard_guardrail_soft_breach_total");
  static final List<String> GAUGES = List.of(
      "lifeguard_connections_active",
      "lifeguard_sessions_active",
      "lifeguard_bridge_active_connections",
      "lifeguard_bus_connections");
  private static final Set<String> BY_OUTCOME = Set.of("lifeguard_handshakes_total", "lifeguard_token_requests_total");

  private final PrometheusRegistry registry;

  NodeCounters(PrometheusRegistry registry) {
    this.registry = registry;
  }

  /** {@code counters}, {@code gauges} and {@code outcomes} (metric → outcome → value); absent metrics read 0. */
  Map<String, Object> read() {
    Map<String, Long> counters = new LinkedHashMap<>();
    Map<String, Long> gauges = new LinkedHashMap<>();
    Map<String, Map<String, Long>> outcomes = new LinkedHashMap<>();
    COUNTERS.forEach(name -> counters.put(name, 0L));
    GAUGES.forEach(name -> gauges.put(name, 0L));
    BY_OUTCOME.stream().sorted().forEach(name -> outcomes.put(name, new TreeMap<>()));
    // Counter snapshots are named without the _total suffix.
    for (MetricSnapshot snapshot : registry.scrape(name -> COUNTERS.contains(name + "_total") || COUNTERS.contains(name) || GAUGES.contains(name))) {
      String name = snapshot.getMetadata().getPrometheusName();
      if (snapshot instanceof CounterSnapshot counter) {
        String total = name.endsWith("_total") ? name : name + "_total";
        if (!counters.containsKey(total)) continue;
        double sum = 0;
        for (CounterSnapshot.CounterDataPointSnapshot point : counter.getDataPoints()) {
          sum += point.getValue();
          if (BY_OUTCOME.contains(total)) {
            String outcome = point.getLabels().get("outcome");
            if (outcome != null) outcomes.get(total).merge(outcome, Math.round(point.getValue()), Long::sum);
          }
        }
        counters.put(total, Math.round(sum));
      } else if (snapshot instanceof GaugeSnapshot gauge && gauges.containsKey(name)) {
        double sum = 0;
        for (GaugeSnapshot.GaugeDataPointSnapshot point : gauge.getDataPoints()) sum += point.getValue();
        gauges.put(name, Math.round(sum));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("counters", counters);
    out.put("gauges", gauges);
    out.put("outcomes", outcomes);
    return out;
  }
}
