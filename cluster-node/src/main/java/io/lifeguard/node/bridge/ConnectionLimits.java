package io.lifeguard.node.bridge;

import io.lifeguard.node.limits.AddressRateLimiter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission control at upgrade time: a cap on open bridge sockets per node (503 beyond it) and a
 * token bucket per client address (429 when empty).
 */
final class ConnectionLimits {
  private final int maxConnections;
  private final AddressRateLimiter rate;
  private final AtomicInteger open = new AtomicInteger();

  ConnectionLimits(int maxConnections, double perSecond, int burst) {
    this.maxConnections = maxConnections;
    this.rate = new AddressRateLimiter(perSecond, burst);
  }

  /** Takes one upgrade token for {@code address}; false means "answer 429". */
  boolean tryRate(String address) {
    return rate.tryAcquire(address, System.nanoTime());
  }

  /** Reserves a socket slot; false means "answer 503". Pair every true with {@link #release()}. */
  boolean tryReserve() {
    while (true) {
      int current = open.get();
      if (current >= maxConnections) return false;
      if (open.compareAndSet(current, current + 1)) return true;
    }
  }

  void release() {
    open.decrementAndGet();
  }

  int open() {
    return open.get();
  }
}
