package io.lifeguard.control;

import io.lettuce.core.RedisClient;
import io.lifeguard.control.auth.BearerCredentials;
import io.lifeguard.control.entitlement.EntitlementVerifier;
import io.lifeguard.control.guardrail.CohortCounters;
import io.lifeguard.control.guardrail.Guardrail;
import io.lifeguard.control.killswitch.KillSwitch;
import io.lifeguard.control.token.SigningKeys;
import io.lifeguard.control.token.TokenService;
import io.lifeguard.protocol.token.KeySet;
import io.lifeguard.protocol.token.TokenSigner;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane of one node: token minting, entitlement checks, guardrail counters and the
 * shared kill switch. The relay reads {@link #verificationKeys()}, {@link #fallbackPaused()} and
 * {@link #requireEntitlement()}; the HTTP edge calls {@link #tokens()}, {@link #killSwitch()},
 * {@link #guardrail()} and {@link #cohortCounters()}. Start with {@link #start}, stop with {@link #close()}.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

  private final ControlSettings settings;
  private final SigningKeys keys;
  private final BearerCredentials serviceCredentials;
  private final BearerCredentials adminCredentials;
  private final boolean requireEntitlement;
  private final RedisLink redis;
  private final KillSwitch killSwitch;
  private final Guardrail guardrail;
  private final CohortCounters cohortCounters;
  private final ControlMetrics metrics;
  private final TokenService tokens;
  private final ScheduledExecutorService poller;
  private final ExecutorService blocking;

  private ControlPlane(ControlSettings settings, RedisClient redisClient, PrometheusRegistry registry, Clock clock) {
    this.settings = settings;
    this.keys = SigningKeys.load(settings.tokens(), settings.production());
    this.serviceCredentials = BearerCredentials.parse("service", settings.serviceTokens());
    this.adminCredentials = BearerCredentials.parse("admin", settings.adminTokens());
    if (serviceCredentials.isEmpty()) {
      log.warn("no lifeguard.control.service-tokens (env LIFEGUARD_SERVICE_TOKENS): the token API refuses every request");
    }
    if (adminCredentials.isEmpty()) {
      log.warn("no lifeguard.control.admin-tokens (env LIFEGUARD_ADMIN_TOKENS): the kill switch can only be set at start");
    }
    boolean devOverride = settings.devEnableFallback() && !settings.production();
    if (settings.devEnableFallback() && settings.production()) {
      log.warn("LIFEGUARD_DEV_ENABLE_FALLBACK is ignored because lifeguard.production=true");
    } else if (devOverride) {
      log.warn("development override LIFEGUARD_DEV_ENABLE_FALLBACK=1: entitlement proofs are not checked and every token is fallback-authorized (refused in production mode)");
    }
    this.requireEntitlement = settings.requireEntitlement() && !devOverride;
    EntitlementVerifier entitlements = requireEntitlement ? new EntitlementVerifier(settings.entitlement()) : null;
    if (requireEntitlement) {
      log.info("entitlement required: proofs verified against {} issuer={} audience={} claim {} contains {}",
          settings.entitlement().jwksUrl(), settings.entitlement().issuer(), settings.entitlement().audience(),
          settings.entitlement().claim(), settings.entitlement().requiredValue());
    }

    Duration ttl = settings.tokens().ttl();
    if (ttl.compareTo(TokenSigner.MAX_LIFETIME) > 0) {
      log.warn("lifeguard.tokens.ttl={} is above the protocol maximum: capped at {}", ttl, TokenSigner.MAX_LIFETIME);
      ttl = TokenSigner.MAX_LIFETIME;
    }

    // killSwitch is assigned before any message can arrive: the link connects on the poller.
    KillSwitch[] holder = new KillSwitch[1];
    this.redis = new RedisLink(redisClient, KillSwitch.CHANNEL, (channel, message) -> holder[0].onMessage(channel, message));
    Duration commandTimeout = settings.guardrail().timeout().multipliedBy(2);
    this.killSwitch = new KillSwitch(redis, clock, settings.nodeName(), settings.fallbackPausedAtStart(), commandTimeout);
    holder[0] = killSwitch;
    this.guardrail = new Guardrail(redis, clock, settings.guardrail());
    this.cohortCounters = new CohortCounters(redis, guardrail);
    this.metrics = new ControlMetrics(registry, killSwitch::paused, redis::reachable);
    this.blocking = Executors.newFixedThreadPool(2, daemon("lifeguard-control-entitlement"));
    this.tokens = new TokenService(new TokenSigner(keys.signingKey()), ttl, killSwitch, entitlements, guardrail,
        metrics, clock, blocking);
    this.poller = Executors.newSingleThreadScheduledExecutor(daemon("lifeguard-control-poller"));
    // A reconnect reconciles at once instead of at the next poll; the poller thread does the work.
    redis.onReconnected(() -> {
      try {
        poller.execute(this::tick);
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        // closing: nothing to reconcile
      }
    });
    if (redis.enabled()) {
      long every = settings.killSwitchPollInterval().toMillis();
      poller.scheduleWithFixedDelay(this::tick, 0, every, TimeUnit.MILLISECONDS);
    } else {
      log.warn("Redis disabled: the kill switch is local to this node and tokens are issued with guardrail=unknown");
    }
  }

  /**
   * Loads keys and credentials and starts the kill switch's Redis sync.
   *
   * @param redisClient the node's client, or null when Redis is disabled
   * @throws IllegalArgumentException naming the setting when a key or credential is unusable
   */
  public static ControlPlane start(ControlSettings settings, RedisClient redisClient, PrometheusRegistry registry, Clock clock) {
    return new ControlPlane(settings, redisClient, registry, clock);
  }

  /** Every public key a token may currently be signed with: the signing key plus rotation keys. */
  public KeySet verificationKeys() {
    return keys.verificationKeys();
  }

  /** The kill switch; an in-memory read, safe on every handshake. */
  public boolean fallbackPaused() {
    return killSwitch.paused();
  }

  /**
   * Whether tokens must carry FALLBACK_AUTHORIZED from a verified proof: the configured value,
   * false while the development override is active outside production.
   */
  public boolean requireEntitlement() {
    return requireEntitlement;
  }

  public String publicJwksJson() {
    return keys.verificationKeys().toPublicJwksJson();
  }

  public String signingKid() {
    return keys.signingKey().getKeyID();
  }

  public TokenService tokens() {
    return tokens;
  }

  public KillSwitch killSwitch() {
    return killSwitch;
  }

  public Guardrail guardrail() {
    return guardrail;
  }

  /** Reads the current hour's per-cohort guardrail counters for the admin API. */
  public CohortCounters cohortCounters() {
    return cohortCounters;
  }

  public ControlMetrics metrics() {
    return metrics;
  }

  public BearerCredentials serviceCredentials() {
    return serviceCredentials;
  }

  public BearerCredentials adminCredentials() {
    return adminCredentials;
  }

  /** {@code ok}, {@code unreachable} or {@code disabled}. */
  public String redisStatus() {
    return redis.status();
  }

  public ControlSettings settings() {
    return settings;
  }

  private void tick() {
    try {
      redis.ensureConnected();
      killSwitch.reconcile();
    } catch (RuntimeException e) {
      log.warn("kill switch poll failed", e);
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
    blocking.shutdownNow();
    redis.close();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
