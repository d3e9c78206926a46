package io.lifeguard.node.cluster;

import static io.lifeguard.node.testing.RelayTestClients.sendAndExpect;

import io.lifeguard.node.http.Json;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the fault tests of {@link ClusterFaultsTest} measure and print: the log milestones of the
 * split brain resolver's work, on the nodes that keep going and on the node that is cut off or
 * stalled, and the moments clients get service again. Times are seconds after the fault.
 */
final class FaultTimelines {
  /** Seen from the nodes that keep going. */
  static final List<FailoverTimeline.Milestone> RESOLVER = List.of(
      new FailoverTimeline.Milestone("marked unreachable", "Marking node as UNREACHABLE"),
      new FailoverTimeline.Milestone("resolver waits for stable-after", "SBR found unreachable members"),
      new FailoverTimeline.Milestone("resolver saw it heal", "SBR found all unreachable members healed"),
      new FailoverTimeline.Milestone("marked reachable again", "Marking node as REACHABLE"),
      new FailoverTimeline.Milestone("resolver downs", "SBR took decision"),
      new FailoverTimeline.Milestone("leader removes it", "Leader is removing"),
      new FailoverTimeline.Milestone("host shard allocated on the majority", "node_load_before="),
      new FailoverTimeline.Milestone("host entity recovered on the majority", "host recovered:"));

  /** Seen from the node that was cut off or stalled. */
  static final List<FailoverTimeline.Milestone> OWN_END = List.of(
      new FailoverTimeline.Milestone("it marks the others unreachable", "Marking node as UNREACHABLE"),
      new FailoverTimeline.Milestone("its resolver downs", "SBR took decision"),
      new FailoverTimeline.Milestone("it learns it is quarantined", "quarantined"),
      new FailoverTimeline.Milestone("it runs coordinated shutdown", "Running CoordinatedShutdown"),
      new FailoverTimeline.Milestone("it shuts down", "Shutting down remote daemon"));

  private FaultTimelines() {}

  static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** Sends both ways between two relay clients until it works; seconds after {@code t0}. */
  static double exchangeAgain(ObservedClient moving, ObservedClient staying, long t0) {
    try {
      sendAndExpect(moving.client, staying.inbox, "after-fault", Duration.ofSeconds(45));
      sendAndExpect(staying.client, moving.inbox, "after-fault-reply", Duration.ofSeconds(15));
      return seconds(t0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * When a host's admin drill-down first answers 200, with overlapping queries every 100 ms as in
   * {@link HostFailoverTest}: "seconds after t0, lease {...}", or "never".
   */
  static CompletableFuture<String> hostAnswers(URI hostStatus, long t0) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        var answer = AdminHttp.firstOk(hostStatus, Duration.ofMillis(100), Duration.ofSeconds(40));
        return answer == null ? "never"
            : String.format("%.2f s, live lease %s, last_epoch %s", seconds(t0),
                Json.MAPPER.readTree(answer.body()).get("lease"), Json.MAPPER.readTree(answer.body()).get("last_epoch"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /**
   * Queries a host's admin drill-down every 100 ms without waiting for earlier queries, and keeps
   * when each 200 arrived: the longest gap between two answers is how long the host was away.
   * Start it, {@link #awaitAnswering} and only then inject the fault.
   */
  static final class HostWatch {
    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();
    private final java.util.concurrent.ConcurrentSkipListSet<Long> answered = new java.util.concurrent.ConcurrentSkipListSet<>();
    private final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    private final long start = System.nanoTime();
    private volatile boolean stopped;

    HostWatch(URI hostStatus) {
      Thread poller = new Thread(() -> {
        long end = start + Duration.ofSeconds(60).toNanos();
        while (!stopped && System.nanoTime() < end) {
          HTTP.sendAsync(java.net.http.HttpRequest.newBuilder(hostStatus).timeout(Duration.ofSeconds(10))
                  .header("Authorization", "Bearer " + AdminHttp.ADMIN_SECRET).build(),
                  java.net.http.HttpResponse.BodyHandlers.discarding())
              .whenComplete((r, e) -> {
                if (r != null && r.statusCode() == 200) answered.add(System.nanoTime());
                else failed.incrementAndGet();
              });
          java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
      }, "host-watch");
      poller.setDaemon(true);
      poller.start();
    }

    /** Returns once the host has answered, so that the gaps measured are the fault's. */
    HostWatch awaitAnswering() {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (answered.isEmpty()) {
        if (System.nanoTime() > deadline) throw new AssertionError("the host never answered before the fault");
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
      return this;
    }

    /**
     * Stops querying and describes the longest time without an answer, from the first answer to
     * the stop (counting the end), and how many queries failed or were not 200.
     */
    String stopAndDescribe() {
      stopped = true;
      long stop = System.nanoTime();
      long previous = answered.isEmpty() ? start : answered.first();
      long longest = 0;
      for (long at : answered) {
        longest = Math.max(longest, at - previous);
        previous = at;
      }
      longest = Math.max(longest, stop - previous);
      return String.format("%.2f s (%d answers, %d failed or not 200)", longest / 1e9, answered.size(), failed.get());
    }
  }
}
