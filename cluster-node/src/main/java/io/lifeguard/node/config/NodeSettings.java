package io.lifeguard.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

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

  /** Redis; {@code url} empty means no Redis. */
  public record Redis(String url, Duration commandTimeout) {
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
    Path dataDir = Path.of(string(config, "lifeguard.data-dir", true));
    String clusterHost = string(config, "lifeguard.cluster.host", true);
    int clusterPort = port(config, "lifeguard.cluster.port");
    String nodeName = string(config, "lifeguard.node-name", false);
    if (nodeName.isEmpty()) nodeName = clusterHost + ":" + clusterPort;

    String jdbcUrl = string(config, "lifeguard.jdbc.url", false);
    boolean embedded = jdbcUrl.isEmpty();
    if (embedded) {
      jdbcUrl = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("journal") + ";DB_CLOSE_ON_EXIT=FALSE";
    } else if (!jdbcUrl.startsWith("jdbc:h2:") && !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new InvalidSettingException("lifeguard.jdbc.url", "'" + jdbcUrl + "' is neither jdbc:h2: nor jdbc:postgresql:");
    }
    String jdbcUser = string(config, "lifeguard.jdbc.user", false);
    if (jdbcUser.isEmpty() && jdbcUrl.startsWith("jdbc:h2:")) jdbcUser = "sa";

    String redisUrl = string(config, "lifeguard.redis.url", false);
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
        positive(config, "lifeguard.ask-timeout"),
        new Http(string(config, "lifeguard.http.host", true), port(config, "lifeguard.http.port"),
            positive(config, "lifeguard.http.idle-timeout")),
        new Redis(redisUrl, positive(config, "lifeguard.redis.command-timeout")),
        new Jdbc(jdbcUrl, jdbcUser, string(config, "lifeguard.jdbc.password", false), embedded),
        new Cluster(clusterHost, clusterPort, seeds(config), roles(config)),
        positive(config, "lifeguard.shutdown.hard-deadline"));
  }

  private static List<String> seeds(Config config) {
    String key = "lifeguard.cluster.seed-nodes";
    List<String> out = new ArrayList<>();
    for (String raw : string(config, key, false).split(",")) {
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
    for (String raw : string(config, key, true).split(",")) {
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

  private static <T> T read(String key, Supplier<T> reader) {
    try {
      return reader.get();
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "missing");
    } catch (ConfigException e) {
      throw new InvalidSettingException(key, e.getMessage());
    }
  }

  private static String string(Config config, String key, boolean required) {
    String value = read(key, () -> config.getString(key)).strip();
    if (required && value.isEmpty()) throw new InvalidSettingException(key, "must not be empty");
    return value;
  }

  private static boolean bool(Config config, String key) {
    String value = read(key, () -> config.getString(key)).strip().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "1", "true", "yes", "on" -> true;
      case "0", "false", "no", "off", "" -> false;
      default -> throw new InvalidSettingException(key, "'" + value + "' is not a boolean (true/false/1/0)");
    };
  }

  private static int port(Config config, String key) {
    String raw = read(key, () -> config.getString(key)).strip();
    try {
      int value = Integer.parseInt(raw);
      if (value < 0 || value > 65535) throw new NumberFormatException();
      return value;
    } catch (NumberFormatException e) {
      throw new InvalidSettingException(key, "'" + raw + "' is not a port number (0-65535)");
    }
  }

  private static Duration positive(Config config, String key) {
    Duration value = read(key, () -> config.getDuration(key));
    if (value.isNegative() || value.isZero()) throw new InvalidSettingException(key, "must be positive");
    return value;
  }
}
