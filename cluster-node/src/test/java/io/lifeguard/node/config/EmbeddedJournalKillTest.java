package io.lifeguard.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the embedded journal has committed survives the process being SIGKILLed right after. */
class EmbeddedJournalKillTest {
  private static final int ROWS = 5;

  /** Run in a child JVM: commits rows on the node's embedded journal URL, says so, then waits to be killed. */
  public static final class Writer {
    public static void main(String[] args) throws Exception {
      Connection c = DriverManager.getConnection(NodeSettings.embeddedJournalUrl(Path.of(args[0])), "sa", "");
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE events(id INT PRIMARY KEY)");
        for (int i = 0; i < ROWS; i++) s.execute("INSERT INTO events VALUES (" + i + ")");
      }
      System.out.println("committed");
      System.out.flush();
      // Blocks until killed (or until the test JVM goes away and closes this pipe).
      System.in.read();
    }
  }

  @Test
  void commitsAreOnDiskBeforeTheyReturn(@TempDir Path dataDir) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process writer = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), Writer.class.getName(), dataDir.toString())
        .redirectErrorStream(true)
        .start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("committed")) { }
      assertEquals("committed", line, "the writer committed its rows");
      // SIGKILL at once: H2's default write delay (500 ms) lost every row here.
      writer.destroyForcibly();
      assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(Files.exists(dataDir.resolve("journal.mv.db")));
    try (Connection c = DriverManager.getConnection(NodeSettings.embeddedJournalUrl(dataDir), "sa", "");
        ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*) FROM events")) {
      r.next();
      assertEquals(ROWS, r.getInt(1), "every committed row survived the kill");
    }
  }
}
