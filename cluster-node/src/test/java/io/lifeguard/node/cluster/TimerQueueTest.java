package io.lifeguard.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coalescing rule, on a clock the test moves: wake at the earliest due time plus the slack. */
class TimerQueueTest {
  private static final long MS = 1_000_000L;

  private static final class Timer implements TimerQueue.Entry {
    final String name;
    final long due;
    boolean done;

    Timer(String name, long due) {
      this.name = name;
      this.due = due;
    }

    @Override
    public long dueNanos() {
      return due;
    }

    @Override
    public boolean isDone() {
      return done;
    }
  }

  private static List<String> names(List<Timer> timers) {
    List<String> names = new ArrayList<>();
    timers.forEach(t -> names.add(t.name));
    return names;
  }

  @Test
  void timersWithinOneSlackOfTheFirstShareItsWakeUpAndNoneFiresEarly() {
    TimerQueue<Timer> queue = new TimerQueue<>(50 * MS);
    long t0 = 1_000 * MS;
    queue.add(new Timer("c", t0 + 140 * MS));
    queue.add(new Timer("a", t0 + 100 * MS));
    queue.add(new Timer("b", t0 + 120 * MS));
    queue.add(new Timer("d", t0 + 151 * MS));

    long wake = queue.nextWake(t0 + 60_000 * MS);
    assertEquals(t0 + 150 * MS, wake, "the earliest due time plus the slack");
    assertEquals(List.of(), names(queue.pollDue(t0 + 99 * MS)), "nothing fires before it is due");
    assertEquals(List.of("a", "b", "c"), names(queue.pollDue(wake)), "one wake-up fires the three, in due order");
    assertEquals(t0 + 201 * MS, queue.nextWake(t0 + 60_000 * MS), "d is past the slack: a wake-up of its own");
    assertEquals(List.of("d"), names(queue.pollDue(t0 + 201 * MS)));
    assertEquals(t0 + 60_000 * MS, queue.nextWake(t0 + 60_000 * MS), "nothing pending: the idle wake");
  }

  @Test
  void equalDueTimesFireInTheOrderScheduled() {
    TimerQueue<Timer> queue = new TimerQueue<>(10 * MS);
    for (int i = 0; i < 50; i++) queue.add(new Timer("t" + i, 5 * MS));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) expected.add("t" + i);
    assertEquals(expected, names(queue.pollDue(5 * MS)));
  }

  @Test
  void aCancelledTimerNeitherFiresNorSetsTheWakeUp() {
    TimerQueue<Timer> queue = new TimerQueue<>(50 * MS);
    Timer early = new Timer("early", 10 * MS);
    queue.add(early);
    queue.add(new Timer("late", 500 * MS));
    early.done = true;
    assertEquals(550 * MS, queue.nextWake(0), "the cancelled head no longer decides when to wake");
    assertEquals(List.of("late"), names(queue.pollDue(550 * MS)));
  }

  @Test
  void dueTimesAreComparedByDifferenceAcrossTheNanoTimeWrap() {
    TimerQueue<Timer> queue = new TimerQueue<>(50 * MS);
    long nearWrap = Long.MAX_VALUE - 20 * MS;
    queue.add(new Timer("after-wrap", nearWrap + 40 * MS));
    queue.add(new Timer("before-wrap", nearWrap + 10 * MS));
    assertEquals(nearWrap + 60 * MS, queue.nextWake(nearWrap + 60_000 * MS));
    assertEquals(List.of("before-wrap", "after-wrap"), names(queue.pollDue(nearWrap + 60 * MS)));
  }

  @Test
  void cancelledTimersArePurgedOnceTheyAreMostOfTheQueue() {
    TimerQueue<Timer> queue = new TimerQueue<>(50 * MS);
    List<Timer> all = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      Timer t = new Timer("t" + i, (1000 + i) * MS);
      all.add(t);
      queue.add(t);
    }
    for (int i = 0; i < 1100; i++) all.get(i).done = true;
    assertFalse(queue.purgeIfMostlyCancelled(1100), "over the purge threshold but not most of the queue: kept until they reach the head");
    assertEquals(3000, queue.size());
    for (int i = 1100; i < 2000; i++) all.get(i).done = true;
    assertTrue(queue.purgeIfMostlyCancelled(2000));
    assertEquals(1000, queue.size(), "only the live timers stay");
    assertFalse(new TimerQueue<Timer>(50 * MS).purgeIfMostlyCancelled(100), "a few cancelled: never a purge");
    assertEquals(3000 * MS + 50 * MS, queue.nextWake(0));
  }
}
