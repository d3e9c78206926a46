package io.lifeguard.node.relay;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The relay's Prometheus metrics (names follow source document 000, prefixed lifeguard_). The
 * per-frame ones skip exemplar sampling, which showed in the fan-out profile.
 */
final class RelayMetrics {
  final Counter handshakes;
  /** The {@code outcome="ok"} child, looked up once: every successful handshake counts it. */
  final CounterDataPoint handshakesOk;
  final Counter messagesForwarded;
  final Counter bytesForwarded;
  final Histogram messageSize;
  final Counter flowControlDrops;
  final Counter idlePruned;
  final Counter sessionsEmptied;
  final Counter closes;
  private final Counter rejoins;
  private final CounterDataPoint[] rejoinsByTrigger;

  /** Why a connection re-joined its session (the label of lifeguard_relay_rejoins_total). */
  enum RejoinTrigger {
    /** A node was removed from the cluster and this connection's session entity had run there. */
    MEMBER_REMOVED,
    /** The session entity stopped with this peer a member (shard hand-off) and asked it to. */
    ENTITY_STOPPED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
  final AtomicInteger sessionsActive = new AtomicInteger();

  RelayMetrics(PrometheusRegistry registry, IntSupplier connectionsActive) {
    GaugeWithCallback.builder()
        .name("lifeguard_connections_active")
        .help("Relay WebSocket connections open on this node")
        .callback(cb -> cb.call(connectionsActive.getAsInt()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lifeguard_sessions_active")
        .help("Relay session entities running on this node")
        .callback(cb -> cb.call(sessionsActive.get()))
        .register(registry);
    handshakes = Counter.builder()
        .name("lifeguard_handshakes_total")
        .help("Relay handshakes by outcome (ok or the close reason)")
        .labelNames("outcome")
        .register(registry);
    messagesForwarded = Counter.builder()
        .name("lifeguard_messages_forwarded_total")
        .help("Frames delivered to a peer's outbound queue")
        .withoutExemplars()
        .register(registry);
    bytesForwarded = Counter.builder()
        .name("lifeguard_bytes_forwarded_total")
        .help("Bytes (header included) delivered to peers' outbound queues")
        .withoutExemplars()
        .register(registry);
    messageSize = Histogram.builder()
        .name("lifeguard_message_size_bytes")
        .help("Size of frames received from peers for forwarding")
        .classicUpperBounds(64, 256, 1024, 4096, 16384, 65536)
        .classicOnly()
        .withoutExemplars()
        .register(registry);
    flowControlDrops = Counter.builder()
        .name("lifeguard_flow_control_drops_total")
        .help("Frames dropped because a peer's bounded outbound queue was full")
        .withoutExemplars()
        .register(registry);
    idlePruned = Counter.builder()
        .name("lifeguard_idle_pruned_total")
        .help("Connections closed by the idle recycler")
        .register(registry);
    sessionsEmptied = Counter.builder()
        .name("lifeguard_sessions_emptied_total")
        .help("Sessions removed because their last peer left")
        .register(registry);
    closes = Counter.builder()
        .name("lifeguard_relay_closes_total")
        .help("Relay connections closed by the node, by close reason")
        .labelNames("reason")
        .register(registry);
    rejoins = Counter.builder()
        .name("lifeguard_relay_rejoins_total")
        .help("Relay connections that re-joined their session because its entity moved, by trigger")
        .labelNames("trigger")
        .register(registry);
    rejoinsByTrigger = new CounterDataPoint[RejoinTrigger.values().length];
    for (RejoinTrigger t : RejoinTrigger.values()) rejoinsByTrigger[t.ordinal()] = rejoins.labelValues(t.label());
    // Every known label value exists at 0 from start-up, so dashboards and rates have a series
    // before the first event (a fresh deployment otherwise shows "No data").
    handshakesOk = handshakes.labelValues("ok");
    for (io.lifeguard.protocol.CloseReason reason : io.lifeguard.protocol.CloseReason.values()) {
      handshakes.labelValues(reason.wireName());
      closes.labelValues(reason.wireName());
    }
  }

  CounterDataPoint rejoins(RejoinTrigger trigger) {
    return rejoinsByTrigger[trigger.ordinal()];
  }
}
