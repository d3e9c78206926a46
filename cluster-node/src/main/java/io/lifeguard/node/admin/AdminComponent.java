package io.lifeguard.node.admin;

import io.lifeguard.control.ControlPlane;
import io.lifeguard.node.NodeInfo;
import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.health.Readiness;
import io.lifeguard.node.host.BusConnections;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.metrics.NodeMetrics;
import io.lifeguard.node.relay.RelayRoutes;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Cluster administration on one node: the {@link NodeAgent}, the admin API routes, the cluster
 * gauges and Pekko Management. {@link #guard} wraps the node's routes so that a draining node
 * refuses every new WebSocket (relay, bridge, bus) with 503 {@code draining}.
 */
public final class AdminComponent {
  private final Route routes;
  private final Readiness readiness;

  private AdminComponent(Route routes, Readiness readiness) {
    this.routes = routes;
    this.readiness = readiness;
  }

  public static AdminComponent init(ActorContext<?> context, NodeSettings settings, NodeInfo info, Readiness readiness,
      NodeMetrics metrics, ControlPlane plane, RelayRoutes relay, BusConnections busConnections) {
    ActorSystem<?> system = context.getSystem();
    AdminSettings admin = AdminSettings.create(system.settings().config());
    AdminAuth auth = AdminAuth.create(plane.adminCredentials(), plane.settings().adminTokens());
    String http = settings.http().host() + ":" + settings.http().port();
    LocalNode local = new LocalNode(system, info, http, readiness, relay, busConnections, metrics.registry());
    context.spawn(NodeAgent.create(local), "node-agent");
    ClusterMetrics.register(metrics.registry(), Cluster.get(system));
    ManagementServer.start(system, auth, admin.bootstrap());
    ClusterQueries queries = new ClusterQueries(system, admin.nodeTimeout());
    return new AdminComponent(new ClusterAdminRoutes(system, auth, queries, plane, settings.askTimeout()).routes(), readiness);
  }

  public Route routes() {
    return routes;
  }

  /** While draining, WebSocket upgrades anywhere get 503; plain HTTP (health, admin) still works. */
  public Route guard(Route inner) {
    return Directives.extractRequest(request ->
        readiness.draining() && request.getAttribute(AttributeKeys.webSocketUpgrade).isPresent()
            ? Directives.complete(Json.error(StatusCodes.SERVICE_UNAVAILABLE, "draining", "node is draining; connect to another node"))
            : inner);
  }
}
