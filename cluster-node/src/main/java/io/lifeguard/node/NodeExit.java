package io.lifeguard.node;

import io.lifeguard.node.health.Readiness;
import java.util.Optional;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The process exit codes of a node, one per cause a supervisor (systemd, Kubernetes, a script) can
 * act on (3 is left to the JVM's {@code -XX:+ExitOnOutOfMemoryError}); docs/operations/runbook.md "Exit codes" says what to do for each. {@link Main} exits with
 * {@link #of} once the actor system has terminated; CoordinatedShutdown itself never exits the JVM
 * ({@code pekko.coordinated-shutdown.exit-jvm = off}), so the cause decides the code.
 */
public enum NodeExit {
  /** SIGTERM or SIGINT, an operator's drain, or a graceful leave: nothing to do (restart if wanted). */
  STOPPED(0),
  /** The node stopped itself for a reason not listed here, or shutdown overran its hard deadline: read the log. */
  FAILED(1),
  /** Invalid configuration; the one-line message names the setting and its environment variable. */
  CONFIGURATION(2),
  /**
   * The cluster removed this node (the split-brain resolver downed it: it was isolated, or paused
   * longer than the failure detector allows). Restart it: it joins again as a new member.
   */
  DOWNED(4),
  /**
   * The HTTP, management, mutual-TLS or cluster port could not be bound; the message names the
   * setting. (Not 3: the JVM exits 3 on OutOfMemoryError with {@code -XX:+ExitOnOutOfMemoryError}.)
   */
  BIND_FAILURE(5);

  /** The process exit status. */
  public final int code;

  NodeExit(int code) {
    this.code = code;
  }

  /** The CoordinatedShutdown reason of a bind failure: the node could not open one of its ports. */
  public enum BindFailed implements CoordinatedShutdown.Reason {
    INSTANCE
  }

  /**
   * Stops the node because a port could not be bound: one line on stderr naming the setting and
   * its variable, then CoordinatedShutdown with {@link BindFailed}, so the process exits with
   * {@link #BIND_FAILURE}.
   */
  public static void bindFailed(ActorSystem<?> system, String what, String host, int port, String settings, String variables,
      Throwable cause) {
    System.err.println(bindFailureLine(what, host, port, settings, variables, cause));
    CoordinatedShutdown.get(system).run(BindFailed.INSTANCE);
  }

  static String bindFailureLine(String what, String host, int port, String settings, String variables, Throwable cause) {
    return "lifeguard: cannot bind " + what + " on " + host + ":" + port + " (set " + settings + ", environment "
        + variables + "): " + rootMessage(cause);
  }

  /** The exit for a terminated node, from the reason its CoordinatedShutdown ran with. */
  public static NodeExit of(ActorSystem<?> system) {
    Optional<CoordinatedShutdown.Reason> reason = CoordinatedShutdown.get(system).getShutdownReason();
    if (reason.isEmpty()) return FAILED;
    CoordinatedShutdown.Reason r = reason.get();
    if (r == CoordinatedShutdown.jvmExitReason() || r == CoordinatedShutdown.clusterLeavingReason()) return STOPPED;
    if (r instanceof BindFailed) return BIND_FAILURE;
    if (r == CoordinatedShutdown.clusterDowningReason()) return DOWNED;
    if (r == CoordinatedShutdown.incompatibleConfigurationDetectedReason()) return CONFIGURATION;
    if (r == CoordinatedShutdown.actorSystemTerminateReason()) {
      // Something inside the node terminated the actor system. Before HTTP is bound, that is the
      // HTTP server giving up on its port (it logs the setting); afterwards it is unexpected.
      Readiness readiness = Tracked.ID.apply(system).readiness;
      Boolean http = readiness == null ? null : readiness.report().checks().get("http");
      return Boolean.TRUE.equals(http) ? FAILED : BIND_FAILURE;
    }
    // Unknown reasons, or a join that never succeeded: read the log.
    return FAILED;
  }

  /** Records the node's readiness so that {@link #of} can tell a failed HTTP bind from a normal stop. */
  static void track(ActorSystem<?> system, Readiness readiness) {
    Tracked.ID.apply(system).readiness = readiness;
  }

  static String rootMessage(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
  }

  /** Per-actor-system state of this class (tests run several nodes in one JVM). */
  static final class Tracked implements Extension {
    static final ExtensionId<Tracked> ID = new ExtensionId<>() {
      @Override
      public Tracked createExtension(ActorSystem<?> system) {
        return new Tracked();
      }
    };

    volatile Readiness readiness;
  }
}
