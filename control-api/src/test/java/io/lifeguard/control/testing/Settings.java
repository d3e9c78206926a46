package io.lifeguard.control.testing;

import io.lifeguard.control.ControlSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Control settings for tests, with one field changed at a time. */
public final class Settings {
  public static final String SERVICE_SECRET = "svc-secret-1";
  public static final String ADMIN_SECRET = "admin-secret-1";

  private Settings() {}

  public static ControlSettings defaults() {
    return new ControlSettings(
        false,
        "test-node",
        new ControlSettings.Tokens("", "", "", Duration.ofMinutes(5)),
        List.of("caller:" + SERVICE_SECRET),
        List.of("ops-alice:" + ADMIN_SECRET),
        false,
        false,
        entitlement(URI.create("http://127.0.0.1:1/jwks.json")),
        false,
        Duration.ofMillis(200),
        new ControlSettings.Guardrail(0.005, 200, Duration.ofMillis(500)));
  }

  public static ControlSettings.Entitlement entitlement(URI jwks) {
    return new ControlSettings.Entitlement(jwks, JwksServer.ISSUER, JwksServer.AUDIENCE, "entitlements", "fallback_ws",
        Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(30));
  }

  public static ControlSettings withTokens(ControlSettings s, ControlSettings.Tokens tokens) {
    return new ControlSettings(s.production(), s.nodeName(), tokens, s.serviceTokens(), s.adminTokens(),
        s.requireEntitlement(), s.devEnableFallback(), s.entitlement(), s.fallbackPausedAtStart(),
        s.killSwitchPollInterval(), s.guardrail());
  }

  public static ControlSettings production(ControlSettings s, boolean production) {
    return new ControlSettings(production, s.nodeName(), s.tokens(), s.serviceTokens(), s.adminTokens(),
        s.requireEntitlement(), s.devEnableFallback(), s.entitlement(), s.fallbackPausedAtStart(),
        s.killSwitchPollInterval(), s.guardrail());
  }

  public static ControlSettings entitlementRequired(ControlSettings s, URI jwks, boolean devOverride) {
    return new ControlSettings(s.production(), s.nodeName(), s.tokens(), s.serviceTokens(), s.adminTokens(),
        true, devOverride, entitlement(jwks), s.fallbackPausedAtStart(), s.killSwitchPollInterval(), s.guardrail());
  }

  public static ControlSettings guardrail(ControlSettings s, ControlSettings.Guardrail guardrail) {
    return new ControlSettings(s.production(), s.nodeName(), s.tokens(), s.serviceTokens(), s.adminTokens(),
        s.requireEntitlement(), s.devEnableFallback(), s.entitlement(), s.fallbackPausedAtStart(),
        s.killSwitchPollInterval(), guardrail);
  }

  public static ControlSettings named(ControlSettings s, String node) {
    return new ControlSettings(s.production(), node, s.tokens(), s.serviceTokens(), s.adminTokens(),
        s.requireEntitlement(), s.devEnableFallback(), s.entitlement(), s.fallbackPausedAtStart(),
        s.killSwitchPollInterval(), s.guardrail());
  }
}
