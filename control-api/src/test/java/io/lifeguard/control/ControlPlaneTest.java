package io.lifeguard.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lifeguard.control.guardrail.Guardrail;
import io.lifeguard.control.killswitch.KillSwitch;
import io.lifeguard.control.testing.JwksServer;
import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.control.testing.Settings;
import io.lifeguard.control.token.TokenOutcome;
import io.lifeguard.control.token.TokenRequest;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.token.Ed25519Keys;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenVerifier;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two control planes sharing a private redis-server, which some tests stop and restart. */
class ControlPlaneTest {
  private RedisServerProcess redisServer;
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @BeforeEach
  void startRedis() {
    redisServer = RedisServerProcess.start();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : closeLater) c.close();
    redisServer.close();
  }

  private ControlPlane plane(ControlSettings settings) {
    RedisClient client = RedisClient.create(redisServer.url());
    client.setOptions(io.lettuce.core.ClientOptions.builder()
        .disconnectedBehavior(io.lettuce.core.ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
    ControlPlane plane = ControlPlane.start(settings, client, new PrometheusRegistry(), Clock.systemUTC());
    closeLater.add(client::shutdown);
    closeLater.add(plane);
    return plane;
  }

  private static void await(String what, Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) return;
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
    throw new AssertionError(what + " not within " + within);
  }

  private static TokenOutcome issue(ControlPlane plane, String cohort, String proof, boolean telemetry) throws Exception {
    TokenRequest request = TokenRequest.validate("sess-" + UUID.randomUUID(), cohort, "1.2.3", "participant", proof, telemetry);
    return plane.tokens().issue(request, "caller").toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void issuedTokensVerifyAndCarryTheFeatureBits() throws Exception {
    ControlPlane plane = plane(Settings.defaults());
    await("redis", Duration.ofSeconds(5), () -> plane.redisStatus().equals("ok"));
    String cohort = "c-" + UUID.randomUUID();
    var issued = assertInstanceOf(TokenOutcome.Issued.class, issue(plane, cohort, null, true));
    TokenClaims claims = new TokenVerifier(plane.verificationKeys(), Clock.systemUTC()).verify(issued.token());
    assertEquals(cohort, claims.cohort());
    assertEquals(Guardrail.Verdict.OK, issued.guardrail());
    assertTrue(FeatureBits.has(claims.featureBits(), FeatureBits.FALLBACK_AUTHORIZED));
    assertTrue(FeatureBits.has(claims.featureBits(), FeatureBits.TELEMETRY));
    assertTrue(Duration.between(claims.issuedAt(), claims.expiresAt()).compareTo(Duration.ofMinutes(5)) <= 0);

    var optedOut = assertInstanceOf(TokenOutcome.Issued.class, issue(plane, cohort, null, false));
    assertFalse(FeatureBits.has(optedOut.featureBits(), FeatureBits.TELEMETRY));
  }

  @Test
  void aPauseOnOneNodeReachesTheOtherWithinASecondAndRefusesTokens() throws Exception {
    ControlPlane a = plane(Settings.named(Settings.defaults(), "a"));
    ControlPlane b = plane(Settings.named(Settings.defaults(), "b"));
    await("both connected", Duration.ofSeconds(5), () -> a.redisStatus().equals("ok") && b.redisStatus().equals("ok"));

    KillSwitch.Change change = a.killSwitch().set(true, "ops-alice", "runaway fallback").toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertTrue(change.propagated());
    assertTrue(a.fallbackPaused());
    await("pause seen on b", Duration.ofSeconds(1), b::fallbackPaused);
    assertEquals("ops-alice", b.killSwitch().state().by());
    var refused = assertInstanceOf(TokenOutcome.Refused.class, issue(b, "c1", null, true));
    assertEquals(403, refused.status());
    assertEquals("fallback_paused", refused.error());

    b.killSwitch().set(false, "ops-bob", "incident over").toCompletableFuture().get(5, TimeUnit.SECONDS);
    await("resume seen on a", Duration.ofSeconds(1), () -> !a.fallbackPaused());
    assertInstanceOf(TokenOutcome.Issued.class, issue(a, "c1", null, true));
  }

  @Test
  void aNodeStartedPausedStaysPausedUntilAnOperatorResumes() throws Exception {
    ControlSettings d = Settings.defaults();
    ControlSettings pausedAtStart = new ControlSettings(d.production(), "p", d.tokens(), d.serviceTokens(), d.adminTokens(),
        false, false, d.entitlement(), true, d.killSwitchPollInterval(), d.guardrail());
    ControlPlane paused = plane(pausedAtStart);
    ControlPlane other = plane(Settings.named(d, "o"));
    await("connected", Duration.ofSeconds(5), () -> paused.redisStatus().equals("ok"));
    assertTrue(paused.fallbackPaused());
    assertFalse(other.fallbackPaused(), "the start default is local to the node that has it");
    other.killSwitch().set(false, "ops-alice", "explicit resume").toCompletableFuture().get(5, TimeUnit.SECONDS);
    await("explicit resume adopted", Duration.ofSeconds(1), () -> !paused.fallbackPaused());
  }

  @Test
  void withRedisGoneTokensAreIssuedAsUnknownAndAPauseAppliesLocallyThenPropagatesOnReturn() throws Exception {
    ControlPlane a = plane(Settings.named(Settings.defaults(), "a"));
    ControlPlane b = plane(Settings.named(Settings.defaults(), "b"));
    await("both connected", Duration.ofSeconds(5), () -> a.redisStatus().equals("ok") && b.redisStatus().equals("ok"));

    redisServer.stop();
    var issued = assertInstanceOf(TokenOutcome.Issued.class, issue(a, "c1", null, true));
    assertEquals(Guardrail.Verdict.UNKNOWN, issued.guardrail());
    assertEquals("unreachable", a.redisStatus());

    KillSwitch.Change change = a.killSwitch().set(true, "ops-alice", "redis down, pausing anyway").toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertFalse(change.propagated());
    assertTrue(a.fallbackPaused());
    assertFalse(b.fallbackPaused());

    redisServer.startProcess(); // comes back empty: no persistence
    await("pending pause written back and seen by b", Duration.ofSeconds(15), b::fallbackPaused);
    // b can read the value before a's write completion marks it propagated: wait for a, don't race it.
    await("a marks its pause propagated", Duration.ofSeconds(5), () -> a.killSwitch().state().propagated());
    try (var check = RedisClient.create(redisServer.url()).connect()) {
      assertTrue(check.sync().get(KillSwitch.KEY).contains("\"by\":\"ops-alice\""));
    }
  }

  @Test
  void entitlementRequiredDeniesWithoutAProofAndGrantsWithOne() throws Exception {
    var idpKey = JwksServer.rsaKey("idp-1");
    try (JwksServer jwks = JwksServer.start(idpKey)) {
      ControlPlane plane = plane(Settings.entitlementRequired(Settings.defaults(), jwks.url(), false));
      assertTrue(plane.requireEntitlement());
      var denied = assertInstanceOf(TokenOutcome.Refused.class, issue(plane, "c1", null, true));
      assertEquals("entitlement_denied", denied.error());
      assertEquals(403, denied.status());
      var granted = assertInstanceOf(TokenOutcome.Issued.class, issue(plane, "c1", JwksServer.validProof(idpKey), true));
      assertTrue(FeatureBits.has(granted.featureBits(), FeatureBits.FALLBACK_AUTHORIZED));
    }
  }

  @Test
  void theDevelopmentOverrideWorksOnlyOutsideProduction() throws Exception {
    ControlSettings dev = Settings.entitlementRequired(Settings.defaults(), java.net.URI.create("http://127.0.0.1:1/jwks"), true);
    ControlPlane devPlane = plane(dev);
    assertFalse(devPlane.requireEntitlement());
    assertInstanceOf(TokenOutcome.Issued.class, issue(devPlane, "c1", null, true));

    ControlSettings prod = Settings.withTokens(Settings.production(dev, true),
        new ControlSettings.Tokens(Ed25519Keys.generate("prod-1").toJSONString(), "", "", Duration.ofMinutes(10)));
    ControlPlane prodPlane = plane(prod);
    assertTrue(prodPlane.requireEntitlement());
    var refused = assertInstanceOf(TokenOutcome.Refused.class, issue(prodPlane, "c1", null, true));
    assertEquals("entitlement_denied", refused.error());
  }

  @Test
  void aTtlAboveFiveMinutesIsCapped() throws Exception {
    ControlPlane plane = plane(Settings.withTokens(Settings.defaults(),
        new ControlSettings.Tokens("", "", "", Duration.ofMinutes(30))));
    var issued = assertInstanceOf(TokenOutcome.Issued.class, issue(plane, "c1", null, true));
    assertTrue(Duration.between(Instant.now(), issued.expiresAt()).compareTo(Duration.ofMinutes(5)) <= 0);
  }
}
