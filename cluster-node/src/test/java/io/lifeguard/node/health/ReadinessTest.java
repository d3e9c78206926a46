package io.lifeguard.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  @Test
  void notReadyUntilEveryCheckPasses() {
    Readiness readiness = new Readiness();
    Readiness.Flag http = readiness.flag("http");
    Readiness.Flag journal = readiness.flag("journal");
    assertFalse(readiness.report().ready());
    http.set(true);
    assertFalse(readiness.report().ready());
    journal.set(true);
    assertTrue(readiness.report().ready());
    assertEquals(Map.of("http", true, "journal", true), readiness.report().checks());
  }

  @Test
  void drainingOverridesPassingChecks() {
    Readiness readiness = new Readiness();
    readiness.flag("http").set(true);
    readiness.startDraining();
    Readiness.Report report = readiness.report();
    assertFalse(report.ready());
    assertTrue(report.draining());
  }

  @Test
  void aThrowingCheckCountsAsFailing() {
    Readiness readiness = new Readiness();
    readiness.register("redis", () -> {
      throw new IllegalStateException("down");
    });
    assertFalse(readiness.report().checks().get("redis"));
  }
}
