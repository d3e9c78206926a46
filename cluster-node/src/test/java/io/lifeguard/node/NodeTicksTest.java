package io.lifeguard.node;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** The shared once-a-second tick: one per system, every task every tick, a throwing task does not stop it. */
class NodeTicksTest {
  @Test
  void everyTaskRunsEachTickAndAFailingOneKeepsRunning() {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "node-ticks-test",
        ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.defaultReference()));
    try {
      NodeTicks ticks = NodeTicks.get(system);
      assertSame(ticks, NodeTicks.get(system));
      AtomicInteger failing = new AtomicInteger();
      AtomicInteger healthy = new AtomicInteger();
      ticks.every("failing", () -> {
        failing.incrementAndGet();
        throw new IllegalStateException("boom");
      });
      ticks.every("healthy", healthy::incrementAndGet);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while ((failing.get() < 3 || healthy.get() < 3) && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      assertTrue(failing.get() >= 3, "the failing task stopped after " + failing.get() + " runs");
      assertTrue(healthy.get() >= 3, "the healthy task ran " + healthy.get() + " times");
    } finally {
      system.terminate();
    }
  }
}
