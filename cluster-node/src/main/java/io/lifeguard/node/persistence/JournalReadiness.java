package io.lifeguard.node.persistence;

import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.health.Dependencies;
import io.lifeguard.node.health.Readiness;
import io.lifeguard.sharding.host.HostEntity;
import io.lifeguard.sharding.persistence.JournalHealth;
import io.lifeguard.sharding.persistence.JournalProbe;
import io.lifeguard.sharding.persistence.JournalSchema;
import io.lifeguard.sharding.persistence.JournalWarmup;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the journal's tables exist, retrying until the database answers; until then the
 * {@code journal} readiness check is false. Afterwards it probes the database every second as the
 * {@code journal} dependency of the {@code hosts} feature, and sets {@link JournalHealth#localUp}:
 *
 * <ul>
 *   <li>down after {@link #FAILURES_TO_DOWN} failed JDBC probes in a row (a validity check on a
 *       kept connection, a fresh one after a failure, bounded to a few seconds), or at the first
 *       failed probe after a host entity's write or recovery failed here ({@link
 *       JournalHealth#suspect()}, which already makes the entities here refuse): sharding then
 *       places no host here and moves the ones held here away, and the host entities still here
 *       answer {@code unavailable} at once;
 *   <li>up again only when a JDBC probe succeeds <em>and</em> a {@link JournalProbe} recovery
 *       succeeds through the persistence plugins, so an open circuit breaker (reset after
 *       {@code jdbc-journal.circuit-breaker.reset-timeout}) does not let hosts come back early.
 * </ul>
 *
 * <p>A lost journal does not make the node unready: relay, bridge and bus clients are served here
 * whatever node runs their host entities. One WARN when the journal is lost, one INFO when it is
 * back; no stack traces.
 *
 * <p>Runs on a thread of its own (JDBC blocks), which sleeps until the next probe is due. On Pekko's
 * blocking dispatcher each probe cost a timer-wheel hand-off, a pool wake-up and the dispatcher's
 * one-second shutdown timer, re-armed every second: ~4 wake-ups a second on an idle node instead of
 * one (docs/perf/idle.md, "Fourth pass").
 */
public final class JournalReadiness {
  private static final Logger log = LoggerFactory.getLogger(JournalReadiness.class);
  private static final Duration RETRY = Duration.ofSeconds(2);
  private static final Duration PROBE_EVERY = Duration.ofSeconds(1);
  private static final int PROBE_TIMEOUT_SECONDS = 2;
  private static final int FAILURES_TO_DOWN = 2;
  /** Probes on one kept connection before a fresh one is opened (a minute at one a second). */
  static final int REOPEN_EVERY = 60;

  private final ActorSystem<?> system;
  private final NodeSettings settings;
  private final JournalHealth health;
  private final boolean runsHosts;
  private final Readiness.Flag ready;
  private final AtomicLong probes = new AtomicLong();
  private int failures;
  private long downSince;
  private String lastFailure = "";
  private final Object connectionLock = new Object();
  private Connection connection;
  private int probesOnConnection;
  private boolean stopped;
  private final java.util.concurrent.ScheduledExecutorService probeThread =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          new io.netty.util.concurrent.DefaultThreadFactory("lifeguard-journal-probe", true));

  private JournalReadiness(ActorSystem<?> system, NodeSettings settings, Readiness readiness, JournalHealth health) {
    this.system = system;
    this.settings = settings;
    this.health = health;
    this.runsHosts = settings.cluster().roles().contains(HostEntity.ROLE);
    this.ready = readiness.flag("journal");
    // No host is placed here before the tables exist.
    health.localUp(false);
    if (runsHosts) {
      readiness.dependencies().register("journal", "hosts", () -> !ready.get() ? Dependencies.Status.CONNECTING
          : health.localUp() ? Dependencies.Status.OK : Dependencies.Status.UNREACHABLE);
    }
  }

  public static void init(ActorSystem<?> system, NodeSettings settings, Readiness readiness, JournalHealth health) {
    JournalReadiness journal = new JournalReadiness(system, settings, readiness, health);
    system.getWhenTerminated().thenRun(journal::stop);
    journal.probeThread.execute(() -> journal.attempt(1));
  }

  private void attempt(int attempt) {
    NodeSettings.Jdbc jdbc = settings.jdbc();
    try {
      if (jdbc.embedded()) Files.createDirectories(settings.dataDir());
      JournalSchema.ensure(jdbc.url(), jdbc.user(), jdbc.password());
      health.localUp(true);
      ready.set(true);
      if (runsHosts) system.systemActorOf(JournalWarmup.create(), "journal-warmup", Props.empty());
      probeThread.scheduleWithFixedDelay(this::probeGuarded, PROBE_EVERY.toMillis(), PROBE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("journal not reachable (attempt {}), retrying in {}s: {}", attempt, RETRY.toSeconds(), e.getMessage());
      probeThread.schedule(() -> attempt(attempt + 1), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** A probe that throws must not end the schedule (the executor would drop every later run). */
  private void probeGuarded() {
    try {
      probe();
    } catch (RuntimeException e) {
      log.warn("journal probe failed unexpectedly: {}", e.toString());
    }
  }

  /** Called every second on one thread at a time (fixed delay), so its fields need no locking. */
  private void probe() {
    boolean database = databaseAnswers();
    if (health.localUp()) {
      failures = database ? 0 : failures + 1;
      if (failures >= FAILURES_TO_DOWN) down();
    } else if (health.announcedUp()) {
      // A host entity's write or recovery failed here: confirm (tell the others) or clear it.
      if (!database) {
        down();
      } else if (pluginsAnswer()) {
        failures = 0;
        health.localUp(true);
        log.info("journal answers: a failed journal call on this node was not an outage");
      } else if (++failures >= FAILURES_TO_DOWN) {
        lastFailure = "the persistence plugins refuse (circuit breaker open)";
        down();
      }
    } else if (database && pluginsAnswer()) {
      failures = 0;
      health.localUp(true);
      log.info("journal reachable again after {} ms: this node takes host entities again",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSince));
    }
  }

  private void down() {
    health.localUp(false);
    downSince = System.nanoTime();
    log.warn("journal database unreachable ({}): host entities stop taking commands here (unavailable) and move "
        + "to nodes whose journal answers; relay, bridge and bus clients are still served", lastFailure);
  }

  /**
   * Whether the database answers a validity check within the probe timeout, on one connection kept
   * open between probes: opening a JDBC connection every second cost the node more than the check
   * (H2 opens its file, PostgreSQL forks a backend and authenticates). A failed check closes it, so
   * during an outage every probe tries a fresh connection as before; a healthy one is replaced every
   * {@link #REOPEN_EVERY} probes, so a database that stopped accepting connections is still noticed.
   */
  private boolean databaseAnswers() {
    synchronized (connectionLock) {
      if (stopped) return true; // the system is terminating: nothing to report, nothing to open
      try {
        if (connection == null || probesOnConnection >= REOPEN_EVERY) {
          closeConnection();
          connection = openConnection();
        }
        probesOnConnection++;
        if (connection.isValid(PROBE_TIMEOUT_SECONDS)) return true;
        lastFailure = "connection not valid within " + PROBE_TIMEOUT_SECONDS + " s";
      } catch (SQLException e) {
        lastFailure = e.getMessage();
      }
      closeConnection();
      return false;
    }
  }

  private void closeConnection() {
    if (connection == null) return;
    try {
      connection.close();
    } catch (SQLException e) {
      // already broken: what the probe found out
    }
    connection = null;
    probesOnConnection = 0;
  }

  /** The actor system stops; the probe must not leave a database connection behind. */
  private void stop() {
    synchronized (connectionLock) {
      stopped = true;
      closeConnection();
    }
    probeThread.shutdownNow();
  }

  private Connection openConnection() throws SQLException {
    NodeSettings.Jdbc jdbc = settings.jdbc();
    Properties properties = new Properties();
    properties.setProperty("user", jdbc.user());
    properties.setProperty("password", jdbc.password());
    if (jdbc.url().startsWith("jdbc:postgresql:")) {
      // The driver's defaults wait 10 s to connect and forever on a read: a stalled database
      // must fail the probe, not hang it.
      properties.setProperty("connectTimeout", String.valueOf(PROBE_TIMEOUT_SECONDS));
      properties.setProperty("socketTimeout", String.valueOf(PROBE_TIMEOUT_SECONDS + 1));
    }
    return DriverManager.getConnection(jdbc.url(), properties);
  }

  /** A recovery through the journal and snapshot plugins; false while their circuit breakers are open. */
  private boolean pluginsAnswer() {
    if (!runsHosts) return true;
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    system.systemActorOf(JournalProbe.create(result), "journal-probe-" + probes.incrementAndGet(), Props.empty());
    try {
      return result.get(PROBE_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }
}
