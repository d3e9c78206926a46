package io.lifeguard.control.token;

import io.lifeguard.protocol.Role;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /v1/fallback/token} body. The HTTP edge checks JSON types; {@link
 * #validate} checks the values and names the first bad field, in the documented order: cohort,
 * client version and role ({@code bad_request}) before the session id ({@code invalid_session}).
 *
 * @param entitlementProof JWT from the identity provider, or null
 */
public record TokenRequest(
    String sessionId, String cohortId, String clientVersion, Role role, String entitlementProof, boolean telemetryOptIn) {

  public static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  public static final Pattern COHORT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  public static final int MAX_CLIENT_VERSION = 64;

  /** Why a field was refused; {@code code} is the error code the API answers with. */
  public static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public Invalid(String code, String message) {
      super(message);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /** Builds a request from raw field values, throwing {@link Invalid} for the first bad one. */
  public static TokenRequest validate(
      String sessionId, String cohortId, String clientVersion, String role, String entitlementProof, boolean telemetryOptIn) {
    // docs/control-plane.md's order: every bad_request cause before invalid_session.
    if (!COHORT_ID.matcher(cohortId).matches()) {
      throw new Invalid("bad_request", "cohort_id must match [A-Za-z0-9._:-]{1,64}");
    }
    if (clientVersion.isEmpty() || clientVersion.length() > MAX_CLIENT_VERSION) {
      throw new Invalid("bad_request", "client_version must be 1 to 64 characters");
    }
    Role parsed;
    try {
      parsed = Role.fromWire(role);
    } catch (RuntimeException e) {
      throw new Invalid("bad_request", "unknown role; expected host, participant, controller, manager or viewer");
    }
    if (!SESSION_ID.matcher(sessionId).matches()) {
      throw new Invalid("invalid_session", "session_id must match [A-Za-z0-9._:-]{1,128}");
    }
    return new TokenRequest(sessionId, cohortId, clientVersion, parsed, entitlementProof, telemetryOptIn);
  }
}
