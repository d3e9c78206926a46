package io.lifeguard.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sessions of two peers exchanging frames while connections are cut at random (through a TCP
 * proxy per node, so {@code LifeguardClient} reconnects by itself) and, with {@code --cluster},
 * while one of three nodes is killed (SIGKILL): reconnect success rate, reconnect latency, and the
 * time until every peer received a frame sent after the kill.
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
    f.rejectUnknown();
    List<LocalNode> nodes = h.startNodes(cluster ? 3 : 1);
    List<ChaosProxy> proxies = new ArrayList<>();
    for (LocalNode node : nodes) proxies.add(new ChaosProxy(node.edgePort()));
    List<URI> urls = proxies.stream().map(ChaosProxy::relayUrl).toList();
    try (RelayTraffic traffic = new RelayTraffic(h, sessions, 2, 64, i -> rotate(urls, i),
        Duration.ofMillis(100), Duration.ofSeconds(2))) {
      traffic.connectAll(50, Duration.ofSeconds(30));
      IdleScenario.pause(Duration.ofSeconds(1));
      long closesBefore = traffic.closes.sum();
      long reconnectsBefore = traffic.reconnects.sum();
      Thread sender = new Thread(() -> traffic.send(rate, duration, 10, 1), "chaos-sender");
      sender.setDaemon(true);
      sender.start();
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      long killAt = cluster ? start + duration.toNanos() / 3 : Long.MAX_VALUE;
      long killedNanos = 0;
      long recoveredNanos = 0;
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
          nodes.get(1).kill();
          killedNanos = System.nanoTime();
        }
        if (killedNanos != 0 && recoveredNanos == 0 && allReceivedSince(traffic, killedNanos)) recoveredNanos = System.nanoTime();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      // Cuts stop; everyone should be back within the recover timeout.
      long deadline = System.nanoTime() + recoverTimeout.toNanos();
      while (System.nanoTime() < deadline && (traffic.connectedCount() < traffic.size()
          || (killedNanos != 0 && recoveredNanos == 0))) {
        if (killedNanos != 0 && recoveredNanos == 0 && allReceivedSince(traffic, killedNanos)) recoveredNanos = System.nanoTime();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
      long connectedAtEnd = traffic.connectedCount();
      long closes = traffic.closes.sum() - closesBefore;
      long reconnects = traffic.reconnects.sum() - reconnectsBefore;
      long gaveUp = traffic.peers().stream().filter(p -> p.client != null && p.client.isStopped()).count();
      double success = closes == 0 ? 1.0 : Math.min(1.0, (double) reconnects / closes);
      Map<String, Object> r = h.result;
      r.put("sessions", sessions);
      r.put("peers", traffic.size());
      r.put("cluster", cluster);
      r.put("duration_seconds", duration.toSeconds());
      r.put("cuts", cuts);
      r.put("disconnects_seen", closes);
      r.put("reconnects", reconnects);
      r.put("failed_reconnect_attempts", traffic.failedAttempts.sum());
      r.put("reconnect_success_ratio", Math.round(success * 1e5) / 1e5);
      r.put("clients_gave_up", gaveUp);
      r.put("connected_at_end", connectedAtEnd);
      r.put("reconnect_latency", traffic.reconnect.summaryMillis());
      r.put("node_killed", killedNanos != 0);
      r.put("recovery_after_kill_seconds", killedNanos == 0 ? null
          : recoveredNanos == 0 ? -1 : Math.round((recoveredNanos - killedNanos) / 1e7) / 100.0);
      r.put("outcomes", traffic.outcomeCounts());
      List<String> summary = new ArrayList<>();
      summary.add(String.format("%d peers, %d cuts, %d disconnects seen, %d reconnects (%d failed attempts on the way): success %.3f%%; %d gave up; %d/%d connected at end",
          traffic.size(), cuts, closes, reconnects, traffic.failedAttempts.sum(), success * 100, gaveUp, connectedAtEnd, traffic.size()));
      summary.add("reconnect latency ms (drop to ServerHello, backoff included): " + traffic.reconnect.summaryMillis());
      if (killedNanos != 0) summary.add("node killed; every peer received a frame sent after the kill within "
          + r.get("recovery_after_kill_seconds") + " s (-1: never)");
      summary.add("outcomes: " + traffic.outcomeCounts());
      h.finish(summary);
      return connectedAtEnd == traffic.size() && gaveUp == 0 ? 0 : 1;
    } finally {
      for (ChaosProxy proxy : proxies) proxy.close();
    }
  }

  private static boolean allReceivedSince(RelayTraffic traffic, long since) {
    for (RelayTraffic.Peer peer : traffic.peers()) {
      if (peer.lastDeliveryNanos <= since) return false;
    }
    return true;
  }

  static List<URI> rotate(List<URI> urls, int by) {
    List<URI> out = new ArrayList<>();
    for (int i = 0; i < urls.size(); i++) out.add(urls.get((i + by) % urls.size()));
    return out;
  }
}
