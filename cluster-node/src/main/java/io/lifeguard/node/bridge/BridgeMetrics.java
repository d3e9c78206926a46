package io.lifeguard.node.bridge;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** The bridge's Prometheus metrics, registered in the node's registry. */
final class BridgeMetrics {
  /**
   * Every outcome of an upgrade on a bridge node (docs/bridge.md): each has a series from start-up,
   * so a fresh deployment's dashboard shows zeros rather than "No data".
   */
  static final java.util.List<String> CONNECTION_OUTCOMES = java.util.List.of("accepted", "invalid_id",
      "websocket_upgrade_required", "rate_limited", "missing_token", "shutting_down", "redis_unavailable",
      "too_many_connections", "token_missing", "token_invalid", "redis_timeout");

  /** Bytes waiting in every socket's outbox on this node. */
  final AtomicLong bufferedBytes = new AtomicLong();

  private final Counter connections;
  private final Counter received;
  private final Counter sent;
  private final Histogram latency;
  private final Counter errors;
  private final Counter backpressure;
  private final CounterDataPoint sentPoint;
  private final CounterDataPoint receivedPoint;

  BridgeMetrics(PrometheusRegistry registry, LongSupplier activeConnections, LongSupplier channels) {
    GaugeWithCallback.builder()
        .name("lifeguard_bridge_active_connections")
        .help("Open bridge WebSockets on this node")
        .callback(cb -> cb.call(activeConnections.getAsLong()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lifeguard_bridge_buffer_bytes")
        .help("Bytes of down messages buffered for bridge sockets, not yet written")
        .callback(cb -> cb.call(bufferedBytes.get()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lifeguard_bridge_pubsub_channels")
        .help("Redis channels this node's shared pub/sub connection is subscribed to")
        .callback(cb -> cb.call(channels.getAsLong()))
        .register(registry);
    connections = Counter.builder()
        .name("lifeguard_bridge_connections_total")
        .help("Bridge upgrade attempts by outcome (accepted, or why they were refused)")
        .labelNames("outcome")
        .register(registry);
    received = Counter.builder()
        .name("lifeguard_bridge_messages_received_total")
        .help("Client messages published to session:{id}:up")
        .register(registry);
    sent = Counter.builder()
        .name("lifeguard_bridge_messages_sent_total")
        .help("Messages from session:{id}:down handed to client sockets")
        .register(registry);
    latency = Histogram.builder()
        .name("lifeguard_bridge_message_latency_seconds")
        .help("Time from receipt of a down message from Redis to its hand-off to the socket")
        .classicOnly()
        .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
        .register(registry);
    errors = Counter.builder()
        .name("lifeguard_bridge_errors_total")
        .help("Bridge sockets closed by the server, and Redis failures, by kind")
        .labelNames("kind")
        .register(registry);
    backpressure = Counter.builder()
        .name("lifeguard_bridge_backpressure_events_total")
        .help("Sockets closed because their send buffer filled (slow consumers)")
        .register(registry);
    // Zero series from the start, so dashboards and rate() see every kind before it first happens.
    for (CloseReason reason : CloseReason.values()) errors.labelValues(reason.reason());
    for (String kind : new String[] {"publish_failed", "redis_disconnected", "redis_timeout"}) errors.labelValues(kind);
    for (String outcome : CONNECTION_OUTCOMES) connections.labelValues(outcome);
    sentPoint = sent.labelValues();
    receivedPoint = received.labelValues();
  }

  void connection(String outcome) {
    connections.labelValues(outcome).inc();
  }

  void received() {
    receivedPoint.inc();
  }

  void delivered(long receivedNanos) {
    sentPoint.inc();
    latency.observe((System.nanoTime() - receivedNanos) / 1e9);
  }

  void error(String kind) {
    errors.labelValues(kind).inc();
  }

  void backpressure() {
    backpressure.inc();
  }
}
