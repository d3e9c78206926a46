package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.metrics.NodeMetrics;
import io.lifeguard.protocol.CloseReason;
import org.junit.jupiter.api.Test;

/**
 * A fresh relay node exports {@code lifeguard_handshakes_total} and {@code
 * lifeguard_relay_closes_total} for every known label value at zero, so dashboards show zeros
 * rather than "No data" before the first handshake (issue 15, item 11).
 */
class RelayMetricsSeriesTest {
  @Test
  void everyHandshakeOutcomeAndCloseReasonHasASeriesFromStartUp() {
    NodeMetrics metrics = new NodeMetrics();
    new RelayMetrics(metrics.registry(), () -> 0);
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("lifeguard_handshakes_total{outcome=\"ok\"} 0.0"), scrape);
    for (CloseReason reason : CloseReason.values()) {
      assertTrue(scrape.contains("lifeguard_handshakes_total{outcome=\"" + reason.wireName() + "\"} 0.0"), reason + " in\n" + scrape);
      assertTrue(scrape.contains("lifeguard_relay_closes_total{reason=\"" + reason.wireName() + "\"} 0.0"), reason + " in\n" + scrape);
    }
  }
}
