package io.lifeguard.sharding.host;

import java.util.Locale;
import java.util.Optional;

/**
 * Why the host entity refused a command. The entity answers {@code StatusReply.error(code())}, so
 * the text crossing the cluster is exactly the code and the edge maps it back with {@link #of}.
 */
public enum HostRejection {
  /** Another holder has a live lease. */
  LEASE_HELD,
  /** The caller is not the holder of the live lease (or names an epoch that never existed). */
  NOT_HOLDER,
  /** The caller's lease expired or was released; acquire again. */
  LEASE_EXPIRED,
  /** The caller carries the fencing epoch of an earlier holder. */
  STALE_EPOCH,
  /** Too many actions await their ack; retry after acks arrive. */
  BUSY,
  /** An ack for an action id the host never received. */
  UNKNOWN_ACTION,
  /** A malformed command (blank id, bad ttl). */
  INVALID,
  /**
   * The journal does not answer on the node running the host, so nothing can be recorded there;
   * retry in a second or two (on any node): sharding moves the host to a node whose journal answers.
   */
  UNAVAILABLE;

  private final String code = name().toLowerCase(Locale.ROOT);

  /** The lowercase code used in replies, logs, metrics and bus error frames. */
  public String code() {
    return code;
  }

  /** The rejection for a code, if it is one. */
  public static Optional<HostRejection> of(String code) {
    for (HostRejection r : values()) if (r.code.equals(code)) return Optional.of(r);
    return Optional.empty();
  }
}
