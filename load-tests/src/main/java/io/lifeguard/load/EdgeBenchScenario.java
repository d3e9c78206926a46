package io.lifeguard.load;

import io.lifeguard.protocol.ClientHello;
import io.lifeguard.protocol.Compression;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.HelloCodec;
import io.lifeguard.protocol.Role;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 13's edge benchmark: Lifeguard's Netty edge against a reference peer (nginx + nchan)
 * started in the same run, with the lean {@link EdgeClients} generator for both. Per server: a
 * small warm-up, then N idle connections opened {@code --open-concurrency} at a time and held
 * (failed opens, resident memory per connection, CPU while holding with heartbeats on), then
 * {@code --handshake-warmup} unmeasured handshakes and {@code --handshakes} measured ones at
 * {@code --handshake-concurrency} (server CPU per handshake from {@code /proc/<pid>/stat} in the
 * steady state, handshakes/s). The small warm-up's handshakes, the first of a fresh server, also
 * give a cold CPU figure per handshake. Lifeguard runs once per JVM flag set
 * ({@code --node-flag-sets "none;-XX:+UseSerialGC -Xmx512m;..."}); ratios are Lifeguard over the
 * reference. Prints a table and one JSON line; figures only, no verdict on exit code.
 */
final class EdgeBenchScenario {
  static final String DEFAULT_FLAG_SETS =
      "none;-XX:+UseSerialGC -Xms64m -Xmx512m;-XX:+UseSerialGC -Xmn16m -Xmx512m;-XX:+UseG1GC -Xmx1g";
  /** Measured: beyond this many handshakes the per-handshake figure stopped falling (docs/perf/handshake.md). */
  static final int DEFAULT_HANDSHAKE_WARMUP = 40_000;
  /** The handshake warm-up opens this many at a time, so it never holds more descriptors than the measured phase. */
  private static final int WARMUP_BATCH = 5_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private EdgeBenchScenario() {}

  /** How to reach one server under test and how to read it. */
  private interface Server {
    ProcessProbe probe();

    List<EdgeClients.Target> targets(String prefix, int count);

    /** Before a memory reading: a full GC for a JVM, nothing for nginx. */
    void settle();

    long heapKib();
  }

  static int run(Harness h) {
    Flags f = h.flags;
    int connections = f.integer("connections", 10_000);
    int openConcurrency = f.integer("open-concurrency", 200);
    int handshakes = f.integer("handshakes", 5_000);
    int handshakeConcurrency = f.integer("handshake-concurrency", 64);
    // Small on purpose: memory a server touched for the warm-up's connections is reused by the idle
    // phase's, which would hide it from the RSS delta. --handshake-warmup warms the handshakes up.
    int warmup = f.integer("warmup", 200);
    // Handshakes right before the measured phase, so it reports what a long-lived node pays (JIT
    // done) rather than the compiler's work; the first --warmup handshakes give the cold figure.
    int handshakeWarmup = f.integer("handshake-warmup", DEFAULT_HANDSHAKE_WARMUP);
    Duration hold = f.duration("hold", Duration.ofSeconds(30));
    // Between the last open and the hold's CPU reading. The JIT keeps compiling what the opens made
    // hot for a minute or two; a longer settle measures a node that has held its sockets for a while.
    Duration settle = f.duration("settle", Duration.ofSeconds(2));
    Duration timeout = f.duration("connect-timeout", Duration.ofSeconds(10));
    int clientThreads = f.integer("client-threads", 1);
    // answer: the generator asks for HEARTBEAT_ANSWER and answers the node's heartbeats (what the
    // project's clients do); own: each socket beats on its own timer, as clients before it did.
    String heartbeatMode = f.string("heartbeat-mode", "answer");
    if (!heartbeatMode.equals("answer") && !heartbeatMode.equals("own")) {
      throw new IllegalArgumentException("--heartbeat-mode must be answer or own, was " + heartbeatMode);
    }
    // One source address reaches one server port from ~28k ephemeral ports (ip_local_port_range).
    int sourceAddresses = f.integer("source-addresses", connections > 25_000 ? (connections + 24_999) / 25_000 : 0);
    NchanPeer.Reference reference = NchanPeer.Reference.from(f);
    int backlog = f.integer("reference-backlog", 4096);
    List<String> flagSets = Arrays.asList(f.string("node-flag-sets", DEFAULT_FLAG_SETS).split(";"));
    String logLevel = f.string("node-log-level", "INFO");
    f.rejectUnknown();
    // Both phases hold every connection at once, in this JVM and in the server (same limit via run.sh).
    long fdLimit = openFileLimit();
    if (Math.max(connections, handshakes) + 512L > fdLimit) {
      throw new IllegalArgumentException("--connections/--handshakes " + Math.max(connections, handshakes)
          + " need more descriptors than the limit " + fdLimit + " (ulimit -n) allows");
    }

    if (handshakeWarmup < 0) throw new IllegalArgumentException("--handshake-warmup must not be negative");
    Plan plan = new Plan(connections, openConcurrency, handshakes, handshakeConcurrency, warmup, handshakeWarmup, hold,
        settle, timeout, clientThreads, sourceAddresses, heartbeatMode);
    List<Map<String, Object>> rows = new ArrayList<>();
    Map<String, Object> ref = null;
    if (reference.enabled()) {
      // Room for the largest phase: nginx refuses connections beyond worker_connections.
      int held = Math.max(connections, Math.max(handshakes, Math.min(handshakeWarmup, WARMUP_BATCH)));
      try (NchanPeer peer = reference.start(backlog, 15, held + 1024)) {
        ref = measure(h, plan, "nchan", peer.version() + ", 1 worker", nchanServer(peer));
        ref.put("server_log_tail", tail(peer.log()));
        rows.add(ref);
      }
    }
    for (int i = 0; i < flagSets.size(); i++) {
      String set = flagSets.get(i).trim();
      List<String> jvm = set.isEmpty() || set.equals("none") ? List.of() : Arrays.asList(set.split("\\s+"));
      // The load default (50,000) would refuse a 100k run's sockets.
      String maxConnections = Integer.toString(Math.max(50_000, Math.max(connections, handshakes) + 1_000));
      LocalNode node = h.startNode("bench-" + i, jvm, Map.of("LOG_LEVEL", logLevel,
          "LIFEGUARD_RELAY_MAX_CONNECTIONS", maxConnections));
      try {
        Map<String, Object> row = measure(h, plan, "lifeguard", jvm.isEmpty() ? "none" : set, lifeguardServer(h, node,
            plan.heartbeatMode().equals("answer") ? FeatureBits.HEARTBEAT_ANSWER : 0));
        if (ref != null) row.put("ratios_to_reference", EdgeBenchReport.ratios(row, ref));
        rows.add(row);
      } finally {
        node.close();
      }
    }
    h.result.put("plan", plan.asMap());
    h.result.put("reference", reference.label());
    h.result.put("node_log_level", logLevel);
    h.result.put("rows", rows);
    h.finish(EdgeBenchReport.summary(rows, ref));
    return 0;
  }

  record Plan(int connections, int openConcurrency, int handshakes, int handshakeConcurrency, int warmup,
      int handshakeWarmup, Duration hold, Duration settle, Duration timeout, int clientThreads, int sourceAddresses,
      String heartbeatMode) {
    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("idle_connections", connections);
      m.put("open_concurrency", openConcurrency);
      m.put("handshakes", handshakes);
      m.put("handshake_concurrency", handshakeConcurrency);
      m.put("warmup", warmup);
      m.put("handshake_warmup", handshakeWarmup);
      m.put("hold_seconds", hold.toSeconds());
      m.put("settle_seconds", settle.toSeconds());
      m.put("connect_timeout_ms", timeout.toMillis());
      m.put("client_threads", clientThreads);
      m.put("source_addresses", sourceAddresses);
      m.put("heartbeat_mode", heartbeatMode);
      return m;
    }
  }

  private static Map<String, Object> measure(Harness h, Plan p, String name, String variant, Server server) {
    ProcessProbe probe = server.probe();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("server", name);
    row.put("variant", variant);
    row.put("loadavg_before", ProcessProbe.loadAverage());
    String prefix = h.runId + name.charAt(0) + Long.toString(System.nanoTime() & 0xfffff, 36);
    if (p.warmup() > 0) {
      try (EdgeClients warm = new EdgeClients(p.clientThreads())) {
        // The first handshakes of a fresh server: the cold figure (class loading, interpreter, JIT).
        List<EdgeClients.Target> targets = server.targets(prefix + "w", p.warmup());
        long t0 = probe.cpuTicks();
        warm.openAll(targets, p.handshakeConcurrency(), p.timeout());
        long ticks = probe.cpuTicks() - t0;
        long ok = warm.ready.sum();
        row.put("warmup_failed", warm.failed.sum());
        row.put("cold_handshakes", ok);
        row.put("cold_cpu_us_per_handshake", round(ticks * (1e6 / ProcessProbe.TICKS_PER_SECOND) / Math.max(1, ok), 1));
        closeAndSettle(warm, probe);
      }
    }
    try (EdgeClients clients = new EdgeClients(p.clientThreads(), p.sourceAddresses())) {

      // Idle: failed opens, memory per connection, CPU while holding.
      List<EdgeClients.Target> idle = server.targets(prefix + "i", p.connections());
      server.settle();
      long rss0 = probe.residentKib();
      long heap0 = server.heapKib();
      long fds0 = probe.openFileDescriptors();
      long openNanos = clients.openAll(idle, p.openConcurrency(), p.timeout());
      long opened = clients.ready.sum();
      row.put("idle_opened", opened);
      row.put("idle_failed_opens", clients.failed.sum());
      row.put("idle_open_seconds", round(openNanos / 1e9, 2));
      row.put("idle_open_latency_ms", clients.openLatency.summaryMillis());
      pause(p.settle());
      // Per thread, outside the whole-process reading (its jcmd calls cost the node a little CPU).
      ThreadSplit split = name.equals("lifeguard") ? ThreadSplit.start(probe.pid()) : null;
      long ticks0 = probe.cpuTicks();
      long self0 = h.self().cpuTicks();
      long holdStart = System.nanoTime();
      pause(p.hold());
      long holdNanos = System.nanoTime() - holdStart;
      row.put("hold_cpu_pct_of_core", ProcessProbe.percentOfOneCore(ticks0, probe.cpuTicks(), holdNanos));
      row.put("hold_generator_cpu_pct_of_core", ProcessProbe.percentOfOneCore(self0, h.self().cpuTicks(), holdNanos));
      if (split != null) row.put("hold_threads", split.finish());
      long rss1 = probe.residentKib();
      server.settle();
      long rss2 = probe.residentKib();
      long heap2 = server.heapKib();
      double n = Math.max(1, opened);
      row.put("still_open_after_hold", clients.openCount());
      row.put("dropped_while_held", clients.droppedWhileHeld.sum());
      row.put("fds_per_connection", round((probe.openFileDescriptors() - fds0) / n, 2));
      row.put("rss_baseline_mib", rss0 / 1024);
      row.put("rss_loaded_mib", rss1 / 1024);
      row.put("rss_bytes_per_connection", Math.round((rss1 - rss0) * 1024 / n));
      row.put("rss_after_gc_bytes_per_connection", Math.round((rss2 - rss0) * 1024 / n));
      if (heap0 >= 0) row.put("heap_bytes_per_connection", Math.round((heap2 - heap0) * 1024 / n));
      row.put("idle_outcomes", clients.outcomeCounts());
      closeAndSettle(clients, probe);

      // Handshakes: a dedicated warm-up, then server CPU per handshake (steady state) and rate at
      // bounded concurrency.
      warmUpHandshakes(server, prefix, p, probe, row);
      try (EdgeClients shakers = new EdgeClients(p.clientThreads())) {
        List<EdgeClients.Target> targets = server.targets(prefix + "h", p.handshakes());
        long t0 = probe.cpuTicks();
        long s0 = h.self().cpuTicks();
        long nanos = shakers.openAll(targets, p.handshakeConcurrency(), p.timeout());
        long ticks = probe.cpuTicks() - t0;
        long ok = shakers.ready.sum();
        row.put("handshakes_ok", ok);
        row.put("handshakes_failed", shakers.failed.sum());
        row.put("handshake_seconds", round(nanos / 1e9, 2));
        row.put("handshakes_per_second", Math.round(ok / (nanos / 1e9)));
        row.put("handshake_server_cpu_pct_of_core", ProcessProbe.percentOfOneCore(0, ticks, nanos));
        row.put("handshake_generator_cpu_pct_of_core", ProcessProbe.percentOfOneCore(s0, h.self().cpuTicks(), nanos));
        row.put("cpu_us_per_handshake", round(ticks * (1e6 / ProcessProbe.TICKS_PER_SECOND) / Math.max(1, ok), 1));
        row.put("handshake_latency_ms", shakers.openLatency.summaryMillis());
        row.put("handshake_outcomes", shakers.outcomeCounts());
        closeAndSettle(shakers, probe);
      }
    }
    row.put("loadavg_after", ProcessProbe.loadAverage());
    System.out.println("  measured " + name + " [" + variant + "]: " + row);
    return row;
  }

  /** {@code --handshake-warmup} handshakes in batches (each held until ready, then closed); not measured. */
  private static void warmUpHandshakes(Server server, String prefix, Plan p, ProcessProbe probe, Map<String, Object> row) {
    long failed = 0;
    long started = System.nanoTime();
    List<Double> curve = new ArrayList<>();
    for (int done = 0, batch = 0; done < p.handshakeWarmup(); batch++) {
      int n = Math.min(WARMUP_BATCH, p.handshakeWarmup() - done);
      try (EdgeClients warm = new EdgeClients(p.clientThreads())) {
        List<EdgeClients.Target> targets = server.targets(prefix + "x" + batch, n);
        long t0 = probe.cpuTicks();
        warm.openAll(targets, p.handshakeConcurrency(), p.timeout());
        long ticks = probe.cpuTicks() - t0;
        failed += warm.failed.sum();
        curve.add(round(ticks * (1e6 / ProcessProbe.TICKS_PER_SECOND) / Math.max(1, warm.ready.sum()), 1));
        closeAndSettle(warm, probe);
      }
      done += n;
    }
    row.put("handshake_warmup_failed", failed);
    // How the figure fell batch by batch: shows whether the warm-up was long enough.
    row.put("handshake_warmup_cpu_us_per_batch", curve);
    row.put("handshake_warmup_seconds", round((System.nanoTime() - started) / 1e9, 1));
  }

  private static Server lifeguardServer(Harness h, LocalNode node, long features) {
    return new Server() {
      @Override
      public ProcessProbe probe() {
        return node.probe();
      }

      @Override
      public List<EdgeClients.Target> targets(String prefix, int count) {
        List<EdgeClients.Target> out = new ArrayList<>(count);
        java.net.URI uri = node.ws("/ws");
        for (int i = 0; i < count; i++) {
          String session = prefix + "-s" + i / 2;
          Role role = i % 2 == 0 ? Role.HOST : Role.PARTICIPANT;
          byte[] nonce = new byte[HelloCodec.NONCE_LENGTH];
          RANDOM.nextBytes(nonce);
          byte[] hello = HelloCodec.encodeClientHello(
              new ClientHello(session, h.tokens.mint(session, role), nonce, 1, Compression.NONE, role, features));
          out.add(new EdgeClients.Target(uri, hello));
        }
        return out;
      }

      @Override
      public void settle() {
        node.probe().forceGc();
      }

      @Override
      public long heapKib() {
        return node.probe().heapUsedKib();
      }
    };
  }

  private static Server nchanServer(NchanPeer peer) {
    return new Server() {
      @Override
      public ProcessProbe probe() {
        return peer.probe();
      }

      @Override
      public List<EdgeClients.Target> targets(String prefix, int count) {
        List<EdgeClients.Target> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(new EdgeClients.Target(peer.subscriber(prefix + "-s" + i / 2), null));
        return out;
      }

      @Override
      public void settle() {}

      @Override
      public long heapKib() {
        return -1;
      }
    };
  }

  /** Closes the generator's sockets and waits (at most 30 s) until the server has let go of them. */
  private static void closeAndSettle(EdgeClients clients, ProcessProbe probe) {
    long before = probe.openFileDescriptors();
    int closing = clients.openCount();
    clients.closeAll();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && probe.openFileDescriptors() > before - closing + 16) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    pause(Duration.ofSeconds(2));
  }

  /** The soft limit on open files of this process ({@code /proc/self/limits}); unbounded if unreadable. */
  static long openFileLimit() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux, or an unexpected format: let the run find out
    }
    return Long.MAX_VALUE;
  }

  private static String tail(String log) {
    return log.length() <= 2000 ? log : log.substring(log.length() - 2000);
  }

  static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }

  static void pause(Duration duration) {
    IdleScenario.pause(duration);
  }
}
