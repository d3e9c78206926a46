package io.lifeguard.node.console;

import io.lifeguard.control.ControlPlane;
import io.lifeguard.node.NodeInfo;
import io.lifeguard.node.metrics.NodeMetrics;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The operators' web console (issue 10): static files under {@code /console/} and the live stream
 * {@code GET /v1/admin/console/stream}. The page reads and acts only through the admin API that
 * scripts use, with the admin credential the operator types in; it adds no endpoint of its own
 * besides the stream, which authenticates the same way.
 */
public final class Console {
  private Console() {}

  /**
   * @param adminApi the node's admin routes ({@code /v1/admin/cluster}, {@code /v1/admin/fallback},
   *     ...); the stream runs them in-process with the caller's credential
   */
  public static Route init(ActorSystem<?> system, ControlPlane plane, Route adminApi, NodeMetrics metrics, NodeInfo info) {
    ConsoleSettings settings = ConsoleSettings.create(system.settings().config());
    ConsoleStream stream = new ConsoleStream(system, settings, plane.adminCredentials(), adminApi.seal().handler(system),
        new NodeCounters(metrics.registry()), info);
    return Directives.concat(new ConsoleAssets().routes(), stream.routes());
  }
}
