package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.await;
import static io.lifeguard.node.bridge.BridgeFixture.id;
import static io.lifeguard.node.bridge.BridgeFixture.json;
import static io.lifeguard.node.bridge.BridgeFixture.quietly;
import static io.lifeguard.node.bridge.BridgeFixture.wsUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.testing.RelayTestClients;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.client.ClientListener;
import io.lifeguard.protocol.client.LifeguardClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Redis dies under a running node, twice (about 3 s, then about 20 s). Throughout, {@code /ready}
 * stays 200 and the relay keeps serving, also sessions whose tokens were minted during the outage;
 * {@code /healthz}, {@code /ready} and {@code lifeguard_dependency_up} name what is degraded (the
 * bridge, the kill switch, the guardrail). When Redis answers again the test measures, per
 * feature, how long until it serves: a bridge socket round-trips, a pause made during the outage
 * reaches Redis, a session report is counted by the guardrail again. Recovery must not depend on the outage
 * length (lettuce's default backoff made it ~14 s after 20 s); the figures are printed.
 */
class RedisOutageTest {
  private static final String SERVICE = "svc-" + UUID.randomUUID();
  private static final String ADMIN = "adm-" + UUID.randomUUID();
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(5);

  private final AtomicInteger cohorts = new AtomicInteger();

  @Test
  void theNodeStaysReadyThroughRedisOutagesAndEveryFeatureRecoversSoonAfterWhateverTheOutageLength() throws Exception {
    List<LifeguardClient> clients = new ArrayList<>();
    try (RedisServer server = new RedisServer().start();
        TestNode node = TestNode.start(Map.of(
            "lifeguard.redis.url", server.url(),
            "lifeguard.control.service-tokens", "backend:" + SERVICE,
            "lifeguard.control.admin-tokens", "ops:" + ADMIN)).awaitReady()) {
      await(Duration.ofSeconds(10), "redis ok before the outage", quietly(() -> redisOk(node)));
      assertEquals(1.0, BridgeFixture.metric(node, "lifeguard_dependency_up", "dependency=\"redis\""));

      String before = "outage-before-" + UUID.randomUUID();
      LinkedBlockingQueue<String> beforeInbox = new LinkedBlockingQueue<>();
      LifeguardClient host = client(node, before, Role.HOST, new LinkedBlockingQueue<>(), clients);
      LifeguardClient guest = client(node, before, Role.PARTICIPANT, beforeInbox, clients);
      RelayTestClients.sendAndExpect(host, beforeInbox, "before", Duration.ofSeconds(10));

      for (int seconds : new int[] {3, 20}) {
        server.kill();
        long killed = System.nanoTime();
        await(Duration.ofSeconds(5), "degraded features listed", quietly(() ->
            degraded(node).equals(List.of("bridge", "guardrail", "kill_switch"))));
        JsonNode health = json(BridgeFixture.get(node, "/healthz").body());
        assertEquals("unreachable", health.get("dependencies").get("redis").asText(), health.toString());
        assertEquals("ok", health.get("dependencies").get("journal").asText(), health.toString());
        assertEquals(0.0, BridgeFixture.metric(node, "lifeguard_dependency_up", "dependency=\"redis\""));
        HttpResponse<String> ready = BridgeFixture.get(node, "/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals(List.of("bridge", "guardrail", "kill_switch"), strings(json(ready.body()).get("degraded")));
        // The bridge refuses its own clients; nothing else does.
        assertEquals(503, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", id("down")), "Bearer abc", true, ws -> {})));

        // The relay serves old sessions and sessions whose tokens were minted during the outage.
        RelayTestClients.sendAndExpect(host, beforeInbox, "during-" + seconds, Duration.ofSeconds(5));
        String during = "outage-during-" + UUID.randomUUID();
        assertEquals("unknown", json(mint(node, during, "host", "c").body()).get("guardrail_hint").asText());
        LinkedBlockingQueue<String> duringInbox = new LinkedBlockingQueue<>();
        LifeguardClient newHost = client(node, during, Role.HOST, new LinkedBlockingQueue<>(), clients);
        client(node, during, Role.PARTICIPANT, duringInbox, clients);
        RelayTestClients.sendAndExpect(newHost, duringInbox, "new-session-" + seconds, Duration.ofSeconds(10));

        HttpResponse<String> paused = post(node, "/v1/admin/fallback/pause", ADMIN, "{\"reason\":\"outage test\"}");
        assertEquals(202, paused.statusCode(), paused.body());

        // The outage lasts its length; /ready is probed all along and must never leave 200.
        int probes = 0;
        while (System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(seconds)) {
          HttpResponse<String> probe = BridgeFixture.get(node, "/ready");
          assertEquals(200, probe.statusCode(), "ready during the outage: " + probe.body());
          probes++;
          java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        double outage = (System.nanoTime() - killed) / 1e9;

        server.start();
        long back = System.nanoTime();
        Recovery recovery = new Recovery(back);
        long deadline = back + TimeUnit.SECONDS.toNanos(30);
        while (!recovery.poll(node, server)) {
          assertTrue(System.nanoTime() < deadline, "not every feature back within 30 s: " + recovery);
          java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        System.out.printf("redis outage %.1f s (/ready 200 on %d probes): after Redis answered, bridge round trip in %.2f s, "
                + "pending pause written in %.2f s, guardrail counting in %.2f s, nothing degraded in %.2f s%n",
            outage, probes, recovery.bridge, recovery.killSwitch, recovery.guardrail, recovery.undegraded);
        assertTrue(recovery.slowest() <= RECOVERY_BOUND.toSeconds(), "recovery took " + recovery.slowest() + " s");
        assertEquals(200, post(node, "/v1/admin/fallback/resume", ADMIN, "{}").statusCode());
        assertEquals(1.0, BridgeFixture.metric(node, "lifeguard_dependency_up", "dependency=\"redis\""));
      }
      assertFalse(guest.isStopped());
    } finally {
      clients.forEach(LifeguardClient::close);
    }
  }

  /** When each feature first served again, in seconds after Redis answered; NaN until then. */
  private final class Recovery {
    private final long since;
    double bridge = Double.NaN;
    double killSwitch = Double.NaN;
    double guardrail = Double.NaN;
    double undegraded = Double.NaN;

    Recovery(long since) {
      this.since = since;
    }

    String last = "";

    boolean poll(TestNode node, RedisServer server) {
      double now = (System.nanoTime() - since) / 1e9;
      if (Double.isNaN(bridge) && probe("bridge", () -> bridgeRoundTrip(node, server))) bridge = now;
      if (Double.isNaN(killSwitch) && probe("kill switch", () -> json(get(node, "/v1/admin/fallback", ADMIN).body())
          .get("propagated").asBoolean())) {
        killSwitch = now;
      }
      // Fallback stays paused until the test resumes it, so the guardrail is probed with a session report.
      if (Double.isNaN(guardrail) && probe("guardrail", () -> post(node, "/v1/fallback/sessions", SERVICE,
          "{\"cohort_id\":\"probe-" + cohorts.incrementAndGet() + "\"}").statusCode() == 202)) {
        guardrail = now;
      }
      if (Double.isNaN(undegraded) && probe("degraded", () -> degraded(node).isEmpty() && redisOk(node))) undegraded = now;
      return !Double.isNaN(bridge) && !Double.isNaN(killSwitch) && !Double.isNaN(guardrail) && !Double.isNaN(undegraded);
    }

    private boolean probe(String what, BridgeFixture.Probe probe) {
      try {
        if (probe.test()) return true;
        last = what + ": not yet";
      } catch (Exception e) {
        last = what + ": " + e;
      }
      return false;
    }

    @Override
    public String toString() {
      return "bridge " + bridge + " s, kill switch " + killSwitch + " s, guardrail " + guardrail + " s, undegraded "
          + undegraded + " s; last probe " + last;
    }

    double slowest() {
      return Math.max(Math.max(bridge, killSwitch), Math.max(guardrail, undegraded));
    }
  }

  private static boolean bridgeRoundTrip(TestNode node, RedisServer server) throws Exception {
    if (BridgeFixture.get(node, "/health").statusCode() != 200) return false;
    try (BridgeFixture redis = new BridgeFixture(server.url())) {
      String session = id("back");
      WsClient client = WsClient.connect(wsUri(node, "agent", session), redis.issue(session));
      try {
        redis.publishDown(session, "{\"back\":1}");
        return "{\"back\":1}".equals(client.next());
      } finally {
        client.socket.abort();
      }
    }
  }

  private static boolean redisOk(TestNode node) throws Exception {
    JsonNode health = json(BridgeFixture.get(node, "/healthz").body());
    return "ok".equals(health.get("dependencies").get("redis").asText()) && "ok".equals(health.get("control_plane_redis").asText());
  }

  private static List<String> degraded(TestNode node) throws Exception {
    return strings(json(BridgeFixture.get(node, "/healthz").body()).get("degraded"));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.asText()));
    return out;
  }

  private static LifeguardClient client(TestNode node, String session, Role role, LinkedBlockingQueue<String> inbox,
      List<LifeguardClient> opened) throws Exception {
    LifeguardClient client = LifeguardClient.builder()
        .url(node.wsUri("/ws"))
        .tokenSupplier(() -> {
          try {
            return json(mint(node, session, role == Role.HOST ? "host" : "participant", "outage").body()).get("token").asText();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        })
        .sessionId(session)
        .role(role)
        .backoff(Duration.ofMillis(200), Duration.ofSeconds(2))
        .listener(new ClientListener() {
          @Override
          public void onFrame(Frame frame) {
            inbox.add(new String(frame.body(), StandardCharsets.UTF_8));
          }
        })
        .build();
    opened.add(client);
    client.connect().get(10, TimeUnit.SECONDS);
    return client;
  }

  private static HttpResponse<String> mint(TestNode node, String session, String role, String cohort) throws Exception {
    return post(node, "/v1/fallback/token", SERVICE, "{\"session_id\":\"" + session + "\",\"cohort_id\":\"" + cohort
        + "\",\"client_version\":\"1.0\",\"role\":\"" + role + "\",\"telemetry_opt_in\":true}");
  }

  private static HttpResponse<String> post(TestNode node, String path, String bearer, String body) throws Exception {
    return BridgeFixture.HTTP.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(5))
        .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(TestNode node, String path, String bearer) throws Exception {
    return BridgeFixture.HTTP.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(5))
        .header("Authorization", "Bearer " + bearer).build(), HttpResponse.BodyHandlers.ofString());
  }
}
