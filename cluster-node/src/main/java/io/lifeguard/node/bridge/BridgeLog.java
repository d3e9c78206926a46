package io.lifeguard.node.bridge;

import org.slf4j.Logger;
import org.slf4j.MDC;

/** Bridge log lines with the correlation ids in the MDC; never pass tokens or payloads. */
final class BridgeLog {
  private BridgeLog() {}

  static void info(Logger log, String sessionId, String agentId, String phase, String reason, String message, Object... args) {
    if (!log.isInfoEnabled()) return;
    MDC.put("session_id", sessionId);
    MDC.put("agent_id", agentId);
    MDC.put("phase", phase);
    MDC.put("reason", reason);
    try {
      log.info(message, args);
    } finally {
      MDC.remove("session_id");
      MDC.remove("agent_id");
      MDC.remove("phase");
      MDC.remove("reason");
    }
  }

  /** Per-socket events (an accepted upgrade): DEBUG, since at scale one line per socket costs CPU; metrics count them. */
  static void debug(Logger log, String sessionId, String agentId, String phase, String reason, String message) {
    if (!log.isDebugEnabled()) return;
    MDC.put("session_id", sessionId);
    MDC.put("agent_id", agentId);
    MDC.put("phase", phase);
    MDC.put("reason", reason);
    try {
      log.debug(message);
    } finally {
      MDC.remove("session_id");
      MDC.remove("agent_id");
      MDC.remove("phase");
      MDC.remove("reason");
    }
  }
}
