package io.lifeguard.control.entitlement;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.lifeguard.control.ControlSettings;
import java.net.MalformedURLException;
import java.text.ParseException;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies entitlement proofs: JWTs from the identity provider (RS256/384/512, PS256, ES256/384,
 * EdDSA with Ed25519), checked against its published JWKS
 * (fetched over HTTP, cached for {@code cache-ttl}, re-fetched when a proof names an unknown kid,
 * at most twice per {@code refresh-min-interval}). Signature, issuer, audience, expiry and the
 * entitlement claim must all hold. Thread-safe; {@link #verify} may block on a key fetch, so call it
 * off any event loop.
 */
public final class EntitlementVerifier {
  private static final Logger log = LoggerFactory.getLogger(EntitlementVerifier.class);
  private static final int MAX_PROOF_CHARS = 8192;
  private static final Set<JWSAlgorithm> ALGORITHMS =
      Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
          JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
          JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

  /** Outcome of one proof. */
  public sealed interface Verdict {
    record Granted(String subject) implements Verdict {}

    record Denied(String reason) implements Verdict {}
  }

  private final ControlSettings.Entitlement settings;
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

  public EntitlementVerifier(ControlSettings.Entitlement settings) {
    this.settings = settings;
    int timeoutMillis = (int) settings.httpTimeout().toMillis();
    JWKSource<SecurityContext> keys;
    try {
      keys = JWKSourceBuilder.<SecurityContext>create(
              settings.jwksUrl().toURL(), new DefaultResourceRetriever(timeoutMillis, timeoutMillis, 256 * 1024))
          .cache(settings.cacheTtl().toMillis(), timeoutMillis)
          .rateLimited(settings.refreshMinInterval().toMillis())
          .retrying(false)
          .build();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("lifeguard.control.entitlement.jwks-url: " + e.getMessage(), e);
    }
    processor.setJWSKeySelector(new EntitlementKeySelector(ALGORITHMS, keys));
    processor.setJWSVerifierFactory(new EntitlementVerifierFactory());
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            settings.audience(),
            new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
            Set.of("exp", "iss", "aud"));
    claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
  }

  /** Checks one proof; denial reasons are short and safe to return to the caller. */
  public Verdict verify(String proof) {
    if (proof == null || proof.isEmpty()) return deny("missing entitlement_proof", null);
    if (proof.length() > MAX_PROOF_CHARS) return deny("entitlement_proof too long", null);
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(proof);
    } catch (ParseException e) {
      return deny("entitlement_proof is not a signed JWT", null);
    }
    JWTClaimsSet claims;
    try {
      claims = processor.process(jwt, null);
    } catch (BadJOSEException e) {
      return deny("entitlement_proof refused: " + e.getMessage(), jwt);
    } catch (JOSEException e) {
      return deny("entitlement keys unavailable: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), jwt);
    }
    Object value = claims.getClaim(settings.claim());
    boolean entitled = value instanceof List<?> list && list.contains(settings.requiredValue());
    if (!entitled) {
      return deny("claim '" + settings.claim() + "' does not contain '" + settings.requiredValue() + "'", jwt);
    }
    return new Verdict.Granted(claims.getSubject() == null ? "" : claims.getSubject());
  }

  private Verdict deny(String reason, SignedJWT jwt) {
    String kid = jwt == null ? null : jwt.getHeader().getKeyID();
    String presentedIssuer = null;
    if (jwt != null) {
      try {
        presentedIssuer = jwt.getJWTClaimsSet().getIssuer();
      } catch (ParseException e) {
        presentedIssuer = "(unreadable)";
      }
    }
    log.warn(
        "entitlement proof denied: {} expected_issuer={} expected_audience={} kid={} presented_issuer={}",
        reason, settings.issuer(), settings.audience(), abbreviate(kid), abbreviate(presentedIssuer));
    return new Verdict.Denied(reason);
  }

  private static String abbreviate(String text) {
    if (text == null) return null;
    return text.length() <= 64 ? text : text.substring(0, 64) + "...";
  }
}
