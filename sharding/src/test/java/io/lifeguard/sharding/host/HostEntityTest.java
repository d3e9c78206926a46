package io.lifeguard.sharding.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.lifeguard.sharding.host.HostEntity.AckAction;
import io.lifeguard.sharding.host.HostEntity.AcquireLease;
import io.lifeguard.sharding.host.HostEntity.ActionStatus;
import io.lifeguard.sharding.host.HostEntity.ActionView;
import io.lifeguard.sharding.host.HostEntity.Command;
import io.lifeguard.sharding.host.HostEntity.Event;
import io.lifeguard.sharding.host.HostEntity.GetStatus;
import io.lifeguard.sharding.host.HostEntity.HostStatus;
import io.lifeguard.sharding.host.HostEntity.LeaseView;
import io.lifeguard.sharding.host.HostEntity.ReleaseLease;
import io.lifeguard.sharding.host.HostEntity.RenewLease;
import io.lifeguard.sharding.host.HostEntity.SubmitAction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lease, fencing and action rules, with every command, event and state round-tripped through CBOR. */
class HostEntityTest {
  private static final ActorTestKit testKit = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final Duration TTL = Duration.ofSeconds(30);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<String> rejections = new ArrayList<>();
  private final AtomicInteger inflight = new AtomicInteger();
  private EventSourcedBehaviorTestKit<Command, Event, HostState> kit;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() {
    HostMetrics metrics = new HostMetrics() {
      @Override
      public void actionsInflight(int delta) {
        inflight.addAndGet(delta);
      }

      @Override
      public void actionAccepted() {}

      @Override
      public void actionAcked() {}

      @Override
      public void actionRejected(String reason) {
        rejections.add(reason);
      }
    };
    HostSettings settings = new HostSettings(3, Duration.ofMinutes(5), 100, 10);
    // Explicit: every command, event and state goes through the CBOR serializer and back.
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), HostEntity.create("host-1", settings, metrics, clock),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
  }

  private CommandResultWithReply<Command, Event, HostState, StatusReply<LeaseView>> acquire(String holder) {
    return kit.runCommand(r -> new AcquireLease(holder, TTL, r));
  }

  private StatusReply<ActionView> submit(String id, String holder, long epoch) {
    CommandResultWithReply<Command, Event, HostState, StatusReply<ActionView>> result =
        kit.runCommand(r -> new SubmitAction(id, holder, epoch, "{\"k\":\"" + id + "\"}", r));
    return result.reply();
  }

  @Test
  void acquireGrantsEpochOneAndPersists() {
    var result = acquire("ctl-a");
    LeaseView lease = result.reply().getValue();
    assertEquals(new LeaseView("ctl-a", 1, clock.instant().plus(TTL)), lease);
    assertInstanceOf(HostEntity.LeaseAcquired.class, result.event());
  }

  @Test
  void secondHolderIsRefusedWhileTheLeaseLives() {
    acquire("ctl-a");
    var result = acquire("ctl-b");
    assertTrue(result.reply().isError());
    assertEquals("lease_held", result.reply().getError().getMessage());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void renewExtendsAndKeepsTheEpoch() {
    acquire("ctl-a");
    clock.advance(Duration.ofSeconds(20));
    var renewed = kit.<StatusReply<LeaseView>>runCommand(r -> new RenewLease("ctl-a", 1, TTL, r)).reply().getValue();
    assertEquals(1, renewed.epoch());
    assertEquals(clock.instant().plus(TTL), renewed.expiresAt());
    clock.advance(Duration.ofSeconds(25)); // 45s after acquire: alive only thanks to the renewal
    assertTrue(acquire("ctl-b").reply().isError());
  }

  @Test
  void leaseExpiresWhenNotRenewedAndTheNextHolderGetsAHigherEpoch() {
    acquire("ctl-a");
    clock.advance(TTL);
    var lateRenew = kit.<StatusReply<LeaseView>>runCommand(r -> new RenewLease("ctl-a", 1, TTL, r));
    assertEquals("lease_expired", lateRenew.reply().getError().getMessage());
    LeaseView b = acquire("ctl-b").reply().getValue();
    assertEquals(2, b.epoch());
  }

  @Test
  void releaseFreesTheLeaseAndTheEpochKeepsGrowing() {
    acquire("ctl-a");
    var wrong = kit.<StatusReply<LeaseView>>runCommand(r -> new ReleaseLease("ctl-b", 1, r));
    assertEquals("not_holder", wrong.reply().getError().getMessage());
    var released = kit.<StatusReply<LeaseView>>runCommand(r -> new ReleaseLease("ctl-a", 1, r));
    assertTrue(released.reply().isSuccess());
    assertNull(released.state().lease());
    assertEquals(2, acquire("ctl-a").reply().getValue().epoch(), "even the same holder gets a new epoch");
  }

  @Test
  void actionsWithAnOlderEpochAreFenced() {
    acquire("ctl-a");
    clock.advance(TTL);
    acquire("ctl-b");
    StatusReply<ActionView> stale = submit("a-1", "ctl-a", 1);
    assertEquals("stale_epoch", stale.getError().getMessage());
    assertEquals(ActionStatus.PENDING, submit("a-1", "ctl-b", 2).getValue().status());
    assertEquals("not_holder", submit("a-2", "ctl-a", 2).getError().getMessage());
    assertEquals(List.of("stale_epoch", "not_holder"), rejections);
  }

  @Test
  void actionsWithoutALiveLeaseAreRefused() {
    assertEquals("not_holder", submit("a-1", "ctl-a", 0).getError().getMessage());
    acquire("ctl-a");
    clock.advance(TTL.plusSeconds(1));
    assertEquals("lease_expired", submit("a-1", "ctl-a", 1).getError().getMessage());
  }

  @Test
  void inFlightActionsAreBoundedAndAcksMakeRoom() {
    acquire("ctl-a");
    for (int i = 1; i <= 3; i++) assertTrue(submit("a-" + i, "ctl-a", 1).isSuccess());
    assertEquals(3, inflight.get());
    var busy = kit.<StatusReply<ActionView>>runCommand(r -> new SubmitAction("a-4", "ctl-a", 1, "{}", r));
    assertEquals("busy", busy.reply().getError().getMessage());
    assertTrue(busy.hasNoEvents(), "nothing is queued past the bound");
    kit.<StatusReply<ActionView>>runCommand(r -> new AckAction("a-2", r));
    assertEquals(2, inflight.get());
    assertTrue(submit("a-4", "ctl-a", 1).isSuccess());
  }

  @Test
  void resentActionIdReturnsTheExistingStateAndResentAckIsANoOp() {
    acquire("ctl-a");
    assertFalse(submit("a-1", "ctl-a", 1).getValue().duplicate());
    var again = kit.<StatusReply<ActionView>>runCommand(r -> new SubmitAction("a-1", "ctl-a", 1, "{\"other\":1}", r));
    assertTrue(again.reply().getValue().duplicate());
    assertEquals("{\"k\":\"a-1\"}", again.reply().getValue().payload(), "the first payload wins");
    assertTrue(again.hasNoEvents());

    var ack = kit.<StatusReply<ActionView>>runCommand(r -> new AckAction("a-1", r));
    assertEquals(ActionStatus.ACKED, ack.reply().getValue().status());
    assertInstanceOf(HostEntity.ActionAcked.class, ack.event());
    var ackAgain = kit.<StatusReply<ActionView>>runCommand(r -> new AckAction("a-1", r));
    assertTrue(ackAgain.reply().getValue().duplicate());
    assertTrue(ackAgain.hasNoEvents());
    var resubmitAcked = submit("a-1", "ctl-a", 1).getValue();
    assertEquals(ActionStatus.ACKED, resubmitAcked.status());
    assertEquals(0, inflight.get());

    var unknown = kit.<StatusReply<ActionView>>runCommand(r -> new AckAction("nope", r));
    assertEquals("unknown_action", unknown.reply().getError().getMessage());
  }

  @Test
  void restartRecoversLeaseAndPendingActions() {
    acquire("ctl-a");
    submit("a-1", "ctl-a", 1);
    submit("a-2", "ctl-a", 1);
    kit.<StatusReply<ActionView>>runCommand(r -> new AckAction("a-1", r));
    kit.restart();
    HostStatus status = kit.<StatusReply<HostStatus>>runCommand(GetStatus::new).reply().getValue();
    assertEquals("ctl-a", status.lease().holder());
    assertEquals(List.of("a-2"), status.pending().stream().map(ActionView::actionId).toList());
    assertTrue(submit("a-1", "ctl-a", 1).getValue().duplicate(), "acked id still known after restart");
  }

  @Test
  void invalidTtlIsRefused() {
    var result = kit.<StatusReply<LeaseView>>runCommand(r -> new AcquireLease("ctl-a", Duration.ofHours(1), r));
    assertEquals("invalid", result.reply().getError().getMessage());
  }

  @Test
  void underShardingAStatusQueryAboutAnUnknownHostPassivatesIt() {
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    EventSourcedBehaviorTestKit<Command, Event, HostState> sharded = EventSourcedBehaviorTestKit.create(testKit.system(),
        HostEntity.create("host-unknown", shard.ref(), new HostSettings(3, Duration.ofMinutes(5), 100, 10), HostMetrics.NONE, clock),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));

    HostStatus unknown = sharded.<StatusReply<HostStatus>>runCommand(GetStatus::new).reply().getValue();
    assertFalse(unknown.known(), unknown.toString());
    assertInstanceOf(ClusterSharding.Passivate.class, shard.receiveMessage());

    // Once it has a lease the host is known: asking about it keeps it running.
    sharded.<StatusReply<LeaseView>>runCommand(r -> new AcquireLease("ctl-a", TTL, r));
    HostStatus known = sharded.<StatusReply<HostStatus>>runCommand(GetStatus::new).reply().getValue();
    assertTrue(known.known(), known.toString());
    sharded.restart();
    assertTrue(sharded.<StatusReply<HostStatus>>runCommand(GetStatus::new).reply().getValue().known());
    shard.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void outsideShardingAnUnknownHostAnswersAndStaysUp() {
    HostStatus unknown = kit.<StatusReply<HostStatus>>runCommand(GetStatus::new).reply().getValue();
    assertFalse(unknown.known());
    assertNull(unknown.lease());
    assertTrue(acquire("ctl-a").reply().isSuccess(), "the same entity still takes commands");
  }

  @Test
  void whileTheJournalIsDownWritesAnswerUnavailableAtOnceAndNothingIsPersisted() {
    var journal = new io.lifeguard.sharding.persistence.JournalHealth();
    EventSourcedBehaviorTestKit<Command, Event, HostState> guarded = EventSourcedBehaviorTestKit.create(testKit.system(),
        HostEntity.create("host-journal", null, new HostSettings(3, Duration.ofMinutes(5), 100, 10), HostMetrics.NONE, clock,
            journal),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
    LeaseView lease = guarded.<StatusReply<LeaseView>>runCommand(r -> new AcquireLease("ctl-a", TTL, r)).reply().getValue();

    journal.localUp(false);
    var renew = guarded.<StatusReply<LeaseView>>runCommand(r -> new RenewLease("ctl-a", lease.epoch(), TTL, r));
    assertEquals("unavailable", renew.reply().getError().getMessage());
    assertTrue(renew.hasNoEvents());
    var action = guarded.<StatusReply<ActionView>>runCommand(r -> new SubmitAction("a-1", "ctl-a", lease.epoch(), "{}", r));
    assertEquals("unavailable", action.reply().getError().getMessage());
    assertTrue(action.hasNoEvents());
    // Reads still answer from memory: the lease is as it was.
    HostStatus status = guarded.<StatusReply<HostStatus>>runCommand(GetStatus::new).reply().getValue();
    assertEquals(lease, status.lease());

    journal.localUp(true);
    assertEquals(lease.epoch(), guarded.<StatusReply<LeaseView>>runCommand(r -> new RenewLease("ctl-a", lease.epoch(), TTL, r))
        .reply().getValue().epoch());
  }

  @Test
  void aWriteThatFailsIsAnsweredUnavailableInsteadOfLeftToTheCallersTimeout() {
    var persistence = org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit.create(testKit.system());
    var journal = new io.lifeguard.sharding.persistence.JournalHealth();
    var host = testKit.spawn(HostEntity.create("host-failing-write", null, new HostSettings(3, Duration.ofMinutes(5), 100, 10),
        HostMetrics.NONE, clock, journal));
    TestProbe<StatusReply<LeaseView>> caller = testKit.createTestProbe();
    persistence.failNextPersisted();
    host.tell(new AcquireLease("ctl-a", TTL, caller.ref()));
    assertEquals("unavailable", caller.receiveMessage(Duration.ofSeconds(3)).getError().getMessage());
    caller.expectTerminated(host, Duration.ofSeconds(3));
    assertFalse(journal.localUp(), "a failed write makes the journal suspect here at once");
    assertTrue(journal.announcedUp(), "other nodes are told only once the probe confirms");
  }
}
