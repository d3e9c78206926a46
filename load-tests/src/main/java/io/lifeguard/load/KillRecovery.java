package io.lifeguard.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a node kill did to sessions of two peers, per peer, with the clock started at the SIGKILL.
 *
 * <p>A <b>moved</b> peer is one whose connection was to the killed node. It has <b>recovered</b>
 * once, on a connection it opened after the kill (so to a survivor), it received a frame its
 * partner sent after the kill, and its partner received a frame it sent on that new connection:
 * both directions exchange again. A moved peer that never gets there is counted as not recovered
 * and makes p100 "never", not a missing sample.
 *
 * <p>A <b>survivor</b> frame goes between two unmoved peers; its latency and loss during the storm
 * (from the kill until the last moved peer recovered, or the end) say what the storm cost the
 * sessions that did not move. Their session entity may still have been on the killed node.
 */
final class KillRecovery implements RelayPeers.Listener {
  /** Latency samples of survivor frames sent after the kill; beyond this they are only counted. */
  private static final int MAX_SAMPLES = 4_000_000;
  private final int capacity;
  /** Survivor frames sent and delivered, by send time after the kill in 100 ms buckets. */
  private static final int BUCKETS = 3_000;

  private final int peers;
  private volatile long killNanos;
  private boolean[] moved;
  private final AtomicLongArray reconnectedAt;
  private final AtomicLongArray heardAt;
  private final AtomicLongArray wasHeardAt;
  private final AtomicLongArray firstHeardAnyAt;
  private final LatencyHistogram survivorsBefore = new LatencyHistogram();
  private final long[] sampleSent;
  private final long[] sampleLatency;
  private final AtomicInteger samples = new AtomicInteger();
  private final AtomicLongArray survivorSent = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray survivorDelivered = new AtomicLongArray(BUCKETS);

  /** @param expectedFrames frames the run may deliver after the kill (sizes the latency samples) */
  KillRecovery(int peers, long expectedFrames) {
    this.peers = peers;
    this.capacity = (int) Math.max(1, Math.min(MAX_SAMPLES, expectedFrames));
    this.sampleSent = new long[capacity];
    this.sampleLatency = new long[capacity];
    this.reconnectedAt = new AtomicLongArray(peers);
    this.heardAt = new AtomicLongArray(peers);
    this.wasHeardAt = new AtomicLongArray(peers);
    this.firstHeardAnyAt = new AtomicLongArray(peers);
  }

  /** Call just before the SIGKILL: which peers are on the doomed node, and the clock's zero. */
  void kill(boolean[] movedPeers, long nanos) {
    this.moved = movedPeers.clone();
    this.killNanos = nanos;
  }

  boolean killed() {
    return killNanos != 0;
  }

  @Override
  public void connected(int peer, int node, long nanos) {
    long kill = killNanos;
    if (kill != 0 && nanos > kill) reconnectedAt.compareAndSet(peer, 0, nanos);
  }

  @Override
  public void sent(int sender, long sentNanos) {
    long kill = killNanos;
    if (kill == 0 || sentNanos <= kill) return;
    if (!moved[sender] && !moved[RelayPeers.partnerOf(sender)]) survivorSent.incrementAndGet(bucket(sentNanos - kill));
  }

  @Override
  public void delivered(int receiver, int sender, long sentNanos, long receivedNanos) {
    long kill = killNanos;
    if (kill == 0 || sentNanos <= kill) {
      if (kill == 0) survivorsBefore.recordNanos(receivedNanos - sentNanos);
      return;
    }
    firstHeardAnyAt.compareAndSet(receiver, 0, receivedNanos);
    if (moved[receiver] || moved[sender]) {
      // Only what travelled over a moved peer's new connection counts for it.
      long receiverBack = moved[receiver] ? reconnectedAt.get(receiver) : kill;
      long senderBack = moved[sender] ? reconnectedAt.get(sender) : kill;
      if (receiverBack != 0 && senderBack != 0 && sentNanos > senderBack) {
        heardAt.compareAndSet(receiver, 0, receivedNanos);
        wasHeardAt.compareAndSet(sender, 0, receivedNanos);
      }
      return;
    }
    survivorDelivered.incrementAndGet(bucket(sentNanos - kill));
    int slot = samples.getAndIncrement();
    if (slot < capacity) {
      sampleSent[slot] = sentNanos;
      sampleLatency[slot] = receivedNanos - sentNanos;
    }
  }

  /** True once every moved peer has recovered. */
  boolean allMovedRecovered() {
    if (killNanos == 0) return false;
    for (int i = 0; i < peers; i++) {
      if (moved[i] && recoveredAt(i) == 0) return false;
    }
    return true;
  }

  /** True once every peer received a frame sent after the kill (the scenario's older figure). */
  boolean everyoneHeardSinceKill() {
    for (int i = 0; i < peers; i++) {
      if (firstHeardAnyAt.get(i) == 0) return false;
    }
    return killNanos != 0;
  }

  private long recoveredAt(int peer) {
    long heard = heardAt.get(peer);
    long wasHeard = wasHeardAt.get(peer);
    return heard == 0 || wasHeard == 0 ? 0 : Math.max(heard, wasHeard);
  }

  /** The figures, with the clock at the kill; {@code verdictSeconds} is the p100 target. */
  Map<String, Object> report(double verdictSeconds) {
    Map<String, Object> r = new LinkedHashMap<>();
    long kill = killNanos;
    List<Long> recovery = new ArrayList<>();
    List<Long> reconnect = new ArrayList<>();
    int movedCount = 0;
    int neverReconnected = 0;
    long lastRecovered = kill;
    for (int i = 0; i < peers; i++) {
      if (!moved[i]) continue;
      movedCount++;
      long back = reconnectedAt.get(i);
      if (back == 0) neverReconnected++; else reconnect.add(back - kill);
      long at = recoveredAt(i);
      if (at != 0) {
        recovery.add(at - kill);
        lastRecovered = Math.max(lastRecovered, at);
      }
    }
    int notRecovered = movedCount - recovery.size();
    r.put("moved_peers", movedCount);
    r.put("moved_recovered", recovery.size());
    r.put("moved_not_recovered", notRecovered);
    r.put("moved_never_reconnected", neverReconnected);
    r.put("moved_exchanging_again_s", percentiles(recovery, notRecovered));
    r.put("moved_reconnected_s", percentiles(reconnect, neverReconnected));
    // The storm: from the kill until the last moved peer exchanged again (or the end if one never did).
    long stormEnd = notRecovered == 0 ? lastRecovered : Long.MAX_VALUE;
    int n = Math.min(samples.get(), capacity);
    LatencyHistogram storm = new LatencyHistogram();
    for (int i = 0; i < n; i++) {
      if (sampleSent[i] <= stormEnd) storm.recordNanos(sampleLatency[i]);
    }
    long stormBuckets = stormEnd == Long.MAX_VALUE ? BUCKETS : bucket(stormEnd - kill) + 1;
    long sent = 0;
    long delivered = 0;
    for (int b = 0; b < stormBuckets; b++) {
      sent += survivorSent.get(b);
      delivered += survivorDelivered.get(b);
    }
    r.put("storm_seconds", stormEnd == Long.MAX_VALUE ? null : round((stormEnd - kill) / 1e9));
    r.put("survivors_latency_before_kill", survivorsBefore.summaryMillis());
    r.put("survivors_latency_during_storm", storm.summaryMillis());
    r.put("survivors_frames_sent_during_storm", sent);
    r.put("survivors_frames_lost_during_storm", Math.max(0, sent - delivered));
    double p100 = notRecovered > 0 || recovery.isEmpty() ? Double.POSITIVE_INFINITY
        : recovery.stream().mapToLong(Long::longValue).max().orElse(0) / 1e9;
    r.put("target_p100_s", verdictSeconds);
    r.put("target_met", movedCount > 0 && p100 <= verdictSeconds);
    return r;
  }

  /** p50/p99/p100 in seconds; peers that never got there make the upper ones "never". */
  private static Map<String, Object> percentiles(List<Long> nanos, int missing) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    int total = sorted.length + missing;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", sorted.length);
    out.put("never", missing);
    for (double p : new double[] {50, 99, 100}) {
      int rank = (int) Math.ceil(p / 100 * total) - 1;
      String key = "p" + (int) p;
      if (total == 0) out.put(key, null);
      else if (rank >= sorted.length) out.put(key, "never");
      else out.put(key, round(sorted[Math.max(0, rank)] / 1e9));
    }
    return out;
  }

  private static int bucket(long nanosAfterKill) {
    return (int) Math.min(BUCKETS - 1, Math.max(0, nanosAfterKill / 100_000_000L));
  }

  private static double round(double seconds) {
    return Math.round(seconds * 100) / 100.0;
  }
}
