package io.lifeguard.node.control;

import io.lifeguard.node.NodeExit;
import io.lifeguard.node.health.Readiness;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the mutual-TLS listener: HTTPS on {@code lifeguard.control.mtls.host/port}, TLS 1.3 or
 * 1.2, a client certificate from the trust store required in the handshake. /ready waits for it
 * ({@code mtls} check); a bind failure terminates the node with a message naming the keys.
 */
final class MutualTlsServer {
  private static final Logger log = LoggerFactory.getLogger(MutualTlsServer.class);

  private MutualTlsServer() {}

  static void start(ActorSystem<?> system, MutualTlsSettings settings, SSLContext context, Route routes,
      Readiness readiness) {
    Readiness.Flag bound = readiness.flag("mtls");
    // Set on this binding, not in configuration: the subject binding must not be switched off by
    // an unrelated override of pekko.http.server.parsing.ssl-session-attribute.
    ServerSettings server = ServerSettings.create(system.settings().config());
    server = server.withParserSettings(server.getParserSettings().withIncludeSslSessionAttribute(true));
    Http.get(system)
        .newServerAt(settings.host(), settings.port())
        .enableHttps(ConnectionContext.httpsServer(() -> MutualTlsContext.serverEngine(context)))
        .withSettings(server)
        .bind(routes)
        .whenComplete((binding, failure) -> {
          if (failure != null) {
            NodeExit.bindFailed(system, "the mutual-TLS listener", settings.host(), settings.port(),
                MutualTlsSettings.HOST + "/port", "LIFEGUARD_MTLS_HOST/LIFEGUARD_MTLS_PORT", failure);
            return;
          }
          bound.set(true);
          log.info("mutual-TLS token API listening on {} (client certificates required, bind-subject={}, "
              + "plain port refuses service calls={})", binding.localAddress(), settings.bindSubject(),
              settings.requireOnPlainPort());
          binding.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
        });
  }
}
