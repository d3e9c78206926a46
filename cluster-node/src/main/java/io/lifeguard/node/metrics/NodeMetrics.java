package io.lifeguard.node.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The node's Prometheus registry. Each component registers its own metrics here at start-up; the
 * registry is per node (not the JVM-global default) so tests can run several nodes in one JVM.
 *
 * <p>It also holds the process and JVM collectors (CPU, memory, file descriptors, GC, threads,
 * buffer pools, classes, JIT), registered one by one rather than through {@code
 * JvmMetrics.builder()}: that helper remembers every registry it has seen in a static set, which
 * would keep each stopped test node's registry alive. {@code JvmMemoryPoolAllocationMetrics} is
 * left out because it adds a GC notification listener per registry that is never removed, and
 * {@code JvmNativeMemoryMetrics} because it exports nothing without {@code
 * -XX:NativeMemoryTracking}. The collectors read the MXBeans and {@code /proc/self} at scrape
 * time, so registering them on several registries in one JVM is safe and each reports the same
 * process.
 */
public final class NodeMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  public NodeMetrics() {
    ProcessMetrics.builder().register(registry);
    JvmMemoryMetrics.builder().register(registry);
    JvmGarbageCollectorMetrics.builder().register(registry);
    JvmThreadsMetrics.builder().register(registry);
    JvmBufferPoolMetrics.builder().register(registry);
    JvmClassLoadingMetrics.builder().register(registry);
    JvmCompilationMetrics.builder().register(registry);
    JvmRuntimeInfoMetric.builder().register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** The whole registry in Prometheus text format 0.0.4. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
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
