package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.Processes;
import io.lifeguard.node.testing.RequiredTools;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * ops/prometheus: {@code promtool check rules} accepts the rules, {@code promtool test rules}
 * passes the alert unit tests, the required alerts exist, and every metric they use is documented.
 * promtool comes from the Debian package {@code prometheus}; CI installs it.
 */
class PrometheusRulesTest {
  static final String RULES = "ops/prometheus/lifeguard-alerts.yml";

  private static void assumePromtool() {
    RequiredTools.require(Processes.onPath("promtool"),
        "promtool not on PATH: install it with `apt-get install -y prometheus` (CI does)");
  }

  @Test
  void promtoolAcceptsTheRules() throws Exception {
    assumePromtool();
    Processes.Result result = Processes.run(OpsFiles.resolve("ops/prometheus").toFile(),
        List.of("promtool", "check", "rules", "lifeguard-alerts.yml"));
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("SUCCESS"), result.output());
  }

  @Test
  void alertUnitTestsPass() throws Exception {
    assumePromtool();
    Processes.Result result = Processes.run(OpsFiles.resolve("ops/prometheus").toFile(),
        List.of("promtool", "test", "rules", "lifeguard-alerts.test.yml"));
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("SUCCESS"), result.output());
  }

  @Test
  void theRequiredAlertsExistAndTheirUnitTestsCoverAtLeastTwo() {
    String rules = OpsFiles.read(RULES);
    for (String alert : List.of("LifeguardFallbackActivationRateHigh", "LifeguardConnectionChurnHigh", "LifeguardCpuHigh",
        "LifeguardHandshakeFailureSpike", "LifeguardFlowControlDropSpike", "LifeguardClusterMemberUnreachable")) {
      assertTrue(rules.contains("- alert: " + alert + "\n"), alert + " missing");
    }
    assertTrue(rules.contains("> 0.005"), "activation threshold 0.5%");
    assertTrue(rules.contains("> 0.2"), "churn threshold 20%");
    assertTrue(rules.contains("> 0.7"), "CPU threshold 70%");
    Set<String> tested = new TreeSet<>();
    Matcher m = Pattern.compile("alertname: (\\S+)").matcher(OpsFiles.read("ops/prometheus/lifeguard-alerts.test.yml"));
    while (m.find()) tested.add(m.group(1));
    assertTrue(tested.size() >= 2, "alerts with unit tests: " + tested);
  }

  @Test
  void everyMetricInTheRulesIsDocumented() {
    Set<String> missing = new TreeSet<>(MetricReferences.in(OpsFiles.read(RULES)));
    missing.removeAll(OpsFiles.documentedMetrics());
    assertEquals(Set.of(), missing, "used by " + RULES + " but not in docs/metrics.md");
  }

  @Test
  void everyRunbookLinkPointsAtAHeading() {
    Set<String> anchors = RunbookAnchors.of(OpsFiles.read("docs/operations/runbook.md"));
    Matcher m = Pattern.compile("runbook\\.md#([a-z0-9-]+)").matcher(OpsFiles.read(RULES));
    int links = 0;
    while (m.find()) {
      links++;
      assertTrue(anchors.contains(m.group(1)), "no runbook heading for #" + m.group(1) + " in " + anchors);
    }
    assertTrue(links >= 6, "alerts link the runbook");
  }
}
