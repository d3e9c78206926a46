package io.lifeguard.node.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The timers of {@link CoalescingScheduler}, owned by its thread: ordered by due time, and woken
 * for once per batch rather than once per timer. A timer may fire any time from its due time to
 * {@code slack} after it; so the thread sleeps until the earliest due time plus the slack and then
 * fires everything already due. Timers due within one slack of each other share a wake-up, and
 * nothing wakes the thread while nothing is pending — unlike a wheel, which ticks either way.
 *
 * <p>Not thread-safe; times are {@link System#nanoTime()} values, compared by difference.
 */
final class TimerQueue<T extends TimerQueue.Entry> {
  /** A pending timer. */
  interface Entry {
    long dueNanos();

    /** Fired or cancelled: dropped without firing when it reaches the head. */
    boolean isDone();
  }

  /** Removes cancelled timers once this many have piled up (and more than half the queue). */
  private static final int PURGE_AT = 1024;

  private final long slackNanos;
  private final PriorityQueue<Sequenced<T>> queue = new PriorityQueue<>();
  private long sequence;

  private record Sequenced<T extends Entry>(T entry, long sequence) implements Comparable<Sequenced<T>> {
    @Override
    public int compareTo(Sequenced<T> other) {
      long byDue = entry.dueNanos() - other.entry.dueNanos();
      if (byDue != 0) return byDue < 0 ? -1 : 1;
      // Equal due times fire in the order they were scheduled.
      return Long.compare(sequence, other.sequence);
    }
  }

  TimerQueue(long slackNanos) {
    if (slackNanos < 0) throw new IllegalArgumentException("slack must not be negative");
    this.slackNanos = slackNanos;
  }

  void add(T entry) {
    queue.add(new Sequenced<>(entry, sequence++));
  }

  /** Timers due at {@code now}, in due order, removed from the queue. */
  List<T> pollDue(long now) {
    List<T> due = new ArrayList<>();
    Sequenced<T> head;
    while ((head = queue.peek()) != null && head.entry().dueNanos() - now <= 0) {
      queue.poll();
      if (!head.entry().isDone()) due.add(head.entry());
    }
    return due;
  }

  /**
   * When the thread must wake next: the earliest live timer's due time plus the slack, or
   * {@code idleWake} when nothing is pending. Drops cancelled timers from the head on the way (the
   * rest go when they reach it, or in {@link #purgeIfMostlyCancelled}).
   */
  long nextWake(long idleWake) {
    Sequenced<T> head;
    while ((head = queue.peek()) != null && head.entry().isDone()) queue.poll();
    return head == null ? idleWake : head.entry().dueNanos() + slackNanos;
  }

  /**
   * Drops every cancelled timer when about {@code cancelled} are queued, at least {@link #PURGE_AT}
   * and half the queue; below that they wait to reach the head.
   */
  boolean purgeIfMostlyCancelled(int cancelled) {
    if (cancelled < PURGE_AT || cancelled * 2 < queue.size()) return false;
    queue.removeIf(s -> s.entry().isDone());
    return true;
  }

  int size() {
    return queue.size();
  }

  /** Everything still queued, cancelled or not, emptying the queue (for shutdown). */
  List<T> drain() {
    List<T> all = new ArrayList<>(queue.size());
    Sequenced<T> s;
    while ((s = queue.poll()) != null) all.add(s.entry());
    return all;
  }
}
