package io.lifeguard.node.admin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.lifeguard.node.config.InvalidSettingException;
import java.time.Duration;

/**
 * {@code lifeguard.admin.*} and {@code lifeguard.cluster.bootstrap}, read once at start-up.
 *
 * @param nodeTimeout how long a cluster-wide admin query waits for each node before reporting it
 *     as not answering
 * @param bootstrap form the cluster through Pekko Cluster Bootstrap instead of static seeds
 */
public record AdminSettings(Duration nodeTimeout, boolean bootstrap) {

  public static AdminSettings create(Config config) {
    Duration timeout;
    try {
      timeout = config.getDuration("lifeguard.admin.node-timeout");
    } catch (ConfigException e) {
      throw new InvalidSettingException("lifeguard.admin.node-timeout", e.getMessage());
    }
    if (timeout.isZero() || timeout.isNegative()) throw new InvalidSettingException("lifeguard.admin.node-timeout", "must be positive");
    boolean bootstrap;
    try {
      bootstrap = config.getBoolean("lifeguard.cluster.bootstrap");
    } catch (ConfigException e) {
      throw new InvalidSettingException("lifeguard.cluster.bootstrap", e.getMessage());
    }
    return new AdminSettings(timeout, bootstrap);
  }
}
