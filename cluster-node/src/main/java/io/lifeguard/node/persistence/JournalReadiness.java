package io.lifeguard.node.persistence;

import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.health.Dependencies;
import io.lifeguard.node.health.Readiness;
import io.lifeguard.sharding.host.HostEntity;
import io.lifeguard.sharding.persistence.JournalSchema;
import io.lifeguard.sharding.persistence.JournalWarmup;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the journal's tables exist, retrying until the database answers; until then the
 * {@code journal} readiness check is false. Afterwards it keeps probing the database every few
 * seconds as the {@code journal} dependency of the {@code hosts} feature: a node that loses its
 * journal keeps serving relay, bridge and bus clients (host entities run wherever sharding places
 * them), so the loss degrades hosts on this node and does not make it unready. Runs on the
 * blocking dispatcher: JDBC blocks. Once the tables exist, a node that runs host entities warms
 * the journal up ({@link JournalWarmup}) so that taking over hosts after a crash does not wait for it.
 */
public final class JournalReadiness {
  private static final Logger log = LoggerFactory.getLogger(JournalReadiness.class);
  private static final Duration RETRY = Duration.ofSeconds(2);
  private static final Duration PROBE_EVERY = Duration.ofSeconds(5);
  private static final int PROBE_TIMEOUT_SECONDS = 2;

  private JournalReadiness() {}

  public static void init(ActorSystem<?> system, NodeSettings settings, Readiness readiness) {
    Readiness.Flag ready = readiness.flag("journal");
    Readiness.Flag reachable = new Readiness.Flag();
    if (settings.cluster().roles().contains(HostEntity.ROLE)) {
      readiness.dependencies().register("journal", "hosts", () -> !ready.get() ? Dependencies.Status.CONNECTING
          : reachable.get() ? Dependencies.Status.OK : Dependencies.Status.UNREACHABLE);
    }
    var blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    CompletableFuture.runAsync(() -> attempt(system, settings, ready, reachable, 1), blocking);
  }

  private static void attempt(ActorSystem<?> system, NodeSettings settings, Readiness.Flag ready, Readiness.Flag reachable,
      int attempt) {
    NodeSettings.Jdbc jdbc = settings.jdbc();
    try {
      if (jdbc.embedded()) Files.createDirectories(settings.dataDir());
      JournalSchema.ensure(jdbc.url(), jdbc.user(), jdbc.password());
      reachable.set(true);
      ready.set(true);
      if (settings.cluster().roles().contains(HostEntity.ROLE)) {
        system.systemActorOf(JournalWarmup.create(), "journal-warmup", Props.empty());
      }
      system.scheduler().scheduleWithFixedDelay(PROBE_EVERY, PROBE_EVERY,
          () -> probe(settings, reachable), system.dispatchers().lookup(DispatcherSelector.blocking()));
    } catch (Exception e) {
      log.warn("journal not reachable (attempt {}), retrying in {}s: {}", attempt, RETRY.toSeconds(), e.getMessage());
      system.scheduler().scheduleOnce(
          RETRY,
          () -> attempt(system, settings, ready, reachable, attempt + 1),
          system.dispatchers().lookup(DispatcherSelector.blocking()));
    }
  }

  private static void probe(NodeSettings settings, Readiness.Flag reachable) {
    NodeSettings.Jdbc jdbc = settings.jdbc();
    boolean ok;
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password())) {
      ok = c.isValid(PROBE_TIMEOUT_SECONDS);
    } catch (java.sql.SQLException e) {
      ok = false;
    }
    if (ok != reachable.get()) {
      if (ok) log.info("journal database reachable again");
      else log.warn("journal database unreachable: host entities cannot run on this node until it is back");
    }
    reachable.set(ok);
  }
}
