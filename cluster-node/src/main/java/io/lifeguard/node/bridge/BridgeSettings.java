package io.lifeguard.node.bridge;

import static io.lifeguard.node.config.SettingsReader.positiveBytes;
import static io.lifeguard.node.config.SettingsReader.positiveDuration;
import static io.lifeguard.node.config.SettingsReader.positiveInt;
import static io.lifeguard.node.config.SettingsReader.read;

import com.typesafe.config.Config;
import io.lifeguard.node.config.InvalidSettingException;
import java.time.Duration;

/**
 * The bridge's settings ({@code lifeguard.bridge.*}), read and validated once when the bridge
 * starts. See application.conf for each key's meaning and default.
 *
 * @param maxMessageBytes largest client text message accepted, in UTF-8 bytes
 * @param sendBufferBytes per-connection buffer of down messages not yet written, in UTF-8 bytes
 * @param idleTimeout a client that sends no message for this long is closed
 * @param handshakeTimeout bound on the Redis work (GETDEL, SUBSCRIBE) inside one upgrade
 * @param publishTimeout bound on one PUBLISH of a client message
 * @param maxConnections open bridge sockets per node before upgrades get 503
 * @param connectionsPerSecond sustained upgrades per client address before 429
 * @param connectionBurst upgrades a client address may make at once before 429
 * @param shutdownTimeout how long shutdown waits for sockets to close after telling them to
 * @param closeTimeout how long a closing socket may take to take its last messages and error frame
 */
public record BridgeSettings(
    int maxMessageBytes,
    long sendBufferBytes,
    Duration idleTimeout,
    Duration handshakeTimeout,
    Duration publishTimeout,
    int maxConnections,
    double connectionsPerSecond,
    int connectionBurst,
    Duration shutdownTimeout,
    Duration closeTimeout) {

  private static final String ROOT = "lifeguard.bridge.";

  /** Reads {@code lifeguard.bridge.*}; throws {@link InvalidSettingException} naming the bad key. */
  public static BridgeSettings create(Config config) {
    long maxMessage = positiveBytes(config, ROOT + "max-message-size");
    if (maxMessage > 16L * 1024 * 1024) {
      throw new InvalidSettingException(ROOT + "max-message-size", "must be at most 16MiB");
    }
    long sendBuffer = positiveBytes(config, ROOT + "send-buffer-size");
    if (sendBuffer < maxMessage) {
      throw new InvalidSettingException(ROOT + "send-buffer-size", "must be at least max-message-size");
    }
    double rate = read(ROOT + "connections-per-second", () -> config.getDouble(ROOT + "connections-per-second"));
    if (!(rate > 0)) throw new InvalidSettingException(ROOT + "connections-per-second", "must be positive");
    return new BridgeSettings(
        (int) maxMessage,
        sendBuffer,
        positiveDuration(config, ROOT + "idle-timeout"),
        positiveDuration(config, ROOT + "handshake-timeout"),
        positiveDuration(config, ROOT + "publish-timeout"),
        positiveInt(config, ROOT + "max-connections"),
        rate,
        positiveInt(config, ROOT + "connection-burst"),
        positiveDuration(config, ROOT + "shutdown-timeout"),
        positiveDuration(config, ROOT + "close-timeout"));
  }

}
