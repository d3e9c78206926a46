package io.lifeguard.sharding.host;

import java.time.Duration;

/**
 * Limits of one host entity, read once from {@code lifeguard.manager.*} by the node.
 *
 * @param maxInFlight actions accepted but not yet acknowledged, per host; past it submitters hear
 *     {@code busy}
 * @param maxLeaseTtl longest lease a controller may ask for in one acquire or renew
 * @param snapshotEvery events between snapshots, keeping recovery short
 * @param rememberedAcks acknowledged action ids kept for deduplication after their ack
 */
public record HostSettings(int maxInFlight, Duration maxLeaseTtl, int snapshotEvery, int rememberedAcks) {
  public HostSettings {
    if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be at least 1");
    if (maxLeaseTtl.isNegative() || maxLeaseTtl.isZero()) throw new IllegalArgumentException("maxLeaseTtl must be positive");
    if (snapshotEvery < 1) throw new IllegalArgumentException("snapshotEvery must be at least 1");
    if (rememberedAcks < 0) throw new IllegalArgumentException("rememberedAcks must not be negative");
  }

  /** The defaults documented in the node's application.conf. */
  public static HostSettings defaults() {
    return new HostSettings(32, Duration.ofMinutes(5), 100, 1000);
  }
}
