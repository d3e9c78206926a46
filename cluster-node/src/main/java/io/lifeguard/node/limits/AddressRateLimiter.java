package io.lifeguard.node.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Upgrades (relay handshakes, bridge connections) per second per client address: a token bucket
 * per address, refilled continuously. Buckets that are full again carry no information and are
 * dropped, by {@link #prune} or, when the table grows past {@value #SWEEP_ABOVE} addresses, by the
 * callers themselves at most once a second, so a scan from many addresses cannot grow memory
 * without bound.
 */
public final class AddressRateLimiter {
  private static final int SWEEP_ABOVE = 10_000;

  private final double perSecond;
  private final int burst;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong lastSweepNanos = new AtomicLong(System.nanoTime());

  public AddressRateLimiter(double perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** Takes one token for {@code address}; false means the caller answers 429. */
  public boolean tryAcquire(String address, long nowNanos) {
    if (buckets.size() > SWEEP_ABOVE) sweep(nowNanos);
    return buckets.computeIfAbsent(address, a -> new Bucket(burst, nowNanos)).tryTake(nowNanos, perSecond, burst);
  }

  /** Drops the buckets of addresses that have been quiet long enough to be full again. */
  public void prune(long nowNanos) {
    buckets.values().removeIf(b -> b.fullAt(nowNanos, perSecond, burst));
  }


  private void sweep(long now) {
    long last = lastSweepNanos.get();
    if (now - last < 1_000_000_000L || !lastSweepNanos.compareAndSet(last, now)) return;
    prune(now);
  }

  private static final class Bucket {
    private double tokens;
    private long updatedNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }

    synchronized boolean tryTake(long now, double perSecond, int burst) {
      refill(now, perSecond, burst);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    }

    synchronized boolean fullAt(long now, double perSecond, int burst) {
      refill(now, perSecond, burst);
      return tokens >= burst;
    }

    private void refill(long now, double perSecond, int burst) {
      if (now > updatedNanos) {
        tokens = Math.min(burst, tokens + (now - updatedNanos) / 1e9 * perSecond);
        updatedNanos = now;
      }
    }
  }
}
