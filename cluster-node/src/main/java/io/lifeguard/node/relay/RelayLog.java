package io.lifeguard.node.relay;

import io.lifeguard.protocol.CloseReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Relay log lines with their correlation fields (phase, session_id, peer_id, reason, client) in
 * the MDC, so text and JSON output both carry them. Never logs tokens or payloads.
 */
final class RelayLog {
  private static final Logger log = LoggerFactory.getLogger("io.lifeguard.relay");

  /** Per-connection events (joins): DEBUG, since at INFO they cost CPU at thousands a second. */
  void debug(RelayConnection c, String phase, String message) {
    if (!log.isDebugEnabled()) return;
    with(c, phase, null, () -> log.debug(message));
  }

  void error(RelayConnection c, String phase, String message, Throwable error) {
    with(c, phase, null, () -> log.error(message, error));
  }

  /**
   * Every close the node initiates: WARN for handshake refusals and protocol faults; DEBUG for the
   * routine ones (normal, shutdown, idle, session closed), which lifeguard_relay_closes_total counts.
   */
  void closed(RelayConnection c, String phase, CloseReason reason, String detail) {
    boolean routine = reason == CloseReason.NORMAL || reason == CloseReason.SERVER_SHUTDOWN
        || reason == CloseReason.IDLE_TIMEOUT || reason == CloseReason.SESSION_CLOSED;
    if (routine ? !log.isDebugEnabled() : !log.isWarnEnabled()) return;
    with(c, phase, reason, () -> {
      if (routine) log.debug("closing connection {}: {} ({})", c.id(), reason.wireName(), detail);
      else log.warn("closing connection {}: {} ({})", c.id(), reason.wireName(), detail);
    });
  }

  private static void with(RelayConnection c, String phase, CloseReason reason, Runnable body) {
    MDC.put("phase", phase);
    if (c.sessionId() != null) MDC.put("session_id", c.sessionId());
    if (c.peerId() != null) MDC.put("peer_id", c.peerId());
    MDC.put("client", c.clientAddress());
    if (reason != null) MDC.put("reason", reason.wireName());
    try {
      body.run();
    } finally {
      MDC.remove("phase");
      MDC.remove("session_id");
      MDC.remove("peer_id");
      MDC.remove("client");
      MDC.remove("reason");
    }
  }
}
