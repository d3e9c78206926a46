package io.lifeguard.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a JVM's CPU went over a window, thread group by thread group (docs/perf/idle.md): CPU
 * ticks and voluntary context switches (one per wake-up) of every thread from
 * {@code /proc/<pid>/task}, threads named from {@code jcmd Thread.print} and grouped with their
 * digits replaced by '#', plus the JIT's and safepoints' counters from {@code jcmd
 * PerfCounter.print} (compilations, invalidations, time compiling) over the same window. A whole
 * process figure says only that a node is dearer; this says which thread pays.
 */
final class ThreadSplit {
  private static final Pattern THREAD = Pattern.compile("^\"([^\"]+)\".*? nid=0x([0-9a-f]+)", Pattern.MULTILINE);
  private static final Pattern COUNTER = Pattern.compile("^([a-zA-Z.]+)=(\\S+)$", Pattern.MULTILINE);
  private static final Pattern LAST_METHOD = Pattern.compile("^sun\\.ci\\.lastMethod=(.*)$", Pattern.MULTILINE);
  /** Counters whose change over the window is reported; all are cumulative in HotSpot. */
  private static final List<String> COUNTERS = List.of("sun.ci.totalCompiles", "sun.ci.osrCompiles",
      "sun.ci.totalInvalidates", "sun.ci.totalBailouts", "java.ci.totalTime", "sun.rt.safepoints",
      "sun.rt.safepointTime", "sun.os.hrt.frequency");

  private final long pid;
  private final Map<String, String> names;
  private final Map<String, long[]> threads;
  private final Map<String, String> counters;
  private final long startNanos = System.nanoTime();

  private ThreadSplit(long pid) {
    this.pid = pid;
    this.names = javaNames(pid);
    this.counters = perfCounters(pid);
    this.threads = snapshot(pid);
  }

  /** Reads the starting point now. */
  static ThreadSplit start(long pid) {
    return new ThreadSplit(pid);
  }

  /**
   * The window from {@link #start} until now: {@code total} (wake-ups/s, % of a core), the groups
   * with their wake-ups/s and % of a core (dearest first), and the JIT's counters over the window.
   */
  Map<String, Object> finish() {
    Map<String, long[]> after = snapshot(pid);
    Map<String, String> countersAfter = perfCounters(pid);
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    Map<String, long[]> groups = new HashMap<>();
    long wakeups = 0;
    long ticks = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] before = threads.getOrDefault(e.getKey(), new long[] {0, 0});
      long[] now = e.getValue();
      // A thread started during the window counts from zero; one that ended took its figures along.
      long w = now[0] - before[0];
      long t = now[1] - before[1];
      String name = names.getOrDefault(e.getKey(), comm(pid, e.getKey()));
      // H2 names its writer thread after the database file: no machine paths in results.jsonl.
      String group = name.replaceAll(" /\\S+", " <file>").replaceAll("\\d+", "#");
      long[] sum = groups.computeIfAbsent(group, k -> new long[2]);
      sum[0] += w;
      sum[1] += t;
      wakeups += w;
      ticks += t;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("seconds", EdgeBenchScenario.round(seconds, 1));
    out.put("total", figures(wakeups, ticks, seconds));
    Map<String, Object> byGroup = new LinkedHashMap<>();
    groups.entrySet().stream()
        .filter(e -> e.getValue()[0] > 0 || e.getValue()[1] > 0)
        .sorted((a, b) -> a.getValue()[1] != b.getValue()[1]
            ? Long.compare(b.getValue()[1], a.getValue()[1]) : Long.compare(b.getValue()[0], a.getValue()[0]))
        .forEach(e -> byGroup.put(e.getKey(), figures(e.getValue()[0], e.getValue()[1], seconds)));
    out.put("threads", byGroup);
    out.put("jit", jit(counters, countersAfter));
    return out;
  }

  private static List<Double> figures(long wakeups, long ticks, double seconds) {
    return List.of(EdgeBenchScenario.round(wakeups / seconds, 1),
        EdgeBenchScenario.round(100.0 * ticks / ProcessProbe.TICKS_PER_SECOND / seconds, 2));
  }

  private static Map<String, Object> jit(Map<String, String> before, Map<String, String> after) {
    Map<String, Object> out = new LinkedHashMap<>();
    double hz = number(after, "sun.os.hrt.frequency");
    out.put("compiles", delta(before, after, "sun.ci.totalCompiles"));
    out.put("osr_compiles", delta(before, after, "sun.ci.osrCompiles"));
    out.put("invalidations", delta(before, after, "sun.ci.totalInvalidates"));
    out.put("bailouts", delta(before, after, "sun.ci.totalBailouts"));
    if (hz > 0) out.put("compile_ms", EdgeBenchScenario.round(delta(before, after, "java.ci.totalTime") * 1000 / hz, 1));
    out.put("safepoints", delta(before, after, "sun.rt.safepoints"));
    if (hz > 0) out.put("safepoint_ms", EdgeBenchScenario.round(delta(before, after, "sun.rt.safepointTime") * 1000 / hz, 1));
    out.put("last_method", after.getOrDefault("sun.ci.lastMethod", "\"\"").replace("\"", ""));
    return out;
  }

  private static double delta(Map<String, String> before, Map<String, String> after, String key) {
    return number(after, key) - number(before, key);
  }

  private static double number(Map<String, String> counters, String key) {
    try {
      return Double.parseDouble(counters.getOrDefault(key, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Thread id to {voluntary context switches, utime + stime ticks}. */
  private static Map<String, long[]> snapshot(long pid) {
    Map<String, long[]> out = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          long voluntary = 0;
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) voluntary = Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
          String stat = Files.readString(task.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.put(task.getFileName().toString(),
              new long[] {voluntary, Long.parseLong(fields[11]) + Long.parseLong(fields[12])});
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      // the process is gone: an empty window
    }
    return out;
  }

  private static String comm(long pid, String tid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "task", tid, "comm")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  private static Map<String, String> javaNames(long pid) {
    Map<String, String> out = new HashMap<>();
    Matcher m = THREAD.matcher(jcmd(pid, "Thread.print"));
    while (m.find()) out.put(Long.toString(Long.parseLong(m.group(2), 16)), m.group(1));
    return out;
  }

  private static Map<String, String> perfCounters(long pid) {
    Map<String, String> out = new HashMap<>();
    String printed = jcmd(pid, "PerfCounter.print");
    Matcher m = COUNTER.matcher(printed);
    while (m.find()) if (COUNTERS.contains(m.group(1))) out.put(m.group(1), m.group(2));
    // lastMethod's value holds a space, which COUNTER does not take.
    Matcher last = LAST_METHOD.matcher(printed);
    if (last.find()) out.put("sun.ci.lastMethod", last.group(1));
    return out;
  }

  /** jcmd's output, or empty when it fails (not a HotSpot JVM, or nginx): the split then names by comm. */
  private static String jcmd(long pid, String command) {
    try {
      return ProcessProbe.jcmd(pid, command);
    } catch (RuntimeException notAJvm) {
      return "";
    }
  }

}
