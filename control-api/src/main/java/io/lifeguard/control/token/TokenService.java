package io.lifeguard.control.token;

import io.lifeguard.control.ControlMetrics;
import io.lifeguard.control.entitlement.EntitlementVerifier;
import io.lifeguard.control.guardrail.Guardrail;
import io.lifeguard.control.killswitch.KillSwitch;
import io.lifeguard.protocol.FeatureBits;
import io.lifeguard.protocol.token.TokenClaims;
import io.lifeguard.protocol.token.TokenSigner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Mints fallback tokens: kill switch, then entitlement, then the guardrail count, then the
 * signature. Completes with an {@link TokenOutcome}; never completes exceptionally.
 */
public final class TokenService {
  private static final Logger log = LoggerFactory.getLogger(TokenService.class);

  private final TokenSigner signer;
  private final Duration ttl;
  private final KillSwitch killSwitch;
  private final EntitlementVerifier entitlements;
  private final Guardrail guardrail;
  private final ControlMetrics metrics;
  private final Clock clock;
  private final Executor blocking;

  /**
   * @param entitlements null when no proof is checked (entitlement not required, or the
   *     development override is on): every token then carries FALLBACK_AUTHORIZED
   * @param blocking runs entitlement checks, which may fetch keys over HTTP
   */
  public TokenService(TokenSigner signer, Duration ttl, KillSwitch killSwitch, EntitlementVerifier entitlements,
      Guardrail guardrail, ControlMetrics metrics, Clock clock, Executor blocking) {
    this.signer = signer;
    this.ttl = ttl;
    this.killSwitch = killSwitch;
    this.entitlements = entitlements;
    this.guardrail = guardrail;
    this.metrics = metrics;
    this.clock = clock;
    this.blocking = blocking;
  }

  public CompletionStage<TokenOutcome> issue(TokenRequest request, String callerId) {
    if (killSwitch.paused()) {
      metrics.request(ControlMetrics.Outcome.PAUSED);
      KillSwitch.State state = killSwitch.state();
      return CompletableFuture.completedFuture(new TokenOutcome.Refused(403, "fallback_paused",
          "fallback is paused by an operator since " + state.at() + "; retry WebRTC"));
    }
    CompletionStage<String> denial = entitlements == null
        ? CompletableFuture.completedFuture(null)
        : CompletableFuture.supplyAsync(() -> entitlements.verify(request.entitlementProof()), blocking)
            .thenApply(verdict -> verdict instanceof EntitlementVerifier.Verdict.Denied denied ? denied.reason() : null);
    return denial
        .thenCompose(reason -> {
          if (reason != null) {
            metrics.request(ControlMetrics.Outcome.ENTITLEMENT_DENIED);
            return CompletableFuture.completedFuture(
                (TokenOutcome) new TokenOutcome.Refused(403, "entitlement_denied", reason));
          }
          return guardrail.recordActivation(request.cohortId()).thenApply(verdict -> mint(request, callerId, verdict));
        })
        .exceptionally(failure -> {
          log.error("token issuance failed for caller {}", callerId, failure);
          metrics.request(ControlMetrics.Outcome.ERROR);
          return new TokenOutcome.Refused(500, "internal_error", "token issuance failed");
        });
  }

  private TokenOutcome mint(TokenRequest request, String callerId, Guardrail.Verdict verdict) {
    long bits = FeatureBits.FALLBACK_AUTHORIZED;
    if (request.telemetryOptIn()) bits |= FeatureBits.TELEMETRY;
    if (verdict == Guardrail.Verdict.SOFT_BREACH) bits |= FeatureBits.GUARDRAIL_SOFT_BREACH;
    Instant now = clock.instant();
    Instant expires = now.plus(ttl);
    String token = signer.sign(new TokenClaims(request.sessionId(), request.role(), now, expires,
        request.cohortId(), bits, UUID.randomUUID().toString()));
    metrics.issued(verdict);
    MDC.put("session_id", request.sessionId());
    try {
      log.info("event=transport.fallback.token_issued cohort={} role={} guardrail={} caller={}",
          request.cohortId(), request.role().wireName(), verdict.label, callerId);
    } finally {
      MDC.remove("session_id");
    }
    return new TokenOutcome.Issued(token, Instant.ofEpochSecond(expires.getEpochSecond()), request.cohortId(), verdict, bits);
  }
}
