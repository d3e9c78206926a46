package io.lifeguard.node.host;

import io.lifeguard.protocol.Role;
import io.lifeguard.sharding.host.HostMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The manager's Prometheus metrics. Host entities report through {@link HostMetrics}; the bus
 * edge reports acks it is waiting on, rejections it makes itself, and connections.
 */
final class HostManagerMetrics implements HostMetrics {
  private final Gauge inflight;
  private final Gauge acksPending;
  private final Counter actions;
  private final Counter acks;
  private final Counter rejections;
  private final Gauge connections;
  private final Counter busErrors;

  HostManagerMetrics(PrometheusRegistry registry) {
    inflight = Gauge.builder().name("lifeguard_actions_inflight")
        .help("Actions accepted and not yet acknowledged, over the host entities running on this node")
        .register(registry);
    acksPending = Gauge.builder().name("lifeguard_acks_pending")
        .help("Acks received from hosts on this node and not yet confirmed by their host entity")
        .register(registry);
    actions = Counter.builder().name("lifeguard_actions_total")
        .help("Actions accepted (re-sent action ids not counted)").register(registry);
    acks = Counter.builder().name("lifeguard_acks_total")
        .help("Acks recorded (re-sent acks not counted)").register(registry);
    rejections = Counter.builder().name("lifeguard_action_rejections_total")
        .help("Actions refused, by reason").labelNames("reason").register(registry);
    connections = Gauge.builder().name("lifeguard_bus_connections")
        .help("Open host bus WebSockets on this node, by role").labelNames("role").register(registry);
    busErrors = Counter.builder().name("lifeguard_bus_errors_total")
        .help("Error frames sent on host buses, by code").labelNames("code").register(registry);
  }

  @Override
  public void actionsInflight(int delta) {
    inflight.inc(delta);
  }

  @Override
  public void actionAccepted() {
    actions.inc();
  }

  @Override
  public void actionAcked() {
    acks.inc();
  }

  @Override
  public void actionRejected(String reason) {
    rejections.labelValues(reason).inc();
  }

  void ackPending(int delta) {
    acksPending.inc(delta);
  }

  void connection(Role role, int delta) {
    connections.labelValues(role.wireName()).inc(delta);
  }

  void errorFrame(String code) {
    busErrors.labelValues(code).inc();
  }
}
