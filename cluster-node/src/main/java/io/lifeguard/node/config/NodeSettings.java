package io.lifeguard.node.config;

import static io.lifeguard.node.config.SettingsReader.bool;
import static io.lifeguard.node.config.SettingsReader.port;
import static io.lifeguard.node.config.SettingsReader.positiveDuration;
import static io.lifeguard.node.config.SettingsReader.read;
import static io.lifeguard.node.config.SettingsReader.required;
import static io.lifeguard.node.config.SettingsReader.string;

import com.typesafe.config.Config;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The node's settings, read and validated once at start-up. Actors and routes receive this record;
 * nothing reads {@code Config} after it is built.
 */
public record NodeSettings(
    boolean production,
    String nodeName,
    Path dataDir,
    Duration askTimeout,
    Http http,
    Redis redis,
    Jdbc jdbc,
    Cluster cluster,
    Duration shutdownHardDeadline) {

  public static final Set<String> KNOWN_ROLES = Set.of("relay", "bridge", "manager");

  /** Public HTTP and WebSocket binding. */
  /** @param idleTimeout HTTP connections without a request in flight for this long are closed */
  public record Http(String host, int port, Duration idleTimeout) {}

  /**
   * Redis; {@code url} empty means no Redis.
   *
   * @param reconnectMaxDelay the longest wait between two reconnect attempts after a loss
   */
  public record Redis(String url, Duration commandTimeout, Duration reconnectMaxDelay) {
    public boolean enabled() {
      return !url.isEmpty();
    }
  }

  /** Journal database; {@code embedded} when no URL was configured. */
  public record Jdbc(String url, String user, String password, boolean embedded) {}

  /** Pekko Cluster identity and membership. */
  public record Cluster(String host, int port, List<String> seedNodes, Set<String> roles) {}

  /** Reads {@code lifeguard.*}; throws {@link InvalidSettingException} naming the first bad key. */
  public static NodeSettings create(Config config) {
    Path dataDir = Path.of(required(config, "lifeguard.data-dir"));
    String clusterHost = required(config, "lifeguard.cluster.host");
    int clusterPort = port(config, "lifeguard.cluster.port");
    String nodeName = string(config, "lifeguard.node-name");
    if (nodeName.isEmpty()) nodeName = clusterHost + ":" + clusterPort;

    String jdbcUrl = string(config, "lifeguard.jdbc.url");
    boolean embedded = jdbcUrl.isEmpty();
    if (embedded) {
      jdbcUrl = embeddedJournalUrl(dataDir);
    } else if (!jdbcUrl.startsWith("jdbc:h2:") && !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new InvalidSettingException("lifeguard.jdbc.url", "'" + jdbcUrl + "' is neither jdbc:h2: nor jdbc:postgresql:");
    }
    String jdbcUser = string(config, "lifeguard.jdbc.user");
    if (jdbcUser.isEmpty() && jdbcUrl.startsWith("jdbc:h2:")) jdbcUser = "sa";

    String redisUrl = string(config, "lifeguard.redis.url");
    if (!redisUrl.isEmpty()) {
      try {
        URI uri = URI.create(redisUrl);
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
          throw new IllegalArgumentException("scheme must be redis:// or rediss:// with a host");
        }
      } catch (IllegalArgumentException e) {
        throw new InvalidSettingException("lifeguard.redis.url", "'" + redisUrl + "': " + e.getMessage());
      }
    }

    return new NodeSettings(
        bool(config, "lifeguard.production"),
        nodeName,
        dataDir,
        positiveDuration(config, "lifeguard.ask-timeout"),
        new Http(required(config, "lifeguard.http.host"), port(config, "lifeguard.http.port"),
            positiveDuration(config, "lifeguard.http.idle-timeout")),
        new Redis(redisUrl, positiveDuration(config, "lifeguard.redis.command-timeout"),
            positiveDuration(config, "lifeguard.redis.reconnect-max-delay")),
        new Jdbc(jdbcUrl, jdbcUser, string(config, "lifeguard.jdbc.password"), embedded),
        new Cluster(clusterHost, clusterPort, seeds(config), roles(config)),
        positiveDuration(config, "lifeguard.shutdown.hard-deadline"));
  }

  private static List<String> seeds(Config config) {
    String key = "lifeguard.cluster.seed-nodes";
    List<String> out = new ArrayList<>();
    for (String raw : string(config, key).split(",")) {
      String seed = raw.strip();
      if (seed.isEmpty()) continue;
      int colon = seed.lastIndexOf(':');
      if (colon <= 0) throw new InvalidSettingException(key, "'" + seed + "' is not host:port");
      try {
        int p = Integer.parseInt(seed.substring(colon + 1));
        if (p < 1 || p > 65535) throw new NumberFormatException();
      } catch (NumberFormatException e) {
        throw new InvalidSettingException(key, "'" + seed + "' has no valid port");
      }
      out.add(seed);
    }
    return List.copyOf(out);
  }

  private static Set<String> roles(Config config) {
    String key = "lifeguard.cluster.roles";
    Set<String> out = new LinkedHashSet<>();
    for (String raw : required(config, key).split(",")) {
      String role = raw.strip().toLowerCase(Locale.ROOT);
      if (role.isEmpty()) continue;
      if (!KNOWN_ROLES.contains(role)) {
        throw new InvalidSettingException(key, "unknown role '" + role + "', expected some of " + KNOWN_ROLES);
      }
      out.add(role);
    }
    if (out.isEmpty()) throw new InvalidSettingException(key, "at least one role is required");
    return Set.copyOf(out);
  }

  /**
   * The embedded journal. {@code WRITE_DELAY=0}: each commit is written to the file before it
   * returns, so an event a node acknowledged survives the process being killed; with H2's default
   * (500 ms) a SIGKILL lost the last half second of commits, and H2's background writer woke the
   * idle node six times a second to write them (docs/perf/idle.md, "Fifth pass").
   */
  public static String embeddedJournalUrl(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("journal") + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
  }
}
