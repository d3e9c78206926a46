package io.lifeguard.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DependenciesTest {
  @Test
  void aLostDependencyDegradesItsFeaturesButNotReadiness() {
    Readiness readiness = new Readiness();
    readiness.flag("http").set(true);
    AtomicReference<Dependencies.Status> bridge = new AtomicReference<>(Dependencies.Status.OK);
    AtomicReference<Dependencies.Status> control = new AtomicReference<>(Dependencies.Status.OK);
    Dependencies dependencies = readiness.dependencies();
    dependencies.register("redis", "bridge", bridge::get);
    dependencies.register("redis", "kill_switch", control::get);
    dependencies.register("journal", "hosts", () -> Dependencies.Status.OK);
    assertEquals(Map.of("journal", "ok", "redis", "ok"), dependencies.statuses());
    assertEquals(List.of(), readiness.report().degraded());

    bridge.set(Dependencies.Status.UNREACHABLE);
    Readiness.Report report = readiness.report();
    assertTrue(report.ready());
    assertEquals(List.of("bridge"), report.degraded());
    assertEquals("unreachable", dependencies.statuses().get("redis"));

    control.set(Dependencies.Status.CONNECTING);
    bridge.set(Dependencies.Status.OK);
    assertEquals("connecting", dependencies.statuses().get("redis"));
    assertEquals(List.of("kill_switch"), dependencies.degraded());
  }

  @Test
  void disabledIsNotDegradedAndHasNoMetricSeries() {
    Dependencies dependencies = new Dependencies();
    dependencies.register("redis", "bridge", () -> Dependencies.Status.DISABLED);
    dependencies.register("journal", "hosts", () -> {
      throw new IllegalStateException("probe broke");
    });
    assertEquals(Map.of("journal", "unreachable", "redis", "disabled"), dependencies.statuses());
    assertEquals(List.of("hosts"), dependencies.degraded());
    PrometheusRegistry registry = new PrometheusRegistry();
    dependencies.registerMetrics(registry);
    GaugeSnapshot gauge = (GaugeSnapshot) registry.scrape().stream()
        .filter(m -> m.getMetadata().getName().equals("lifeguard_dependency_up")).findFirst().orElseThrow();
    Map<String, Double> series = gauge.getDataPoints().stream()
        .collect(Collectors.toMap(p -> p.getLabels().get("dependency"), GaugeSnapshot.GaugeDataPointSnapshot::getValue));
    assertEquals(Map.of("journal", 0.0), series);
  }

  @Test
  void unknownStatusLabelsReadAsUnreachable() {
    assertEquals(Dependencies.Status.OK, Dependencies.Status.of("ok"));
    assertEquals(Dependencies.Status.DISABLED, Dependencies.Status.of("disabled"));
    assertEquals(Dependencies.Status.UNREACHABLE, Dependencies.Status.of("something else"));
  }
}
