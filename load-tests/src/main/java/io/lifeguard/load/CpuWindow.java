package io.lifeguard.load;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU each process used over a window of a run, in percent of one core: every node, the generator
 * as a whole, and the generator's own threads by name prefix (its Netty event loops, its sender).
 * A run on a shared 2-core machine needs it to say whose CPU a latency figure measures: a generator
 * event loop near 100 % delays its own reads and writes, and that shows as relay latency.
 *
 * <p>Next to each process's CPU, {@code <name>_waiting}: the time its threads were runnable but
 * waited for a core ({@code /proc/<pid>/task/*&#47;schedstat}, second field), in the same unit. A
 * process that waits about as long as it runs is starved (by the others, or by other work on the
 * machine), and every queue in it grows by that wait.
 */
final class CpuWindow {
  private final List<LocalNode> nodes;
  private final ProcessProbe self;
  private final List<String> threadPrefixes;
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private long startNanos;
  private long[] nodeTicks;
  private long[] nodeWaits;
  private long selfTicks;
  private long selfWait;
  private long[] threadNanos;

  CpuWindow(List<LocalNode> nodes, ProcessProbe self, List<String> threadPrefixes) {
    this.nodes = nodes;
    this.self = self;
    this.threadPrefixes = threadPrefixes;
  }

  /** Starts (or restarts) the window now. */
  void start() {
    startNanos = System.nanoTime();
    nodeTicks = new long[nodes.size()];
    nodeWaits = new long[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      nodeTicks[i] = ticks(nodes.get(i));
      nodeWaits[i] = runQueueWaitNanos(nodes.get(i).pid());
    }
    selfTicks = self.cpuTicks();
    selfWait = runQueueWaitNanos(self.pid());
    threadNanos = threadCpuNanos();
  }

  /**
   * Percent of one core since {@link #start}: {@code node0..}, {@code generator} and one entry per
   * thread prefix (the sum over the generator's threads with that name). A node that died in the
   * window is left out (its ticks went with it).
   */
  Map<String, Double> read() {
    long nanos = System.nanoTime() - startNanos;
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      long now = ticks(nodes.get(i));
      long wait = runQueueWaitNanos(nodes.get(i).pid());
      if (now >= 0 && nodeTicks[i] >= 0) {
        out.put("node" + i, ProcessProbe.percentOfOneCore(nodeTicks[i], now, nanos));
        if (wait >= 0 && nodeWaits[i] >= 0) out.put("node" + i + "_waiting", percent(wait - nodeWaits[i], nanos));
      }
    }
    out.put("generator", ProcessProbe.percentOfOneCore(selfTicks, self.cpuTicks(), nanos));
    long wait = runQueueWaitNanos(self.pid());
    if (wait >= 0 && selfWait >= 0) out.put("generator_waiting", percent(wait - selfWait, nanos));
    long[] now = threadCpuNanos();
    for (int p = 0; p < threadPrefixes.size(); p++) {
      out.put("generator:" + threadPrefixes.get(p), percent(now[p] - threadNanos[p], nanos));
    }
    return out;
  }

  private static double percent(long part, long whole) {
    return Math.round(part * 10000.0 / whole) / 100.0;
  }

  /**
   * Nanoseconds the process's live threads spent runnable but not running, summed; -1 when the
   * kernel does not keep the figure or the process is gone. Threads that ended take theirs along.
   */
  static long runQueueWaitNanos(long pid) {
    java.nio.file.Path tasks = java.nio.file.Path.of("/proc", Long.toString(pid), "task");
    long sum = 0;
    try (java.util.stream.Stream<java.nio.file.Path> list = java.nio.file.Files.list(tasks)) {
      for (java.nio.file.Path task : (Iterable<java.nio.file.Path>) list::iterator) {
        try {
          String[] fields = java.nio.file.Files.readString(task.resolve("schedstat")).trim().split(" ");
          sum += Long.parseLong(fields[1]);
        } catch (java.io.IOException | RuntimeException threadGone) {
          // a thread that ended between the listing and the read
        }
      }
      return sum;
    } catch (java.io.IOException | RuntimeException gone) {
      return -1;
    }
  }

  private static long ticks(LocalNode node) {
    try {
      return node.isAlive() ? node.probe().cpuTicks() : -1;
    } catch (RuntimeException gone) {
      return -1;
    }
  }

  /**
   * CPU nanoseconds per prefix, summed over the live threads with that name. Threads started or
   * ended inside the window are counted from their start or not at all; the generator's event
   * loops and sender live for the whole run.
   */
  private long[] threadCpuNanos() {
    long[] sums = new long[threadPrefixes.size()];
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      for (int p = 0; p < threadPrefixes.size(); p++) {
        if (!t.getName().startsWith(threadPrefixes.get(p))) continue;
        long cpu = threads.getThreadCpuTime(t.getId());
        if (cpu > 0) sums[p] += cpu;
      }
    }
    return sums;
  }
}
