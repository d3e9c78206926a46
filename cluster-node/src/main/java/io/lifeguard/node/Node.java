package io.lifeguard.node;

import io.lifeguard.node.admin.AdminComponent;
import io.lifeguard.node.bridge.Bridge;
import io.lifeguard.node.bridge.BridgeRoutes;
import io.lifeguard.node.edge.EdgeServer;
import io.lifeguard.node.edge.EdgeSettings;
import java.util.List;
import java.util.Map;
import io.lifeguard.node.cluster.ClusterMembership;
import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.console.Console;
import io.lifeguard.node.control.ControlComponent;
import io.lifeguard.node.demo.DemoAssets;
import io.lifeguard.node.health.HealthRoutes;
import io.lifeguard.node.health.Readiness;
import io.lifeguard.node.host.HostManager;
import io.lifeguard.node.http.HttpServer;
import io.lifeguard.node.metrics.MetricsRoutes;
import io.lifeguard.node.metrics.NodeMetrics;
import io.lifeguard.node.persistence.JournalReadiness;
import io.lifeguard.node.redis.NodeRedis;
import io.lifeguard.node.relay.ControlRelayPolicy;
import io.lifeguard.node.relay.RelayCounters;
import io.lifeguard.node.relay.RelayNode;
import io.lifeguard.node.relay.RelayRoutes;
import io.lifeguard.node.relay.RelaySettings;
import io.lifeguard.sharding.persistence.JournalHealth;
import java.time.Instant;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The node's guardian: starts each component with its settings, then binds their routes. Each
 * component lives in its own package and exposes an {@code init}; this file only wires them.
 */
public final class Node {
  private Node() {}

  public static Behavior<Void> create(NodeSettings settings) {
    return Behaviors.setup(context -> {
      var system = context.getSystem();
      String address = Cluster.get(system).selfMember().address().toString();
      NodeInfo info = new NodeInfo(settings.nodeName(), address, settings.cluster().roles(), Instant.now());
      NodeMetrics metrics = new NodeMetrics();
      Readiness readiness = new Readiness();
      NodeExit.track(system, readiness);
      readiness.dependencies().registerMetrics(metrics.registry());

      var config = system.settings().config();
      StartupSummary.log(settings, config, info.version());
      JournalHealth journalHealth = new JournalHealth();
      JournalReadiness.init(system, settings, readiness, journalHealth);
      ClusterMembership.init(context, settings, readiness, info);
      NodeRedis redis = NodeRedis.init(system, settings);
      ControlComponent control = ControlComponent.init(system, settings, redis, metrics, info, readiness.dependencies());
      RelayRoutes relay = RelayNode.init(context, RelaySettings.create(config),
          new ControlRelayPolicy(control.plane()), metrics, RelayCounters.start(system, redis));
      BridgeRoutes bridge = Bridge.init(system, settings, redis, readiness, metrics);
      HostManager hosts = HostManager.init(system, settings, metrics, control.plane().verificationKeys(), journalHealth);
      AdminComponent admin = AdminComponent.init(context, settings, info, readiness, metrics, control.plane(), relay,
          hosts.busConnections());

      Route routes = admin.guard(Directives.concat(
          new HealthRoutes(info, readiness).routes(),
          new MetricsRoutes(metrics).routes(),
          control.routes(),
          admin.routes(),
          Console.init(system, control.plane(), Directives.concat(control.routes(), admin.routes()), metrics, info),
          new DemoAssets().routes(),
          relay.routes(),
          hosts.routes(),
          bridge.routes()));
      control.startMutualTls(system, readiness);
      HttpServer.start(system, settings, routes, readiness);
      // The client-facing WebSockets on their own port; the generic bridge path goes last.
      EdgeSettings edgeSettings = EdgeSettings.create(config);
      Readiness.Flag edgeBound = readiness.flag("edge");
      EdgeServer edge = EdgeServer.start(system, edgeSettings,
          List.of(relay.edgeRoute(), hosts.busRoute(), bridge.edgeRoute()), () -> readiness.report().ready(), metrics);
      edgeBound.set(edge.listening());
      info.contribute("listeners", () -> Map.of(
          "http", settings.http().host() + ":" + settings.http().port(),
          "edge", edgeSettings.host() + ":" + edge.boundPort()));
      return Behaviors.empty();
    });
  }
}
