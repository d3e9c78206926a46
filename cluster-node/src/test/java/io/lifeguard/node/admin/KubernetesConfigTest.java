package io.lifeguard.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** lifeguard-kubernetes.conf parses, layers over application.conf and turns bootstrap on. */
class KubernetesConfigTest {
  @Test
  void kubernetesFileEnablesBootstrapWithKubernetesApiDiscovery() {
    ConfigFactory.invalidateCaches();
    Config config = ConfigFactory.parseResources("lifeguard-kubernetes.conf").withFallback(ConfigFactory.defaultReference()).resolve();
    assertTrue(AdminSettings.create(config).bootstrap());
    assertEquals("kubernetes-api", config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    assertEquals("0.0.0.0", config.getString("pekko.management.http.bind-hostname"));
    assertTrue(config.getString("lifeguard.cluster.seed-nodes").isEmpty());
    assertEquals("app=%s", config.getString("pekko.discovery.kubernetes-api.pod-label-selector"));
    assertEquals(Duration.ofSeconds(2), AdminSettings.create(config).nodeTimeout(), "application.conf is included");
  }

  @Test
  void defaultConfigurationUsesStaticSeeds() {
    assertFalse(AdminSettings.create(ConfigFactory.load()).bootstrap());
  }
}
