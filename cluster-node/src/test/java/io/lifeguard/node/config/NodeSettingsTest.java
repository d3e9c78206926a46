package io.lifeguard.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeSettingsTest {
  private static InvalidSettingException invalid(String key, Object value) {
    return assertThrows(InvalidSettingException.class, () -> NodeConfig.withOverrides(Map.of(key, value)));
  }

  @Test
  void defaultsDescribeAnEmbeddedSingleNode() {
    NodeSettings settings = NodeConfig.withOverrides(Map.of()).settings();
    assertEquals("127.0.0.1", settings.http().host());
    assertEquals(8080, settings.http().port());
    assertTrue(settings.jdbc().embedded());
    assertTrue(settings.jdbc().url().startsWith("jdbc:h2:file:"));
    assertEquals(List.of(), settings.cluster().seedNodes());
    assertEquals(Set.of("relay", "bridge", "manager"), settings.cluster().roles());
  }

  @Test
  void aBadPortNamesTheKeyAndItsEnvironmentVariable() {
    InvalidSettingException e = invalid("lifeguard.http.port", "eighty");
    assertTrue(e.getMessage().contains("lifeguard.http.port"), e.getMessage());
    assertTrue(e.getMessage().contains("LIFEGUARD_HTTP_PORT"), e.getMessage());
    assertTrue(e.getMessage().contains("eighty"), e.getMessage());
    invalid("lifeguard.http.port", 70000);
  }

  @Test
  void otherInvalidValuesAreRefused() {
    assertTrue(invalid("lifeguard.jdbc.url", "jdbc:mysql://x/y").getMessage().contains("LIFEGUARD_JDBC_URL"));
    assertTrue(invalid("lifeguard.redis.url", "http://127.0.0.1").getMessage().contains("LIFEGUARD_REDIS_URL"));
    assertTrue(invalid("lifeguard.cluster.seed-nodes", "127.0.0.1").getMessage().contains("LIFEGUARD_SEED_NODES"));
    assertTrue(invalid("lifeguard.cluster.roles", "relay,gateway").getMessage().contains("gateway"));
    assertTrue(invalid("lifeguard.production", "maybe").getMessage().contains("LIFEGUARD_PRODUCTION"));
    assertTrue(invalid("lifeguard.ask-timeout", "soon").getMessage().contains("lifeguard.ask-timeout"));
  }

  @Test
  void seedsAndRolesAreDerivedIntoPekkoSettings() {
    NodeConfig.Loaded loaded = NodeConfig.withOverrides(Map.of(
        "lifeguard.cluster.seed-nodes", "127.0.0.1:25520, 127.0.0.1:25521",
        "lifeguard.cluster.roles", "relay",
        "lifeguard.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/lifeguard"));
    assertEquals(
        List.of("pekko://lifeguard@127.0.0.1:25520", "pekko://lifeguard@127.0.0.1:25521"),
        loaded.config().getStringList("pekko.cluster.seed-nodes"));
    assertEquals(List.of("relay"), loaded.config().getStringList("pekko.cluster.roles"));
    assertEquals("slick.jdbc.PostgresProfile$",
        loaded.config().getString("pekko-persistence-jdbc.shared-databases.lifeguard.profile"));
  }
}
