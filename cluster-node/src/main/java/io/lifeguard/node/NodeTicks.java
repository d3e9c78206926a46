package io.lifeguard.node;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One once-a-second task on the default dispatcher for every sweep of the node (the relay sweeper,
 * the relay counters' flush, the idle sweeps of HTTP connections, bridge and host-bus sockets). As
 * separate timers each woke the dispatcher on its own phase: five wake-ups a second on an idle
 * node, each costing tens of µs on a paravirtualised VM whatever the work (docs/perf/idle.md); one
 * timer runs them all in one wake-up. A sweep that throws is logged and runs again next second (a
 * failed Pekko fixed-rate task would stop for good).
 */
public final class NodeTicks implements Extension {
  private static final Logger log = LoggerFactory.getLogger(NodeTicks.class);
  /** How often every sweep runs. */
  public static final Duration EVERY = Duration.ofSeconds(1);

  private static final ExtensionId<NodeTicks> ID = new ExtensionId<>() {
    @Override
    public NodeTicks createExtension(ActorSystem<?> system) {
      return new NodeTicks(system);
    }
  };

  private final List<Sweep> sweeps = new CopyOnWriteArrayList<>();

  private record Sweep(String name, Runnable task) {}

  private NodeTicks(ActorSystem<?> system) {
    system.scheduler().scheduleAtFixedRate(EVERY, EVERY, this::tick, system.executionContext());
  }

  /** The node's shared ticker. */
  public static NodeTicks get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Runs {@code task} every {@link #EVERY} from the next tick on, for as long as the system runs. */
  public void every(String name, Runnable task) {
    sweeps.add(new Sweep(name, task));
  }

  private void tick() {
    for (Sweep sweep : sweeps) {
      try {
        sweep.task().run();
      } catch (RuntimeException e) {
        log.error("periodic task {} failed; it runs again in {} s", sweep.name(), EVERY.toSeconds(), e);
      }
    }
  }
}
