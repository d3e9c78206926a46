package io.lifeguard.sharding.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates pekko-persistence-jdbc's tables when they are missing, from the DDL shipped inside its jar.
 *
 * <p>Pekko's own {@code SchemaUtils.createIfNotExists} lives in a testkit and swallows DDL errors at
 * DEBUG, so a node would start with no journal and fail on the first write. This runs the same
 * scripts with every statement made idempotent, statement by statement in autocommit (PostgreSQL's
 * {@code CREATE INDEX CONCURRENTLY} cannot run inside a transaction), and fails loudly otherwise.
 */
public final class JournalSchema {
  private static final Logger log = LoggerFactory.getLogger(JournalSchema.class);
  /** duplicate_table, duplicate_object, unique_violation on pg_class: another node created it first. */
  private static final Set<String> ALREADY_EXISTS_STATES = Set.of("42P07", "42710", "23505", "42S01", "42S11");

  private JournalSchema() {}

  /** The database dialects the node supports, chosen from the JDBC URL. */
  public enum Dialect {
    H2("schema/h2/h2-create-schema.sql", "slick.jdbc.H2Profile$", "org.h2.Driver"),
    POSTGRES("schema/postgres/postgres-create-schema.sql", "slick.jdbc.PostgresProfile$", "org.postgresql.Driver");

    public final String script;
    public final String slickProfile;
    public final String driver;

    Dialect(String script, String slickProfile, String driver) {
      this.script = script;
      this.slickProfile = slickProfile;
      this.driver = driver;
    }

    /** The dialect for a JDBC URL, or IllegalArgumentException naming what is supported. */
    public static Dialect of(String jdbcUrl) {
      if (jdbcUrl.startsWith("jdbc:h2:")) return H2;
      if (jdbcUrl.startsWith("jdbc:postgresql:")) return POSTGRES;
      throw new IllegalArgumentException(
          "unsupported JDBC URL '" + jdbcUrl + "': use jdbc:h2:... or jdbc:postgresql://...");
    }
  }

  /** Creates the journal, tag, snapshot and durable-state tables unless they exist. */
  public static void ensure(String jdbcUrl, String user, String password) throws SQLException {
    Dialect dialect = Dialect.of(jdbcUrl);
    List<String> statements = statements(dialect);
    try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password);
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(true);
      for (String sql : statements) {
        try {
          statement.execute(sql);
        } catch (SQLException e) {
          if (!ALREADY_EXISTS_STATES.contains(e.getSQLState())) throw e;
          log.debug("schema object already present ({}): {}", e.getSQLState(), e.getMessage());
        }
      }
    }
    log.info("journal schema ready on {} ({} statements)", dialect, statements.size());
  }

  /** The dialect's DDL, split into statements, each rewritten to be a no-op when already applied. */
  static List<String> statements(Dialect dialect) {
    String script = readResource(dialect.script);
    List<String> out = new ArrayList<>();
    for (String raw : script.split(";")) {
      String sql = raw.strip();
      if (sql.isEmpty()) continue;
      out.add(idempotent(sql));
    }
    return out;
  }

  private static String idempotent(String sql) {
    String upper = sql.toUpperCase(Locale.ROOT);
    if (upper.startsWith("CREATE UNIQUE INDEX ") && !upper.contains("IF NOT EXISTS")) {
      return "CREATE UNIQUE INDEX IF NOT EXISTS " + sql.substring("CREATE UNIQUE INDEX ".length());
    }
    if (upper.startsWith("CREATE INDEX CONCURRENTLY ") && !upper.contains("IF NOT EXISTS")) {
      return "CREATE INDEX CONCURRENTLY IF NOT EXISTS " + sql.substring("CREATE INDEX CONCURRENTLY ".length());
    }
    if (upper.startsWith("CREATE INDEX ") && !upper.contains("IF NOT EXISTS")) {
      return "CREATE INDEX IF NOT EXISTS " + sql.substring("CREATE INDEX ".length());
    }
    return sql;
  }

  private static String readResource(String path) {
    try (InputStream in = JournalSchema.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) throw new IllegalStateException("DDL " + path + " missing from pekko-persistence-jdbc jar");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path, e);
    }
  }
}
