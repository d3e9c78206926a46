package io.lifeguard.node.health;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The outside services a running node depends on (Redis, the journal database) and the features
 * each one carries. A lost dependency degrades its features only and never makes the node unready:
 * the node still serves everything else (readiness means "route clients here"), and each feature
 * refuses its own clients precisely (the bridge answers 503 and closes sockets with 1013, tokens
 * carry {@code guardrail_hint: "unknown"}, host commands answer {@code unavailable}).
 * {@code /healthz}, {@code /ready}, {@code lifeguard_dependency_up} and the console show what is
 * degraded.
 */
public final class Dependencies {
  /** A feature's view of its dependency; {@link #label()} is what JSON shows. */
  public enum Status {
    OK, CONNECTING, UNREACHABLE, DISABLED;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Reads {@code ok}, {@code connecting}, {@code unreachable}, {@code disabled}; anything else is unreachable. */
    public static Status of(String label) {
      for (Status s : values()) if (s.label().equals(label)) return s;
      return UNREACHABLE;
    }

    boolean degraded() {
      return this == CONNECTING || this == UNREACHABLE;
    }
  }

  private record Feature(String dependency, String name, Supplier<Status> status) {}

  private final List<Feature> features = new CopyOnWriteArrayList<>();

  /** Declares that {@code feature} needs {@code dependency}; {@code status} is read on every request, keep it cheap. */
  public void register(String dependency, String feature, Supplier<Status> status) {
    features.add(new Feature(dependency, feature, status));
  }

  /**
   * Each dependency's status, by name: unreachable if any feature sees it unreachable, connecting
   * if any is still connecting, disabled if every feature has it switched off, else ok.
   */
  public Map<String, String> statuses() {
    Map<String, Status> worst = new TreeMap<>();
    for (Feature f : features) worst.merge(f.dependency(), safely(f), Dependencies::worse);
    Map<String, String> out = new TreeMap<>();
    worst.forEach((name, status) -> out.put(name, status.label()));
    return out;
  }

  /** Features that cannot serve right now because their dependency is not (yet) reachable, sorted. */
  public List<String> degraded() {
    TreeSet<String> out = new TreeSet<>();
    for (Feature f : features) if (safely(f).degraded()) out.add(f.name());
    return new ArrayList<>(out);
  }

  /** Registers {@code lifeguard_dependency_up{dependency}}: 1 or 0 per enabled dependency. */
  public void registerMetrics(PrometheusRegistry registry) {
    GaugeWithCallback.builder()
        .name("lifeguard_dependency_up")
        .help("1 while every feature of this node that needs the dependency reaches it (redis, journal); disabled dependencies have no series")
        .labelNames("dependency")
        .callback(callback -> statuses().forEach((name, status) -> {
          if (!Status.DISABLED.label().equals(status)) callback.call(Status.OK.label().equals(status) ? 1 : 0, name);
        }))
        .register(registry);
  }

  private static Status worse(Status a, Status b) {
    if (a == Status.UNREACHABLE || b == Status.UNREACHABLE) return Status.UNREACHABLE;
    if (a == Status.CONNECTING || b == Status.CONNECTING) return Status.CONNECTING;
    if (a == Status.OK || b == Status.OK) return Status.OK;
    return Status.DISABLED;
  }

  private static Status safely(Feature f) {
    try {
      Status s = f.status().get();
      return s == null ? Status.UNREACHABLE : s;
    } catch (RuntimeException e) {
      return Status.UNREACHABLE;
    }
  }
}
