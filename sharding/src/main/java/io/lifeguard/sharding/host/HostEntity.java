package io.lifeguard.sharding.host;

import io.lifeguard.sharding.CborSerializable;
import io.lifeguard.sharding.assignment.EntityIdShardExtractor;
import io.lifeguard.sharding.assignment.RendezvousAllocationStrategy;
import io.lifeguard.sharding.persistence.JournalHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One host ({@code host_session_id}): its controller lease with fencing epochs, and the actions
 * sent to it until the host acknowledges them. Event-sourced, so a lease and every accepted action
 * survive the entity's restart, passivation and the loss of its node.
 *
 * <p>Every command answers a {@link StatusReply}: success with a view, or an error whose message is
 * a {@link HostRejection#code()}. Time comes from an injected {@link Clock}; events carry absolute
 * instants so replay never consults the clock. The bus (who is subscribed to what) is not kept
 * here: it is connection state and lives in the node.
 */
public final class HostEntity extends EventSourcedBehaviorWithEnforcedReplies<HostEntity.Command, HostEntity.Event, HostState> {

  /** What the entity is asked to do. */
  public sealed interface Command extends CborSerializable {}

  /** Take the lease, or extend it when {@code holder} already holds it. */
  public record AcquireLease(String holder, Duration ttl, ActorRef<StatusReply<LeaseView>> replyTo) implements Command {}

  /** Extend a live lease; only its holder, with its epoch. */
  public record RenewLease(String holder, long epoch, Duration ttl, ActorRef<StatusReply<LeaseView>> replyTo)
      implements Command {}

  /** Give the lease up; answers the released lease. */
  public record ReleaseLease(String holder, long epoch, ActorRef<StatusReply<LeaseView>> replyTo) implements Command {}

  /**
   * Send an action under the holder's epoch; a known id answers its current state. {@code
   * fromRole} (controller or manager) is what watching agents are told sent it.
   */
  public record SubmitAction(String actionId, String holder, long epoch, String payload, String fromRole,
      ActorRef<StatusReply<ActionView>> replyTo) implements Command {
    public SubmitAction(String actionId, String holder, long epoch, String payload, ActorRef<StatusReply<ActionView>> replyTo) {
      this(actionId, holder, epoch, payload, "controller", replyTo);
    }
  }

  /** The host acknowledges an action; a repeated ack answers the recorded state. */
  public record AckAction(String actionId, ActorRef<StatusReply<ActionView>> replyTo) implements Command {}

  /**
   * Lease and pending actions, for the bus (redelivery) and debugging. Under sharding, an entity
   * that recovered nothing ({@link HostStatus#known()} false) passivates right after answering, so
   * asking about an unknown host does not keep an entity running.
   */
  public record GetStatus(ActorRef<StatusReply<HostStatus>> replyTo) implements Command {}

  /**
   * A host agent subscribed to its actions: from the reply on, every action the entity accepts is
   * also sent to {@code watcher} directly, until the watcher stops. Answers the status (pending
   * actions included) like {@link GetStatus}. Why: the bus's pub-sub reaches a subscriber on
   * another node only once that node's registration has spread (up to a second), and an action
   * accepted meanwhile would miss it; the entity's own list has no such delay. Not persisted: after
   * the entity moves, agents subscribe again when they reattach, and the pub-sub covers the rest.
   */
  public record WatchActions(ActorRef<ActionDelivery> watcher, ActorRef<StatusReply<HostStatus>> replyTo)
      implements Command {}

  /** An action the entity accepted, sent to each watcher. */
  public record ActionDelivery(String actionId, long epoch, String payload, String fromRole) implements CborSerializable {}

  /** What happened; persisted, never renamed (the journal stores class names). */
  public sealed interface Event extends CborSerializable {}

  public record LeaseAcquired(String holder, long epoch, Instant expiresAt) implements Event {}

  public record LeaseRenewed(String holder, long epoch, Instant expiresAt) implements Event {}

  public record LeaseReleased(String holder, long epoch) implements Event {}

  public record ActionSubmitted(String actionId, long epoch, String payload, Instant submittedAt) implements Event {}

  public record ActionAcked(String actionId, Instant ackedAt) implements Event {}

  /** A lease as callers see it. */
  public record LeaseView(String holder, long epoch, Instant expiresAt) implements CborSerializable {}

  /** Where an action stands; {@code duplicate} says the id was already known. */
  public record ActionView(String actionId, long epoch, ActionStatus status, boolean duplicate, String payload)
      implements CborSerializable {}

  public enum ActionStatus { PENDING, ACKED }

  /** The live lease (null when none) and the actions awaiting acks, oldest first. */
  public record HostStatus(String hostSessionId, LeaseView lease, long lastEpoch, List<ActionView> pending)
      implements CborSerializable {
    /** False for a host that never had a lease: nothing was ever persisted for it. */
    public boolean known() {
      return lastEpoch > 0 || lease != null || !pending.isEmpty();
    }
  }

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "host");

  /** The sharding role whose nodes run host entities. */
  public static final String ROLE = "manager";

  /**
   * Starts sharding for hosts: one shard per host, placed by {@link RendezvousAllocationStrategy}
   * so that sharding itself applies the deterministic assignment with capacity.
   */
  public static ActorRef<ShardingEnvelope<Command>> init(ActorSystem<?> system, HostSettings settings,
      RendezvousAllocationStrategy.Settings assignment, HostMetrics metrics, Clock clock) {
    return init(system, settings, assignment, metrics, clock, new JournalHealth());
  }

  /**
   * As above, placing hosts only on nodes whose journal answers ({@code health}): a node whose
   * journal is down gets no new hosts and gives up the ones it holds within a rebalance round
   * ({@link #REBALANCE_INTERVAL}); meanwhile its hosts answer {@link HostRejection#UNAVAILABLE} at
   * once instead of failing to persist.
   */
  public static ActorRef<ShardingEnvelope<Command>> init(ActorSystem<?> system, HostSettings settings,
      RendezvousAllocationStrategy.Settings assignment, HostMetrics metrics, Clock clock, JournalHealth health) {
    var strategy = new RendezvousAllocationStrategy(assignment, Cluster.get(system).selfMember().address(), health::downNodes);
    ClusterShardingSettings sharding = ClusterShardingSettings.create(system);
    sharding = sharding.withTuningParameters(sharding.tuningParameters().withRebalanceInterval(REBALANCE_INTERVAL));
    return ClusterSharding.get(system).init(
        Entity.of(ENTITY_KEY, ctx -> health.localUp()
                ? create(ctx.getEntityId(), ctx.getShard(), settings, metrics, clock, health)
                : HostUnavailable.create(ctx.getEntityId(), ctx.getShard(), metrics))
            .withRole(ROLE)
            .withSettings(sharding)
            .withMessageExtractor(new EntityIdShardExtractor<Command>())
            .withAllocationStrategy(strategy));
  }

  /**
   * How often the coordinator asks the strategy about moves (Pekko's default is 10 s). It bounds
   * how long hosts stay on a node whose journal failed; ordinary rebalancing is still limited by
   * {@code rebalanceBatch} per round.
   */
  public static final Duration REBALANCE_INTERVAL = Duration.ofSeconds(1);

  /** A host entity outside sharding (tests, tools): with no shard to passivate through, it stays up. */
  public static Behavior<Command> create(String hostSessionId, HostSettings settings, HostMetrics metrics, Clock clock) {
    return create(hostSessionId, null, settings, metrics, clock, new JournalHealth());
  }

  /**
   * A host entity run by {@code shard}, which it asks to passivate it after answering a status
   * query about a host that has no history.
   */
  public static Behavior<Command> create(String hostSessionId, ActorRef<ClusterSharding.ShardCommand> shard,
      HostSettings settings, HostMetrics metrics, Clock clock) {
    return create(hostSessionId, shard, settings, metrics, clock, new JournalHealth());
  }

  /**
   * As above; while {@code journal} is not locally up, commands that would persist answer {@link
   * HostRejection#UNAVAILABLE}, and a failed write or recovery here makes it suspect at once.
   */
  public static Behavior<Command> create(String hostSessionId, ActorRef<ClusterSharding.ShardCommand> shard,
      HostSettings settings, HostMetrics metrics, Clock clock, JournalHealth journal) {
    return Behaviors.withMdc(Command.class, Map.of("host_session_id", hostSessionId),
        Behaviors.setup(ctx -> new HostEntity(hostSessionId, shard, ctx, settings, metrics, clock, journal)));
  }

  private final String hostSessionId;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final ActorRef<Command> self;
  private final HostSettings settings;
  private final HostMetrics metrics;
  private final Clock clock;
  private final org.slf4j.Logger log;
  private final HostCommands commands;
  private final ActorContext<Command> context;
  /** Agents to tell of accepted actions; connection state, never persisted. */
  private final Set<ActorRef<ActionDelivery>> watchers = new HashSet<>();
  private final JournalHealth journal;
  // Callers whose command is being written. A failed write stops the entity without a reply
  // (Pekko's rule); PostStop answers them "unavailable" so they do not wait for their timeout.
  // Transient, confined to the actor: not part of the state.
  private final java.util.Set<ActorRef<? extends StatusReply<?>>> awaitingWrite = new java.util.HashSet<>();

  private HostEntity(String hostSessionId, ActorRef<ClusterSharding.ShardCommand> shard, ActorContext<Command> context,
      HostSettings settings, HostMetrics metrics, Clock clock, JournalHealth journal) {
    super(PersistenceId.of(ENTITY_KEY.name(), hostSessionId));
    this.hostSessionId = hostSessionId;
    this.shard = shard;
    this.self = context.getSelf();
    this.context = context;
    this.settings = settings;
    this.metrics = metrics;
    this.clock = clock;
    this.log = context.getLog();
    this.commands = new HostCommands(this);
    this.journal = journal;
  }

  @Override
  public HostState emptyState() {
    return HostState.empty();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, HostState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        // Checked first: a persist that cannot succeed would stop the entity without a reply.
        .onCommand(command -> !(command instanceof GetStatus || command instanceof WatchActions) && !journal.localUp(),
            this::unavailable)
        .onCommand(AcquireLease.class, commands::acquire)
        .onCommand(RenewLease.class, commands::renew)
        .onCommand(ReleaseLease.class, commands::release)
        .onCommand(SubmitAction.class, commands::submit)
        .onCommand(AckAction.class, commands::ack)
        .onCommand(GetStatus.class, this::status)
        .onCommand(WatchActions.class, this::watch)
        .build();
  }

  @Override
  public EventHandler<HostState, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(LeaseAcquired.class, (s, e) -> s.withLease(new HostState.Lease(e.holder(), e.epoch(), e.expiresAt())))
        .onEvent(LeaseRenewed.class, (s, e) -> s.withLease(new HostState.Lease(e.holder(), e.epoch(), e.expiresAt())))
        .onEvent(LeaseReleased.class, (s, e) -> s.withLease(null))
        .onEvent(ActionSubmitted.class, (s, e) ->
            s.withPending(new HostState.PendingAction(e.actionId(), e.epoch(), e.payload(), e.submittedAt())))
        .onEvent(ActionAcked.class, (s, e) -> s.withAcked(e.actionId(), settings.rememberedAcks()))
        .build();
  }

  @Override
  public SignalHandler<HostState> signalHandler() {
    // The in-flight gauge counts actions held by entities running on this node: add on recovery,
    // remove on stop (passivation, rebalance, node shutdown).
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          metrics.actionsInflight(state.pending().size());
          HostState.Lease lease = state.liveLease(clock.instant());
          log.info("host recovered: lease_epoch={} lease_live={} pending_actions={}",
              state.lastEpoch(), lease != null, state.pending().size());
        })
        .onSignal(org.apache.pekko.persistence.typed.RecoveryFailed.class, (state, failed) -> {
          journal.suspect();
          log.warn("host entity could not recover: {}", failed.getFailure().getMessage());
        })
        .onSignal(PostStop.instance(), state -> {
          metrics.actionsInflight(-state.pending().size());
          if (!awaitingWrite.isEmpty()) {
            journal.suspect();
            log.warn("host entity stopped with {} commands unwritten (journal write failed): answered unavailable", awaitingWrite.size());
            for (ActorRef<? extends StatusReply<?>> caller : awaitingWrite) unavailableTo(caller);
            awaitingWrite.clear();
          }
        })
        .onSignal(Terminated.class, (state, terminated) -> watchers.remove(terminated.getRef()))
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  private ReplyEffect<Event, HostState> watch(HostState state, WatchActions cmd) {
    if (watchers.add(cmd.watcher())) context.watch(cmd.watcher());
    return Effect().reply(cmd.replyTo(), StatusReply.success(statusOf(state)));
  }

  /** Tells every watching agent of an action just accepted. */
  void published(ActionView accepted, String fromRole) {
    if (watchers.isEmpty()) return;
    ActionDelivery delivery = new ActionDelivery(accepted.actionId(), accepted.epoch(), accepted.payload(), fromRole);
    for (ActorRef<ActionDelivery> watcher : watchers) watcher.tell(delivery);
  }

  private HostStatus statusOf(HostState state) {
    HostState.Lease lease = state.liveLease(clock.instant());
    LeaseView view = lease == null ? null : new LeaseView(lease.holder(), lease.epoch(), lease.expiresAt());
    List<ActionView> pending = state.pending().values().stream()
        .map(a -> new ActionView(a.actionId(), a.epoch(), ActionStatus.PENDING, false, a.payload()))
        .toList();
    return new HostStatus(hostSessionId, view, state.lastEpoch(), pending);
  }

  private ReplyEffect<Event, HostState> status(HostState state, GetStatus cmd) {
    HostStatus status = statusOf(state);
    if (shard != null && !state.hasHistory() && watchers.isEmpty()) {
      // Only a look at a host nobody has used (an admin typing an id, a host attaching first):
      // nothing to keep in memory until idle passivation. Passivating through the shard, rather
      // than stopping, lets the shard buffer and redeliver a command that arrives meanwhile.
      return Effect().none()
          .thenRun(s -> shard.tell(new ClusterSharding.Passivate<>(self)))
          .thenReply(cmd.replyTo(), s -> StatusReply.success(status));
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(status));
  }

  private ReplyEffect<Event, HostState> unavailable(HostState state, Command command) {
    if (command instanceof SubmitAction) metrics.actionRejected(HostRejection.UNAVAILABLE.code());
    return Effect().reply(HostUnavailable.replyTo(command), StatusReply.error(HostRejection.UNAVAILABLE.code()));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void unavailableTo(ActorRef<? extends StatusReply<?>> caller) {
    ((ActorRef) caller).tell(StatusReply.error(HostRejection.UNAVAILABLE.code()));
  }

  /** Persists {@code event} for the command answered at {@code replyTo}, which hears "unavailable" if the write fails. */
  org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, HostState> persist(
      ActorRef<? extends StatusReply<?>> replyTo, Event event) {
    awaitingWrite.add(replyTo);
    return Effect().persist(event).thenRun(s -> awaitingWrite.remove(replyTo));
  }

  HostSettings settings() {
    return settings;
  }

  HostMetrics metrics() {
    return metrics;
  }

  Instant now() {
    return clock.instant();
  }

  org.slf4j.Logger log() {
    return log;
  }

  /** Exposes the protected effect factory to {@link HostCommands}. */
  org.apache.pekko.persistence.typed.javadsl.EffectFactories<Event, HostState> effects() {
    return Effect();
  }
}
