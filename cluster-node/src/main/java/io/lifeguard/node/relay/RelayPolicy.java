package io.lifeguard.node.relay;

import io.lifeguard.protocol.token.TokenVerifier;

/**
 * What the relay asks the control plane at each handshake. Reads must be in-memory and fast: they
 * sit on the handshake path of every connection.
 */
public interface RelayPolicy {
  TokenVerifier verifier();

  /** The kill switch: while true, new handshakes are refused with FALLBACK_PAUSED. */
  boolean fallbackPaused();

  /** When true, tokens must carry the FALLBACK_AUTHORIZED feature bit. */
  boolean requireFallbackAuthorized();
}
