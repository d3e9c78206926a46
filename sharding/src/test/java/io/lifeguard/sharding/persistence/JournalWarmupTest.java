package io.lifeguard.sharding.persistence;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.ConfigFactory;
import io.lifeguard.sharding.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
  private static ActorTestKit kit;

  @BeforeAll
  static void start() throws Exception {
    TestPostgres.ensureDatabase();
    // A cold JDBC plugin can take seconds to start on a busy machine.
    kit = ActorTestKit.create("warmup", ConfigFactory.parseString("pekko.actor.testkit.typed.filter-leeway = 30s")
        .withFallback(TestPostgres.journalConfig()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void recoversThroughTheJournalThenStopsWithoutWriting() throws Exception {
    TestProbe<Object> watcher = kit.createTestProbe();
    ActorRef<JournalProbe.Command> warmup = LoggingTestKit.info("journal warmed up")
        .expect(kit.system(), () -> kit.spawn(JournalWarmup.create(), "journal-warmup"));
    watcher.expectTerminated(warmup, Duration.ofSeconds(10));
    try (Connection c = DriverManager.getConnection(TestPostgres.URL, TestPostgres.USER, "");
        PreparedStatement written = c.prepareStatement("SELECT 1 FROM event_journal WHERE persistence_id = ?")) {
      written.setString(1, JournalWarmup.PERSISTENCE_ID);
      try (ResultSet rs = written.executeQuery()) {
        assertFalse(rs.next(), "the warm-up only reads");
      }
    }
  }
}
