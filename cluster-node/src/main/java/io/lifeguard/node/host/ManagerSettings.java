package io.lifeguard.node.host;

import static io.lifeguard.node.config.SettingsReader.positiveDuration;
import static io.lifeguard.node.config.SettingsReader.positiveInt;
import static io.lifeguard.node.config.SettingsReader.read;

import com.typesafe.config.Config;
import io.lifeguard.node.config.InvalidSettingException;
import io.lifeguard.protocol.token.KeySet;
import io.lifeguard.sharding.assignment.RendezvousAllocationStrategy;
import io.lifeguard.sharding.host.HostSettings;
import java.time.Duration;

/**
 * {@code lifeguard.manager.*}, read and validated once at start-up.
 *
 * @param keys token verification keys; null when {@code jwks} is empty (the bus then answers 503)
 */
public record ManagerSettings(
    HostSettings host,
    RendezvousAllocationStrategy.Settings assignment,
    KeySet keys,
    Duration tokenClockSkew,
    int maxFrameChars,
    int outboundBuffer,
    Duration askTimeout) {

  /** The same settings verifying bus tokens against {@code keys}. */
  public ManagerSettings withKeys(KeySet keys) {
    return new ManagerSettings(host, assignment, keys, tokenClockSkew, maxFrameChars, outboundBuffer, askTimeout);
  }

  public static ManagerSettings create(Config config, Duration askTimeout) {
    String p = "lifeguard.manager.";
    HostSettings host = new HostSettings(
        positiveInt(config, p + "max-inflight-actions"),
        positiveDuration(config, p + "max-lease-ttl"),
        positiveInt(config, p + "snapshot-every"),
        read(p + "remembered-acks", () -> config.getInt(p + "remembered-acks")));
    int rebalance = read(p + "rebalance-batch", () -> config.getInt(p + "rebalance-batch"));
    if (rebalance < 0) throw new InvalidSettingException(p + "rebalance-batch", "must not be negative");
    String jwks = read(p + "jwks", () -> config.getString(p + "jwks")).strip();
    KeySet keys = null;
    if (!jwks.isEmpty()) {
      try {
        keys = KeySet.parse(jwks);
      } catch (IllegalArgumentException e) {
        throw new InvalidSettingException(p + "jwks", e.getMessage());
      }
    }
    Duration skew = read(p + "token-clock-skew", () -> config.getDuration(p + "token-clock-skew"));
    if (skew.isNegative()) throw new InvalidSettingException(p + "token-clock-skew", "must not be negative");
    return new ManagerSettings(
        host,
        new RendezvousAllocationStrategy.Settings(positiveInt(config, p + "capacity"), rebalance),
        keys,
        skew,
        positiveInt(config, p + "bus.max-frame-chars"),
        positiveInt(config, p + "bus.outbound-buffer"),
        askTimeout);
  }

}
