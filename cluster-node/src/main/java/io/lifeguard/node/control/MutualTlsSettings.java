package io.lifeguard.node.control;

import static io.lifeguard.node.config.SettingsReader.bool;
import static io.lifeguard.node.config.SettingsReader.string;

import com.typesafe.config.Config;
import io.lifeguard.node.config.InvalidSettingException;
import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.config.SettingsReader;
import java.nio.file.Path;

/**
 * {@code lifeguard.control.mtls.*}: the optional HTTPS listener for the service-facing token API,
 * with client certificates required. Read once at start-up; an unusable value throws an
 * {@link InvalidSettingException} naming the key. The stores themselves are opened by
 * {@link MutualTlsContext}.
 */
public record MutualTlsSettings(
    boolean enabled,
    String host,
    int port,
    Path keyStore,
    String keyStorePassword,
    Path trustStore,
    String trustStorePassword,
    boolean requireOnPlainPort,
    boolean bindSubject) {

  static final String PREFIX = "lifeguard.control.mtls.";
  static final String ENABLED = PREFIX + "enabled";
  static final String HOST = PREFIX + "host";
  static final String PORT = PREFIX + "port";
  static final String KEY_STORE = PREFIX + "key-store";
  static final String KEY_STORE_PASSWORD = PREFIX + "key-store-password";
  static final String TRUST_STORE = PREFIX + "trust-store";
  static final String TRUST_STORE_PASSWORD = PREFIX + "trust-store-password";
  static final String REQUIRE_ON_PLAIN_PORT = PREFIX + "require-on-plain-port";
  static final String BIND_SUBJECT = PREFIX + "bind-subject";

  /** Passwords never reach logs or exception messages. */
  @Override
  public String toString() {
    return "MutualTlsSettings[enabled=" + enabled + ", host=" + host + ", port=" + port + ", keyStore=" + keyStore
        + ", trustStore=" + trustStore + ", requireOnPlainPort=" + requireOnPlainPort + ", bindSubject=" + bindSubject + "]";
  }

  public static MutualTlsSettings create(Config config, NodeSettings node) {
    boolean enabled = bool(config, ENABLED);
    boolean requireOnPlainPort = bool(config, REQUIRE_ON_PLAIN_PORT);
    boolean bindSubject = bool(config, BIND_SUBJECT);
    if (!enabled) {
      // Either would promise a protection that no listener provides (or lock every caller out).
      if (requireOnPlainPort) throw new InvalidSettingException(REQUIRE_ON_PLAIN_PORT, "needs " + ENABLED + " = true");
      if (bindSubject) throw new InvalidSettingException(BIND_SUBJECT, "needs " + ENABLED + " = true");
      return new MutualTlsSettings(false, "", 0, null, "", null, "", false, false);
    }
    String host = string(config, HOST);
    if (host.isEmpty()) host = node.http().host();
    int port = SettingsReader.port(config, PORT);
    if (port != 0 && port == node.http().port()) {
      throw new InvalidSettingException(PORT, port + " is already lifeguard.http.port; the mTLS listener needs its own port");
    }
    return new MutualTlsSettings(true, host, port,
        path(config, KEY_STORE), string(config, KEY_STORE_PASSWORD),
        path(config, TRUST_STORE), string(config, TRUST_STORE_PASSWORD),
        requireOnPlainPort, bindSubject);
  }

  private static Path path(Config config, String key) {
    String value = string(config, key);
    if (value.isEmpty()) throw new InvalidSettingException(key, "required when " + ENABLED + " is on (a PKCS#12 file)");
    return Path.of(value);
  }

}
