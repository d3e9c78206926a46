package io.lifeguard.node.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * Command line tools some tests drive (promtool, Chromium, Python with redis/PyYAML). On a laptop
 * without them those tests are skipped with the package to install; under {@code .ci/run}, which
 * installs them and sets {@code LIFEGUARD_REQUIRE_TOOLS=1}, a missing tool fails the test, so a
 * green CI run always includes them.
 */
public final class RequiredTools {
  private RequiredTools() {}

  public static void require(boolean present, String missingMessage) {
    if (present) return;
    if ("1".equals(System.getenv("LIFEGUARD_REQUIRE_TOOLS"))) {
      throw new AssertionError(missingMessage + " (LIFEGUARD_REQUIRE_TOOLS=1: tools are mandatory here)");
    }
    Assumptions.assumeTrue(false, missingMessage);
  }
}
