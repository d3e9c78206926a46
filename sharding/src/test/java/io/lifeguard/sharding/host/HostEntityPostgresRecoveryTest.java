package io.lifeguard.sharding.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.lifeguard.sharding.host.HostEntity.AckAction;
import io.lifeguard.sharding.host.HostEntity.AcquireLease;
import io.lifeguard.sharding.host.HostEntity.ActionStatus;
import io.lifeguard.sharding.host.HostEntity.ActionView;
import io.lifeguard.sharding.host.HostEntity.Command;
import io.lifeguard.sharding.host.HostEntity.GetStatus;
import io.lifeguard.sharding.host.HostEntity.HostStatus;
import io.lifeguard.sharding.host.HostEntity.LeaseView;
import io.lifeguard.sharding.host.HostEntity.SubmitAction;
import io.lifeguard.sharding.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Leases and pending actions come back from a real PostgreSQL journal after the whole actor system
 * is stopped and a new one starts, through snapshots and the events after them.
 */
class HostEntityPostgresRecoveryTest {

  private final MutableClock clock = new MutableClock(Instant.now());
  // snapshot every 3 events: recovery below reads a snapshot plus the events after it
  private final HostSettings settings = new HostSettings(4, Duration.ofMinutes(5), 3, 100);

  @BeforeAll
  static void database() throws Exception {
    TestPostgres.ensureDatabase();
  }

  static Config postgresJournal() {
    return ConfigFactory.parseString("pekko.actor.serialize-messages = on").withFallback(TestPostgres.journalConfig());
  }

  private static <R> R ask(ActorTestKit kit, ActorRef<Command> host, Function<ActorRef<StatusReply<R>>, Command> command) {
    TestProbe<StatusReply<R>> probe = kit.createTestProbe();
    host.tell(command.apply(probe.getRef()));
    StatusReply<R> reply = probe.receiveMessage(Duration.ofSeconds(15));
    if (reply.isError()) throw new AssertionError("refused: " + reply.getError().getMessage());
    return reply.getValue();
  }

  @Test
  void leaseAndPendingActionsSurviveAStoppedActorSystem() throws Exception {
    String hostId = "host-pg-" + UUID.randomUUID();
    ActorTestKit first = ActorTestKit.create("first", postgresJournal());
    LeaseView lease;
    try {
      ActorRef<Command> host = first.spawn(HostEntity.create(hostId, settings, HostMetrics.NONE, clock));
      lease = ask(first, host, r -> new AcquireLease("ctl-a", Duration.ofMinutes(2), r));
      for (int i = 1; i <= 4; i++) {
        String id = "a-" + i;
        HostEntityPostgresRecoveryTest.<ActionView>ask(first, host, r -> new SubmitAction(id, "ctl-a", 1, "{\"n\":" + id.length() + "}", r));
      }
      HostEntityPostgresRecoveryTest.<ActionView>ask(first, host, r -> new AckAction("a-1", r));
      HostEntityPostgresRecoveryTest.<ActionView>ask(first, host, r -> new AckAction("a-3", r));
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("second", postgresJournal());
    try {
      ActorRef<Command> host = second.spawn(HostEntity.create(hostId, settings, HostMetrics.NONE, clock));
      HostStatus status = ask(second, host, GetStatus::new);
      assertNotNull(status.lease(), "lease survived");
      assertEquals(lease, status.lease());
      assertEquals(List.of("a-2", "a-4"), status.pending().stream().map(ActionView::actionId).toList());
      ActionView resent = HostEntityPostgresRecoveryTest.<ActionView>ask(second, host, r -> new SubmitAction("a-3", "ctl-a", 1, "{}", r));
      assertTrue(resent.duplicate());
      assertEquals(ActionStatus.ACKED, resent.status(), "an acknowledged action is not applied twice");
      ActionView ackAgain = HostEntityPostgresRecoveryTest.<ActionView>ask(second, host, r -> new AckAction("a-1", r));
      assertTrue(ackAgain.duplicate());
    } finally {
      second.shutdownTestKit();
    }
    assertTrue(snapshotRows(hostId) > 0, "recovery went through a snapshot");
  }

  private static int snapshotRows(String hostId) throws Exception {
    try (Connection c = DriverManager.getConnection(TestPostgres.URL, TestPostgres.USER, "");
        PreparedStatement q = c.prepareStatement("SELECT count(*) FROM snapshot WHERE persistence_id = ?")) {
      q.setString(1, "host|" + hostId);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
