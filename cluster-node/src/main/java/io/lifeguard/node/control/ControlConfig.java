package io.lifeguard.node.control;

import static io.lifeguard.node.config.SettingsReader.bool;
import static io.lifeguard.node.config.SettingsReader.list;
import static io.lifeguard.node.config.SettingsReader.positiveDuration;
import static io.lifeguard.node.config.SettingsReader.read;
import static io.lifeguard.node.config.SettingsReader.required;
import static io.lifeguard.node.config.SettingsReader.string;

import com.typesafe.config.Config;
import io.lifeguard.control.ControlSettings;
import io.lifeguard.control.token.SigningKeys;
import io.lifeguard.node.config.InvalidSettingException;
import io.lifeguard.node.config.NodeSettings;
import java.net.URI;

/**
 * Reads {@code lifeguard.tokens.*} and {@code lifeguard.control.*} into {@link ControlSettings},
 * failing with an {@link InvalidSettingException} that names the first bad key.
 */
public final class ControlConfig {
  /** Bodies above this are answered 413 before they are parsed. */
  public static final int MAX_REQUEST_BYTES = 16 * 1024;

  private ControlConfig() {}

  public static ControlSettings settings(Config config, NodeSettings node) {
    boolean requireEntitlement = bool(config, "lifeguard.control.require-entitlement");
    String e = "lifeguard.control.entitlement.";
    String jwksUrl = string(config, e + "jwks-url");
    String issuer = string(config, e + "issuer");
    String audience = string(config, e + "audience");
    URI jwks = URI.create("http://unset.invalid/");
    if (!jwksUrl.isEmpty()) {
      try {
        jwks = URI.create(jwksUrl);
        if (!"https".equals(jwks.getScheme()) && !"http".equals(jwks.getScheme()) || jwks.getHost() == null) {
          throw new IllegalArgumentException("must be an http(s) URL with a host");
        }
      } catch (IllegalArgumentException ex) {
        throw new InvalidSettingException(e + "jwks-url", "'" + jwksUrl + "': " + ex.getMessage());
      }
    }
    boolean devOverride = bool(config, "lifeguard.control.dev-enable-fallback") && !node.production();
    if (requireEntitlement && !devOverride) {
      if (jwksUrl.isEmpty()) throw new InvalidSettingException(e + "jwks-url", "required when lifeguard.control.require-entitlement is on");
      if (issuer.isEmpty()) throw new InvalidSettingException(e + "issuer", "required when lifeguard.control.require-entitlement is on");
      if (audience.isEmpty()) throw new InvalidSettingException(e + "audience", "required when lifeguard.control.require-entitlement is on");
    }
    double threshold = read("lifeguard.control.guardrail.threshold", () -> config.getDouble("lifeguard.control.guardrail.threshold"));
    if (!(threshold > 0 && threshold < 1)) {
      throw new InvalidSettingException("lifeguard.control.guardrail.threshold", "must be between 0 and 1 (0.005 is 0.5%)");
    }
    long minSessions = read("lifeguard.control.guardrail.min-sessions", () -> config.getLong("lifeguard.control.guardrail.min-sessions"));
    if (minSessions < 1) throw new InvalidSettingException("lifeguard.control.guardrail.min-sessions", "must be at least 1");

    return new ControlSettings(
        node.production(),
        node.nodeName(),
        new ControlSettings.Tokens(
            string(config, "lifeguard.tokens.signing-jwk"),
            string(config, "lifeguard.tokens.signing-jwk-file"),
            string(config, "lifeguard.tokens.additional-jwks"),
            positiveDuration(config, "lifeguard.tokens.ttl")),
        list(config, "lifeguard.control.service-tokens"),
        list(config, "lifeguard.control.admin-tokens"),
        requireEntitlement,
        bool(config, "lifeguard.control.dev-enable-fallback"),
        new ControlSettings.Entitlement(
            jwks, issuer, audience,
            required(config, e + "claim"),
            required(config, e + "required-value"),
            positiveDuration(config, e + "cache-ttl"),
            positiveDuration(config, e + "refresh-min-interval"),
            positiveDuration(config, e + "http-timeout"),
            positiveDuration(config, e + "clock-skew")),
        bool(config, "lifeguard.control.fallback-paused"),
        positiveDuration(config, "lifeguard.control.kill-switch-poll-interval"),
        new ControlSettings.Guardrail(threshold, minSessions, positiveDuration(config, "lifeguard.control.guardrail.timeout")));
  }

  /**
   * Checks the settings, loads the signing keys and opens the mutual-TLS stores without starting
   * anything, so {@code Main} can exit with the offending key's name before the actor system starts.
   */
  public static ControlSettings preflight(Config config, NodeSettings node) {
    ControlSettings settings = settings(config, node);
    MutualTlsSettings mutualTls = MutualTlsSettings.create(config, node);
    if (mutualTls.enabled()) MutualTlsContext.load(mutualTls);
    ControlSettings.Tokens tokens = settings.tokens();
    // Without a configured key a development node generates one in ControlPlane; nothing to check.
    if (!settings.production() && tokens.signingJwk().isEmpty() && tokens.signingJwkFile().isEmpty()
        && tokens.additionalJwks().isEmpty()) {
      return settings;
    }
    try {
      SigningKeys.load(settings.tokens(), settings.production());
    } catch (SigningKeys.InvalidKeyConfigurationException ex) {
      throw new InvalidSettingException(ex.setting(), ex.getMessage().substring(ex.setting().length() + 2));
    }
    return settings;
  }

}
