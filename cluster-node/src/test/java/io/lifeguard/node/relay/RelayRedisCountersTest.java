package io.lifeguard.node.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;


import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lifeguard.node.testing.TestNode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.FrameCodec;
import io.lifeguard.protocol.FrameKind;
import io.lifeguard.protocol.Role;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Redis counters of source document 000 against the real Redis on 127.0.0.1:6379: per-session
 * keys are unique to the test's session, the node-wide totals are compared as deltas.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayRedisCountersTest {
  private TestNode node;
  private RedisClient client;
  private StatefulRedisConnection<String, String> redis;

  @BeforeAll
  void start() {
    node = TestNode.start(RelayTokens.nodeConfig()).awaitReady();
    client = RedisClient.create("redis://127.0.0.1:6379");
    redis = client.connect();
  }

  @AfterAll
  void stop() {
    redis.close();
    client.shutdown();
    node.close();
  }

  private long value(String key) {
    String v = redis.sync().get(key);
    return v == null ? 0 : Long.parseLong(v);
  }

  private static void await(String what, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.get()) return;
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    throw new AssertionError(what + " not reached within 10 s");
  }

  @Test
  void sessionAndNodeCountersReachRedis() {
    String session = RelayTokens.newSessionId();
    String prefix = "fallback:session:" + session + ":";
    long messagesBefore = value("fallback:metrics:messages_forwarded_total");
    long bytesBefore = value("fallback:metrics:bytes_forwarded_total");
    long connectionsBefore = value("fallback:metrics:connections_total");

    RawRelayClient host = RawRelayClient.connect(node.wsUri("/ws"));
    host.hello(session, RelayTokens.token(session, Role.HOST), Role.HOST);
    RawRelayClient guest = RawRelayClient.connect(node.wsUri("/ws"));
    guest.hello(session, RelayTokens.token(session, Role.PARTICIPANT), Role.PARTICIPANT);
    host.awaitRouteTo(guest);
    byte[] frame = FrameCodec.encode(Frame.of(FrameKind.DATA, 1, new byte[92]));
    for (int i = 0; i < 10; i++) host.sendBinary(frame);
    for (int i = 0; i < 10; i++) guest.next();

    await("2 active connections", () -> value(prefix + "connections_active") == 2);
    // 10 data frames plus at least one route probe, each delivered to one peer.
    await("forwarded frames", () -> value(prefix + "messages_forwarded") >= 11);
    await("node totals", () -> value("fallback:metrics:messages_forwarded_total") - messagesBefore >= 11
        && value("fallback:metrics:bytes_forwarded_total") - bytesBefore >= 10L * frame.length
        && value("fallback:metrics:connections_total") - connectionsBefore >= 2);

    host.close();
    guest.close();
    await("no active connections after both left", () -> value(prefix + "connections_active") == 0);
    long ttl = redis.sync().ttl(prefix + "messages_forwarded");
    assertTrue(ttl > 0 && ttl <= RelayCounters.SESSION_TTL_SECONDS, "per-session keys must expire, ttl was " + ttl);
  }
}
