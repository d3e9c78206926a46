package io.lifeguard.node;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Facts about this node for {@code /healthz} and the admin API: name, address, roles, version,
 * start time, plus fields other components contribute (for example {@code fallback_paused}).
 */
public final class NodeInfo {
  private final String name;
  private final String clusterAddress;
  private final Set<String> roles;
  private final String version;
  private final Instant startedAt;
  private final Map<String, Supplier<Object>> contributed = new ConcurrentHashMap<>();

  public NodeInfo(String name, String clusterAddress, Set<String> roles, Instant startedAt) {
    this.name = name;
    this.clusterAddress = clusterAddress;
    this.roles = Set.copyOf(roles);
    this.version = projectVersion();
    this.startedAt = startedAt;
  }

  public String name() {
    return name;
  }

  public String clusterAddress() {
    return clusterAddress;
  }

  public Set<String> roles() {
    return roles;
  }

  public String version() {
    return version;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public Duration uptime() {
    return Duration.between(startedAt, Instant.now());
  }

  /** Adds a field to /healthz; the supplier is called on every request, so keep it cheap. */
  public void contribute(String field, Supplier<Object> value) {
    contributed.put(field, value);
  }

  public Map<String, Supplier<Object>> contributed() {
    return contributed;
  }

  /** The project version the build wrote into the jar, or {@code dev} when run unfiltered. */
  public static String projectVersion() {
    try (InputStream in = NodeInfo.class.getResourceAsStream("/lifeguard-version.properties")) {
      if (in == null) return "dev";
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "dev");
      return v.startsWith("${") ? "dev" : v;
    } catch (IOException e) {
      return "dev";
    }
  }
}
