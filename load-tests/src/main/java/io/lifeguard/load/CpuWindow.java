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
 */
final class CpuWindow {
  private final List<LocalNode> nodes;
  private final ProcessProbe self;
  private final List<String> threadPrefixes;
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private long startNanos;
  private long[] nodeTicks;
  private long selfTicks;
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
    for (int i = 0; i < nodes.size(); i++) nodeTicks[i] = ticks(nodes.get(i));
    selfTicks = self.cpuTicks();
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
      if (now >= 0 && nodeTicks[i] >= 0) out.put("node" + i, ProcessProbe.percentOfOneCore(nodeTicks[i], now, nanos));
    }
    out.put("generator", ProcessProbe.percentOfOneCore(selfTicks, self.cpuTicks(), nanos));
    long[] now = threadCpuNanos();
    for (int p = 0; p < threadPrefixes.size(); p++) {
      out.put("generator:" + threadPrefixes.get(p), Math.round((now[p] - threadNanos[p]) * 10000.0 / nanos) / 100.0);
    }
    return out;
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
