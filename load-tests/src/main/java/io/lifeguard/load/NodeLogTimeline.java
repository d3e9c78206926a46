package io.lifeguard.load;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a kill's time went, read from the survivors' logs (text format, lines starting with
 * {@code HH:mm:ss.SSS} in the local zone): for each milestone the first and last line after the
 * kill, in seconds after it, and how many lines. Needs the nodes at LOG_LEVEL=INFO for the
 * membership lines and LOG_PEKKO_DETAIL=INFO for the sharding ones.
 */
final class NodeLogTimeline {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  /** A milestone's label and the text that marks it in a node log. */
  record Milestone(String label, String marker) {}

  static final List<Milestone> KILL = List.of(
      new Milestone("killed node marked unreachable", "Marking node as UNREACHABLE"),
      new Milestone("split brain resolver downs it", "SBR took decision"),
      new Milestone("leader removes it", "Leader is removing"),
      new Milestone("survivors re-join their relay connections to moved sessions", "removed: re-joining"),
      new Milestone("relay shard coordinator moved (killed node was the oldest)", "relay-session: ShardCoordinator was moved"),
      new Milestone("handshake refused try_again_later (join did not get through)", "try_again_later (session unavailable"),
      new Milestone("joined peer closed try_again_later (rejoin gave up)", "try_again_later (session unreachable"),
      new Milestone("any WARN or ERROR on a survivor", " WARN "),
      new Milestone("any ERROR on a survivor", " ERROR "));

  private NodeLogTimeline() {}

  /** Milestone label to {first_s, last_s, lines}, for milestones seen after {@code killedAt}. */
  static Map<String, Object> read(Instant killedAt, List<List<String>> logs) {
    LocalTime kill = LocalTime.ofInstant(killedAt, ZoneId.systemDefault());
    Map<String, Object> out = new LinkedHashMap<>();
    for (Milestone m : KILL) {
      double first = Double.MAX_VALUE;
      double last = -1;
      long lines = 0;
      for (List<String> log : logs) {
        for (String line : log) {
          if (line.length() < 12 || !line.contains(m.marker())) continue;
          double at;
          try {
            at = Duration.between(kill, LocalTime.parse(line.substring(0, 12), TIME)).toMillis() / 1000.0;
          } catch (DateTimeParseException e) {
            continue;
          }
          if (at < 0) continue;
          first = Math.min(first, at);
          last = Math.max(last, at);
          lines++;
        }
      }
      if (lines > 0) out.put(m.label(), Map.of("first_s", first, "last_s", last, "lines", lines));
    }
    return out;
  }
}
