package io.lifeguard.node.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.config.InvalidSettingException;
import io.lifeguard.node.config.NodeConfig;
import io.lifeguard.node.testing.NodeProcess;
import io.lifeguard.node.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Unusable mutual-TLS settings stop start-up with a message naming the key and its variable. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MutualTlsSettingsTest {
  private TestPki pki;
  private Path serverStore;

  @BeforeAll
  void certificates() {
    pki = TestPki.authority("Settings Test CA");
    serverStore = pki.issue("server", "localhost", "ip:127.0.0.1");
  }

  private Map<String, Object> valid() {
    Map<String, Object> config = new HashMap<>();
    config.put("lifeguard.control.mtls.enabled", "true");
    config.put("lifeguard.control.mtls.port", "18443");
    config.put("lifeguard.control.mtls.key-store", serverStore.toString());
    config.put("lifeguard.control.mtls.key-store-password", TestPki.PASSWORD);
    config.put("lifeguard.control.mtls.trust-store", pki.trustStore().toString());
    config.put("lifeguard.control.mtls.trust-store-password", TestPki.PASSWORD);
    return config;
  }

  private static Map<String, Object> with(Map<String, Object> config, String key, Object value) {
    config.put(key, value);
    return config;
  }

  private static String refusal(Map<String, Object> config, String key, String variable) {
    var loaded = NodeConfig.withOverrides(config);
    var e = assertThrows(InvalidSettingException.class, () -> ControlConfig.preflight(loaded.config(), loaded.settings()));
    assertTrue(e.getMessage().contains("invalid configuration " + key + " (environment " + variable + ")"), e.getMessage());
    return e.getMessage();
  }

  @Test
  void validStoresPassAndBuildAServerContext() {
    var loaded = NodeConfig.withOverrides(valid());
    ControlConfig.preflight(loaded.config(), loaded.settings());
    var settings = MutualTlsSettings.create(loaded.config(), loaded.settings());
    assertEquals("127.0.0.1", settings.host(), "an empty host means lifeguard.http.host");
    var engine = MutualTlsContext.serverEngine(MutualTlsContext.load(settings));
    assertTrue(engine.getNeedClientAuth());
    assertEquals(java.util.List.of("TLSv1.3", "TLSv1.2"), java.util.List.of(engine.getEnabledProtocols()));
    assertTrue(!settings.toString().contains(TestPki.PASSWORD), "passwords stay out of logs: " + settings);
  }

  @Test
  void aWrongPasswordNamesThePasswordSetting() {
    String message = refusal(with(valid(), "lifeguard.control.mtls.key-store-password", "not-the-password"),
        "lifeguard.control.mtls.key-store-password", "LIFEGUARD_MTLS_KEY_STORE_PASSWORD");
    assertTrue(!message.contains("not-the-password"), "the password is not echoed: " + message);
    refusal(with(valid(), "lifeguard.control.mtls.trust-store-password", "not-the-password"),
        "lifeguard.control.mtls.trust-store-password", "LIFEGUARD_MTLS_TRUST_STORE_PASSWORD");
  }

  @Test
  void missingUnreadableOrWrongStoresNameTheStoreSetting() throws Exception {
    Path missing = serverStore.resolveSibling("no-such-store.p12");
    assertTrue(refusal(with(valid(), "lifeguard.control.mtls.key-store", missing.toString()),
        "lifeguard.control.mtls.key-store", "LIFEGUARD_MTLS_KEY_STORE").contains(missing.toString()));
    Path pem = Files.writeString(serverStore.resolveSibling("not-pkcs12.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n");
    assertTrue(refusal(with(valid(), "lifeguard.control.mtls.trust-store", pem.toString()),
        "lifeguard.control.mtls.trust-store", "LIFEGUARD_MTLS_TRUST_STORE").contains("PKCS#12"));
    // Each store where the other belongs: no private key in the one, no trusted CA in the other.
    assertTrue(refusal(with(valid(), "lifeguard.control.mtls.key-store", pki.trustStore().toString()),
        "lifeguard.control.mtls.key-store", "LIFEGUARD_MTLS_KEY_STORE").contains("no private key"));
    assertTrue(refusal(with(valid(), "lifeguard.control.mtls.trust-store", serverStore.toString()),
        "lifeguard.control.mtls.trust-store", "LIFEGUARD_MTLS_TRUST_STORE").contains("no trusted certificate"));
    refusal(with(valid(), "lifeguard.control.mtls.trust-store", ""),
        "lifeguard.control.mtls.trust-store", "LIFEGUARD_MTLS_TRUST_STORE");
  }

  @Test
  void contradictorySwitchesAndPortsAreRefused() {
    refusal(with(with(valid(), "lifeguard.control.mtls.enabled", "false"), "lifeguard.control.mtls.require-on-plain-port", "true"),
        "lifeguard.control.mtls.require-on-plain-port", "LIFEGUARD_MTLS_REQUIRE_ON_PLAIN_PORT");
    refusal(with(with(valid(), "lifeguard.control.mtls.enabled", "false"), "lifeguard.control.mtls.bind-subject", "on"),
        "lifeguard.control.mtls.bind-subject", "LIFEGUARD_MTLS_BIND_SUBJECT");
    refusal(with(with(valid(), "lifeguard.control.mtls.port", "18080"), "lifeguard.http.port", "18080"),
        "lifeguard.control.mtls.port", "LIFEGUARD_MTLS_PORT");
    refusal(with(valid(), "lifeguard.control.mtls.enabled", "sometimes"),
        "lifeguard.control.mtls.enabled", "LIFEGUARD_MTLS_ENABLED");
  }

  @Test
  void theNodeExitsWithCodeTwoOnAWrongKeyStorePassword() {
    NodeProcess node = NodeProcess.start(Map.of(
        "LIFEGUARD_MTLS_ENABLED", "true",
        "LIFEGUARD_MTLS_KEY_STORE", serverStore.toString(),
        "LIFEGUARD_MTLS_KEY_STORE_PASSWORD", "not-the-password",
        "LIFEGUARD_MTLS_TRUST_STORE", pki.trustStore().toString(),
        "LIFEGUARD_MTLS_TRUST_STORE_PASSWORD", TestPki.PASSWORD));
    try (node) {
      assertEquals(2, node.awaitExit(Duration.ofSeconds(60)), node.log());
      assertTrue(node.log().contains("lifeguard.control.mtls.key-store-password")
          && node.log().contains("LIFEGUARD_MTLS_KEY_STORE_PASSWORD"), node.log());
    }
  }
}
