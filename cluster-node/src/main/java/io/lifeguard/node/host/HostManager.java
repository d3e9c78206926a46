package io.lifeguard.node.host;

import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.metrics.NodeMetrics;
import io.lifeguard.sharding.host.HostEntity;
import io.lifeguard.sharding.persistence.JournalHealth;
import io.lifeguard.sharding.persistence.JournalHealthGossip;
import io.lifeguard.protocol.token.KeySet;
import java.time.Clock;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager component: host entities under sharding with rendezvous placement, the per-node bus
 * topics, the host bus WebSocket route, {@code /debug/assignments}, and the registry of this
 * node's bus connections that the admin API reads. Hosts are placed only on nodes whose journal
 * answers ({@link JournalHealth}, shared by {@link JournalHealthGossip}). {@link #init} is the one call the node makes.
 */
public final class HostManager {
  private static final Logger log = LoggerFactory.getLogger(HostManager.class);

  private final Route routes;
  private final HostBusEdgeRoute busRoute;
  private final BusConnections busConnections;

  private HostManager(Route routes, HostBusEdgeRoute busRoute, BusConnections busConnections) {
    this.routes = routes;
    this.busRoute = busRoute;
    this.busConnections = busConnections;
  }

  /** Starts the manager on this node. */
  public static HostManager init(ActorSystem<?> system, NodeSettings node, NodeMetrics nodeMetrics, KeySet sharedKeys,
      JournalHealth journalHealth) {
    ManagerSettings configured = ManagerSettings.create(system.settings().config(), node.askTimeout());
    // Bus tokens verify against the control plane's keys unless the manager has its own.
    ManagerSettings settings = configured.keys() != null ? configured : configured.withKeys(sharedKeys);
    HostManagerMetrics metrics = new HostManagerMetrics(nodeMetrics.registry());
    Clock clock = Clock.systemUTC();
    HostEntity.init(system, settings.host(), settings.assignment(), metrics, clock, journalHealth);
    if (node.cluster().roles().contains(HostEntity.ROLE)) {
      // Tells the shard coordinator (wherever it runs) when this node's journal fails or returns.
      system.systemActorOf(JournalHealthGossip.create(journalHealth), "journal-health", Props.empty());
    }
    var topics = system.systemActorOf(BusTopics.create(), "host-bus-topics", Props.empty());
    BusConnections busConnections = new BusConnections();
    if (settings.keys() == null) {
      log.warn("no token keys for the host bus: it refuses every connection with 503 bus_disabled");
    }
    log.info("manager started: capacity={} max_inflight_actions={} rebalance_batch={} host_entities_here={}",
        settings.assignment().capacity(), settings.host().maxInFlight(), settings.assignment().rebalanceBatch(),
        node.cluster().roles().contains(HostEntity.ROLE));
    HostBusEdgeRoute bus = new HostBusEdgeRoute(system, settings, metrics, topics, busConnections, clock, node.http().idleTimeout());
    return new HostManager(new AssignmentRoutes(system, settings).routes(), bus, busConnections);
  }

  /** {@code /debug/assignments} on the HTTP API port. */
  public Route routes() {
    return routes;
  }

  /** The host bus WebSocket on the edge port. */
  public HostBusEdgeRoute busRoute() {
    return busRoute;
  }

  /** The bus connections open on this node, for the admin API. */
  public BusConnections busConnections() {
    return busConnections;
  }
}
