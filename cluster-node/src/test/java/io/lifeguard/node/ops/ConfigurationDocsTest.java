package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.lifeguard.node.config.EnvironmentOverrides;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/configuration.md names every configuration key and every environment variable. */
class ConfigurationDocsTest {
  private static final List<String> FILES = List.of("application.conf", "lifeguard-cluster.conf",
      "lifeguard-http.conf", "lifeguard-persistence.conf", "lifeguard-serialization.conf",
      "lifeguard-kubernetes.conf", "logback.xml");

  @Test
  void everyLifeguardKeyIsDocumented() {
    String docs = OpsFiles.read("docs/configuration.md");
    Set<String> missing = new TreeSet<>();
    for (var entry : ConfigFactory.parseResources("application.conf").resolve().getConfig("lifeguard").entrySet()) {
      String key = "lifeguard." + entry.getKey();
      if (!docs.contains("`" + key + "`")) missing.add(key);
    }
    assertEquals(Set.of(), missing, "configuration keys missing from docs/configuration.md");
  }

  @Test
  void everyEnvironmentVariableIsDocumented() throws IOException {
    String docs = OpsFiles.read("docs/configuration.md");
    Set<String> variables = new TreeSet<>();
    for (String file : FILES) {
      try (InputStream in = getClass().getClassLoader().getResourceAsStream(file)) {
        // HOCON's ${?VAR}, and logback's ${VAR:-default} in logback.xml.
        Matcher m = Pattern.compile("\\$\\{\\??([A-Z][A-Z0-9_]+)(?:}|:-)").matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        while (m.find()) variables.add(m.group(1));
      }
    }
    assertTrue(variables.contains("LIFEGUARD_HTTP_PORT") && variables.contains("LOG_LEVEL"), variables.toString());
    Set<String> missing = new TreeSet<>();
    for (String variable : variables) if (!docs.contains("`" + variable + "`")) missing.add(variable);
    assertEquals(Set.of(), missing, "environment variables missing from docs/configuration.md");
  }

  @Test
  void documentedOverridesMatchEnvironmentOverrides() {
    String docs = OpsFiles.read("docs/configuration.md");
    for (Map.Entry<String, String> e : EnvironmentOverrides.KEYS.entrySet()) {
      boolean sameRow = docs.lines().anyMatch(line ->
          line.startsWith("| `" + e.getKey() + "` |") && line.contains("`" + e.getValue() + "`"));
      assertTrue(sameRow, e.getKey() + " should be documented with " + e.getValue());
    }
  }
}
