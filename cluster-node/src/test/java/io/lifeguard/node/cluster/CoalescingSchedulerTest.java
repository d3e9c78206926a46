package io.lifeguard.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.SchedulerException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.dispatch.ExecutionContexts;
import org.apache.pekko.event.NoLogging;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import scala.concurrent.ExecutionContextExecutor;
import scala.concurrent.duration.FiniteDuration;

/** Pekko's timer contract on the node's scheduler: never early, never after cancel, close tasks run. */
class CoalescingSchedulerTest {
  private static final Config CONFIG = ConfigFactory.parseString(
      "pekko.scheduler { tick-duration = 50ms, shutdown-timeout = 5s }");

  private ExecutorService pool;
  private ExecutionContextExecutor executor;
  private CoalescingScheduler scheduler;

  @BeforeEach
  void start() {
    pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "test-executor");
      t.setDaemon(true);
      return t;
    });
    executor = ExecutionContexts.fromExecutor(pool);
    scheduler = new CoalescingScheduler(CONFIG, NoLogging.getInstance(), r -> {
      Thread t = new Thread(r, "test-scheduler");
      t.setDaemon(true);
      return t;
    });
  }

  @AfterEach
  void stop() {
    scheduler.close();
    pool.shutdownNow();
  }

  private static FiniteDuration ms(long millis) {
    return FiniteDuration.create(millis, TimeUnit.MILLISECONDS);
  }

  /** The delay from now to {@code target} (a nanoTime): timers aimed at one instant stay together however slow the scheduling. */
  private static FiniteDuration until(long target) {
    return FiniteDuration.create(target - System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  /** Waits for a timer scheduled after everything else: what was due before it has had its chance. */
  private void barrier(long millis) throws InterruptedException {
    CountDownLatch passed = new CountDownLatch(1);
    scheduler.scheduleOnce(ms(millis), passed::countDown, executor);
    assertTrue(passed.await(10, TimeUnit.SECONDS), "the barrier timer fired");
  }

  @Test
  void aTimerFiresOnItsExecutorNoEarlierThanItsDelayAndACancelledOneNever() throws Exception {
    AtomicBoolean cancelledRan = new AtomicBoolean();
    Cancellable cancelled = scheduler.scheduleOnce(ms(100), () -> cancelledRan.set(true), executor);
    assertTrue(cancelled.cancel());
    assertTrue(cancelled.isCancelled());
    assertFalse(cancelled.cancel(), "cancelled once only");

    CountDownLatch fired = new CountDownLatch(1);
    String[] ranOn = new String[1];
    long start = System.nanoTime();
    Cancellable timer = scheduler.scheduleOnce(ms(200), () -> {
      ranOn[0] = Thread.currentThread().getName();
      fired.countDown();
    }, executor);
    assertTrue(fired.await(10, TimeUnit.SECONDS), "the 200 ms timer fired");
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200), "not before its delay");
    assertEquals("test-executor", ranOn[0], "run by its executor, not the timer thread");
    assertFalse(timer.cancel(), "a fired timer cannot be cancelled");
    assertFalse(cancelledRan.get(), "the cancelled 100 ms timer, due first, never ran");
  }

  @Test
  void timersDueWithinTheSlackShareAWakeUpAndAnIdleThreadStaysAsleep() throws Exception {
    long before = scheduler.firingWakeUps();
    CountDownLatch all = new CountDownLatch(20);
    long target = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    for (int i = 0; i < 20; i++) scheduler.scheduleOnce(until(target + TimeUnit.MILLISECONDS.toNanos(i)), all::countDown, executor);
    assertTrue(all.await(10, TimeUnit.SECONDS));
    // Due within 19 ms of each other, inside the 50 ms slack: a scheduler waking per timer would
    // take 20; only a stall of a second in the loop above could split them.
    assertTrue(scheduler.firingWakeUps() - before <= 2, "20 timers in " + (scheduler.firingWakeUps() - before) + " wake-ups");

    long wakeUpsBefore = scheduler.wakeUps();
    barrier(500);
    // Pekko's wheel at this tick would have woken 10 times; here the barrier's own wake-up, at
    // most one for scheduling it, and room for one spurious return from park.
    assertTrue(scheduler.wakeUps() - wakeUpsBefore <= 3, "woke " + (scheduler.wakeUps() - wakeUpsBefore) + " times in 500 ms with one timer pending");
  }

  @Test
  void timersFiredTogetherReachTheirExecutorAsOneTaskInDueOrder() throws Exception {
    AtomicInteger handOffs = new AtomicInteger();
    ExecutionContextExecutor counting = ExecutionContexts.fromExecutor(task -> {
      handOffs.incrementAndGet();
      pool.execute(task);
    });
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch all = new CountDownLatch(10);
    long target = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    // Scheduled last-due first, so only due order (not scheduling order) gives 0..9.
    for (int i = 9; i >= 0; i--) {
      int n = i;
      scheduler.scheduleOnce(until(target + TimeUnit.MILLISECONDS.toNanos(i)), () -> {
        ran.add(n);
        all.countDown();
      }, counting);
    }
    assertTrue(all.await(10, TimeUnit.SECONDS));
    // One hand-off per wake-up that fired (two only if the scheduling above stalled for a second).
    assertTrue(handOffs.get() <= 2, handOffs.get() + " hand-offs for 10 timers");
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), ran, "in due order");
  }

  @Test
  void aTaskThatThrowsDoesNotStopTheRestOfItsBatch() throws Exception {
    CountDownLatch after = new CountDownLatch(1);
    List<Throwable> reported = Collections.synchronizedList(new ArrayList<>());
    ExecutionContextExecutor reporting = new ExecutionContextExecutor() {
      // As Pekko's dispatchers do: a task that throws is reported, the thread lives on.
      @Override
      public void execute(Runnable task) {
        pool.execute(() -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            reportFailure(e);
          }
        });
      }

      @Override
      public void reportFailure(Throwable cause) {
        reported.add(cause);
      }
    };
    // Due together, they normally share a batch; apart, each goes alone: reported once either way.
    scheduler.scheduleOnce(ms(500), () -> { throw new IllegalStateException("boom"); }, reporting);
    scheduler.scheduleOnce(ms(501), after::countDown, reporting);
    assertTrue(after.await(10, TimeUnit.SECONDS), "the timer after the failing one ran");
    assertEquals(1, reported.size());
    assertEquals("boom", reported.get(0).getMessage());
  }

  @Test
  void aZeroDelayRunsAtOnce() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    Cancellable c = scheduler.scheduleOnce(ms(0), ran::countDown, executor);
    assertTrue(ran.await(10, TimeUnit.SECONDS));
    assertFalse(c.cancel());
    assertFalse(c.isCancelled());
  }

  @Test
  void aFixedRateTaskRepeatsUntilCancelled() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch five = new CountDownLatch(5);
    Cancellable repeating = scheduler.scheduleAtFixedRate(Duration.ofMillis(10), Duration.ofMillis(60), () -> {
      runs.incrementAndGet();
      five.countDown();
    }, executor);
    assertTrue(five.await(10, TimeUnit.SECONDS), "five runs");
    assertTrue(repeating.cancel());
    assertTrue(repeating.isCancelled());
    assertFalse(repeating.cancel());
    int atCancel = runs.get();
    barrier(300);
    assertTrue(runs.get() <= atCancel + 1, "at most the run in flight when cancelled: " + atCancel + " then " + runs.get());
  }

  @Test
  void aFixedRateTaskStopsWhenItsTargetIsGone() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch first = new CountDownLatch(1);
    Cancellable repeating = scheduler.scheduleAtFixedRate(Duration.ofMillis(10), Duration.ofMillis(60), () -> {
      runs.incrementAndGet();
      first.countDown();
      // What Pekko's message-sending variant throws for a terminated receiver.
      throw SchedulerException.apply("timer active for terminated actor");
    }, executor);
    assertTrue(first.await(10, TimeUnit.SECONDS));
    barrier(300);
    assertEquals(1, runs.get());
    assertTrue(repeating.isCancelled(), "the repetition ended itself, as Pekko's wheel does");
  }

  @Test
  void closeRunsThePendingCloseTasksOnlyAndRefusesNewTimers() {
    AtomicBoolean closeTaskRan = new AtomicBoolean();
    AtomicBoolean ordinaryRan = new AtomicBoolean();
    scheduler.scheduleOnce(ms(60_000), (Scheduler.TaskRunOnClose) () -> closeTaskRan.set(true), executor);
    scheduler.scheduleOnce(ms(60_000), () -> ordinaryRan.set(true), executor);
    scheduler.close();
    assertTrue(closeTaskRan.get(), "a TaskRunOnClose runs on close, before its time");
    assertFalse(ordinaryRan.get());
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> scheduler.scheduleOnce(ms(10), () -> { }, executor));
    assertInstanceOf(SchedulerException.class, refused.getCause(), "the cause Pekko's helpers look for");
    assertThrows(IllegalStateException.class,
        () -> scheduler.scheduleAtFixedRate(Duration.ofMillis(10), Duration.ofMillis(10), () -> { }, executor));
  }

  @Test
  void aZeroIntervalIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> scheduler.scheduleAtFixedRate(Duration.ofMillis(10), Duration.ZERO, () -> { }, executor));
  }

  @Test
  void anActorSystemConfiguredWithItRunsTypedTimers() throws Exception {
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = local
        pekko.scheduler.implementation = io.lifeguard.node.cluster.CoalescingScheduler
        pekko.scheduler.tick-duration = 50ms
        """).withFallback(ConfigFactory.defaultReference());
    CountDownLatch ticks = new CountDownLatch(3);
    ActorSystem<String> system = ActorSystem.create(Behaviors.<String>withTimers(timers -> {
      timers.startTimerWithFixedDelay("tick", Duration.ofMillis(20));
      return Behaviors.receiveMessage(m -> {
        ticks.countDown();
        return Behaviors.same();
      });
    }), "timers", config);
    try {
      assertInstanceOf(CoalescingScheduler.class, system.classicSystem().scheduler());
      assertTrue(ticks.await(10, TimeUnit.SECONDS), "three ticks of a typed fixed-delay timer");
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
