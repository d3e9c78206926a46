package io.lifeguard.protocol.client;

import io.lifeguard.protocol.CloseReason;
import java.time.Duration;

/**
 * How a client reacts to a close: reconnect only when {@link CloseReason#reconnect()} allows it;
 * after {@link CloseReason#RATE_LIMITED} wait at least half the maximum backoff (plus half the
 * usual jitter, so never more than the maximum) so a rate-limited crowd does not come straight
 * back.
 */
public final class ReconnectPolicy {
  private ReconnectPolicy() {}

  public static boolean shouldReconnect(CloseReason reason) {
    return reason.reconnect();
  }

  /** Delay before the given attempt (1-based) after a close for {@code reason}. */
  public static Duration delay(CloseReason reason, int attempt, Backoff backoff) {
    Duration delay = backoff.delay(attempt);
    if (reason == CloseReason.RATE_LIMITED) {
      Duration floor = backoff.ceiling(Integer.MAX_VALUE).dividedBy(2);
      return floor.plus(delay.dividedBy(2));
    }
    return delay;
  }
}
