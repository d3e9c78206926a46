package io.lifeguard.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a process's resource use from {@code /proc} (Linux) and from {@code jcmd}: resident set,
 * CPU ticks, threads, open file descriptors, live heap and the class histogram. Works on the
 * node (by pid) and on the generator itself ({@link #self()}).
 */
final class ProcessProbe {
  /** USER_HZ; 100 on every Linux this runs on (checked with {@code getconf CLK_TCK}). */
  static final long TICKS_PER_SECOND = 100;
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
  private final long pid;
  private final boolean withChildren;

  ProcessProbe(long pid) {
    this(pid, false);
  }

  private ProcessProbe(long pid, boolean withChildren) {
    this.pid = pid;
    this.withChildren = withChildren;
  }

  /**
   * A process and its direct children summed (CPU ticks, resident set, descriptors): an nginx
   * master and its workers, say. Children that exit between readings take their ticks with them.
   */
  static ProcessProbe withChildren(long pid) {
    return new ProcessProbe(pid, true);
  }

  static ProcessProbe self() {
    return new ProcessProbe(ProcessHandle.current().pid());
  }

  long pid() {
    return pid;
  }

  /** Resident set size in KiB (VmRSS). */
  long residentKib() {
    long sum = 0;
    for (long p : pids()) sum += statusField(p, "VmRSS");
    return sum;
  }

  /** This process, and with {@link #withChildren} its direct children (every thread's). */
  private List<Long> pids() {
    List<Long> out = new ArrayList<>(List.of(pid));
    if (!withChildren) return out;
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String children = Files.readString(task.resolve("children")).trim();
        if (children.isEmpty()) continue;
        for (String child : children.split("\\s+")) out.add(Long.parseLong(child));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  long threads() {
    return statusField(pid, "Threads");
  }

  long openFileDescriptors() {
    long sum = 0;
    for (long p : pids()) {
      try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(p), "fd"))) {
        sum += fds.count();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return sum;
  }

  /** User plus system CPU time consumed so far, in clock ticks. */
  long cpuTicks() {
    long sum = 0;
    for (long p : pids()) sum += cpuTicks(p);
    return sum;
  }

  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name in parentheses may hold spaces: fields are counted after the last ')'.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long statusField(long pid, String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(name + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Forces a full GC in the target JVM ({@code jcmd GC.run}). */
  void forceGc() {
    jcmd("GC.run");
  }

  /**
   * Heap in use in KiB, from {@code jcmd GC.heap_info}: the sum of the "used" figures above the
   * Metaspace line — one for G1's whole heap, one per generation for Serial and Parallel (whose
   * first figure is the young generation only).
   */
  long heapUsedKib() {
    String info = jcmd("GC.heap_info");
    int metaspace = info.indexOf("Metaspace");
    Matcher m = HEAP_USED.matcher(metaspace < 0 ? info : info.substring(0, metaspace));
    long sum = -1;
    while (m.find()) sum = Math.max(sum, 0) + Long.parseLong(m.group(1));
    return sum;
  }

  /** Live bytes and instances per class ({@code jcmd GC.class_histogram}, which collects first). */
  Map<String, long[]> classHistogram() {
    Map<String, long[]> out = new HashMap<>();
    for (String line : jcmd("GC.class_histogram").split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 4 && parts[0].endsWith(":")) {
        out.put(parts[3], new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
      }
    }
    return out;
  }

  /** Native memory summary ({@code jcmd VM.native_memory summary}); empty when NMT is off. */
  String nativeMemorySummary() {
    return jcmd("VM.native_memory", "summary");
  }

  private String jcmd(String... command) {
    return jcmd(pid, command);
  }

  /** {@code jcmd <pid> <command...>}'s output; fails when jcmd cannot run. */
  static String jcmd(long pid, String... command) {
    List<String> args = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
    args.addAll(List.of(command));
    try {
      Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly();
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException("jcmd failed (is it on PATH?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }


  /** The first three fields of {@code /proc/loadavg}. */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** CPU use between two tick readings as percent of one core. */
  static double percentOfOneCore(long ticksBefore, long ticksAfter, long nanos) {
    double seconds = nanos / 1e9;
    return seconds <= 0 ? 0 : Math.round((ticksAfter - ticksBefore) * 10000.0 / TICKS_PER_SECOND / seconds) / 100.0;
  }
}
