package io.lifeguard.control.guardrail;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lifeguard.control.RedisLink;
import io.lifeguard.control.token.TokenRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the current hour's {@link Guardrail} buckets for operators ({@code GET
 * /v1/admin/guardrails}): one cohort by name, or every cohort found by {@code SCAN} (never {@code
 * KEYS}, which blocks Redis for the whole keyspace). The scan stops as soon as it has found one
 * cohort more than the caller's limit, or after {@link #MAX_SCAN_CALLS} round trips, so a request
 * costs Redis a bounded amount of work however many keys it holds; the report then says it is
 * truncated. Which cohorts a truncated report holds is arbitrary (SCAN order).
 */
public final class CohortCounters {
  /** Most cohorts one report may hold. */
  public static final int MAX_LIMIT = 1000;
  /** Keys Redis examines per SCAN call (a hint; Redis may return more or fewer). */
  static final int SCAN_COUNT = 500;
  /** SCAN round trips per report: at most about {@code MAX_SCAN_CALLS * SCAN_COUNT} keys examined. */
  static final int MAX_SCAN_CALLS = 200;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
  private static final String PREFIX = "fallback:cohort:";

  /** One cohort's counts in the current hour, judged as {@link Guardrail} judges an activation. */
  public record Cohort(String cohort, long sessions, long activations, double ratio, boolean softBreach) {}

  /**
   * The current hour's counters.
   *
   * @param hour the bucket suffix, {@code yyyy-MM-dd-HH} in UTC
   * @param hourStart the start of that hour
   * @param cohorts soft breaches first, then by ratio (highest first), then by name
   * @param truncated true when more cohorts exist or the scan stopped at its bound
   */
  public record Report(String hour, Instant hourStart, double threshold, long minSessions, List<Cohort> cohorts,
      boolean truncated) {}

  /** Redis is disabled or unreachable; {@code redisStatus} is what {@code /healthz} says. */
  public static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String redisStatus;

    Unavailable(String message, String redisStatus, Throwable cause) {
      super(message, cause, false, false);
      this.redisStatus = redisStatus;
    }

    public String redisStatus() {
      return redisStatus;
    }
  }

  private final RedisLink redis;
  private final Guardrail guardrail;

  public CohortCounters(RedisLink redis, Guardrail guardrail) {
    this.redis = redis;
    this.guardrail = guardrail;
  }

  /** One cohort; a cohort with no bucket this hour reads as zero counts. Fails with {@link Unavailable}. */
  public CompletionStage<Report> cohort(String cohort) {
    if (!TokenRequest.COHORT_ID.matcher(cohort).matches()) {
      throw new IllegalArgumentException("cohort must match " + TokenRequest.COHORT_ID.pattern());
    }
    String hour = guardrail.hour();
    return withCommands(commands -> read(commands, List.of(cohort), hour)
        .thenApply(found -> report(hour, found.isEmpty() ? List.of(judge(cohort, 0, 0)) : found, false)));
  }

  /** Up to {@code limit} cohorts (1 to {@link #MAX_LIMIT}). Fails with {@link Unavailable}. */
  public CompletionStage<Report> all(int limit) {
    if (limit < 1 || limit > MAX_LIMIT) throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT);
    String hour = guardrail.hour();
    // Cohort ids cannot hold glob characters ([A-Za-z0-9._:-]), so the pattern matches them literally.
    ScanArgs args = ScanArgs.Builder.matches(PREFIX + "*:" + hour).limit(SCAN_COUNT);
    return withCommands(commands -> scan(commands, ScanCursor.INITIAL, args, new LinkedHashSet<>(), limit + 1, 0, hour)
        .thenCompose(scanned -> {
          List<String> cohorts = new ArrayList<>(scanned.cohorts());
          boolean truncated = !scanned.finished() || cohorts.size() > limit;
          List<String> kept = cohorts.subList(0, Math.min(limit, cohorts.size()));
          return read(commands, kept, hour).thenApply(found -> report(hour, found, truncated));
        }));
  }

  private record Scanned(Set<String> cohorts, boolean finished) {}

  private CompletionStage<Scanned> scan(RedisAsyncCommands<String, String> commands, ScanCursor cursor, ScanArgs args,
      Set<String> found, int wanted, int calls, String hour) {
    return commands.scan(cursor, args).thenCompose((KeyScanCursor<String> page) -> {
      for (String key : page.getKeys()) {
        cohortOf(key, hour).ifPresent(found::add);
      }
      if (page.isFinished()) return CompletableFuture.completedFuture(new Scanned(found, true));
      if (found.size() >= wanted || calls + 1 >= MAX_SCAN_CALLS) {
        return CompletableFuture.completedFuture(new Scanned(found, false));
      }
      return scan(commands, page, args, found, wanted, calls + 1, hour);
    });
  }

  /** The cohort of a bucket key of {@code hour}; empty for any other key under the prefix. */
  static Optional<String> cohortOf(String key, String hour) {
    String suffix = ":" + hour;
    if (!key.startsWith(PREFIX) || !key.endsWith(suffix) || key.length() <= PREFIX.length() + suffix.length()) {
      return Optional.empty();
    }
    String cohort = key.substring(PREFIX.length(), key.length() - suffix.length());
    return TokenRequest.COHORT_ID.matcher(cohort).matches() ? Optional.of(cohort) : Optional.empty();
  }

  /** Counts of each cohort whose bucket still exists (one may expire between SCAN and HMGET). */
  private CompletionStage<List<Cohort>> read(RedisAsyncCommands<String, String> commands, List<String> cohorts, String hour) {
    List<CompletableFuture<Optional<Cohort>>> reads = new ArrayList<>();
    for (String cohort : cohorts) {
      // Lettuce pipelines these on the one connection: a round trip for all, not one each.
      reads.add(commands.hmget(PREFIX + cohort + ":" + hour, "sessions", "activations").toCompletableFuture()
          .thenApply(values -> {
            if (values.stream().noneMatch(KeyValue::hasValue)) return Optional.<Cohort>empty();
            return Optional.of(judge(cohort, number(values.get(0)), number(values.get(1))));
          }));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(done -> reads.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
  }

  private Cohort judge(String cohort, long sessions, long activations) {
    double ratio = guardrail.ratio(sessions, activations);
    return new Cohort(cohort, sessions, activations, ratio, guardrail.breached(ratio));
  }

  private Report report(String hour, List<Cohort> cohorts, boolean truncated) {
    List<Cohort> sorted = cohorts.stream()
        .sorted(Comparator.comparing(Cohort::softBreach).reversed()
            .thenComparing(Comparator.comparingDouble(Cohort::ratio).reversed())
            .thenComparing(Cohort::cohort))
        .toList();
    return new Report(hour, guardrail.hourStart(), guardrail.threshold(), guardrail.minSessions(), sorted, truncated);
  }

  private <T> CompletionStage<T> withCommands(java.util.function.Function<RedisAsyncCommands<String, String>, CompletionStage<T>> body) {
    if (!redis.enabled()) {
      return CompletableFuture.failedFuture(new Unavailable("Redis is disabled (lifeguard.redis.url is empty)", "disabled", null));
    }
    Optional<RedisAsyncCommands<String, String>> commands = redis.commands();
    if (commands.isEmpty()) {
      redis.observed(false, null);
      return CompletableFuture.failedFuture(new Unavailable("Redis is not connected", redis.status(), null));
    }
    CompletableFuture<T> result;
    try {
      result = body.apply(commands.get()).toCompletableFuture();
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    return result.orTimeout(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(failure -> {
          Throwable cause = unwrap(failure);
          if (!(cause instanceof RedisException) && !(cause instanceof TimeoutException)) {
            return CompletableFuture.failedFuture(cause);
          }
          redis.observed(false, cause);
          String why = cause instanceof TimeoutException ? "timed out after " + READ_TIMEOUT.toSeconds() + " s" : cause.toString();
          return CompletableFuture.failedFuture(new Unavailable("Redis did not answer: " + why, redis.status(), cause));
        })
        .whenComplete((value, failure) -> {
          if (failure == null) redis.observed(true, null);
        });
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) cause = cause.getCause();
    return cause;
  }

  private static long number(KeyValue<String, String> value) {
    return value.hasValue() ? Long.parseLong(value.getValue()) : 0;
  }
}
