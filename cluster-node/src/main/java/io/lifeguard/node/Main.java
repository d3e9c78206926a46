package io.lifeguard.node;

import io.lifeguard.node.config.InvalidSettingException;
import io.lifeguard.node.config.NodeConfig;
import io.lifeguard.node.control.ControlConfig;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Starts one Lifeguard node and exits with a {@link NodeExit} code once it has stopped: 0 after a
 * clean SIGTERM/SIGINT shutdown, a drain or a leave; 2 on invalid configuration and 5 when a port
 * cannot be bound (one line on stderr names the setting and its variable); 4 when the cluster
 * downed this node; 1 otherwise (including a shutdown that overran its deadline).
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    disableNettyLeakDetection();
    NodeConfig.Loaded loaded;
    try {
      loaded = NodeConfig.load();
      ControlConfig.preflight(loaded.config(), loaded.settings());
    } catch (InvalidSettingException | IllegalArgumentException | com.typesafe.config.ConfigException e) {
      System.err.println("lifeguard: " + e.getMessage());
      System.exit(2);
      return;
    }
    // The node name goes on every log line (text and JSON) as a logging-context property.
    ((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory())
        .putProperty("node", loaded.settings().nodeName());
    ActorSystem<Void> system;
    try {
      system = ActorSystem.create(Node.create(loaded.settings()), "lifeguard", loaded.config());
    } catch (RuntimeException e) {
      if (!isBindFailure(e)) throw e;
      // Artery binds the cluster port while the actor system starts.
      var cluster = loaded.settings().cluster();
      System.err.println(NodeExit.bindFailureLine("the cluster port", cluster.host(), cluster.port(),
          "lifeguard.cluster.host/port", "LIFEGUARD_CLUSTER_HOST/LIFEGUARD_CLUSTER_PORT", e));
      System.exit(NodeExit.BIND_FAILURE.code);
      return;
    }
    installSignalHandlers(system, loaded.settings().shutdownHardDeadline());
    system.getWhenTerminated().thenRun(() -> exit(NodeExit.of(system)));
  }

  /**
   * Netty's leak detector (level {@code simple} unless told otherwise) wraps a sample of the pooled
   * buffers and records a touch at every handler a buffer passes: on the edge that is work per
   * delivered frame, for reports only a developer reads. Off in the node as in most Netty servers'
   * production set-ups; set before any Netty class loads. {@code -Dio.netty.leakDetection.level=...}
   * on the command line still wins, and the tests' node launchers set {@code simple}, as do the
   * in-process tests, which do not run this method.
   */
  static void disableNettyLeakDetection() {
    if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
  }

  /** Exits from a thread of its own: System.exit waits for shutdown hooks, which must not wait for the caller. */
  private static void exit(NodeExit exit) {
    Thread exiting = new Thread(() -> {
      if (exit != NodeExit.STOPPED) System.err.println("lifeguard: exiting with " + exit.code + " (" + exit.name().toLowerCase(java.util.Locale.ROOT) + ")");
      System.exit(exit.code);
    }, "lifeguard-exit");
    exiting.start();
  }

  private static boolean isBindFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.BindException) return true;
      String message = t.getMessage();
      if (message != null && (message.contains("BindException") || message.contains("Failed to bind"))) return true;
    }
    return false;
  }

  /**
   * The JVM's own SIGTERM handling exits with 143 and races CoordinatedShutdown against the JVM's
   * shutdown hooks; handling the signal ourselves runs the phases in order and exits 0.
   */
  private static void installSignalHandlers(ActorSystem<?> system, java.time.Duration hardDeadline) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        log.info("received SIG{}: shutting down (deadline {}s)", name, hardDeadline.toSeconds());
        startWatchdog(hardDeadline);
        CoordinatedShutdown.get(system).run(CoordinatedShutdown.jvmExitReason());
      });
    }
  }

  private static void startWatchdog(java.time.Duration hardDeadline) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(hardDeadline.toMillis());
        System.err.println("lifeguard: shutdown exceeded " + hardDeadline.toSeconds() + "s, halting");
        Runtime.getRuntime().halt(NodeExit.FAILED.code);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
