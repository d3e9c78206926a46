package io.lifeguard.node;

import com.typesafe.config.Config;
import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.edge.EdgeSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One block at start-up that tells an operator what listens where (HTTP API, client WebSocket
 * edge, cluster, management, console) and what is on or off (Redis, journal, credentials, signing key,
 * mutual TLS), so nobody has to piece it together from Pekko's lines. Secrets never appear: URLs
 * lose their user information and query, credentials are counted.
 */
public final class StartupSummary {
  private static final Logger log = LoggerFactory.getLogger(StartupSummary.class);

  private StartupSummary() {}

  /** Logs the block at INFO. */
  public static void log(NodeSettings settings, Config config, String version) {
    log.info("{}", String.join("\n", lines(settings, config, version)));
  }

  /** The block's lines: a heading, then one "name  value" line per fact. */
  public static List<String> lines(NodeSettings settings, Config config, String version) {
    List<String> lines = new ArrayList<>();
    lines.add("lifeguard " + version + " node " + settings.nodeName() + " starting, roles "
        + String.join(",", settings.cluster().roles()));
    String http = "http://" + settings.http().host() + ":" + settings.http().port();
    lines.add(line("http", http + "  (token and admin API, /healthz, /ready, /metrics)"));
    EdgeSettings edge = EdgeSettings.create(config);
    lines.add(line("edge", ws(edge.host(), edge.port())
        + "  (client WebSockets: relay /ws, bridge /{agent}/ws/{session}, host bus /v1/hosts/{id}/bus)"));
    lines.add(line("console", http + "/console/  (sign in with an admin token)"));
    lines.add(line("cluster", settings.cluster().host() + ":" + settings.cluster().port() + "  " + joining(settings, config)));
    lines.add(line("management", "http://" + config.getString("pekko.management.http.hostname") + ":"
        + config.getInt("pekko.management.http.port") + "  (Pekko Management, HTTP Basic with admin credentials)"));
    lines.add(line("journal", settings.jdbc().embedded()
        ? "embedded H2 in " + settings.dataDir().resolve("journal")
        : "PostgreSQL " + withoutSecrets(settings.jdbc().url())));
    lines.add(line("redis", settings.redis().enabled()
        ? withoutSecrets(settings.redis().url()) + "  (kill switch, guardrail counters, bridge; not ready until it answers)"
        : "off (LIFEGUARD_REDIS_URL empty): no bridge, kill switch on this node only, no guardrail counters"));
    lines.add(line("credentials", credentials(config, "lifeguard.control.service-tokens", "service", "token API refuses")
        + ", " + credentials(config, "lifeguard.control.admin-tokens", "admin", "admin API and console refuse")));
    boolean key = !config.getString("lifeguard.tokens.signing-jwk").isBlank()
        || !config.getString("lifeguard.tokens.signing-jwk-file").isBlank();
    lines.add(line("signing key", key ? "configured" : "generated at start (its tokens verify on this node only)"));
    if (config.getBoolean("lifeguard.control.mtls.enabled")) {
      String host = config.getString("lifeguard.control.mtls.host");
      lines.add(line("mutual TLS", "https://" + (host.isBlank() ? settings.http().host() : host) + ":"
          + config.getInt("lifeguard.control.mtls.port") + "  (token API, client certificates required)"));
    }
    return lines;
  }

  private static String line(String name, String value) {
    return "  " + String.format("%-12s", name) + value;
  }

  private static String ws(String host, int port) {
    return "ws://" + host + ":" + port;
  }

  private static String joining(NodeSettings settings, Config config) {
    if (config.getBoolean("lifeguard.cluster.bootstrap")) return "(joins through Pekko Cluster Bootstrap)";
    if (settings.cluster().seedNodes().isEmpty()) return "(no seeds: forms a cluster of its own)";
    return "(seeds " + String.join(", ", settings.cluster().seedNodes()) + ")";
  }

  private static String credentials(Config config, String key, String kind, String whenNone) {
    long count = Arrays.stream(config.getString(key).split(",")).filter(s -> !s.isBlank()).count();
    return count == 0 ? "no " + kind + " credentials (" + whenNone + ")" : count + " " + kind;
  }

  /** Drops user information and the query of a URL: passwords may sit in either. */
  static String withoutSecrets(String url) {
    String noQuery = url.replaceFirst("[?;].*$", "");
    return noQuery.replaceFirst("//[^/@]*@", "//");
  }
}
