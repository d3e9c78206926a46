package io.lifeguard.node.admin;

import io.lifeguard.node.NodeInfo;
import io.lifeguard.node.health.Readiness;
import io.lifeguard.node.host.BusConnections;
import io.lifeguard.node.relay.RelayNode;
import io.lifeguard.node.relay.RelayRoutes;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * This node's side of the admin API: its facts, its relay peers of a session, and the drain
 * procedure (not ready, refuse new sockets, close relay sockets with SERVER_SHUTDOWN so clients
 * move, then leave the cluster, which runs CoordinatedShutdown and exits the process with 0).
 */
final class LocalNode {
  private static final Logger log = LoggerFactory.getLogger(LocalNode.class);
  // Read from the node's registry so the bridge and the bus need no admin-specific hooks.
  static final String BRIDGE_GAUGE = "lifeguard_bridge_active_connections";
  static final String BUS_GAUGE = "lifeguard_bus_connections";
  // Keeps one node's answer a few tens of KiB, far below Artery's 256 KiB frame limit, however many
  // viewers a host has; the counts still cover every connection.
  static final int MAX_LISTED_SUBSCRIBERS = 200;

  private final ActorSystem<?> system;
  private final NodeInfo info;
  private final String httpAddress;
  private final Readiness readiness;
  private final RelayRoutes relay;
  private final BusConnections busConnections;
  private final PrometheusRegistry registry;
  private final AtomicBoolean drainRequested = new AtomicBoolean();

  LocalNode(ActorSystem<?> system, NodeInfo info, String httpAddress, Readiness readiness, RelayRoutes relay,
      BusConnections busConnections, PrometheusRegistry registry) {
    this.system = system;
    this.info = info;
    this.httpAddress = httpAddress;
    this.readiness = readiness;
    this.relay = relay;
    this.busConnections = busConnections;
    this.registry = registry;
  }

  NodeAgent.Facts facts() {
    return new NodeAgent.Facts(info.name(), info.clusterAddress(), httpAddress, List.copyOf(new java.util.TreeSet<>(info.roles())),
        info.uptime().toSeconds(), relay.node().connectionCount(), (int) gaugeSum(BRIDGE_GAUGE), (int) gaugeSum(BUS_GAUGE),
        readiness.draining(), readiness.dependencies().degraded());
  }

  NodeAgent.SessionPeers sessionPeers(String sessionId) {
    List<NodeAgent.Peer> peers = new ArrayList<>();
    for (RelayNode.LocalPeer p : relay.node().localPeers(sessionId)) {
      peers.add(new NodeAgent.Peer(p.peerId(), p.role(), p.queueDepth(), p.drops()));
    }
    return new NodeAgent.SessionPeers(info.name(), info.clusterAddress(), peers);
  }

  /**
   * The host's bus connections on this node: counts by role over all of them, the first {@link
   * #MAX_LISTED_SUBSCRIBERS} by connection id listed.
   */
  NodeAgent.BusSubscribers busSubscribers(String hostSessionId) {
    List<BusConnections.Connection> all = busConnections.of(hostSessionId);
    Map<String, Integer> byRole = new TreeMap<>();
    List<NodeAgent.BusSubscriber> listed = new ArrayList<>();
    for (BusConnections.Connection c : all) {
      byRole.merge(c.role().wireName(), 1, Integer::sum);
      if (listed.size() < MAX_LISTED_SUBSCRIBERS) {
        listed.add(new NodeAgent.BusSubscriber(c.connectionId(), c.role().wireName(), c.subscriptions()));
      }
    }
    return new NodeAgent.BusSubscribers(info.name(), info.clusterAddress(), all.size(), byRole, listed);
  }

  /** Starts the drain once; later calls only report that it is under way. */
  NodeAgent.DrainStarted drain(String requestedBy, String reason) {
    if (!drainRequested.compareAndSet(false, true)) {
      return new NodeAgent.DrainStarted(info.name(), info.clusterAddress(), true);
    }
    MDC.put("phase", "drain");
    MDC.put("reason", reason);
    try {
      log.warn("draining this node: requested by admin '{}' because '{}'", requestedBy, reason);
    } finally {
      MDC.remove("phase");
      MDC.remove("reason");
    }
    readiness.startDraining();
    relay.refuseNewConnections();
    Cluster cluster = Cluster.get(system);
    relay.node().drain("node drained by an operator").whenComplete((done, failure) -> {
      log.info("drain: relay sockets closed ({} left); leaving the cluster", relay.node().connectionCount());
      cluster.manager().tell(Leave.create(cluster.selfMember().address()));
    });
    return new NodeAgent.DrainStarted(info.name(), info.clusterAddress(), false);
  }

  private double gaugeSum(String name) {
    double sum = 0;
    for (MetricSnapshot snapshot : registry.scrape(name::equals)) {
      if (snapshot instanceof GaugeSnapshot gauge) {
        for (GaugeSnapshot.GaugeDataPointSnapshot point : gauge.getDataPoints()) sum += point.getValue();
      }
    }
    return sum;
  }
}
