package io.lifeguard.load;

import io.lifeguard.protocol.client.Backoff;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sessions of two peers exchanging frames while connections are cut at random (through a TCP
 * proxy per node, only when {@code --disconnects-per-second} is above 0) and, with {@code
 * --cluster}, while one of three nodes is killed (SIGKILL) a third of the way in. The peers are the
 * lean Netty generator ({@link RelayPeers}) reconnecting as docs/protocol.md §6.3 says, with the
 * protocol module's backoff (base 500 ms, max 30 s, full jitter, like the Java client).
 *
 * <p>For a kill it reports, with the clock started at the SIGKILL ({@link KillRecovery}): for each
 * peer whose node was killed, the time until it exchanges frames with its partner again
 * (p50/p99/p100, peers that never do counted), the time until it has a ServerHello on a survivor,
 * the unmoved peers' latency and losses during the storm, where the time went according to the
 * survivors' logs, and a verdict against the target (default 10 s, p100).
 */
final class ChaosScenario {
  private ChaosScenario() {}

  static int run(Harness h) {
    Flags f = h.flags;
    int sessions = f.integer("sessions", 50);
    double rate = f.decimal("rate", 5);
    double cutsPerSecond = f.decimal("disconnects-per-second", 2);
    Duration duration = f.duration("duration", Duration.ofSeconds(30));
    Duration recoverTimeout = f.duration("recover-timeout", Duration.ofSeconds(60));
    boolean cluster = f.bool("cluster");
    int clientThreads = f.integer("client-threads", 1);
    Duration backoffBase = f.duration("backoff-base", Duration.ofMillis(500));
    Duration backoffMax = f.duration("backoff-max", Duration.ofSeconds(30));
    Duration handshakeTimeout = f.duration("handshake-timeout", Duration.ofSeconds(10));
    int connectConcurrency = f.integer("connect-concurrency", 50);
    double targetSeconds = f.duration("target", Duration.ofSeconds(10)).toMillis() / 1000.0;
    // Node 0 starts first, so it is the oldest: it hosts the shard coordinator and the split brain
    // resolver's decisions, and killing it also moves those. The default kills a younger node.
    int killed = f.integer("kill-node", 1);
    f.rejectUnknown();
    if (cluster && (killed < 0 || killed > 2)) throw new IllegalArgumentException("--kill-node must be 0, 1 or 2");
    // The kill's timeline is read from the survivors' membership (INFO) and sharding lines.
    h.nodeEnvDefault("LOG_LEVEL", "INFO");
    h.nodeEnvDefault("LOG_PEKKO_DETAIL", "INFO");
    List<LocalNode> nodes = h.startNodes(cluster ? 3 : 1);
    // The proxies cut connections; without cuts they would only add two threads per connection.
    List<ChaosProxy> proxies = new ArrayList<>();
    if (cutsPerSecond > 0) for (LocalNode node : nodes) proxies.add(new ChaosProxy(node.edgePort()));
    List<URI> urls = cutsPerSecond > 0 ? proxies.stream().map(ChaosProxy::relayUrl).toList()
        : nodes.stream().map(h::relayUrl).toList();
    long expectedFrames = (long) (sessions * 2L * rate * (duration.toSeconds() + recoverTimeout.toSeconds()));
    KillRecovery recovery = new KillRecovery(sessions * 2, expectedFrames);
    Backoff backoff = new Backoff(backoffBase, backoffMax, () -> ThreadLocalRandom.current().nextDouble());
    try (RelayPeers peers = new RelayPeers(h, sessions, urls, i -> i % urls.size(), 64, backoff, handshakeTimeout,
        clientThreads, recovery)) {
      peers.connectAll(connectConcurrency, Duration.ofSeconds(60));
      IdleScenario.pause(Duration.ofSeconds(1));
      long closesBefore = peers.closes.sum();
      long reconnectsBefore = peers.reconnects.sum();
      // Whose CPU the steady state (start to kill) and the storm (kill to the end) cost.
      CpuWindow cpu = new CpuWindow(nodes, h.self(), List.of("edge-clients", "chaos-sender"));
      cpu.start();
      Map<String, Double> cpuSteady = null;
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      Thread sender = new Thread(() -> peers.send(rate, end + recoverTimeout.toNanos(), 10), "chaos-sender");
      sender.setDaemon(true);
      sender.start();
      long killAt = cluster ? start + duration.toNanos() / 3 : Long.MAX_VALUE;
      long killedNanos = 0;
      Instant killedWall = null;
      long everyoneHeard = 0;
      long cuts = 0;
      long nextCut = start;
      while (System.nanoTime() < end) {
        long now = System.nanoTime();
        if (cutsPerSecond > 0 && now >= nextCut) {
          ChaosProxy proxy = proxies.get(ThreadLocalRandom.current().nextInt(proxies.size()));
          if (proxy.cutRandom()) cuts++;
          nextCut = now + (long) (1e9 / cutsPerSecond);
        }
        if (killedNanos == 0 && now >= killAt) {
          boolean[] moved = new boolean[peers.size()];
          for (int i = 0; i < moved.length; i++) moved[i] = peers.nodeOf(i) == killed;
          cpuSteady = cpu.read();
          cpu.start();
          killedWall = Instant.now();
          killedNanos = System.nanoTime();
          // The clock starts before the signal: nothing the kill takes is left out.
          recovery.kill(moved, killedNanos);
          nodes.get(killed).kill();
        }
        if (killedNanos != 0 && everyoneHeard == 0 && recovery.everyoneHeardSinceKill()) everyoneHeard = System.nanoTime();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      // Cuts stop; senders go on until every peer is back (and every moved one exchanging) or the timeout.
      long deadline = System.nanoTime() + recoverTimeout.toNanos();
      while (System.nanoTime() < deadline && (peers.connectedCount() + peers.stoppedCount() < peers.size()
          || (killedNanos != 0 && (!recovery.allMovedRecovered() || everyoneHeard == 0)))) {
        if (killedNanos != 0 && everyoneHeard == 0 && recovery.everyoneHeardSinceKill()) everyoneHeard = System.nanoTime();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
      Map<String, Double> cpuAfter = cpu.read();
      peers.stopSending();
      // Frames in flight when the senders stop still count for the survivors' loss figure.
      IdleScenario.pause(Duration.ofMillis(500));
      long connectedAtEnd = peers.connectedCount();
      long closes = peers.closes.sum() - closesBefore;
      long reconnects = peers.reconnects.sum() - reconnectsBefore;
      long gaveUp = peers.stoppedCount();
      double success = closes == 0 ? 1.0 : Math.min(1.0, (double) reconnects / closes);
      Map<String, Object> r = h.result;
      r.put("sessions", sessions);
      r.put("peers", peers.size());
      r.put("cluster", cluster);
      r.put("generator", "netty, " + clientThreads + " event loop(s); backoff " + backoffBase.toMillis() + " ms.."
          + backoffMax.toSeconds() + " s full jitter");
      r.put("duration_seconds", duration.toSeconds());
      r.put("rate_per_peer", rate);
      r.put("cuts", cuts);
      r.put("disconnects_seen", closes);
      r.put("reconnects", reconnects);
      r.put("failed_reconnect_attempts", peers.failedAttempts.sum());
      r.put("reconnect_success_ratio", Math.round(success * 1e5) / 1e5);
      r.put("clients_gave_up", gaveUp);
      r.put("connected_at_end", connectedAtEnd);
      r.put("reconnect_latency", peers.reconnect.summaryMillis());
      r.put("frames_sent", peers.sent.sum());
      r.put("sends_skipped_unwritable", peers.skipped.sum());
      r.put("node_killed", killedNanos != 0);
      if (killedNanos != 0) r.put("killed_node_index", killed);
      Map<String, Object> kill = null;
      if (killedNanos != 0) {
        kill = recovery.report(targetSeconds);
        r.put("kill", kill);
        r.put("recovery_after_kill_seconds", everyoneHeard == 0 ? -1 : Math.round((everyoneHeard - killedNanos) / 1e7) / 100.0);
        List<List<String>> logs = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) if (i != killed) logs.add(nodes.get(i).logLines());
        r.put("survivor_log_timeline", NodeLogTimeline.read(killedWall, logs));
      }
      r.put("cpu_pct_of_core", cpuSteady == null ? Map.of("whole_run", cpuAfter) : new java.util.TreeMap<>(
          Map.of("before_kill", cpuSteady, "kill_to_end", cpuAfter)));
      r.put("outcomes", peers.outcomeCounts());
      List<String> summary = new ArrayList<>();
      summary.add(String.format("%d peers, %d cuts, %d disconnects seen, %d reconnects (%d failed attempts on the way): success %.3f%%; %d gave up; %d/%d connected at end",
          peers.size(), cuts, closes, reconnects, peers.failedAttempts.sum(), success * 100, gaveUp, connectedAtEnd, peers.size()));
      summary.add("reconnect latency ms (drop to ServerHello, backoff included): " + peers.reconnect.summaryMillis());
      if (kill != null) {
        summary.add("node " + killed + (killed == 0 ? " (the oldest)" : "") + " of " + nodes.size() + " SIGKILLed with " + kill.get("moved_peers") + " peers on it; clock starts at the kill");
        summary.add("moved peers exchanging with their partner again, s: " + kill.get("moved_exchanging_again_s"));
        summary.add("moved peers with a ServerHello on a survivor, s: " + kill.get("moved_reconnected_s"));
        summary.add("survivors (frames between unmoved peers) latency ms before the kill: " + kill.get("survivors_latency_before_kill"));
        summary.add("survivors latency ms during the storm (" + kill.get("storm_seconds") + " s from the kill to the last moved peer back): "
            + kill.get("survivors_latency_during_storm") + "; " + kill.get("survivors_frames_lost_during_storm") + " of "
            + kill.get("survivors_frames_sent_during_storm") + " frames lost");
        summary.add("every peer received a frame sent after the kill within " + r.get("recovery_after_kill_seconds") + " s (-1: never)");
        summary.add("survivors' logs (s after the kill): " + r.get("survivor_log_timeline"));
        summary.add("CPU % of one core, start to kill: " + cpuSteady + "; kill to end: " + cpuAfter);
        summary.add("nodes: " + nodes.size() + ", JVM flags " + r.get("node_jvm_flags") + "; load average at start "
            + r.get("loadavg_start") + ", now " + ProcessProbe.loadAverage());
        summary.add(verdict(kill, targetSeconds));
      }
      summary.add("outcomes: " + peers.outcomeCounts());
      h.finish(summary);
      // The exit code says whether everyone came back; the verdict line judges the target.
      boolean recovered = kill == null || ((Number) kill.get("moved_not_recovered")).intValue() == 0;
      return connectedAtEnd + gaveUp == peers.size() && gaveUp == 0 && recovered ? 0 : 1;
    } finally {
      for (ChaosProxy proxy : proxies) proxy.close();
    }
  }

  @SuppressWarnings("unchecked")
  private static String verdict(Map<String, Object> kill, double targetSeconds) {
    Map<String, Object> again = (Map<String, Object>) kill.get("moved_exchanging_again_s");
    String target = String.format("every moved peer exchanging frames again <= %.1f s after the kill (p100)", targetSeconds);
    return (Boolean.TRUE.equals(kill.get("target_met")) ? "VERDICT: MET: " : "VERDICT: NOT MET: ") + target + ": p100 "
        + again.get("p100") + " s, p99 " + again.get("p99") + " s, p50 " + again.get("p50") + " s; "
        + kill.get("moved_recovered") + " of " + kill.get("moved_peers") + " recovered, " + kill.get("moved_not_recovered") + " never did";
  }
}
