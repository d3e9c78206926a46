package io.lifeguard.node.relay;

import io.lifeguard.control.ControlPlane;
import io.lifeguard.protocol.token.TokenVerifier;
import java.time.Clock;

/**
 * The relay's view of the control plane: tokens verify against the plane's current key set
 * (signing key plus rotation keys), the kill switch is the plane's in-memory state, and the
 * fallback-authorized bit is required exactly when entitlements are.
 */
public final class ControlRelayPolicy implements RelayPolicy {
  private final ControlPlane plane;
  private final TokenVerifier verifier;

  public ControlRelayPolicy(ControlPlane plane) {
    this.plane = plane;
    this.verifier = new TokenVerifier(plane.verificationKeys(), Clock.systemUTC());
  }

  @Override
  public TokenVerifier verifier() {
    return verifier;
  }

  @Override
  public boolean fallbackPaused() {
    return plane.fallbackPaused();
  }

  @Override
  public boolean requireFallbackAuthorized() {
    return plane.requireEntitlement();
  }
}
