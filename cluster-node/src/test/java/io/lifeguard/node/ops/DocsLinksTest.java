package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of the README and docs/ names a file inside the repository: a fresh clone has
 * nothing beside it (issue 15: the README linked a design file outside the repository).
 */
class DocsLinksTest {
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s#]+)(#[^)\\s]*)?\\)");

  @Test
  void relativeLinksStayInsideTheRepositoryAndResolve() throws IOException {
    Path root = OpsFiles.root().toRealPath();
    List<Path> pages;
    try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
      pages = Stream.concat(Stream.of(root.resolve("README.md"), root.resolve("ops/k8s/README.md")),
          docs.filter(p -> p.toString().endsWith(".md"))).toList();
    }
    assertTrue(pages.size() > 10, pages.toString());
    Set<String> broken = new TreeSet<>();
    int checked = 0;
    for (Path page : pages) {
      Matcher m = LINK.matcher(Files.readString(page));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("[a-z]+:.*")) continue; // http:, https:, mailto:
        checked++;
        Path resolved = page.getParent().resolve(target).normalize();
        if (!resolved.startsWith(root) || !Files.exists(resolved)) broken.add(root.relativize(page) + " -> " + target);
      }
    }
    assertTrue(checked > 20, "links checked: " + checked);
    assertEquals(Set.of(), broken, "links that leave the repository or name no file");
  }
}
