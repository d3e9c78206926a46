package io.lifeguard.node.bridge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.metrics.NodeMetrics;
import org.junit.jupiter.api.Test;

/**
 * A fresh bridge node exports {@code lifeguard_bridge_connections_total} for every outcome at
 * zero, so Grafana's panels show zeros rather than "No data" before the first upgrade (issue 15,
 * item 11).
 */
class BridgeMetricsSeriesTest {
  @Test
  void everyUpgradeOutcomeHasASeriesFromStartUp() {
    NodeMetrics metrics = new NodeMetrics();
    new BridgeMetrics(metrics.registry(), () -> 0, () -> 0L);
    String scrape = metrics.scrape();
    for (String outcome : BridgeMetrics.CONNECTION_OUTCOMES) {
      assertTrue(scrape.contains("lifeguard_bridge_connections_total{outcome=\"" + outcome + "\"} 0.0"), outcome + " in\n" + scrape);
    }
  }
}
