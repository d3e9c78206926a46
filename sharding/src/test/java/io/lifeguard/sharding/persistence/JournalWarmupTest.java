package io.lifeguard.sharding.persistence;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The warm-up recovers through the real PostgreSQL journal, stops by itself and writes nothing. */
class JournalWarmupTest {
  private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
  private static final String URL = SERVER + "lifeguard_test";
  private static ActorTestKit kit;

  @BeforeAll
  static void start() throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'lifeguard_test'")) {
      if (!rs.next()) {
        try (Statement create = c.createStatement()) {
          create.execute("CREATE DATABASE lifeguard_test");
        } catch (java.sql.SQLException e) {
          if (!"42P04".equals(e.getSQLState())) throw e; // created concurrently by another test run
        }
      }
    }
    JournalSchema.ensure(URL, "postgres", "");
    kit = ActorTestKit.create("warmup", ConfigFactory.parseString("""
        # A cold JDBC plugin can take seconds to start on a busy machine.
        pekko.actor.testkit.typed.filter-leeway = 30s
        pekko.persistence.journal.plugin = "jdbc-journal"
        pekko.persistence.snapshot-store.plugin = "jdbc-snapshot-store"
        jdbc-journal.use-shared-db = "lifeguard"
        jdbc-snapshot-store.use-shared-db = "lifeguard"
        pekko-persistence-jdbc.shared-databases.lifeguard {
          profile = "slick.jdbc.PostgresProfile$"
          db {
            url = "%s"
            user = "postgres"
            password = ""
            driver = "org.postgresql.Driver"
            numThreads = 2
            maxConnections = 2
            minConnections = 1
          }
        }
        """.formatted(URL)).withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void recoversThroughTheJournalThenStopsWithoutWriting() throws Exception {
    TestProbe<Object> watcher = kit.createTestProbe();
    ActorRef<JournalWarmup.Command> warmup = LoggingTestKit.info("journal warmed up")
        .expect(kit.system(), () -> kit.spawn(JournalWarmup.create(), "journal-warmup"));
    watcher.expectTerminated(warmup, Duration.ofSeconds(10));
    try (Connection c = DriverManager.getConnection(URL, "postgres", "");
        PreparedStatement written = c.prepareStatement("SELECT 1 FROM event_journal WHERE persistence_id = ?")) {
      written.setString(1, JournalWarmup.PERSISTENCE_ID);
      try (ResultSet rs = written.executeQuery()) {
        assertFalse(rs.next(), "the warm-up only reads");
      }
    }
  }
}
