package io.lifeguard.node.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The checks behind {@code GET /ready}. Components register a named check at start-up; the node is
 * ready when every registered check passes. Draining flips every check off at once so load
 * balancers stop sending new connections before sockets are closed.
 *
 * <p>A check says whether clients may be routed here at all. A dependency that is lost while the
 * node runs (Redis, the journal database) is not a check: it degrades only the features that need
 * it, registered in {@link #dependencies()}, and the report lists them.
 */
public final class Readiness {
  private final Map<String, BooleanSupplier> checks = new ConcurrentHashMap<>();
  private final Dependencies dependencies = new Dependencies();
  private volatile boolean draining;

  /** The running node's dependencies and the features each one carries. */
  public Dependencies dependencies() {
    return dependencies;
  }

  /** Adds (or replaces) a named check. */
  public void register(String name, BooleanSupplier check) {
    checks.put(name, check);
  }

  /** A settable check, for facts that become true once (binding done, journal created). */
  public Flag flag(String name) {
    Flag flag = new Flag();
    register(name, flag::get);
    return flag;
  }

  /** Marks the node as going away: not ready from now on, whatever the checks say. */
  public void startDraining() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  /** Each check's current result, in name order, plus the overall verdict. */
  public Report report() {
    Map<String, Boolean> results = new LinkedHashMap<>();
    checks.keySet().stream().sorted().forEach(name -> results.put(name, safely(checks.get(name))));
    boolean ready = !draining && results.values().stream().allMatch(Boolean::booleanValue);
    return new Report(ready, draining, results, dependencies.degraded());
  }

  private static boolean safely(BooleanSupplier check) {
    try {
      return check.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** What /ready answers; {@code degraded} lists features that cannot serve now, which does not affect {@code ready}. */
  public record Report(boolean ready, boolean draining, Map<String, Boolean> checks, java.util.List<String> degraded) {}

  /** A boolean that one component sets and /ready reads. */
  public static final class Flag {
    private volatile boolean value;

    public void set(boolean value) {
      this.value = value;
    }

    public boolean get() {
      return value;
    }
  }
}
