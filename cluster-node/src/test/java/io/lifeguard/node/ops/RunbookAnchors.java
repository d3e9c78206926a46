package io.lifeguard.node.ops;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GitHub-style anchors of a Markdown file's headings. */
final class RunbookAnchors {
  private RunbookAnchors() {}

  static Set<String> of(String markdown) {
    Set<String> anchors = new TreeSet<>();
    Matcher m = Pattern.compile("^#{1,6} (.+)$", Pattern.MULTILINE).matcher(markdown);
    while (m.find()) {
      anchors.add(m.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").replace(' ', '-'));
    }
    return anchors;
  }
}
