package io.lifeguard.protocol.client;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The one timer thread every {@link LifeguardClient} in the JVM shares for heartbeats, handshake
 * timeouts and reconnect delays, so ten thousand clients cost one thread, not ten thousand. Tasks
 * must be short and never block.
 */
final class SharedScheduler {
  private static final ScheduledThreadPoolExecutor INSTANCE = create();

  private SharedScheduler() {}

  static ScheduledExecutorService get() {
    return INSTANCE;
  }

  private static ScheduledThreadPoolExecutor create() {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "lifeguard-client-timer");
              thread.setDaemon(true);
              return thread;
            });
    // Cancelled heartbeats of closed clients must not pile up in the queue.
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }
}
