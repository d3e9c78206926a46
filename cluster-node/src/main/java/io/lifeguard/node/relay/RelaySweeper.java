package io.lifeguard.node.relay;

import io.lifeguard.protocol.CloseReason;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The node's shared relay timers, so no connection owns one: once a second it closes peers past
 * their hello deadline or silent past three heartbeats, sends heartbeats every heartbeat interval,
 * and runs the idle recycler (closing sockets idle past the idle timeout) every idle-check interval.
 */
final class RelaySweeper implements Runnable {
  static final Duration TICK = io.lifeguard.node.NodeTicks.EVERY;

  private final RelayNode node;
  private final long helloNanos;
  /** Past the join's own timeout, so the join's refusal (with its reason) normally comes first. */
  private static final java.time.Duration JOIN_BACKSTOP_MARGIN = java.time.Duration.ofSeconds(1);
  private final long joiningNanos;
  private final long heartbeatNanos;
  private final long heartbeatDeadlineNanos;
  private final long idleNanos;
  private final long idleCheckNanos;
  private final Cadence heartbeats;
  private final Cadence idleChecks;

  RelaySweeper(RelayNode node, long nowNanos) {
    this.node = node;
    RelaySettings s = node.settings();
    helloNanos = s.helloTimeout().toNanos();
    joiningNanos = helloNanos + s.joinTimeout().toNanos() + JOIN_BACKSTOP_MARGIN.toNanos();
    heartbeatNanos = s.heartbeatInterval().toNanos();
    heartbeatDeadlineNanos = s.heartbeatDeadline().toNanos();
    idleNanos = s.idleTimeout().toNanos();
    idleCheckNanos = s.idleCheckInterval().toNanos();
    heartbeats = new Cadence(heartbeatNanos, TICK.toNanos(), nowNanos);
    idleChecks = new Cadence(idleCheckNanos, TICK.toNanos(), nowNanos);
  }

  @Override
  public void run() {
    sweep(System.nanoTime());
  }

  void sweep(long now) {
    boolean sendHeartbeats = heartbeats.due(now);
    Map<Executor, List<RelayConnection>> heartbeatsDue = new HashMap<>();
    boolean checkIdle = idleChecks.due(now);
    for (RelayConnection c : node.registry().all()) {
      switch (c.state()) {
        case AWAITING_HELLO -> {
          if (now - c.openedAtNanos() >= helloNanos) {
            c.close(CloseReason.HANDSHAKE_TIMEOUT, "no ClientHello within " + node.settings().helloTimeout().toMillis() + " ms");
          }
        }
        // The hello came; the join has its own join-timeout (long enough to outlast a crash
        // failover) and refuses with TRY_AGAIN_LATER when it runs out. Closing here at the hello
        // timeout cut that wait short: this is only the backstop for a join that never answers.
        case JOINING -> {
          if (now - c.openedAtNanos() >= joiningNanos) {
            c.close(CloseReason.TRY_AGAIN_LATER, "join unanswered after " + joiningNanos / 1_000_000 + " ms");
          }
        }
        case JOINED -> {
          c.expireCarried(now);
          if (now - c.lastInboundNanos() >= heartbeatDeadlineNanos) {
            c.close(CloseReason.HEARTBEAT_TIMEOUT, "missed " + node.settings().missedHeartbeats() + " heartbeats");
          } else if (checkIdle && now - c.lastActivityNanos() >= idleNanos) {
            node.metrics().idlePruned.inc();
            c.close(CloseReason.IDLE_TIMEOUT, "idle for " + node.settings().idleTimeout().toSeconds() + " s");
          } else if (sendHeartbeats) {
            heartbeatsDue.computeIfAbsent(c.ioThread(), t -> new java.util.ArrayList<>()).add(c);
          }
        }
        case CLOSED -> { }
      }
    }
    // One task per I/O thread instead of a wake-up per socket: 10,000 sockets' heartbeats cost two
    // wake-ups on a two-thread edge.
    for (var batch : heartbeatsDue.entrySet()) {
      List<RelayConnection> due = batch.getValue();
      batch.getKey().execute(() -> due.forEach(RelayConnection::heartbeat));
    }
    node.limiter().prune(now);
  }
}
