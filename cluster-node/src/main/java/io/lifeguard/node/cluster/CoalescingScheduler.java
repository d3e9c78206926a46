package io.lifeguard.node.cluster;

import com.typesafe.config.Config;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.SchedulerException;
import org.apache.pekko.actor.SchedulerTask;
import org.apache.pekko.event.LoggingAdapter;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;
import scala.util.control.NonFatal;

/**
 * Pekko's timer service ({@code pekko.scheduler.implementation}) on a thread that sleeps until a
 * timer is due, instead of Pekko's wheel, which wakes every {@code tick-duration} whether or not
 * anything is pending. On this project's paravirtualised 2-core machines a timed wake-up costs
 * 100–200 µs of CPU whatever it then does, and an idle node's wheel was 20 of them a second
 * (docs/perf/idle.md, "Fifth pass").
 *
 * <p>Same contract and bound as the wheel: a timer never fires early and fires at most
 * {@code pekko.scheduler.tick-duration} late, so every interval the node configures stays within
 * what it had. (A timer firing alone now fires the full tick late where the wheel averaged half a
 * tick; the chaos runs in idle.md's fifth pass show the heartbeat gaps inside the detector's
 * margin.) That slack is used to batch: the thread wakes at the earliest due time plus the slack
 * and fires everything due by then ({@link TimerQueue}), so timers due close together share one
 * wake-up, and those for one dispatcher one hand-off to it. Tasks run on their {@link
 * ExecutionContext}, never on the timer thread. {@link Scheduler.TaskRunOnClose} tasks still
 * pending run on {@link #close()}, as Pekko requires.
 */
public final class CoalescingScheduler implements Scheduler, Closeable {
  /** How long the thread sleeps with nothing pending; any new timer wakes it sooner. */
  private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(1);
  /** What a task run at once returns, as with Pekko's wheel: neither cancellable nor cancelled. */
  private static final Cancellable NOT_CANCELLABLE = new Cancellable() {
    @Override
    public boolean cancel() {
      return false;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }
  };

  private final LoggingAdapter log;
  private final long slackNanos;
  private final long shutdownTimeoutNanos;
  private final TimerQueue<Once> queue;
  /** Timers scheduled from any thread, moved into {@link #queue} by the timer thread. */
  private final ConcurrentLinkedQueue<Once> incoming = new ConcurrentLinkedQueue<>();
  private final AtomicInteger cancelledQueued = new AtomicInteger();
  private final CompletableFuture<List<Once>> leftOnStop = new CompletableFuture<>();
  private final Thread thread;
  private volatile boolean stopped;
  /** Set before the thread parks (after {@link #wakeAt}); a producer reads both after enqueuing. */
  private volatile boolean asleep;
  private volatile long wakeAt;
  /** Times the thread woke, and those that fired at least one timer (tests read them). */
  private volatile long wakeUps;
  private volatile long firingWakeUps;

  /** The constructor Pekko calls reflectively. */
  public CoalescingScheduler(Config config, LoggingAdapter log, ThreadFactory threadFactory) {
    this.log = log;
    this.slackNanos = config.getDuration("pekko.scheduler.tick-duration", TimeUnit.NANOSECONDS);
    if (slackNanos < TimeUnit.MILLISECONDS.toNanos(1)) {
      throw new IllegalArgumentException("pekko.scheduler.tick-duration must be at least 1ms, was " + slackNanos + "ns");
    }
    this.shutdownTimeoutNanos = config.getDuration("pekko.scheduler.shutdown-timeout", TimeUnit.NANOSECONDS);
    this.queue = new TimerQueue<>(slackNanos);
    this.thread = threadFactory.newThread(this::loop);
    thread.start();
  }

  /** The same figure as Pekko's wheel at this tick, so the cluster keeps using this scheduler. */
  @Override
  public double maxFrequency() {
    return (double) TimeUnit.SECONDS.toNanos(1) / slackNanos;
  }

  @Override
  public Cancellable scheduleOnce(FiniteDuration delay, Runnable runnable, ExecutionContext executor) {
    long delayNanos = delay.toNanos();
    if (stopped) throw shutDown();
    if (delayNanos <= 0) {
      executor.execute(runnable);
      return NOT_CANCELLABLE;
    }
    return enqueue(new Once(System.nanoTime() + checkMaxDelay(delayNanos), runnable, executor));
  }

  @Override
  public Cancellable schedule(FiniteDuration initialDelay, FiniteDuration interval, Runnable runnable, ExecutionContext executor) {
    long intervalNanos = interval.toNanos();
    if (intervalNanos <= 0) {
      throw new IllegalArgumentException("Task scheduled with [" + interval + "] interval, which means creating an infinite loop. The interval must be greater than 0.");
    }
    checkMaxDelay(intervalNanos);
    if (stopped) throw shutDown();
    Repeating repeating = new Repeating(runnable, intervalNanos, executor, System.nanoTime() + Math.max(0, checkMaxDelay(initialDelay.toNanos())));
    repeating.start();
    return repeating;
  }

  @Override
  public void close() {
    if (!stopped) {
      stopped = true;
      LockSupport.unpark(thread);
    }
    List<Once> left;
    try {
      left = leftOnStop.get(shutdownTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warning("timer thread did not stop within {} ms; pending close tasks not run", TimeUnit.NANOSECONDS.toMillis(shutdownTimeoutNanos));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    for (Once timer : left) {
      Runnable task = timer.take(Once.EXECUTED);
      if (task instanceof Scheduler.TaskRunOnClose) {
        try {
          task.run();
        } catch (SchedulerException e) {
          // a terminated actor: nothing to tell
        } catch (Throwable e) {
          if (!NonFatal.apply(e)) throw e;
          log.error(e, "exception while running a timer task on close");
        }
      }
    }
  }

  long wakeUps() {
    return wakeUps;
  }

  long firingWakeUps() {
    return firingWakeUps;
  }

  private Once enqueue(Once timer) {
    incoming.add(timer);
    if (stopped && timer.cancel()) throw shutDown();
    // Wake the thread only if it sleeps past this timer's latest firing time.
    if (asleep && timer.due + slackNanos - wakeAt < 0) LockSupport.unpark(thread);
    return timer;
  }

  private void loop() {
    try {
      while (!stopped) {
        try {
          pass();
        } catch (Throwable t) {
          if (!NonFatal.apply(t)) throw t;
          // One bad pass must not stop every timer of the node (the cluster's heartbeats among them).
          log.error(t, "timer thread pass failed; going on");
        }
      }
    } catch (Throwable t) {
      log.error(t, "timer thread failed; no timer fires from now on");
      stopped = true;
      throw t;
    } finally {
      Once rest;
      while ((rest = incoming.poll()) != null) queue.add(rest);
      leftOnStop.complete(queue.drain());
    }
  }

  /** Moves new timers in, fires those due, sleeps until the next must fire. */
  private void pass() {
    Once moved;
    while ((moved = incoming.poll()) != null) queue.add(moved);
    long now = System.nanoTime();
    List<Once> due = queue.pollDue(now);
    if (!due.isEmpty()) {
      firingWakeUps++;
      dispatch(due);
    }
    int cancelled = cancelledQueued.get();
    if (queue.purgeIfMostlyCancelled(cancelled)) cancelledQueued.addAndGet(-cancelled);
    long wake = queue.nextWake(now + IDLE_NANOS);
    wakeAt = wake;
    asleep = true;
    // A timer enqueued before `asleep` was set was not seen by its producer as needing a wake-up.
    if (incoming.isEmpty() && !stopped) {
      long sleep = wake - System.nanoTime();
      if (sleep > 0) LockSupport.parkNanos(this, sleep);
    }
    asleep = false;
    wakeUps++;
  }

  /**
   * Hands the timers due together to their executors, one task per executor: each hand-off wakes a
   * pool thread (a futex wake-up, 50–100 µs of CPU on these VMs), so ten timers for the internal
   * dispatcher cost one wake-up instead of up to ten. The batch runs them in due order; Pekko's
   * timer tasks are message sends, and nothing in the contract promised they run in parallel.
   */
  private void dispatch(List<Once> due) {
    Map<ExecutionContext, List<Runnable>> byExecutor = new IdentityHashMap<>();
    List<ExecutionContext> order = new ArrayList<>();
    for (Once timer : due) {
      Runnable task = timer.take(Once.EXECUTED);
      if (task == null) continue;
      List<Runnable> tasks = byExecutor.get(timer.executor);
      if (tasks == null) {
        tasks = new ArrayList<>(4);
        byExecutor.put(timer.executor, tasks);
        order.add(timer.executor);
      }
      tasks.add(task);
    }
    for (ExecutionContext executor : order) {
      List<Runnable> tasks = byExecutor.get(executor);
      execute(executor, tasks.size() == 1 ? tasks.get(0) : () -> runAll(executor, tasks));
    }
  }

  private static void runAll(ExecutionContext executor, List<Runnable> tasks) {
    for (Runnable task : tasks) {
      try {
        task.run();
      } catch (Throwable e) {
        if (!NonFatal.apply(e)) throw e;
        // What the executor does with a task that throws on its own; the rest of the batch runs.
        executor.reportFailure(e);
      }
    }
  }

  private static void execute(ExecutionContext executor, Runnable task) {
    try {
      executor.execute(task);
    } catch (RuntimeException e) {
      try {
        executor.reportFailure(e);
      } catch (RuntimeException ignored) {
        // an executor that cannot take tasks nor report: nothing left to tell
      }
    }
  }

  private long checkMaxDelay(long delayNanos) {
    // Pekko's wheel refuses what its Int tick count cannot hold; the same bound here keeps the
    // nanoTime arithmetic far from overflow.
    if (delayNanos / slackNanos > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("Task scheduled with [" + TimeUnit.NANOSECONDS.toSeconds(delayNanos) + "] seconds delay, which is too far in future, maximum delay is [" + TimeUnit.NANOSECONDS.toSeconds(slackNanos * Integer.MAX_VALUE) + "] seconds");
    }
    return delayNanos;
  }

  private static IllegalStateException shutDown() {
    // Pekko's own scheduling helpers recognise a shut-down scheduler by this cause.
    String message = "cannot enqueue after timer shutdown";
    return new IllegalStateException(message, SchedulerException.apply(message));
  }

  /** One timer: fired once or cancelled, whichever comes first. */
  private final class Once implements TimerQueue.Entry, Cancellable {
    static final Runnable EXECUTED = () -> { };
    static final Runnable CANCELLED = () -> { };

    final long due;
    final ExecutionContext executor;
    final AtomicReference<Runnable> task;

    Once(long due, Runnable task, ExecutionContext executor) {
      this.due = due;
      this.executor = executor;
      this.task = new AtomicReference<>(task);
    }

    @Override
    public long dueNanos() {
      return due;
    }

    @Override
    public boolean isDone() {
      Runnable t = task.get();
      return t == EXECUTED || t == CANCELLED;
    }

    @Override
    public boolean isCancelled() {
      return task.get() == CANCELLED;
    }

    @Override
    public boolean cancel() {
      Runnable t = take(CANCELLED);
      if (t == null) return false;
      cancelledQueued.incrementAndGet();
      if (t instanceof SchedulerTask st) execute(executor, st::cancelled);
      return true;
    }

    /** The task, swapped for {@code marker}; null when already fired or cancelled. */
    Runnable take(Runnable marker) {
      while (true) {
        Runnable t = task.get();
        if (t == EXECUTED || t == CANCELLED) return null;
        if (task.compareAndSet(t, marker)) return t;
      }
    }
  }

  /**
   * A fixed-rate task: each run schedules the next at the planned time plus the interval (at once
   * while behind the plan), as Pekko's wheel does. Holds the pending timer; null once cancelled.
   */
  private final class Repeating extends AtomicReference<Cancellable> implements Cancellable, Runnable {
    private static final Cancellable NOT_STARTED = Cancellable.alreadyCancelled();

    private final Runnable runnable;
    private final long intervalNanos;
    private final ExecutionContext executor;
    /** When this run was planned: the first due time plus whole intervals, whenever runs happen. */
    private long planned;

    Repeating(Runnable runnable, long intervalNanos, ExecutionContext executor, long firstDue) {
      super(NOT_STARTED);
      this.runnable = runnable;
      this.intervalNanos = intervalNanos;
      this.executor = executor;
      this.planned = firstDue;
    }

    void start() {
      Once first = new Once(planned, this, executor);
      compareAndSet(NOT_STARTED, first);
      enqueue(first);
    }

    @Override
    public void run() {
      if (get() == null) return;
      try {
        runnable.run();
        planned += intervalNanos;
        long now = System.nanoTime();
        // Behind the plan (a long pause): run again at once until caught up, as Pekko's wheel does.
        Once next = new Once(planned - now > 0 ? planned : now + 1, this, executor);
        if (swap(next)) enqueue(next);
      } catch (SchedulerException e) {
        // The target actor terminated, or the scheduler shut down: stop repeating, as Pekko's wheel does.
        cancel();
      } catch (IllegalStateException e) {
        if (!(e.getCause() instanceof SchedulerException)) throw e;
        cancel();
      }
    }

    private boolean swap(Once next) {
      while (true) {
        Cancellable current = get();
        if (current == null) return false;
        if (compareAndSet(current, next)) return true;
      }
    }

    @Override
    public boolean cancel() {
      while (true) {
        Cancellable current = get();
        if (current == null) return false;
        if (compareAndSet(current, null)) {
          current.cancel();
          if (runnable instanceof SchedulerTask st) execute(executor, st::cancelled);
          return true;
        }
      }
    }

    @Override
    public boolean isCancelled() {
      return get() == null;
    }
  }
}
