package io.lifeguard.node.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The node's Prometheus registry. Each component registers its own metrics here at start-up; the
 * registry is per node (not the JVM-global default) so tests can run several nodes in one JVM.
 */
public final class NodeMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  public PrometheusRegistry registry() {
    return registry;
  }

  /** The whole registry in Prometheus text format 0.0.4. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
