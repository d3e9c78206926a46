package io.lifeguard.node.relay;

/**
 * Something due every {@code interval}, checked on a coarser periodic tick. A tick that fires a
 * little early must not skip its turn and leave a gap of interval + tick (2 s, 3 s, 2 s, ... for a
 * 2 s interval on a 1 s tick), so a turn is due half a tick early, and the next one is counted from
 * the schedule rather than from the tick's jitter.
 */
final class Cadence {
  private final long intervalNanos;
  private final long slackNanos;
  private long last;

  Cadence(long intervalNanos, long tickNanos, long startNanos) {
    this.intervalNanos = intervalNanos;
    this.slackNanos = tickNanos / 2;
    this.last = startNanos;
  }

  /** True when a turn is due at {@code now}; the turn is then taken. */
  boolean due(long now) {
    if (now - last < intervalNanos - slackNanos) return false;
    // On schedule, unless the ticks fell far behind (a long pause): then restart from now.
    last = now - last >= 2 * intervalNanos ? now : last + intervalNanos;
    return true;
  }
}
