package io.lifeguard.node.config;

/** Thrown at start-up when a configuration value is unusable; the message names the key and its env var. */
public final class InvalidSettingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidSettingException(String key, String problem) {
    super("invalid configuration " + key + envHint(key) + ": " + problem);
  }

  private static String envHint(String key) {
    String env = EnvironmentOverrides.envFor(key);
    return env == null ? "" : " (environment " + env + ")";
  }
}
