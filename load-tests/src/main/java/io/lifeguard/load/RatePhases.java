package io.lifeguard.load;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * What the rate-driven edge scenarios ({@code edge-fanout}, {@code edge-bridge}) read alike: the
 * target rates, each phase's length and warm-up, the generator's connect timeout and threads, the
 * reference peer and the node's JVM flags ({@code none} for no flags at all).
 */
record RatePhases(List<Double> rates, Duration duration, Duration warmup, Duration connectTimeout, int clientThreads,
    NchanPeer.Reference reference, String nodeFlags) {
  static final String DEFAULT_NODE_FLAGS = "-XX:+UseSerialGC -Xms64m -Xmx1g";

  static RatePhases from(Flags f, String defaultRates) {
    return new RatePhases(
        f.decimals("rates", defaultRates),
        f.duration("duration", Duration.ofSeconds(10)),
        f.duration("warmup", Duration.ofSeconds(5)),
        f.duration("connect-timeout", Duration.ofSeconds(10)),
        f.integer("client-threads", 1),
        NchanPeer.Reference.from(f),
        f.string("node-flags", DEFAULT_NODE_FLAGS));
  }

  /** The node's JVM flags as arguments. */
  List<String> jvm() {
    return nodeFlags.isBlank() || nodeFlags.equals("none") ? List.of() : Arrays.asList(nodeFlags.trim().split("\\s+"));
  }

  /** The node's JVM flags as a row label. */
  String jvmLabel() {
    return jvm().isEmpty() ? "none" : nodeFlags;
  }
}
