package io.lifeguard.node.edge;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * The writes of one fan-out that must hop to other I/O threads, gathered so each thread gets one
 * task for all of them instead of a task (and possibly a wake-up) per socket. Offers made through
 * a batch are counted against their socket's capacity at once, as any offer is; only the hand-over
 * to the socket's thread waits for {@link #submit}. Single-threaded: one batch per fan-out.
 */
public final class WriteBatch {
  /** At most one entry per I/O thread; an edge has a handful, so a list beats a map. */
  private final List<EventLoop> loops = new ArrayList<>(2);
  private final List<List<Runnable>> writes = new ArrayList<>(2);

  void add(EventLoop loop, Runnable write) {
    for (int i = 0; i < loops.size(); i++) {
      if (loops.get(i) == loop) {
        writes.get(i).add(write);
        return;
      }
    }
    loops.add(loop);
    List<Runnable> list = new ArrayList<>(8);
    list.add(write);
    writes.add(list);
  }

  /** Hands every gathered write to its thread, in the order offered; the batch is empty afterwards. */
  public void submit() {
    for (int i = 0; i < loops.size(); i++) {
      List<Runnable> due = writes.get(i);
      loops.get(i).execute(() -> {
        for (int k = 0; k < due.size(); k++) due.get(k).run();
      });
    }
    loops.clear();
    writes.clear();
  }
}
