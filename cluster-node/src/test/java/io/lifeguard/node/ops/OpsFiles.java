package io.lifeguard.node.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Paths of the repository's ops and docs files, resolved from the cluster-node module folder. */
final class OpsFiles {
  private OpsFiles() {}

  static Path root() {
    return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
  }

  static Path resolve(String relative) {
    return root().resolve(relative);
  }

  static String read(String relative) {
    try {
      return Files.readString(resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Metric names written in back-quotes in docs/metrics.md's tables. */
  static Set<String> documentedMetrics() {
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("^\\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \\|", Pattern.MULTILINE)
        .matcher(read("docs/metrics.md"));
    while (m.find()) names.add(m.group(1));
    return names;
  }

  /** Histogram and summary series map to their family name. */
  static String family(String series) {
    return series.replaceAll("_(bucket|count|sum|created)$", "");
  }
}
