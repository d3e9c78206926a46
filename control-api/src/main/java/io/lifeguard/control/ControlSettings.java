package io.lifeguard.control;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the control plane reads from configuration, validated by the caller (cluster-node's
 * {@code ControlConfig}) and then immutable. Secrets in here are never logged.
 *
 * @param production {@code lifeguard.production}: no generated signing key, no dev override
 * @param nodeName written into kill-switch decisions so operators see where a change came from
 * @param tokens signing key sources and lifetime
 * @param serviceTokens entries of {@code lifeguard.control.service-tokens}
 * @param adminTokens entries of {@code lifeguard.control.admin-tokens}
 * @param requireEntitlement {@code lifeguard.control.require-entitlement}
 * @param devEnableFallback {@code lifeguard.control.dev-enable-fallback} (ignored in production)
 * @param entitlement where and how entitlement proofs are verified
 * @param fallbackPausedAtStart {@code lifeguard.control.fallback-paused}
 * @param killSwitchPollInterval how often the shared pause state is re-read from Redis
 * @param guardrail activation guardrail thresholds
 */
public record ControlSettings(
    boolean production,
    String nodeName,
    Tokens tokens,
    List<String> serviceTokens,
    List<String> adminTokens,
    boolean requireEntitlement,
    boolean devEnableFallback,
    Entitlement entitlement,
    boolean fallbackPausedAtStart,
    Duration killSwitchPollInterval,
    Guardrail guardrail) {

  public ControlSettings {
    Objects.requireNonNull(tokens, "tokens");
    serviceTokens = List.copyOf(serviceTokens);
    adminTokens = List.copyOf(adminTokens);
    Objects.requireNonNull(entitlement, "entitlement");
    Objects.requireNonNull(guardrail, "guardrail");
  }

  /**
   * Token signing. Empty strings mean "not set".
   *
   * @param signingJwk private Ed25519 JWK JSON with a kid
   * @param signingJwkFile path of a file holding that JWK
   * @param additionalJwks extra verification keys: JWKS JSON, or a path to a file holding it
   * @param ttl token lifetime; values above five minutes are capped
   */
  public record Tokens(String signingJwk, String signingJwkFile, String additionalJwks, Duration ttl) {}

  /**
   * Entitlement proofs: JWTs from the identity provider.
   *
   * @param jwksUrl where the provider publishes its keys
   * @param issuer required {@code iss}
   * @param audience required member of {@code aud}
   * @param claim name of the array claim listing entitlements
   * @param requiredValue entitlement that grants the fallback
   * @param cacheTtl how long fetched keys are trusted before a re-fetch
   * @param refreshMinInterval least time between two fetches triggered by unknown kids
   * @param httpTimeout connect and read timeout of a fetch
   * @param clockSkew tolerance on {@code exp} and {@code nbf}
   */
  public record Entitlement(
      URI jwksUrl,
      String issuer,
      String audience,
      String claim,
      String requiredValue,
      Duration cacheTtl,
      Duration refreshMinInterval,
      Duration httpTimeout,
      Duration clockSkew) {}

  /**
   * The activation guardrail.
   *
   * @param threshold soft-breach ratio of activations to sessions per hour (0.005 = 0.5%)
   * @param minSessions denominator floor: the ratio is activations / max(sessions, minSessions)
   * @param timeout longest a token request waits for the counters before issuing as "unknown"
   */
  public record Guardrail(double threshold, long minSessions, Duration timeout) {}
}
