package io.lifeguard.sharding.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.lifeguard.sharding.persistence.JournalSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The machine's PostgreSQL (127.0.0.1:5432, user {@code postgres}, trust auth) as the tests use it:
 * one database, {@value #DATABASE}, created on first use with the journal schema in it. Shared by
 * the sharding tests and, through this module's test-jar, the node's multi-node tests.
 */
public final class TestPostgres {
  public static final String DATABASE = "lifeguard_test";
  public static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
  public static final String URL = SERVER + DATABASE;
  public static final String USER = "postgres";

  private TestPostgres() {}

  /** Creates the database if missing (tolerating a concurrent run creating it too) and its journal tables. */
  public static String ensureDatabase() throws SQLException {
    try (Connection c = DriverManager.getConnection(SERVER + "postgres", USER, "");
        PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, DATABASE);
      try (ResultSet rs = exists.executeQuery()) {
        if (!rs.next()) {
          try (Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
          } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) throw e; // created concurrently by another test run
          }
        }
      }
    }
    JournalSchema.ensure(URL, USER, "");
    return URL;
  }

  /** Pekko Persistence on the JDBC plugin against {@link #URL}, over the module's defaults. */
  public static Config journalConfig() {
    return ConfigFactory.parseString("""
        pekko.persistence.journal.plugin = "jdbc-journal"
        pekko.persistence.snapshot-store.plugin = "jdbc-snapshot-store"
        jdbc-journal.use-shared-db = "lifeguard"
        jdbc-snapshot-store.use-shared-db = "lifeguard"
        jdbc-read-journal.use-shared-db = "lifeguard"
        pekko-persistence-jdbc.shared-databases.lifeguard {
          profile = "slick.jdbc.PostgresProfile$"
          db {
            url = "%s"
            user = "%s"
            password = ""
            driver = "org.postgresql.Driver"
            numThreads = 2
            maxConnections = 2
            minConnections = 1
          }
        }
        """.formatted(URL, USER)).withFallback(ConfigFactory.load());
  }
}
