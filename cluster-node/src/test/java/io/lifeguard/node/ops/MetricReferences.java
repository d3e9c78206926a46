package io.lifeguard.node.ops;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Metric names used in PromQL text: the node's own and the external ones the rules rely on. */
final class MetricReferences {
  private static final Pattern METRIC = Pattern.compile(
      "(?<![a-zA-Z0-9_:])(lifeguard_[a-z0-9_]+|container_[a-z0-9_]+|kube_[a-z0-9_]+|process_[a-z0-9_]+|jvm_[a-z0-9_]+|up)(?=\\s*[{\\[)]|\\s*$|\\s+(?:by|and|or|unless|[-+*/<>=!]))",
      Pattern.MULTILINE);
  private static final Pattern RECORDING = Pattern.compile("(?<![a-zA-Z0-9_:])(lifeguard:[a-z0-9_:]+)");

  private MetricReferences() {}

  static Set<String> in(String promql) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(promql);
    while (m.find()) names.add(OpsFiles.family(m.group(1)));
    return names;
  }

  static Set<String> recordingRules(String promql) {
    Set<String> names = new TreeSet<>();
    Matcher m = RECORDING.matcher(promql);
    while (m.find()) names.add(m.group(1));
    return names;
  }
}
