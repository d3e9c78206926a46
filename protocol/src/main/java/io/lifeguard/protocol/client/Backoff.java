package io.lifeguard.protocol.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: before attempt {@code n} (1-based) wait a uniformly random
 * time in {@code [0, min(max, base * 2^(n-1))]}. Full jitter spreads a crowd of clients that lost
 * the same node, so they do not return in lockstep.
 */
public final class Backoff {
  private final long baseMillis;
  private final long maxMillis;
  private final DoubleSupplier random;

  /**
   * @param random source of values in [0, 1); injectable so tests are deterministic
   * @throws IllegalArgumentException if base is not positive or max is below base
   */
  public Backoff(Duration base, Duration max, DoubleSupplier random) {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 < base <= max");
    }
    this.baseMillis = base.toMillis();
    this.maxMillis = max.toMillis();
    this.random = random;
  }

  /** Upper bound of the delay before the given attempt (1-based). */
  public Duration ceiling(int attempt) {
    int doublings = Math.max(0, Math.min(attempt - 1, 62));
    long ceiling = baseMillis;
    for (int i = 0; i < doublings && ceiling < maxMillis; i++) {
      ceiling *= 2;
    }
    return Duration.ofMillis(Math.min(ceiling, maxMillis));
  }

  /** A jittered delay before the given attempt (1-based). */
  public Duration delay(int attempt) {
    return Duration.ofMillis((long) (random.getAsDouble() * (ceiling(attempt).toMillis() + 1)));
  }
}
