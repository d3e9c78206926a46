package io.lifeguard.node.http;

import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.health.Readiness;
import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the node's routes and ties the binding to CoordinatedShutdown: on shutdown the node first
 * reports not-ready, then stops accepting, then gives open requests and sockets until the hard
 * deadline.
 */
public final class HttpServer {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  private HttpServer() {}

  /** Binds; a bind failure (port taken) terminates the node with a message naming host and port. */
  public static void start(ActorSystem<?> system, NodeSettings settings, Route routes, Readiness readiness) {
    Readiness.Flag bound = readiness.flag("http");
    NodeSettings.Http http = settings.http();
    IdleConnections idle = IdleConnections.start(system, http.idleTimeout());
    Http.get(system)
        .newServerAt(http.host(), http.port())
        // pekko-http's idle timeout wakes every connection once a second; IdleConnections replaces it.
        .adaptSettings(s -> s.withTimeouts(s.getTimeouts().withIdleTimeout(scala.concurrent.duration.Duration.Inf())))
        .bindFlow(idle.watch(routes.flow(system)))
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                io.lifeguard.node.NodeExit.bindFailed(system, "HTTP", http.host(), http.port(), "lifeguard.http.host/port",
                    "LIFEGUARD_HTTP_HOST/LIFEGUARD_HTTP_PORT", failure);
                return;
              }
              bound.set(true);
              log.info("HTTP listening on {}:{}", binding.localAddress().getHostString(), binding.localAddress().getPort());
              registerShutdown(system, binding, readiness);
            });
  }

  private static void registerShutdown(ActorSystem<?> system, ServerBinding binding, Readiness readiness) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeServiceUnbind(),
        "lifeguard-not-ready",
        () -> {
          readiness.startDraining();
          return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
        });
    binding.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
  }
}
