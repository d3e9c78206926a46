package io.lifeguard.node.redis;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lettuce's timer (reconnect delays, command timeouts) on a thread that sleeps until a timeout is
 * due. Lettuce's default, Netty's {@code HashedWheelTimer}, wakes its thread every 100 ms whether or
 * not anything is pending: 10 wake-ups a second on an idle node, 0.10–0.16 % of a core on this
 * project's 2-core machines, where a timed wake-up costs ~100 µs (docs/perf/idle.md, "Fourth
 * pass"). Timeouts here are exact rather than rounded up to the wheel's tick.
 *
 * <p>The hot path does not come here: the bridge's PUBLISHes carry their own batch timeout and no
 * per-command one ({@link CommandTimeouts}), so what is scheduled is a handful of commands a second
 * and the reconnect attempts.
 */
final class SleepingTimer implements Timer {
  private static final Logger log = LoggerFactory.getLogger(SleepingTimer.class);
  private final ScheduledThreadPoolExecutor thread;

  SleepingTimer(String threadName) {
    thread = new ScheduledThreadPoolExecutor(1, new io.netty.util.concurrent.DefaultThreadFactory(threadName, true));
    // Every command with a timeout cancels it when answered: cancelled ones must not pile up.
    thread.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
    Handle handle = new Handle(task);
    try {
      handle.future = thread.schedule(handle, Math.max(0, delay), unit);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // What HashedWheelTimer throws once stopped, which lettuce expects during its shutdown.
      throw new IllegalStateException("cannot be started once stopped");
    }
    return handle;
  }

  @Override
  public Set<Timeout> stop() {
    thread.shutdownNow();
    return Set.of();
  }

  private final class Handle implements Timeout, Runnable {
    private final TimerTask task;
    private volatile ScheduledFuture<?> future;
    /**
     * PENDING until it runs or is cancelled, whichever comes first. The executor's future alone
     * cannot say: it still accepts a cancel while the task runs, which Netty's contract forbids.
     */
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private static final int PENDING = 0;
    private static final int EXPIRED = 1;
    private static final int CANCELLED = 2;

    Handle(TimerTask task) {
      this.task = task;
    }

    @Override
    public void run() {
      if (!state.compareAndSet(PENDING, EXPIRED)) return;
      try {
        task.run(this);
      } catch (Throwable e) {
        // What HashedWheelTimer does too: one failing task must not stop the others.
        log.warn("a Redis client timer task failed: {}", e.toString());
      }
    }

    @Override
    public Timer timer() {
      return SleepingTimer.this;
    }

    @Override
    public TimerTask task() {
      return task;
    }

    @Override
    public boolean isExpired() {
      return state.get() == EXPIRED;
    }

    @Override
    public boolean isCancelled() {
      return state.get() == CANCELLED;
    }

    @Override
    public boolean cancel() {
      if (!state.compareAndSet(PENDING, CANCELLED)) return false;
      // Removes it from the executor's queue (remove-on-cancel); it would not run anyway.
      ScheduledFuture<?> f = future;
      if (f != null) f.cancel(false);
      return true;
    }
  }
}
