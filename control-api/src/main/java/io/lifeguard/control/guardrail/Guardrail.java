package io.lifeguard.control.guardrail;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lifeguard.control.ControlSettings;
import io.lifeguard.control.RedisLink;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hourly activation counters per cohort in Redis: a hash {@code fallback:cohort:{cohort}:{yyyy-MM-dd-HH}}
 * (UTC) with fields {@code sessions} and {@code activations}, expiring 90 minutes after its last
 * write. A session is a session the caller started, whatever transport it ends up on (reported
 * through {@code POST /v1/fallback/sessions}); an activation is a fallback token issued. Counts
 * only, no identifiers.
 *
 * <p>The ratio judged is {@code activations / max(sessions, minSessions)}: the floor keeps a quiet
 * cohort from breaching on its first activation, and still flags activations when nobody reports
 * sessions.
 */
public final class Guardrail {
  private static final Logger log = LoggerFactory.getLogger(Guardrail.class);
  public static final long BUCKET_TTL_SECONDS = 90 * 60;
  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH").withZone(ZoneOffset.UTC);

  // One round trip, atomic: bump a field, refresh the TTL, read both counts.
  private static final String SCRIPT =
      "redis.call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[2])) "
          + "redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3])) "
          + "return redis.call('HMGET', KEYS[1], 'sessions', 'activations')";

  /** The guardrail's verdict on one activation; {@code label} is the metric and hint value. */
  public enum Verdict {
    OK("ok"), SOFT_BREACH("soft_breach"), UNKNOWN("unknown");

    public final String label;

    Verdict(String label) {
      this.label = label;
    }
  }

  /**
   * Counts in one bucket after an update.
   *
   * @param bucket the Redis key
   * @param hour the bucket's UTC hour, {@code yyyy-MM-dd-HH} (what {@code GET /v1/admin/guardrails} calls {@code hour})
   */
  public record Counts(String bucket, String hour, long sessions, long activations) {}

  private final RedisLink redis;
  private final Clock clock;
  private final ControlSettings.Guardrail settings;

  public Guardrail(RedisLink redis, Clock clock, ControlSettings.Guardrail settings) {
    this.redis = redis;
    this.clock = clock;
    this.settings = settings;
  }

  /** The bucket key for a cohort at the current hour. */
  public String bucket(String cohort) {
    return "fallback:cohort:" + cohort + ":" + hour();
  }

  /** The current bucket's suffix, {@code yyyy-MM-dd-HH} in UTC. */
  public String hour() {
    return HOUR.format(clock.instant());
  }

  /** The start of the current bucket's hour. */
  public Instant hourStart() {
    return clock.instant().truncatedTo(ChronoUnit.HOURS);
  }

  /** The ratio judged: {@code activations / max(sessions, minSessions)}. */
  public double ratio(long sessions, long activations) {
    return (double) activations / Math.max(sessions, settings.minSessions());
  }

  /** Whether a judged ratio is a soft breach (strictly above the threshold). */
  public boolean breached(double ratio) {
    return ratio > settings.threshold();
  }

  public double threshold() {
    return settings.threshold();
  }

  public long minSessions() {
    return settings.minSessions();
  }

  /** Adds started sessions; fails when Redis does. */
  public CompletionStage<Counts> recordSessions(String cohort, long count) {
    return increment(cohort, "sessions", count);
  }

  /** Counts one activation and judges the cohort's hour; never fails (UNKNOWN instead). */
  public CompletionStage<Verdict> recordActivation(String cohort) {
    return increment(cohort, "activations", 1)
        .thenApply(counts -> judge(cohort, counts))
        .exceptionally(failure -> Verdict.UNKNOWN);
  }

  Verdict judge(String cohort, Counts counts) {
    double judged = ratio(counts.sessions(), counts.activations());
    if (!breached(judged)) return Verdict.OK;
    // The ratio logged is the one judged (over the session floor), as GET /v1/admin/guardrails reports it.
    log.warn("event=guardrail_soft_breach cohort={} bucket={} activations={} sessions={} min_sessions={} ratio={} threshold={}",
        cohort, counts.bucket(), counts.activations(), counts.sessions(), settings.minSessions(),
        String.format(java.util.Locale.ROOT, "%.4f", judged), settings.threshold());
    return Verdict.SOFT_BREACH;
  }

  private CompletionStage<Counts> increment(String cohort, String field, long count) {
    Optional<RedisAsyncCommands<String, String>> commands = redis.commands();
    if (commands.isEmpty()) {
      redis.observed(false, null);
      return CompletableFuture.failedFuture(new IllegalStateException("Redis not connected"));
    }
    String hour = hour();
    String key = "fallback:cohort:" + cohort + ":" + hour;
    return commands.get()
        .<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, new String[] {key},
            field, Long.toString(count), Long.toString(BUCKET_TTL_SECONDS))
        .toCompletableFuture()
        .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((result, failure) -> redis.observed(failure == null, failure))
        .thenApply(result -> new Counts(key, hour, number(result.get(0)), number(result.get(1))));
  }

  private static long number(Object value) {
    if (value == null) return 0;
    if (value instanceof Number n) return n.longValue();
    return Long.parseLong(value.toString());
  }
}
