package io.lifeguard.load;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags of the form {@code --name value} or {@code --name} (a boolean). Every flag a
 * scenario reads is remembered, so a misspelt flag is reported instead of silently ignored.
 */
final class Flags {
  private final Map<String, String> values = new HashMap<>();
  private final Set<String> read = new HashSet<>();

  Flags(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) throw new IllegalArgumentException("unexpected argument: " + arg);
      String name = arg.substring(2);
      int eq = name.indexOf('=');
      if (eq > 0) {
        values.put(name.substring(0, eq), name.substring(eq + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        values.put(name, args[++i]);
      } else {
        values.put(name, "true");
      }
    }
  }

  String string(String name, String fallback) {
    read.add(name);
    return values.getOrDefault(name, fallback);
  }

  int integer(String name, int fallback) {
    return Integer.parseInt(string(name, Integer.toString(fallback)));
  }

  double decimal(String name, double fallback) {
    return Double.parseDouble(string(name, Double.toString(fallback)));
  }

  /** A comma-separated list of numbers, e.g. {@code --rates 10000,30000}. */
  java.util.List<Double> decimals(String name, String fallback) {
    return java.util.Arrays.stream(string(name, fallback).split(",")).map(String::trim).map(Double::parseDouble).toList();
  }

  boolean bool(String name) {
    return Boolean.parseBoolean(string(name, "false"));
  }

  /** Seconds, with an optional unit: {@code 30}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 500ms}. */
  Duration duration(String name, Duration fallback) {
    String raw = string(name, null);
    if (raw == null) return fallback;
    if (raw.endsWith("ms")) return Duration.ofMillis(Long.parseLong(raw.substring(0, raw.length() - 2)));
    if (raw.endsWith("s")) return Duration.ofSeconds(Long.parseLong(raw.substring(0, raw.length() - 1)));
    if (raw.endsWith("m")) return Duration.ofMinutes(Long.parseLong(raw.substring(0, raw.length() - 1)));
    if (raw.endsWith("h")) return Duration.ofHours(Long.parseLong(raw.substring(0, raw.length() - 1)));
    return Duration.ofSeconds(Long.parseLong(raw));
  }

  /** Fails on flags no scenario asked for. Call after the scenario read its settings. */
  void rejectUnknown() {
    Set<String> unknown = new HashSet<>(values.keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) throw new IllegalArgumentException("unknown flags: " + unknown);
  }
}
