package io.lifeguard.protocol.token;

import io.lifeguard.protocol.Role;
import java.time.Instant;
import java.util.Objects;

/**
 * What a Lifeguard token grants: one role in one session for at most five minutes. Times are
 * whole seconds on the wire; sub-second parts are dropped when signing.
 *
 * @param sessionId session the token admits to
 * @param role role the holder may take
 * @param issuedAt {@code iat}
 * @param expiresAt {@code exp}; at most {@link TokenSigner#MAX_LIFETIME} after {@code iat}
 * @param cohort guardrail cohort the activation is counted against
 * @param featureBits {@link io.lifeguard.protocol.FeatureBits} granted to the holder
 * @param jti unique token id, for audit and replay tracking
 */
public record TokenClaims(
    String sessionId,
    Role role,
    Instant issuedAt,
    Instant expiresAt,
    String cohort,
    long featureBits,
    String jti) {

  public TokenClaims {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(cohort, "cohort");
    Objects.requireNonNull(jti, "jti");
  }
}
