package io.lifeguard.node.edge;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;

/**
 * The sockets an edge I/O thread has written to but not yet flushed, flushed together: at the end
 * of the read that caused the writes ({@link EdgeSocket#channelReadComplete}), and, for writes made
 * outside a read (tasks handed over by other threads), by one task queued behind them on the same
 * thread. A sender whose frames are read in one go (several of them queued in its socket, which is
 * what a loaded node sees) then costs one {@code send} per receiver instead of one per frame and
 * receiver; with one frame per read nothing changes but the moment of the flush, which is still
 * before the thread goes back to {@code epoll_wait}.
 *
 * <p>One instance per I/O thread, touched only by it.
 */
final class DeferredFlushes implements Runnable {
  private static final FastThreadLocal<DeferredFlushes> PER_THREAD = new FastThreadLocal<>() {
    @Override
    protected DeferredFlushes initialValue() {
      return new DeferredFlushes();
    }
  };

  private final ArrayList<EdgeSocket> dirty = new ArrayList<>();
  private boolean taskQueued;

  private DeferredFlushes() {}

  /** The calling I/O thread's instance. */
  static DeferredFlushes current() {
    return PER_THREAD.get();
  }

  /**
   * {@code socket} has unflushed writes; {@code loop} is the calling thread's loop. The first one
   * after a flush queues the backstop task (from the loop itself: no wake-up), so nothing waits
   * longer than this pass of the loop even when no read completes.
   */
  void add(EdgeSocket socket, EventLoop loop) {
    dirty.add(socket);
    if (!taskQueued) {
      taskQueued = true;
      loop.execute(this);
    }
  }

  /** Flushes every socket written since the last flush. */
  void flushAll() {
    // By index: a flush can fail a write whose listener writes again (a close), adding to the list.
    for (int i = 0; i < dirty.size(); i++) dirty.get(i).flushDeferred();
    dirty.clear();
  }

  @Override
  public void run() {
    taskQueued = false;
    flushAll();
  }
}
