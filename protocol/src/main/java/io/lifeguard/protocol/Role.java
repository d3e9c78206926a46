package io.lifeguard.protocol;

import java.util.Locale;

/**
 * What a connection may do inside a session. Carried in the {@code role} field of the client
 * hello and in the token; the relay refuses a hello whose role differs from the token's.
 */
public enum Role {
  HOST,
  PARTICIPANT,
  CONTROLLER,
  /** A manager agent on a host's bus (drives it through leases like a controller; told apart in audits). */
  MANAGER,
  VIEWER;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The lowercase name used in hellos and tokens, e.g. {@code "host"}. */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire name.
   *
   * @throws ProtocolException with {@link ErrorCode#UNKNOWN_ROLE} for null or unknown names
   */
  public static Role fromWire(String wireName) {
    for (Role role : values()) {
      if (role.wireName.equals(wireName)) {
        return role;
      }
    }
    throw new ProtocolException(ErrorCode.UNKNOWN_ROLE, "unknown role: " + abbreviate(wireName));
  }

  static String abbreviate(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
