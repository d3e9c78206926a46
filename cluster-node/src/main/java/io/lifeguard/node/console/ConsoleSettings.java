package io.lifeguard.node.console;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.lifeguard.node.config.InvalidSettingException;
import java.time.Duration;

/**
 * {@code lifeguard.console.*}, read once at start-up.
 *
 * @param streamInterval how often the live stream sends a snapshot
 * @param maxStreams open live streams this node serves at once; more get 503
 */
public record ConsoleSettings(Duration streamInterval, int maxStreams) {

  public static ConsoleSettings create(Config config) {
    Duration interval;
    int max;
    try {
      interval = config.getDuration("lifeguard.console.stream-interval");
    } catch (ConfigException e) {
      throw new InvalidSettingException("lifeguard.console.stream-interval", e.getMessage());
    }
    try {
      max = config.getInt("lifeguard.console.max-streams");
    } catch (ConfigException e) {
      throw new InvalidSettingException("lifeguard.console.max-streams", e.getMessage());
    }
    if (interval.compareTo(Duration.ofMillis(200)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new InvalidSettingException("lifeguard.console.stream-interval", "must be between 200ms and 1m");
    }
    if (max < 1) throw new InvalidSettingException("lifeguard.console.max-streams", "must be at least 1");
    return new ConsoleSettings(interval, max);
  }
}
