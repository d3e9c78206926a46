package io.lifeguard.node.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.redis.CommandTimeouts;
import io.lifeguard.node.redis.NodeRedis;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The node's Redis client times commands out on a timer that sleeps until one is due, and leaves
 * the commands a caller times itself (the bridge's PUBLISH batches) without a timer of lettuce's.
 */
class RedisTimeoutsTest {

  @Test
  void theTimerRunsATimeoutNoEarlierThanItsDelayAndNeverOneCancelled() throws Exception {
    Timer timer = NodeRedis.newTimer();
    try {
      AtomicBoolean cancelledRan = new AtomicBoolean();
      Timeout cancelled = timer.newTimeout(t -> cancelledRan.set(true), 100, TimeUnit.MILLISECONDS);
      assertTrue(cancelled.cancel());
      assertTrue(cancelled.isCancelled());

      CountDownLatch fired = new CountDownLatch(1);
      long start = System.nanoTime();
      Timeout later = timer.newTimeout(t -> fired.countDown(), 200, TimeUnit.MILLISECONDS);
      assertTrue(fired.await(10, TimeUnit.SECONDS), "the 200 ms timeout fired");
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200), "not before its delay");
      assertTrue(later.isExpired());
      assertFalse(later.cancel(), "an expired timeout cannot be cancelled");
      // One thread runs them in deadline order: the cancelled 100 ms one would have run first.
      assertFalse(cancelledRan.get(), "a cancelled timeout never runs");
    } finally {
      timer.stop();
    }
    assertThrows(IllegalStateException.class, () -> timer.newTimeout(t -> { }, 1, TimeUnit.MILLISECONDS),
        "refused once stopped, as Netty's HashedWheelTimer does");
  }

  @Test
  void aStalledRedisTimesOutCommandsButNotTheOnesTheirCallerTimes() throws Exception {
    Timer timer = NodeRedis.newTimer();
    ClientResources resources = NodeRedis.resources(new NodeSettings.Redis("", Duration.ofSeconds(1), Duration.ofMillis(500)), timer);
    try (RedisServer server = new RedisServer().start()) {
      NodeSettings.Redis settings = new NodeSettings.Redis(server.url(), Duration.ofSeconds(1), Duration.ofMillis(500));
      RedisClient client = NodeRedis.client(settings, resources);
      try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8)) {
        assertEquals("PONG", connection.sync().ping());
        server.signal("STOP"); // the connection stays open, nothing answers
        try {
          AsyncCommand<String, String, Long> publish = new AsyncCommand<>(new CommandTimeouts.CallerTimed<>(
              CommandType.PUBLISH, new IntegerOutput<>(StringCodec.UTF8),
              new CommandArgs<>(StringCodec.UTF8).addKey("timeouts-test").addValue("m")));
          connection.dispatch(publish);
          // Dispatched after the PUBLISH, so a timeout of lettuce's on the PUBLISH would fire first.
          for (int i = 0; i < 2; i++) {
            RedisFuture<String> get = connection.async().get("timeouts-test");
            ExecutionException failed = assertThrows(ExecutionException.class, () -> get.get(10, TimeUnit.SECONDS));
            assertInstanceOf(RedisCommandTimeoutException.class, failed.getCause());
          }
          assertFalse(publish.isDone(), "lettuce set no timer on a caller-timed command");
          server.signal("CONT");
          assertEquals(0L, publish.get(10, TimeUnit.SECONDS), "answered once Redis runs again (no subscriber)");
        } finally {
          server.signal("CONT");
        }
      } finally {
        client.shutdown();
      }
    } finally {
      resources.shutdown();
      timer.stop();
    }
  }
}
