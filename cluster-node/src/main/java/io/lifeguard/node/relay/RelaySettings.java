package io.lifeguard.node.relay;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.lifeguard.node.config.InvalidSettingException;
import java.time.Duration;

/** The relay's limits and timers, from {@code lifeguard.relay.*}. */
public record RelaySettings(
    Duration helloTimeout,
    Duration heartbeatInterval,
    int missedHeartbeats,
    Duration idleTimeout,
    Duration idleCheckInterval,
    int outboundQueueDepth,
    int maxFrameBytes,
    int maxPeersPerSession,
    int maxConnections,
    double handshakesPerSecondPerAddress,
    int handshakeBurstPerAddress,
    Duration joinTimeout,
    Duration shutdownGrace,
    boolean compactCrossNodeFrames) {

  public static RelaySettings create(Config config) {
    Config c = config.getConfig("lifeguard.relay");
    Duration heartbeat = duration(c, "heartbeat-interval");
    if (heartbeat.toMillis() % 1000 != 0) {
      // The ServerHello carries the interval in whole seconds.
      throw new InvalidSettingException("lifeguard.relay.heartbeat-interval", "must be whole seconds, was " + heartbeat);
    }
    return new RelaySettings(
        duration(c, "hello-timeout"),
        heartbeat,
        positive(c, "missed-heartbeats"),
        duration(c, "idle-timeout"),
        duration(c, "idle-check-interval"),
        positive(c, "outbound-queue-depth"),
        positive(c, "max-frame-bytes"),
        positive(c, "max-peers-per-session"),
        positive(c, "max-connections"),
        positiveDouble(c, "handshakes-per-second-per-address"),
        positive(c, "handshake-burst-per-address"),
        duration(c, "join-timeout"),
        duration(c, "shutdown-grace"),
        compactCrossNodeFrames(config));
  }

  /** {@code lifeguard.relay.cross-node-frames}: true for "compact", false for "compatible". */
  public static boolean compactCrossNodeFrames(Config config) {
    String key = "lifeguard.relay.cross-node-frames";
    String value = config.getString(key);
    return switch (value) {
      case "compact" -> true;
      case "compatible" -> false;
      default -> throw new InvalidSettingException(key, "must be compact or compatible, was " + value);
    };
  }

  /** How long a joined peer may stay silent (no frame, not even a heartbeat) before it is closed. */
  public Duration heartbeatDeadline() {
    return heartbeatInterval.multipliedBy(missedHeartbeats);
  }

  private static Duration duration(Config c, String key) {
    try {
      Duration d = c.getDuration(key);
      if (d.isNegative() || d.isZero()) throw new InvalidSettingException("lifeguard.relay." + key, "must be positive");
      return d;
    } catch (ConfigException e) {
      throw new InvalidSettingException("lifeguard.relay." + key, e.getMessage());
    }
  }

  private static int positive(Config c, String key) {
    try {
      int v = c.getInt(key);
      if (v <= 0) throw new InvalidSettingException("lifeguard.relay." + key, "must be positive, was " + v);
      return v;
    } catch (ConfigException e) {
      throw new InvalidSettingException("lifeguard.relay." + key, e.getMessage());
    }
  }

  private static double positiveDouble(Config c, String key) {
    try {
      double v = c.getDouble(key);
      if (v <= 0) throw new InvalidSettingException("lifeguard.relay." + key, "must be positive, was " + v);
      return v;
    } catch (ConfigException e) {
      throw new InvalidSettingException("lifeguard.relay." + key, e.getMessage());
    }
  }
}
