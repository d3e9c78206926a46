package io.lifeguard.node.admin;

import com.typesafe.config.Config;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.cluster.bootstrap.contactpoint.HttpClusterBootstrapRoutes;
import org.apache.pekko.management.javadsl.PekkoManagement;
import io.lifeguard.node.NodeExit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pekko Management HTTP ({@code /cluster/members}, {@code /cluster/shards/{name}}, …) on {@code
 * pekko.management.http.hostname/port}, read-only and behind HTTP Basic with the admin credentials.
 *
 * <p>The node binds the management routes itself instead of calling {@code PekkoManagement.start}
 * because cluster bootstrap's contact points ({@code /bootstrap/seed-nodes}) are probed by other
 * nodes without credentials: with bootstrap on, that one path stays open and everything else keeps
 * the authenticator. It reveals only member addresses.
 */
final class ManagementServer {
  private static final Logger log = LoggerFactory.getLogger(ManagementServer.class);

  private ManagementServer() {}

  /** Binds, and starts cluster bootstrap when {@code bootstrap}; a bind failure stops the node. */
  static void start(ActorSystem<?> system, AdminAuth auth, boolean bootstrap) {
    Config config = system.settings().config();
    String hostname = config.getString("pekko.management.http.hostname");
    int port = config.getInt("pekko.management.http.port");
    String bindHost = config.getString("pekko.management.http.bind-hostname");
    String bindPortRaw = config.getString("pekko.management.http.bind-port");
    String host = bindHost.isBlank() ? hostname : bindHost;
    int bindPort = bindPortRaw.isBlank() ? port : Integer.parseInt(bindPortRaw);

    Route secured = PekkoManagement.get(Adapter.toClassic(system)).getRoutes(settings -> settings.withAuth(auth::basic));
    Route routes = secured;
    if (bootstrap) {
      ClusterBootstrap clusterBootstrap = ClusterBootstrap.get(Adapter.toClassic(system));
      Route contactPoint = new HttpClusterBootstrapRoutes(clusterBootstrap.settings()).getRoutes();
      routes = Directives.concat(Directives.pathPrefixTest("bootstrap", () -> contactPoint), secured);
    }
    if (!auth.configured()) {
      log.warn("no admin credentials (lifeguard.control.admin-tokens): Pekko Management answers 401 to every request");
    }
    Http.get(system).newServerAt(host, bindPort).bind(routes).whenComplete((binding, failure) -> {
      if (failure != null) {
        NodeExit.bindFailed(system, "Pekko Management", host, bindPort, "pekko.management.http.hostname/port",
            "LIFEGUARD_MANAGEMENT_HOST/LIFEGUARD_MANAGEMENT_PORT", failure);
        return;
      }
      log.info("Pekko Management listening on {} (HTTP Basic, admin credentials)", binding.localAddress());
      binding.addToCoordinatedShutdown(Duration.ofSeconds(2), system);
      if (bootstrap) {
        log.info("cluster bootstrap: discovering peers through {}",
            config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
        ClusterBootstrap.get(Adapter.toClassic(system)).start();
      }
    });
  }
}
