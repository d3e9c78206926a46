package io.lifeguard.node.cluster;

import io.lifeguard.node.testing.NodeProcess;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a crash failover's time went, read from the survivors' logs: the first time any survivor
 * logged each milestone, in seconds after the kill. Printed by failover tests so a figure can be
 * explained (detection, downing, removal, shard reallocation, recovery) rather than just reported.
 * Node logs start with {@code HH:mm:ss.SSS} in the local zone, the same clock the test reads.
 */
final class FailoverTimeline {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  /** A milestone's label and the text that marks it in a node log. */
  record Milestone(String label, String marker) {}

  static final List<Milestone> CRASH = List.of(
      new Milestone("marked unreachable", "Marking node as UNREACHABLE"),
      new Milestone("split brain resolver downs it", "SBR took decision"),
      new Milestone("leader removes it", "Leader is removing"),
      new Milestone("host coordinator active (it moved)", "host: ShardCoordinator was moved to the active state"),
      new Milestone("host shard allocated on a survivor", "node_load_before="),
      new Milestone("host entity recovered", "host recovered:"));

  private FailoverTimeline() {}

  /** One line per milestone seen after {@code killedAt} on any of {@code survivors}, earliest first. */
  static String describe(Instant killedAt, List<NodeProcess> survivors, List<Milestone> milestones) {
    return describeLogs(killedAt, survivors.stream().map(NodeProcess::log).toList(), milestones);
  }

  /** The same from node logs' text: the first line of each milestone after {@code since}. */
  static String describeLogs(Instant since, List<String> logs, List<Milestone> milestones) {
    LocalTime kill = LocalTime.ofInstant(since, ZoneId.systemDefault());
    Map<String, Double> seen = new LinkedHashMap<>();
    for (Milestone m : milestones) {
      for (String log : logs) {
        for (String line : log.split("\n")) {
          if (!line.contains(m.marker()) || line.length() < 12) continue;
          double at;
          try {
            at = java.time.Duration.between(kill, LocalTime.parse(line.substring(0, 12), TIME)).toMillis() / 1000.0;
          } catch (DateTimeParseException e) {
            continue;
          }
          if (at >= 0) seen.merge(m.label(), at, Math::min);
        }
      }
    }
    List<Map.Entry<String, Double>> ordered = new ArrayList<>(seen.entrySet());
    ordered.sort(Comparator.comparing(Map.Entry::getValue));
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, Double> e : ordered) out.append(String.format("  %5.2f s  %s%n", e.getValue(), e.getKey()));
    return out.toString();
  }
}
