package io.lifeguard.node.control;

import com.typesafe.config.Config;
import io.lifeguard.control.ControlPlane;
import io.lifeguard.control.ControlSettings;
import io.lifeguard.node.NodeInfo;
import io.lifeguard.node.config.InvalidSettingException;
import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.health.Dependencies;
import io.lifeguard.node.health.Readiness;
import io.lifeguard.node.metrics.NodeMetrics;
import io.lifeguard.node.redis.NodeRedis;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The control plane inside a node: builds {@link ControlPlane} from {@code lifeguard.tokens} and
 * {@code lifeguard.control}, adds {@code fallback_paused} and {@code control_plane_redis} to
 * /healthz, declares the kill switch and the guardrail as features of the {@code redis} dependency, stops it in CoordinatedShutdown, and exposes its routes for the plain HTTP port. With
 * {@code lifeguard.control.mtls.enabled} it also runs the mutual-TLS listener, which serves the
 * service-facing token routes only (the admin API stays on the plain port with admin bearers).
 * The relay takes {@link #plane()}.
 */
public final class ControlComponent {
  private final ControlPlane plane;
  private final MutualTlsSettings mutualTls;
  private final SSLContext tlsContext;
  private final Route routes;

  private ControlComponent(ControlPlane plane, MutualTlsSettings mutualTls, SSLContext tlsContext) {
    this.plane = plane;
    this.mutualTls = mutualTls;
    this.tlsContext = tlsContext;
    ServiceChannel plain = new ServiceChannel.Plain(mutualTls.requireOnPlainPort());
    this.routes = Directives.concat(new TokenRoutes(plane, plain).routes(), new AdminRoutes(plane).routes(),
        new GuardrailRoutes(plane).routes());
  }

  /**
   * Starts the control plane.
   *
   * @throws InvalidSettingException naming the key when a setting, key or credential is unusable
   */
  public static ControlComponent init(
      ActorSystem<?> system, NodeSettings settings, Config config, NodeRedis redis, NodeMetrics metrics, NodeInfo info,
      Dependencies dependencies) {
    ControlSettings controlSettings = ControlConfig.settings(config, settings);
    MutualTlsSettings mutualTls = MutualTlsSettings.create(config, settings);
    // Before the plane starts, so a bad store leaves nothing running to stop.
    SSLContext tlsContext = mutualTls.enabled() ? MutualTlsContext.load(mutualTls) : null;
    ControlPlane plane;
    try {
      plane = ControlPlane.start(controlSettings, redis.client().orElse(null), metrics.registry(), Clock.systemUTC());
    } catch (io.lifeguard.control.token.SigningKeys.InvalidKeyConfigurationException e) {
      throw new InvalidSettingException(e.setting(), e.getMessage().substring(e.setting().length() + 2));
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException("lifeguard.control", e.getMessage());
    }
    info.contribute("fallback_paused", plane::fallbackPaused);
    info.contribute("control_plane_redis", plane::redisStatus);
    java.util.function.Supplier<Dependencies.Status> redisStatus = () -> Dependencies.Status.of(plane.redisStatus());
    dependencies.register("redis", "kill_switch", redisStatus);
    dependencies.register("redis", "guardrail", redisStatus);
    // Before the Redis client closes (last phase), so the poller never uses a closed client.
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "control-plane-stop", () -> {
      plane.close();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    return new ControlComponent(plane, mutualTls, tlsContext);
  }

  /** Reads the configuration from the actor system's settings. */
  public static ControlComponent init(ActorSystem<?> system, NodeSettings settings, NodeRedis redis, NodeMetrics metrics, NodeInfo info,
      Dependencies dependencies) {
    return init(system, settings, system.settings().config(), redis, metrics, info, dependencies);
  }

  public ControlPlane plane() {
    return plane;
  }

  /** The routes for the plain HTTP port. */
  public Route routes() {
    return routes;
  }

  /** Binds the mutual-TLS listener when it is enabled; call before the plain port binds so /ready waits for both. */
  public void startMutualTls(ActorSystem<?> system, Readiness readiness) {
    if (!mutualTls.enabled()) return;
    Route service = new TokenRoutes(plane, new ServiceChannel.MutualTls(mutualTls.bindSubject())).routes();
    MutualTlsServer.start(system, mutualTls, tlsContext, service, readiness);
  }
}
