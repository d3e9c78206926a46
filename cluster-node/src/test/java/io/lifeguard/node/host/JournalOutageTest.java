package io.lifeguard.node.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.TcpProxy;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.sharding.assignment.RendezvousAssignment;
import io.lifeguard.sharding.host.HostEntity;
import io.lifeguard.sharding.testing.TestPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;

/**
 * Two nodes share a PostgreSQL journal; node B reaches it through a TCP proxy that the test stops
 * for a while (to B the database is gone, to A nothing happened). Measured and printed: how soon B
 * is seen as unable to run hosts, how soon every host B held answers on A, what callers got
 * meanwhile (and how fast), where new hosts go, how soon B runs hosts again after the proxy is back,
 * and how many WARN/ERROR lines and stack traces the outage cost. Leases (holder and fencing
 * epoch) and pending actions must survive every step; B stays ready throughout.
 */
class JournalOutageTest {
  private static final Duration ASK = Duration.ofSeconds(5);
  private static final Duration TTL = Duration.ofMinutes(2);
  private static final Duration OUTAGE = Duration.ofSeconds(15);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private record Host(String id, String holder, long epoch, String actionId) {}

  private record Answer(String outcome, double seconds, boolean afterDetection) {}

  @Test
  void aNodeThatLosesItsJournalGivesItsHostsUpFastAndTakesHostsAgainSoonAfterItReturns() throws Exception {
    TestPostgres.ensureDatabase();
    try (TcpProxy proxy = new TcpProxy(5432).start();
        TestNode a = TestNode.start(Map.of("lifeguard.node-name", "journal-a",
            "lifeguard.jdbc.url", TestPostgres.URL, "lifeguard.jdbc.user", TestPostgres.USER)).awaitReady()) {
      Map<String, Object> viaProxy = new HashMap<>();
      viaProxy.put("lifeguard.node-name", "journal-b");
      viaProxy.put("lifeguard.jdbc.url", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + TestPostgres.DATABASE);
      viaProxy.put("lifeguard.jdbc.user", TestPostgres.USER);
      viaProxy.put("lifeguard.cluster.seed-nodes", "127.0.0.1:" + a.clusterPort());
      try (TestNode b = TestNode.start(viaProxy).awaitReady()) {
        awaitTrue("two members", Duration.ofSeconds(30), () -> Cluster.get(a.system()).state().getMembers().spliterator().estimateSize() == 2);
        String addressA = "pekko://lifeguard@127.0.0.1:" + a.clusterPort();
        String addressB = "pekko://lifeguard@127.0.0.1:" + b.clusterPort();
        ClusterSharding sharding = ClusterSharding.get(a.system());

        // Hosts with a lease and a pending action each, half of them (by hash) on B.
        List<Host> hosts = new ArrayList<>();
        for (int i = 0; i < 16; i++) hosts.add(leased(sharding, "journal-host-" + UUID.randomUUID(), "ctl-" + i));
        List<Host> onB = new ArrayList<>();
        Map<String, String> placement = placement(a);
        for (Host h : hosts) if (addressB.equals(placement.get(h.id()))) onB.add(h);
        assertFalse(onB.isEmpty(), "no host placed on B: " + placement);

        try (LogCounter logs = LogCounter.attach()) {
          proxy.stop();
          long cut = System.nanoTime();
          Detection detection = Detection.watch(b, cut);
          Map<String, Double> movedAt = new java.util.concurrent.ConcurrentHashMap<>();
          List<Answer> answers = java.util.Collections.synchronizedList(new ArrayList<>());
          long deadline = cut + TimeUnit.SECONDS.toNanos(30);
          // One controller per host on B, renewing again 100 ms after each answer until it is renewed on A.
          List<Thread> controllers = new ArrayList<>();
          for (Host h : onB) {
            Thread controller = new Thread(() -> {
              while (System.nanoTime() < deadline) {
                long asked = System.nanoTime();
                boolean afterDetection = detection.seen();
                String outcome = outcome(() -> sharding.entityRefFor(HostEntity.ENTITY_KEY, h.id())
                    .<HostEntity.LeaseView>askWithStatus(r -> new HostEntity.RenewLease(h.holder(), h.epoch(), TTL, r), ASK));
                answers.add(new Answer(outcome, seconds(asked), afterDetection));
                if ("ok".equals(outcome)) {
                  movedAt.put(h.id(), seconds(cut));
                  return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
              }
            }, "controller-" + h.id());
            controller.setDaemon(true);
            controller.start();
            controllers.add(controller);
          }
          for (Thread controller : controllers) controller.join(TimeUnit.SECONDS.toMillis(40));
          Map<String, Integer> outcomes = new TreeMap<>();
          double slowestRefusal = 0;
          double slowestRefusalAfterDetection = 0;
          for (Answer answer : answers) {
            outcomes.merge(answer.outcome() + (answer.afterDetection() ? " (after detection)" : ""), 1, Integer::sum);
            if ("ok".equals(answer.outcome())) continue;
            slowestRefusal = Math.max(slowestRefusal, answer.seconds());
            if (answer.afterDetection()) {
              slowestRefusalAfterDetection = Math.max(slowestRefusalAfterDetection, answer.seconds());
              assertEquals("unavailable", answer.outcome(), "after detection a command for a host that cannot answer is refused as unavailable");
            }
          }
          double detected = detection.at;
          double lastMoved = movedAt.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
          System.out.printf("journal cut on B: seen unable to run hosts after %.2f s; its %d hosts all answered on A after %.2f s; "
                  + "answers meanwhile %s, slowest refusal %.2f s (%.2f s after detection)%n",
              detected, onB.size(), lastMoved, outcomes, slowestRefusal, slowestRefusalAfterDetection);
          assertEquals(onB.size(), movedAt.size(), "hosts still stuck on B: " + outcomes);
          assertTrue(lastMoved <= 10, "hosts left B after " + lastMoved + " s");
          assertTrue(slowestRefusalAfterDetection <= 2.5, "refusal took " + slowestRefusalAfterDetection + " s");
          for (Host h : onB) assertEquals(addressA, placement(a).get(h.id()), "host " + h.id() + " moved to A");

          // B takes no new host while its journal is gone; B stays ready (relay and bus clients are served there).
          for (int i = 0; i < 8; i++) hosts.add(leased(sharding, "journal-new-" + UUID.randomUUID(), "ctl-new-" + i));
          Map<String, String> during = placement(a);
          for (Host h : hosts) assertEquals(addressA, during.get(h.id()), "host " + h.id() + " placed on B during the outage");
          assertEquals(200, get(b, "/ready").statusCode());
          assertEquals("unreachable", health(b).get("dependencies").get("journal").asText());
          for (Host h : hosts) assertIntact(sharding, h);
          // The outage lasts 15 s in all: B stays ready, and the log stays quiet however long it lasts.
          int warnBefore = logs.warn.get() + logs.error.get();
          while (seconds(cut) < OUTAGE.toSeconds()) {
            assertEquals(200, get(b, "/ready").statusCode());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
          }
          assertTrue(logs.warn.get() + logs.error.get() - warnBefore <= 2, "log lines while the outage lasted: "
              + (logs.warn.get() + logs.error.get() - warnBefore));
          double outage = seconds(cut);

          proxy.start();
          long back = System.nanoTime();
          awaitTrue("B's journal dependency ok", Duration.ofSeconds(30), () -> "ok".equals(health(b).get("dependencies").get("journal").asText()));
          double healthy = seconds(back);
          // A fresh host that ranks B first must be placed there and answer.
          // New hosts ranking B first, until one is placed on B (A learns within a gossip tick that B is back).
          Host returned = null;
          for (int attempt = 0; returned == null && attempt < 100; attempt++) {
            String id = "journal-back-" + UUID.randomUUID();
            if (!RendezvousAssignment.rank(id, List.of(addressA, addressB)).get(0).equals(addressB)) continue;
            Host h = leased(sharding, id, "ctl-back-" + attempt);
            hosts.add(h);
            if (addressB.equals(placement(a).get(h.id()))) returned = h;
            else LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
          }
          double serving = seconds(back);
          assertTrue(returned != null, "no new host placed on B after its journal came back");
          System.out.printf("journal back on B after a %.1f s outage: B healthy for hosts after %.2f s, a new host answered from B "
                  + "after %.2f s; log lines during the outage and recovery: %d WARN, %d ERROR, %d with a stack trace%n",
              outage, healthy, serving, logs.warn.get(), logs.error.get(), logs.stackTraces.get());
          assertTrue(serving <= 10, "B served hosts again after " + serving + " s");
          // Bounded by the writes in flight when the journal went (one per host at most), not by the outage length.
          assertTrue(logs.stackTraces.get() <= onB.size() + 8, logs.stackTraces.get() + " stack traces");
        }
        // Rebalancing may move hosts back to B: every lease and pending action is still intact there.
        for (Host h : hosts) assertIntact(sharding, h);
      }
    }
  }

  /** When B first listed {@code hosts} as degraded, polled on its own thread. */
  private static final class Detection {
    volatile double at = Double.NaN;

    boolean seen() {
      return !Double.isNaN(at);
    }

    static Detection watch(TestNode node, long since) {
      Detection d = new Detection();
      Thread watcher = new Thread(() -> {
        long deadline = since + TimeUnit.SECONDS.toNanos(30);
        while (!d.seen() && System.nanoTime() < deadline) {
          try {
            if (degraded(node).contains("hosts")) d.at = seconds(since);
          } catch (Exception e) {
            // the next poll tells
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
      }, "journal-detection");
      watcher.setDaemon(true);
      watcher.start();
      return d;
    }
  }

  private static Host leased(ClusterSharding sharding, String id, String holder) throws Exception {
    var ref = sharding.entityRefFor(HostEntity.ENTITY_KEY, id);
    HostEntity.LeaseView lease = ref.<HostEntity.LeaseView>askWithStatus(r -> new HostEntity.AcquireLease(holder, TTL, r), ASK)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    String actionId = "act-" + id;
    ref.<HostEntity.ActionView>askWithStatus(r -> new HostEntity.SubmitAction(actionId, holder, lease.epoch(), "{}", r), ASK)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new Host(id, holder, lease.epoch(), actionId);
  }

  /** The lease (holder, epoch) and the pending action are as the host left them; the holder can still renew. */
  private static void assertIntact(ClusterSharding sharding, Host h) throws Exception {
    var ref = sharding.entityRefFor(HostEntity.ENTITY_KEY, h.id());
    HostEntity.HostStatus status = ref.<HostEntity.HostStatus>askWithStatus(HostEntity.GetStatus::new, ASK)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(h.holder(), status.lease().holder(), h.id());
    assertEquals(h.epoch(), status.lease().epoch(), h.id());
    assertEquals(h.epoch(), status.lastEpoch(), "no second lease was granted for " + h.id());
    assertEquals(List.of(h.actionId()), status.pending().stream().map(HostEntity.ActionView::actionId).toList(), h.id());
  }

  interface Ask {
    java.util.concurrent.CompletionStage<?> call();
  }

  /** {@code ok}, the host's rejection code, or {@code timeout}. */
  private static String outcome(Ask ask) {
    try {
      ask.call().toCompletableFuture().get(ASK.toMillis() + 2000, TimeUnit.MILLISECONDS);
      return "ok";
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof StatusReply.ErrorMessage error) return error.getMessage();
      if (cause instanceof java.util.concurrent.TimeoutException) return "timeout";
      return cause.getClass().getSimpleName();
    } catch (java.util.concurrent.TimeoutException e) {
      return "timeout";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static Map<String, String> placement(TestNode node) throws Exception {
    Map<String, String> out = new HashMap<>();
    for (JsonNode row : Json.MAPPER.readTree(get(node, "/debug/assignments").body()).get("assignments")) {
      out.put(row.get("host_session_id").asText(), row.get("node").asText());
    }
    return out;
  }

  private static JsonNode health(TestNode node) throws Exception {
    return Json.MAPPER.readTree(get(node, "/healthz").body());
  }

  private static String degraded(TestNode node) throws Exception {
    return health(node).get("degraded").toString();
  }

  private static HttpResponse<String> get(TestNode node, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  interface Probe {
    boolean test() throws Exception;
  }

  private static void awaitTrue(String what, Duration within, Probe probe) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (probe.test()) return;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    throw new AssertionError(what + " not within " + within);
  }

  /** Counts WARN and ERROR events, and events carrying a stack trace, in this JVM while attached. */
  private static final class LogCounter extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    final AtomicInteger warn = new AtomicInteger();
    final AtomicInteger error = new AtomicInteger();
    final AtomicInteger stackTraces = new AtomicInteger();
    private final ch.qos.logback.classic.Logger root;

    private LogCounter(LoggerContext context) {
      setContext(context);
      root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    static LogCounter attach() {
      LogCounter counter = new LogCounter((LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory());
      counter.start();
      counter.root.addAppender(counter);
      return counter;
    }

    @Override
    protected void append(ILoggingEvent event) {
      if (event.getLevel() == Level.WARN) warn.incrementAndGet();
      if (event.getLevel() == Level.ERROR) error.incrementAndGet();
      if (event.getThrowableProxy() != null) stackTraces.incrementAndGet();
    }

    @Override
    public void close() {
      root.detachAppender(this);
      stop();
    }
  }
}
