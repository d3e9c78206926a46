package io.lifeguard.node.edge;

import static io.lifeguard.node.config.SettingsReader.positiveDuration;
import static io.lifeguard.node.config.SettingsReader.positiveInt;
import static io.lifeguard.node.config.SettingsReader.read;
import static io.lifeguard.node.config.SettingsReader.required;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The client-facing WebSocket edge ({@code lifeguard.edge}): where it listens, its listen backlog,
 * its I/O threads and the deadlines of the phases before and after a socket's life.
 *
 * @param ioThreads event-loop threads; 0 means one per available core
 * @param requestTimeout a connection must complete its upgrade request within this
 * @param closeTimeout after the node sends a close frame, how long it waits for the client's
 *     before it drops the TCP connection
 * @param sessionAffinity move a relay socket, once its session is known, to the I/O thread chosen
 *     by the session id, so a session's local peers share a thread (docs/perf/fanout.md)
 */
public record EdgeSettings(String host, int port, int backlog, int ioThreads, int maxRequestHeaderBytes,
    Duration requestTimeout, Duration closeTimeout, boolean sessionAffinity) {

  public static EdgeSettings create(Config config) {
    int threads = read("lifeguard.edge.io-threads", () -> config.getInt("lifeguard.edge.io-threads"));
    if (threads < 0) throw new io.lifeguard.node.config.InvalidSettingException("lifeguard.edge.io-threads", "must be 0 or more");
    return new EdgeSettings(
        required(config, "lifeguard.edge.host"),
        io.lifeguard.node.config.SettingsReader.port(config, "lifeguard.edge.port"),
        positiveInt(config, "lifeguard.edge.backlog"),
        threads,
        positiveInt(config, "lifeguard.edge.max-request-header-bytes"),
        positiveDuration(config, "lifeguard.edge.request-timeout"),
        positiveDuration(config, "lifeguard.edge.close-timeout"),
        read("lifeguard.edge.session-affinity", () -> config.getBoolean("lifeguard.edge.session-affinity")));
  }

  /** The event-loop threads to start. */
  public int threads() {
    return ioThreads > 0 ? ioThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
  }
}
