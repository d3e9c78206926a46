package io.lifeguard.sharding.session;

/**
 * Lets the node count what session entities do without the sharding module knowing about metrics.
 * Called from inside the entity, so implementations must be cheap and thread-safe.
 */
public interface SessionObserver {
  void sessionStarted(String sessionId);

  /** The entity stopped; {@code emptied} when its last member left (not a close or failover). */
  void sessionStopped(String sessionId, boolean emptied);

  SessionObserver NONE = new SessionObserver() {
    @Override
    public void sessionStarted(String sessionId) {}

    @Override
    public void sessionStopped(String sessionId, boolean emptied) {}
  };
}
