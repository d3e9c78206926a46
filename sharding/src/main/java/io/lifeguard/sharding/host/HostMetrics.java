package io.lifeguard.sharding.host;

/**
 * What a host entity reports about its actions. The node implements it over its Prometheus
 * registry, which keeps this module free of a metrics library. Called from inside the entity, so
 * implementations must be cheap and thread-safe.
 */
public interface HostMetrics {
  /** Actions accepted but not yet acknowledged went up or down by {@code delta} on this node. */
  void actionsInflight(int delta);

  /** A new action was accepted (not counted for a re-sent action id). */
  void actionAccepted();

  /** A new acknowledgement was recorded (not counted for a re-sent ack). */
  void actionAcked();

  /** An action was refused; {@code reason} is a {@link HostRejection#code()}. */
  void actionRejected(String reason);

  /** Reports nowhere; for tests and tools. */
  HostMetrics NONE = new HostMetrics() {
    @Override
    public void actionsInflight(int delta) {}

    @Override
    public void actionAccepted() {}

    @Override
    public void actionAcked() {}

    @Override
    public void actionRejected(String reason) {}
  };
}
