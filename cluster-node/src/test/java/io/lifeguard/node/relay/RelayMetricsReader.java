package io.lifeguard.node.relay;

/** Reads one unlabelled sample (or the sum over labels) from Prometheus text output. */
final class RelayMetricsReader {
  private RelayMetricsReader() {}

  static double value(String text, String name) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#")) continue;
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  static double value(String text, String name, String labels) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{" + labels + "}")) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
    return 0;
  }
}
