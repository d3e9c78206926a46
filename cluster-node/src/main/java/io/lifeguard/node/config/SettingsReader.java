package io.lifeguard.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Typed reads of {@code lifeguard.*} keys for every settings record: each failure becomes an
 * {@link InvalidSettingException} naming the full key (and its environment variable), so start-up
 * stops with one precise message whichever component's key is wrong.
 */
public final class SettingsReader {
  private SettingsReader() {}

  /** Runs {@code reader}, turning Typesafe Config's exceptions into one naming {@code key}. */
  public static <T> T read(String key, Supplier<T> reader) {
    try {
      return reader.get();
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "missing");
    } catch (ConfigException e) {
      throw new InvalidSettingException(key, e.getMessage());
    }
  }

  /** The value as a string, stripped; environment overrides arrive as strings whatever the type. */
  public static String string(Config config, String key) {
    return read(key, () -> config.getString(key)).strip();
  }

  public static String required(Config config, String key) {
    String value = string(config, key);
    if (value.isEmpty()) throw new InvalidSettingException(key, "must not be empty");
    return value;
  }

  /** Comma-separated, entries stripped, empty ones dropped. */
  public static List<String> list(Config config, String key) {
    return Arrays.stream(string(config, key).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** {@code 1/true/yes/on} or {@code 0/false/no/off/""}: shells and env files spell booleans many ways. */
  public static boolean bool(Config config, String key) {
    String value = string(config, key).toLowerCase(Locale.ROOT);
    return switch (value) {
      case "1", "true", "yes", "on" -> true;
      case "0", "false", "no", "off", "" -> false;
      default -> throw new InvalidSettingException(key, "'" + value + "' is not a boolean (true/false/1/0)");
    };
  }

  /** 0-65535; 0 lets the operating system choose. */
  public static int port(Config config, String key) {
    String raw = string(config, key);
    try {
      int value = Integer.parseInt(raw);
      if (value < 0 || value > 65535) throw new NumberFormatException();
      return value;
    } catch (NumberFormatException e) {
      throw new InvalidSettingException(key, "'" + raw + "' is not a port number (0-65535)");
    }
  }

  public static Duration positiveDuration(Config config, String key) {
    Duration value = read(key, () -> config.getDuration(key));
    if (value.isNegative() || value.isZero()) throw new InvalidSettingException(key, "must be positive");
    return value;
  }

  public static int positiveInt(Config config, String key) {
    int value = read(key, () -> config.getInt(key));
    if (value <= 0) throw new InvalidSettingException(key, "must be positive, was " + value);
    return value;
  }

  public static long positiveBytes(Config config, String key) {
    long value = read(key, () -> config.getBytes(key));
    if (value <= 0) throw new InvalidSettingException(key, "must be positive, was " + value);
    return value;
  }
}
