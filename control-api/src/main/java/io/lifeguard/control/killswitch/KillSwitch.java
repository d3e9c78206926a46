package io.lifeguard.control.killswitch;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lifeguard.control.RedisLink;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The fallback kill switch, shared by every node through Redis: the key {@value #KEY} holds the
 * latest decision as JSON, the channel {@value #CHANNEL} announces changes at once, and a poller
 * re-reads the key every second in case a message was missed. The newest decision wins (by its
 * timestamp). Reads ({@link #paused()}) are a volatile field: no Redis on the hot path.
 *
 * <p>When Redis is unreachable a pause or resume still applies on this node and stays pending; the
 * poller writes it to Redis as soon as Redis answers again, so an operator's decision is never
 * lost and never silently overturned by an older one. See docs/adr/0001-control-plane-redis-loss.md.
 */
public final class KillSwitch {
  private static final Logger log = LoggerFactory.getLogger(KillSwitch.class);
  public static final String KEY = "fallback:paused";
  public static final String CHANNEL = "fallback:control";

  /** Where the current state came from. */
  public enum Origin { START_DEFAULT, ADMIN, REDIS }

  /**
   * One decision.
   *
   * @param paused whether token issuance and new relay handshakes are refused
   * @param by credential id of the admin (never a secret), or {@code config} for the start default
   * @param reason free text from the operator
   * @param at when it was decided; the newest decision wins
   * @param node which node took it
   * @param origin how this node learned of it
   * @param propagated false while a local decision still waits to be written to Redis
   */
  public record State(boolean paused, String by, String reason, Instant at, String node, Origin origin, boolean propagated) {}

  /** What a pause or resume did. */
  public record Change(State state, boolean propagated) {}

  private final RedisLink redis;
  private final Clock clock;
  private final String nodeName;
  private final Duration timeout;
  private final AtomicReference<State> state;
  private volatile boolean paused;

  public KillSwitch(RedisLink redis, Clock clock, String nodeName, boolean pausedAtStart, Duration timeout) {
    this.redis = redis;
    this.clock = clock;
    this.nodeName = nodeName;
    this.timeout = timeout;
    // The start default is dated to the epoch: any decision an operator stored in Redis is newer.
    // A node started with LIFEGUARD_FALLBACK_PAUSED=1 therefore follows an explicit admin resume.
    State initial = new State(pausedAtStart, "config", pausedAtStart ? "LIFEGUARD_FALLBACK_PAUSED" : "",
        Instant.EPOCH, nodeName, Origin.START_DEFAULT, true);
    this.state = new AtomicReference<>(initial);
    this.paused = pausedAtStart;
    if (pausedAtStart) log.warn("fallback paused at start (lifeguard.control.fallback-paused): token requests are refused");
  }

  /** The hot-path read used by the token API and the relay. */
  public boolean paused() {
    return paused;
  }

  public State state() {
    return state.get();
  }

  /** Applies a decision here at once, then writes and publishes it; completes either way. */
  public CompletionStage<Change> set(boolean pause, String adminId, String reason) {
    State decided = new State(pause, adminId, reason, clock.instant(), nodeName, Origin.ADMIN, false);
    apply(decided);
    MDC.put("reason", pause ? "pause" : "resume");
    try {
      log.warn("event=kill_switch action={} by={} reason=\"{}\"", pause ? "pause" : "resume", adminId, reason);
    } finally {
      MDC.remove("reason");
    }
    return write(decided).thenApply(ok -> new Change(state.get(), ok));
  }

  /** Handles a message on {@value #CHANNEL}. */
  public void onMessage(String channel, String message) {
    decode(message, Origin.REDIS).ifPresent(this::offer);
  }

  /**
   * One poller tick: read the key, adopt a newer decision, or write back a local one that Redis
   * lacks (pending after an outage, or lost when Redis restarted empty).
   */
  public void reconcile() {
    Optional<RedisAsyncCommands<String, String>> commands = redis.commands();
    if (commands.isEmpty()) {
      redis.observed(false, null);
      return;
    }
    try {
      String raw = commands.get().get(KEY).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      redis.observed(true, null);
      Optional<State> remote = raw == null ? Optional.empty() : decode(raw, Origin.REDIS);
      State local = state.get();
      if (remote.isPresent() && newer(remote.get(), local)) {
        offer(remote.get());
      } else if (local.origin() == Origin.ADMIN
          && (remote.isEmpty() || newer(local, remote.get()))) {
        write(local);
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      redis.observed(false, e);
    }
  }

  private CompletionStage<Boolean> write(State decided) {
    Optional<RedisAsyncCommands<String, String>> commands = redis.commands();
    if (commands.isEmpty()) {
      redis.observed(false, null);
      return CompletableFuture.completedFuture(false);
    }
    String json = encode(decided);
    RedisAsyncCommands<String, String> redisCommands = commands.get();
    return redisCommands.set(KEY, json)
        .thenCompose(ok -> redisCommands.publish(CHANNEL, json))
        .toCompletableFuture()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((receivers, failure) -> {
          redis.observed(failure == null, failure);
          if (failure != null) return false;
          state.updateAndGet(current -> current.at().equals(decided.at()) && current.origin() == Origin.ADMIN
              ? new State(current.paused(), current.by(), current.reason(), current.at(), current.node(), current.origin(), true)
              : current);
          return true;
        });
  }

  private void offer(State remote) {
    State before = state.get();
    if (!newer(remote, before)) return;
    if (state.compareAndSet(before, remote)) {
      paused = remote.paused();
      if (before.paused() != remote.paused()) {
        log.warn("event=kill_switch_applied paused={} by={} node={} reason=\"{}\"",
            remote.paused(), remote.by(), remote.node(), remote.reason());
      }
    }
  }

  private void apply(State decided) {
    state.set(decided);
    paused = decided.paused();
  }

  /** The newer decision wins; on a tie a pause beats a resume, the safe side. */
  private static boolean newer(State candidate, State current) {
    int order = candidate.at().compareTo(current.at());
    return order > 0 || order == 0 && candidate.paused() && !current.paused();
  }

  static String encode(State s) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("paused", s.paused());
    json.put("by", s.by());
    json.put("reason", s.reason());
    json.put("at", s.at().toEpochMilli());
    json.put("node", s.node());
    return JSONObjectUtils.toJSONString(json);
  }

  static Optional<State> decode(String raw, Origin origin) {
    try {
      Map<String, Object> json = JSONObjectUtils.parse(raw, 4096);
      Object paused = json.get("paused");
      Object at = json.get("at");
      if (!(paused instanceof Boolean p) || !(at instanceof Number n)) throw new ParseException("fields", 0);
      return Optional.of(new State(p, String.valueOf(json.getOrDefault("by", "")),
          String.valueOf(json.getOrDefault("reason", "")), Instant.ofEpochMilli(n.longValue()),
          String.valueOf(json.getOrDefault("node", "")), origin, true));
    } catch (ParseException | RuntimeException e) {
      log.warn("ignoring unreadable kill switch state in {}", KEY);
      return Optional.empty();
    }
  }
}
