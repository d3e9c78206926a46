package io.lifeguard.node.control;

import static io.lifeguard.node.control.ControlHttp.assertError;
import static io.lifeguard.node.control.ControlHttp.get;
import static io.lifeguard.node.control.ControlHttp.json;
import static io.lifeguard.node.control.ControlHttp.post;
import static io.lifeguard.node.control.ControlHttp.tokenBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.node.http.Json;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.KeySet;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenVerifier;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two real nodes sharing a private redis-server and one signing key: tokens over HTTP, bad input,
 * the kill switch through the admin API and its propagation to the other node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenApiTest {
  static final String SERVICE = "svc-" + UUID.randomUUID();
  static final String ADMIN = "adm-" + UUID.randomUUID();

  private final OctetKeyPair signingKey = Ed25519Keys.generate("test-2026-11");
  private RedisServerProcess redisServer;
  private RedisClient redisClient;
  private StatefulRedisConnection<String, String> redis;
  private TestNode a;
  private TestNode b;

  @BeforeAll
  void start() {
    redisServer = RedisServerProcess.start();
    Map<String, Object> config = Map.of(
        "lifeguard.redis.url", redisServer.url(),
        "lifeguard.tokens.signing-jwk", signingKey.toJSONString(),
        "lifeguard.control.service-tokens", "beach-road:" + SERVICE,
        "lifeguard.control.admin-tokens", "ops-alice:" + ADMIN);
    a = TestNode.start(config);
    b = TestNode.start(config);
    a.awaitReady();
    b.awaitReady();
    redisClient = RedisClient.create(redisServer.url());
    redis = redisClient.connect();
  }

  @AfterAll
  void stop() {
    if (redis != null) redis.close();
    if (redisClient != null) redisClient.shutdown();
    if (a != null) a.close();
    if (b != null) b.close();
    redisServer.close();
  }

  private static String session() {
    return "sess-" + UUID.randomUUID();
  }

  private static String cohort() {
    return "cohort-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static void awaitTrue(String what, Duration within, java.util.concurrent.Callable<Boolean> probe) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (probe.call()) return;
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    throw new AssertionError(what + " not within " + within);
  }

  @Test
  void aClientObtainsATokenThatVerifiesWithTheServedJwks() throws Exception {
    String session = session();
    String cohort = cohort();
    HttpResponse<String> response = post(a, "/v1/fallback/token", SERVICE, tokenBody(session, cohort, "host", true, null));
    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = json(response);
    assertEquals(cohort, body.get("cohort").asText());
    assertEquals("ok", body.get("guardrail_hint").asText());
    Instant expiresAt = Instant.parse(body.get("expires_at").asText());
    assertTrue(expiresAt.isAfter(Instant.now()) && expiresAt.isBefore(Instant.now().plus(Duration.ofMinutes(5)).plusSeconds(2)));

    HttpResponse<String> jwks = get(b, "/.well-known/lifeguard/jwks.json", null);
    assertEquals(200, jwks.statusCode());
    assertFalse(jwks.body().contains("\"d\""), "the public JWKS must not carry private parts: " + jwks.body());
    assertFalse(jwks.body().contains(signingKey.getD().toString()));
    KeySet served = KeySet.parse(jwks.body());
    assertEquals(java.util.List.of("test-2026-11"), served.kids());

    TokenClaims claims = new TokenVerifier(served, Clock.systemUTC()).verify(body.get("token").asText(), session, java.util.Set.of(Role.HOST));
    assertEquals(cohort, claims.cohort());
    assertTrue(FeatureBits.has(claims.featureBits(), FeatureBits.FALLBACK_AUTHORIZED));
    assertTrue(FeatureBits.has(claims.featureBits(), FeatureBits.TELEMETRY));
    assertFalse(FeatureBits.has(claims.featureBits(), FeatureBits.GUARDRAIL_SOFT_BREACH));
    assertEquals(expiresAt, claims.expiresAt());

    // telemetry_opt_in=false clears the TELEMETRY bit
    JsonNode optedOut = json(post(b, "/v1/fallback/token", SERVICE, tokenBody(session(), cohort, "viewer", false, null)));
    TokenClaims quiet = new TokenVerifier(served, Clock.systemUTC()).verify(optedOut.get("token").asText());
    assertFalse(FeatureBits.has(quiet.featureBits(), FeatureBits.TELEMETRY));

    // The guardrail bucket counted both activations (one per node), and nothing else.
    String bucket = "fallback:cohort:" + cohort + ":" + DateTimeFormatter.ofPattern("yyyy-MM-dd-HH").withZone(ZoneOffset.UTC).format(Instant.now());
    assertEquals(Map.of("activations", "2"), redis.sync().hgetall(bucket));
    long ttl = redis.sync().ttl(bucket);
    assertTrue(ttl > 5300 && ttl <= 5400, "ttl " + ttl);

    String metrics = get(a, "/metrics", null).body();
    assertTrue(metrics.contains("lifeguard_token_requests_total{guardrail=\"ok\",outcome=\"issued\"}"), metrics);
    assertTrue(metrics.contains("lifeguard_guardrail_activations_total"), metrics);
  }

  @Test
  void sessionsAreCountedAndAHighActivationRatioIsTaggedSoftBreach() throws Exception {
    String cohort = cohort();
    HttpResponse<String> reported = post(a, "/v1/fallback/sessions", SERVICE, "{\"cohort_id\":\"" + cohort + "\",\"count\":400}");
    assertEquals(202, reported.statusCode(), reported.body());
    assertEquals(400, json(reported).get("sessions").asLong());
    // 2 / 400 = 0.5%: still ok; the third activation makes 0.75%.
    for (int i = 0; i < 2; i++) {
      assertEquals("ok", json(post(a, "/v1/fallback/token", SERVICE, tokenBody(session(), cohort, "participant", true, null))).get("guardrail_hint").asText());
    }
    JsonNode breach = json(post(b, "/v1/fallback/token", SERVICE, tokenBody(session(), cohort, "participant", true, null)));
    assertEquals("soft_breach", breach.get("guardrail_hint").asText());
    assertTrue(FeatureBits.has(breach.get("feature_bits").asLong(), FeatureBits.GUARDRAIL_SOFT_BREACH));
    assertTrue(get(b, "/metrics", null).body().contains("lifeguard_token_requests_total{guardrail=\"soft_breach\",outcome=\"issued\"} 1.0"));

    assertError(post(a, "/v1/fallback/sessions", SERVICE, "{\"cohort_id\":\"" + cohort + "\",\"count\":0}"), 400, "bad_request");
    assertError(post(a, "/v1/fallback/sessions", SERVICE, "{\"cohort_id\":\"bad cohort\"}"), 400, "bad_request");
    assertError(post(a, "/v1/fallback/sessions", null, "{\"cohort_id\":\"x\"}"), 401, "unauthorized");
  }

  @Test
  void badInputGetsThePreciseStatusAndAStructuredError() throws Exception {
    String path = "/v1/fallback/token";
    HttpResponse<String> noCredential = post(a, path, null, tokenBody(session(), "c", "host", true, null));
    assertError(noCredential, 401, "unauthorized");
    assertTrue(noCredential.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    assertError(post(a, path, SERVICE + "x", tokenBody(session(), "c", "host", true, null)), 401, "unauthorized");
    assertError(post(a, path, ADMIN, tokenBody(session(), "c", "host", true, null)), 401, "unauthorized");

    assertError(post(a, path, SERVICE, "{\"session_id\": "), 400, "bad_request");
    assertError(post(a, path, SERVICE, "[1,2]"), 400, "bad_request");
    assertError(post(a, path, SERVICE, tokenBody(session(), "c", "host", true, null) + " {}"), 400, "bad_request");
    assertError(post(a, path, SERVICE, ""), 400, "bad_request");
    assertError(post(a, path, SERVICE, "{\"cohort_id\":\"c\",\"client_version\":\"1\",\"role\":\"host\",\"telemetry_opt_in\":true}"), 400, "bad_request");
    assertError(post(a, path, SERVICE, "{\"session_id\":42,\"cohort_id\":\"c\",\"client_version\":\"1\",\"role\":\"host\",\"telemetry_opt_in\":true}"), 400, "bad_request");
    assertError(post(a, path, SERVICE, tokenBody(session(), "c", "host", null, null).replace("null", "\"yes\"")), 400, "bad_request");
    assertError(post(a, path, SERVICE, tokenBody(session(), "c", "admin", true, null)), 400, "bad_request");
    assertError(post(a, path, SERVICE, tokenBody("has space", "c", "host", true, null)), 400, "invalid_session");
    assertError(post(a, path, SERVICE, tokenBody("x".repeat(129), "c", "host", true, null)), 400, "invalid_session");
    assertError(post(a, path, SERVICE, tokenBody("", "c", "host", true, null)), 400, "invalid_session");
    // Both bad: bad_request is checked first (docs/control-plane.md, "Errors, in the order they are checked").
    assertError(post(a, path, SERVICE, tokenBody("has space", "bad cohort", "host", true, null)), 400, "bad_request");
    assertError(post(a, path, SERVICE, tokenBody("has space", "c", "admin", true, null)), 400, "bad_request");
    // entitlement_proof's type and length are checked even when entitlement is not required; its content is not.
    assertError(post(a, path, SERVICE, tokenBody(session(), "c", "host", true, null)
        .replace("}", ",\"entitlement_proof\":42}")), 400, "bad_request");
    assertError(post(a, path, SERVICE, tokenBody(session(), "c", "host", true, null)
        .replace("}", ",\"entitlement_proof\":\"" + "x".repeat(8193) + "\"}")), 400, "bad_request");
    assertEquals(200, post(a, path, SERVICE, tokenBody(session(), "c", "host", true, null)
        .replace("}", ",\"entitlement_proof\":\"not-a-jwt\"}")).statusCode());

    String padding = "p".repeat(17 * 1024);
    assertError(post(a, path, SERVICE, "{\"pad\":\"" + padding + "\"}"), 413, "payload_too_large");
    // Without a declared length (chunked), the limit still holds while reading.
    HttpResponse<String> chunked = ControlHttp.send(HttpRequest.newBuilder(a.uri(path))
        .header("Authorization", "Bearer " + SERVICE)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(("{\"pad\":\"" + padding + "\"}").getBytes()))));
    assertError(chunked, 413, "payload_too_large");

    HttpResponse<String> wrongMethod = get(a, path, SERVICE);
    assertError(wrongMethod, 405, "method_not_allowed");
    assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
    assertError(post(a, "/.well-known/lifeguard/jwks.json", null, "{}"), 405, "method_not_allowed");

    String metrics = get(a, "/metrics", null).body();
    assertTrue(metrics.contains("outcome=\"unauthorized\""), metrics);
    assertTrue(metrics.contains("outcome=\"invalid_session\""), metrics);
    assertTrue(metrics.contains("outcome=\"bad_request\""), metrics);
  }

  @Test
  void anOperatorPausesFallbackAndTheOtherNodeRefusesWithinASecond() throws Exception {
    assertError(post(a, "/v1/admin/fallback/pause", SERVICE, "{}"), 401, "unauthorized");
    assertError(get(a, "/v1/admin/fallback", null), 401, "unauthorized");
    assertError(get(a, "/v1/admin/fallback/pause", ADMIN), 405, "method_not_allowed");
    assertError(post(a, "/v1/admin/fallback/pause", ADMIN, "{\"reason\":7}"), 400, "bad_request");
    assertFalse(json(get(b, "/healthz", null)).get("fallback_paused").asBoolean());
    try {
      HttpResponse<String> paused = post(a, "/v1/admin/fallback/pause", ADMIN, "{\"reason\":\"runaway activations in cohort x\"}");
      assertEquals(200, paused.statusCode(), paused.body());
      JsonNode state = json(paused);
      assertTrue(state.get("paused").asBoolean());
      assertTrue(state.get("propagated").asBoolean());
      assertEquals("ops-alice", state.get("by").asText());
      assertFalse(paused.body().contains(ADMIN), "the admin secret is never echoed");

      JsonNode refused = assertError(post(a, "/v1/fallback/token", SERVICE, tokenBody(session(), "c", "host", true, null)), 403, "fallback_paused");
      assertTrue(refused.get("message").asText().contains("paused"));
      long pausedAt = System.nanoTime();
      awaitTrue("node b reports fallback_paused", Duration.ofSeconds(1),
          () -> json(get(b, "/healthz", null)).get("fallback_paused").asBoolean());
      assertTrue(Duration.ofNanos(System.nanoTime() - pausedAt).compareTo(Duration.ofSeconds(1)) < 0);
      assertError(post(b, "/v1/fallback/token", SERVICE, tokenBody(session(), "c", "host", true, null)), 403, "fallback_paused");
      JsonNode status = json(get(b, "/v1/admin/fallback", ADMIN));
      assertTrue(status.get("paused").asBoolean());
      assertEquals("runaway activations in cohort x", status.get("reason").asText());
      assertEquals("ok", status.get("redis").asText());
      // docs/control-plane.md, "Kill switch": GET and pause answer the same fields, the same names.
      List<String> documented = List.of("paused", "by", "reason", "since", "decided_on", "origin", "redis", "propagated");
      assertEquals(documented, fieldNames(status));
      assertEquals(documented, fieldNames(state));
      assertEquals("redis", status.get("origin").asText());
      assertTrue(status.get("propagated").asBoolean());
      JsonNode stored = Json.MAPPER.readTree(redis.sync().get("fallback:paused"));
      assertEquals(List.of("paused", "by", "reason", "at", "node"), fieldNames(stored));
      assertEquals(java.time.Instant.parse(status.get("since").asText()).toEpochMilli(), stored.get("at").asLong(), "at is epoch ms");
      assertTrue(get(b, "/metrics", null).body().contains("lifeguard_token_requests_total{guardrail=\"ok\",outcome=\"paused\"}"));
      assertTrue(get(b, "/metrics", null).body().contains("lifeguard_fallback_paused 1.0"));
    } finally {
      assertEquals(200, post(b, "/v1/admin/fallback/resume", ADMIN, "").statusCode());
    }
    awaitTrue("node a resumed", Duration.ofSeconds(1), () -> !json(get(a, "/healthz", null)).get("fallback_paused").asBoolean());
    assertEquals(200, post(a, "/v1/fallback/token", SERVICE, tokenBody(session(), "c", "host", true, null)).statusCode());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
