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
 * Starts one Lifeguard node. Exits 2 on invalid configuration (the message names the key), and 0
 * after a clean SIGTERM/SIGINT shutdown through CoordinatedShutdown.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
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
    ActorSystem<Void> system = ActorSystem.create(Node.create(loaded.settings()), "lifeguard", loaded.config());
    installSignalHandlers(system, loaded.settings().shutdownHardDeadline());
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
        Runtime.getRuntime().halt(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
