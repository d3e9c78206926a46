package io.lifeguard.protocol.token;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.lifeguard.protocol.ProtocolException;
import io.lifeguard.protocol.Role;
import io.lifeguard.protocol.token.TokenException.Reason;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Verifies Lifeguard tokens on every handshake. Checks run cheapest first and claims are read only
 * after the signature verified: size, shape, header ({@code alg} must be EdDSA, {@code typ} must
 * be lifeguard+jwt, no {@code crit}), key id, signature, claims, lifetime, time window, then the
 * caller's session and roles. Each kid's public key is decoded and validated once, up front, into
 * Bouncy Castle's precomputed point (half the CPU of Tink's verifier, which decodes the key on every
 * call); the header, already checked here, is not parsed a second time for the signature.
 * Thread-safe.
 *
 * <p>Every failure throws {@link TokenException} with the matching {@link Reason}.
 */
public final class TokenVerifier {
  public static final int MAX_TOKEN_CHARS = 4096;
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

  private static final int PUBLIC_KEY_BYTES = 32;
  private static final int SIGNATURE_BYTES = 64;

  private final Map<String, PublicKey> keysByKid = new HashMap<>();
  private final Clock clock;
  private final long skewSeconds;

  public TokenVerifier(KeySet keys, Clock clock) {
    this(keys, clock, DEFAULT_CLOCK_SKEW);
  }

  /**
   * @throws IllegalArgumentException for a negative skew or a key nimbus refuses
   */
  public TokenVerifier(KeySet keys, Clock clock, Duration allowedClockSkew) {
    if (allowedClockSkew.isNegative()) {
      throw new IllegalArgumentException("clock skew must not be negative");
    }
    this.clock = clock;
    this.skewSeconds = allowedClockSkew.toSeconds();
    for (String kid : keys.kids()) {
      OctetKeyPair key = keys.key(kid).orElseThrow();
      keysByKid.put(kid, PublicKey.decode(kid, key.getDecodedX()));
    }
  }

  /** Verifies a token and also requires its session and one of the allowed roles. */
  public TokenClaims verify(String token, String expectedSessionId, Set<Role> allowedRoles) {
    TokenClaims claims = verify(token);
    if (!claims.sessionId().equals(expectedSessionId)) {
      throw new TokenException(Reason.WRONG_SESSION, "token is for another session");
    }
    if (!allowedRoles.contains(claims.role())) {
      throw new TokenException(Reason.WRONG_ROLE, "role " + claims.role() + " not allowed");
    }
    return claims;
  }

  /** Verifies signature, claims and time window. */
  public TokenClaims verify(String token) {
    if (token == null || token.isEmpty()) {
      throw new TokenException(Reason.MALFORMED, "empty token");
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new TokenException(Reason.OVERSIZED, "token longer than " + MAX_TOKEN_CHARS);
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new TokenException(Reason.MALFORMED, "not a compact JWS");
    }
    Map<String, Object> rawHeader = json(parts[0], "header");
    Object alg = rawHeader.get("alg");
    if (!(alg instanceof String)) {
      throw new TokenException(Reason.MALFORMED, "header has no alg");
    }
    if (!JWSAlgorithm.EdDSA.getName().equals(alg)) {
      throw new TokenException(Reason.UNSUPPORTED_ALGORITHM, "alg " + abbreviate(alg));
    }
    if (!TokenSigner.TYPE.getType().equals(rawHeader.get("typ"))) {
      throw new TokenException(Reason.MALFORMED, "typ must be " + TokenSigner.TYPE);
    }
    if (rawHeader.containsKey("crit")) {
      throw new TokenException(Reason.MALFORMED, "critical header parameters not supported");
    }
    Object kid = rawHeader.get("kid");
    if (!(kid instanceof String)) {
      throw new TokenException(Reason.UNKNOWN_KID, "header has no kid");
    }
    PublicKey publicKey = keysByKid.get(kid);
    if (publicKey == null) {
      throw new TokenException(Reason.UNKNOWN_KID, "unknown kid " + abbreviate(kid));
    }
    verifySignature(publicKey, token, parts[2]);
    return claims(json(parts[1], "payload"));
  }

  /** Ed25519 over {@code ASCII(header_b64 "." payload_b64)}, i.e. the token up to its last dot. */
  private static void verifySignature(PublicKey publicKey, String token, String signature) {
    boolean valid;
    try {
      byte[] signingInput = token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
      byte[] sig = new Base64URL(signature).decode();
      // Exactly 64 bytes: Bouncy Castle would read the first 64 of a longer array and ignore the rest.
      valid = publicKey.point() != null
          && sig.length == SIGNATURE_BYTES
          && Ed25519.verify(sig, 0, publicKey.point(), signingInput, 0, signingInput.length);
    } catch (RuntimeException e) {
      valid = false;
    }
    if (!valid) {
      throw new TokenException(Reason.BAD_SIGNATURE, "signature does not verify");
    }
  }

  private TokenClaims claims(Map<String, Object> json) {
    if (!TokenSigner.ISSUER.equals(string(json, "iss"))) {
      throw new TokenException(Reason.MALFORMED, "iss must be " + TokenSigner.ISSUER);
    }
    String sessionId = string(json, "session_id");
    Role role;
    try {
      role = Role.fromWire(string(json, "role"));
    } catch (ProtocolException e) {
      throw new TokenException(Reason.MALFORMED, "unknown role");
    }
    long issuedAt = number(json, "iat");
    long expiresAt = number(json, "exp");
    String cohort = string(json, "cohort");
    long featureBits = number(json, "feature_bits");
    String jti = string(json, "jti");
    if (expiresAt <= issuedAt) {
      throw new TokenException(Reason.MALFORMED, "exp is not after iat");
    }
    if (expiresAt - issuedAt > TokenSigner.MAX_LIFETIME.toSeconds()) {
      throw new TokenException(Reason.LIFETIME_TOO_LONG, "exp - iat exceeds 5 minutes");
    }
    long now = clock.instant().getEpochSecond();
    if (now > expiresAt + skewSeconds) {
      throw new TokenException(Reason.EXPIRED, "token expired");
    }
    if (issuedAt > now + skewSeconds) {
      throw new TokenException(Reason.NOT_YET_VALID, "iat is in the future");
    }
    return new TokenClaims(
        sessionId,
        role,
        Instant.ofEpochSecond(issuedAt),
        Instant.ofEpochSecond(expiresAt),
        cohort,
        featureBits,
        jti);
  }

  private static Map<String, Object> json(String base64Url, String part) {
    try {
      Map<String, Object> json =
          JSONObjectUtils.parse(new Base64URL(base64Url).decodeToString(), MAX_TOKEN_CHARS);
      if (json == null) {
        throw new TokenException(Reason.MALFORMED, part + " is not a JSON object");
      }
      return json;
    } catch (ParseException | RuntimeException | StackOverflowError e) {
      if (e instanceof TokenException tokenException) {
        throw tokenException;
      }
      throw new TokenException(Reason.MALFORMED, part + " is not a JSON object");
    }
  }

  private static String string(Map<String, Object> json, String claim) {
    Object value = json.get(claim);
    if (value == null) {
      throw new TokenException(Reason.MISSING_CLAIM, "missing claim " + claim);
    }
    if (!(value instanceof String text)) {
      throw new TokenException(Reason.MALFORMED, "claim " + claim + " must be a string");
    }
    return text;
  }

  private static long number(Map<String, Object> json, String claim) {
    Object value = json.get(claim);
    if (value == null) {
      throw new TokenException(Reason.MISSING_CLAIM, "missing claim " + claim);
    }
    if (value instanceof Long || value instanceof Integer) {
      return ((Number) value).longValue();
    }
    if (value instanceof Number number
        && Math.abs(number.doubleValue()) < 0x1p53
        && number.doubleValue() == Math.rint(number.doubleValue())) {
      return (long) number.doubleValue();
    }
    throw new TokenException(Reason.MALFORMED, "claim " + claim + " must be an integer");
  }

  /**
   * One kid's key, decoded once. {@code point} is null for 32 bytes that are not a valid Ed25519
   * point of large order: no signature verifies against such a key (BAD_SIGNATURE), as with Tink,
   * which accepted the key and failed every verification.
   */
  private record PublicKey(Ed25519.PublicPoint point) {
    static PublicKey decode(String kid, byte[] x) {
      if (x == null || x.length != PUBLIC_KEY_BYTES) {
        throw new IllegalArgumentException("unusable key " + kid + ": an Ed25519 public key is 32 bytes");
      }
      return new PublicKey(Ed25519.validatePublicKeyFullExport(x, 0));
    }
  }

  private static String abbreviate(Object value) {
    String text = String.valueOf(value);
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
