package io.lifeguard.control.token;

import io.lifeguard.control.guardrail.Guardrail;
import java.time.Instant;

/** What the token API answers; the HTTP edge maps each case to a status. */
public sealed interface TokenOutcome {
  /** A token was minted (200). */
  record Issued(String token, Instant expiresAt, String cohort, Guardrail.Verdict guardrail, long featureBits)
      implements TokenOutcome {}

  /** Refused with a stable error code (403 for {@code fallback_paused} and {@code entitlement_denied}). */
  record Refused(int status, String error, String message) implements TokenOutcome {}
}
