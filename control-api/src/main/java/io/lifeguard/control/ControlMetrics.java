package io.lifeguard.control;

import io.lifeguard.control.guardrail.Guardrail;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.BooleanSupplier;

/**
 * The control plane's metrics, registered in the node's registry. No cohort or session labels:
 * cohorts are caller-chosen and would make cardinality unbounded; logs carry them instead.
 */
public final class ControlMetrics {
  /** Outcome labels of {@code lifeguard_token_requests_total}. */
  public enum Outcome {
    ISSUED, PAUSED, ENTITLEMENT_DENIED, INVALID_SESSION, BAD_REQUEST, UNAUTHORIZED, MTLS_REQUIRED,
    CERTIFICATE_MISMATCH, ERROR;

    final String label = name().toLowerCase(java.util.Locale.ROOT);
  }

  private final Counter tokenRequests;
  private final Counter sessions;
  private final Counter activations;
  private final Counter softBreaches;

  public ControlMetrics(PrometheusRegistry registry, BooleanSupplier paused, BooleanSupplier redisUp) {
    tokenRequests = Counter.builder()
        .name("lifeguard_token_requests_total")
        .help("Token API requests by outcome and guardrail verdict (ok, soft_breach, unknown)")
        .labelNames("outcome", "guardrail")
        .register(registry);
    sessions = Counter.builder()
        .name("lifeguard_guardrail_sessions_total")
        .help("Sessions reported through POST /v1/fallback/sessions on this node")
        .register(registry);
    activations = Counter.builder()
        .name("lifeguard_guardrail_activations_total")
        .help("Fallback activations (tokens issued) on this node")
        .register(registry);
    softBreaches = Counter.builder()
        .name("lifeguard_guardrail_soft_breach_total")
        .help("Tokens issued while their cohort's hourly activation ratio was above the threshold")
        .register(registry);
    GaugeWithCallback.builder()
        .name("lifeguard_fallback_paused")
        .help("1 while the kill switch refuses fallback tokens and new relay handshakes")
        .callback(callback -> callback.call(paused.getAsBoolean() ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lifeguard_control_redis_up")
        .help("1 while the control plane's last Redis command succeeded (kill switch sharing, guardrail counters)")
        .callback(callback -> callback.call(redisUp.getAsBoolean() ? 1 : 0))
        .register(registry);
  }

  /** Counts a request whose guardrail was not consulted (refusals). */
  public void request(Outcome outcome) {
    tokenRequests.labelValues(outcome.label, "ok").inc();
  }

  /** Counts an issued token with its guardrail verdict. */
  public void issued(Guardrail.Verdict verdict) {
    tokenRequests.labelValues(Outcome.ISSUED.label, verdict.label).inc();
    activations.inc();
    if (verdict == Guardrail.Verdict.SOFT_BREACH) softBreaches.inc();
  }

  public void sessions(long count) {
    sessions.inc(count);
  }
}
