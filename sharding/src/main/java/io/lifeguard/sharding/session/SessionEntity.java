package io.lifeguard.sharding.session;

import io.lifeguard.sharding.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A relay session: the membership of its peers and where each peer's connection lives.
 *
 * <p>Frames do not pass through this actor: each connection keeps the member list this entity
 * pushes on every change and sends frames straight to its peers, so a busy session costs the
 * entity nothing. The entity is not persisted, so a new incarnation starts empty and its peers
 * must join again. Each list names the node running the entity, so when a node is removed (a
 * crash) each survivor re-joins only the connections whose entity lived there; when the entity
 * stops with members (its shard handed off: a rebalance towards a node that joined, or its node
 * leaving gracefully) it tells each member to re-join ({@link PeerMessage.Rejoin}).
 */
public final class SessionEntity {

  /** Messages the entity accepts. */
  public sealed interface Command extends CborSerializable {}

  /** Adds (or re-adds, idempotently) a peer. Answered with {@link Joined} or {@link Rejected}. */
  public record Join(String peerId, String role, ActorRef<PeerMessage> inbox, long connectionId,
      ActorRef<JoinResult> replyTo) implements Command {}

  /** Removes a peer whose connection ended. */
  public record Leave(String peerId, long connectionId) implements Command {}

  /** Closes the session for every peer with {@code reason} (a host's CLOSE frame, an operator). */
  public record CloseSession(String byPeerId, String reason) implements Command {}

  /** Counts for /debug/stats; never ids of tokens or payloads. */
  public record GetSummary(ActorRef<Summary> replyTo) implements Command {}

  private record InboxTerminated(ActorRef<PeerMessage> inbox) implements Command {}

  private enum Tombstoned implements Command { INSTANCE }

  /** Reply to {@link Join}. */
  public sealed interface JoinResult extends CborSerializable {}

  public record Joined(MemberList list) implements JoinResult {}

  /** {@code reason} is a CloseReason wire name: session_full or session_closed. */
  public record Rejected(String reason) implements JoinResult {}

  public record Summary(String sessionId, int members, Map<String, Integer> byRole, boolean closed)
      implements CborSerializable {}

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "relay-session");

  /** How long a closed session refuses new joins before it stops. */
  private static final Duration TOMBSTONE = Duration.ofSeconds(30);

  /** Registers the entity type with sharding on this node (role {@code relay}). */
  public static void init(ActorSystem<?> system, int maxPeers, SessionObserver observer) {
    ClusterShardingSettings settings = ClusterShardingSettings.create(system).withNoPassivationStrategy();
    ClusterSharding.get(system).init(
        Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), maxPeers, observer))
            .withRole("relay")
            .withSettings(settings));
  }

  public static Behavior<Command> create(String sessionId, int maxPeers, SessionObserver observer) {
    // withMdc, not MDC.put: an actor's messages run on whichever dispatcher thread is free.
    return Behaviors.withMdc(Command.class, Map.of("session_id", sessionId), Behaviors.setup(ctx -> {
      observer.sessionStarted(sessionId);
      return new SessionEntity(ctx, sessionId, maxPeers, observer).open();
    }));
  }

  private final ActorContext<Command> ctx;
  private final String sessionId;
  private final int maxPeers;
  private final SessionObserver observer;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final Map<ActorRef<PeerMessage>, Integer> watchedInboxes = new HashMap<>();
  private boolean emptied;
  private final String incarnation = java.util.UUID.randomUUID().toString();
  private final String entityNode;
  private long version;

  private SessionEntity(ActorContext<Command> ctx, String sessionId, int maxPeers, SessionObserver observer) {
    this.ctx = ctx;
    this.entityNode = Cluster.get(ctx.getSystem()).selfMember().address().toString();
    this.sessionId = sessionId;
    this.maxPeers = maxPeers;
    this.observer = observer;
  }

  private Behavior<Command> open() {
    return Behaviors.receive(Command.class)
        .onMessage(Join.class, this::onJoin)
        .onMessage(Leave.class, this::onLeave)
        .onMessage(CloseSession.class, this::onClose)
        .onMessage(GetSummary.class, msg -> summarize(msg, false))
        .onMessage(InboxTerminated.class, this::onInboxTerminated)
        .onSignal(Terminated.class, signal -> Behaviors.same())
        .onSignal(PostStop.class, signal -> stoppedWithMembers())
        .build();
  }

  /**
   * Stopped while peers were members: not by the session's own life (the last peer leaving, a
   * close) but from outside, by a shard hand-off (rebalance, graceful leave) or the node shutting
   * down. Each member re-joins, which starts the next incarnation wherever the shard now lives.
   */
  private Behavior<Command> stoppedWithMembers() {
    if (!members.isEmpty()) {
      ctx.getLog().debug("stopped with {} members: asking them to re-join", members.size());
      for (Member m : members.values()) m.inbox().tell(new PeerMessage.Rejoin(m.connectionId(), sessionId));
    }
    return stopped();
  }

  private Behavior<Command> closed() {
    return Behaviors.receive(Command.class)
        .onMessage(Join.class, join -> {
          join.replyTo().tell(new Rejected("session_closed"));
          return Behaviors.same();
        })
        .onMessage(GetSummary.class, msg -> summarize(msg, true))
        .onMessage(Tombstoned.class, msg -> Behaviors.stopped())
        .onSignal(PostStop.class, signal -> stopped())
        .onAnyMessage(msg -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onJoin(Join join) {
    Member member = new Member(join.peerId(), join.role(), join.inbox(), join.connectionId());
    Member previous = members.get(join.peerId());
    if (member.equals(previous)) {
      join.replyTo().tell(new Joined(currentList()));
      return Behaviors.same();
    }
    if (previous == null && members.size() >= maxPeers) {
      ctx.getLog().info("join refused for peer {}: session full ({} peers)", join.peerId(), maxPeers);
      join.replyTo().tell(new Rejected("session_full"));
      return Behaviors.same();
    }
    if (previous != null) unwatch(previous.inbox());
    members.put(member.peerId(), member);
    watch(member.inbox());
    ctx.getLog().debug("peer {} joined as {} ({} members)", join.peerId(), join.role(), members.size());
    version++;
    // Existing peers hear first, so by the time the joiner has its ServerHello they usually route
    // to it; clients must not rely on that (docs/protocol.md: wait for a peer's announce).
    broadcastMembers(join.peerId());
    join.replyTo().tell(new Joined(currentList()));
    return Behaviors.same();
  }

  private Behavior<Command> onLeave(Leave leave) {
    Member member = members.get(leave.peerId());
    // A late Leave from a connection this peer already replaced must not remove the new one.
    if (member == null || member.connectionId() != leave.connectionId()) {
      // A stray message may have started this entity; with no members it has no reason to live.
      return members.isEmpty() ? Behaviors.stopped() : Behaviors.same();
    }
    members.remove(leave.peerId());
    unwatch(member.inbox());
    return afterRemoval();
  }

  private Behavior<Command> onInboxTerminated(InboxTerminated msg) {
    // The node holding these connections is gone: its peers are gone with it.
    List<String> lost = new ArrayList<>();
    members.values().removeIf(m -> {
      boolean gone = m.inbox().equals(msg.inbox());
      if (gone) lost.add(m.peerId());
      return gone;
    });
    watchedInboxes.remove(msg.inbox());
    ctx.getLog().info("node of peers {} left the cluster; {} members remain", lost, members.size());
    return afterRemoval();
  }

  private Behavior<Command> afterRemoval() {
    if (members.isEmpty()) {
      emptied = true;
      ctx.getLog().debug("last peer left: session emptied");
      return Behaviors.stopped();
    }
    version++;
    broadcastMembers(null);
    return Behaviors.same();
  }

  private Behavior<Command> onClose(CloseSession close) {
    ctx.getLog().info("session closed by {} with reason {}", close.byPeerId(), close.reason());
    for (Member m : members.values()) {
      if (!m.peerId().equals(close.byPeerId())) m.inbox().tell(new PeerMessage.Close(m.connectionId(), close.reason()));
    }
    members.clear();
    ctx.scheduleOnce(TOMBSTONE, ctx.getSelf(), Tombstoned.INSTANCE);
    return closed();
  }

  private Behavior<Command> summarize(GetSummary msg, boolean isClosed) {
    Map<String, Integer> byRole = new HashMap<>();
    for (Member m : members.values()) byRole.merge(m.role(), 1, Integer::sum);
    msg.replyTo().tell(new Summary(sessionId, members.size(), byRole, isClosed));
    return members.isEmpty() && !isClosed ? Behaviors.stopped() : Behaviors.same();
  }

  private MemberList currentList() {
    return new MemberList(incarnation, version, List.copyOf(members.values()), entityNode);
  }

  private void broadcastMembers(String except) {
    MemberList list = currentList();
    for (Member m : list.members()) {
      if (m.peerId().equals(except)) continue;
      m.inbox().tell(new PeerMessage.Members(m.connectionId(), sessionId, list));
    }
  }

  private void watch(ActorRef<PeerMessage> inbox) {
    if (watchedInboxes.merge(inbox, 1, Integer::sum) == 1) ctx.watchWith(inbox, new InboxTerminated(inbox));
  }

  private void unwatch(ActorRef<PeerMessage> inbox) {
    Integer left = watchedInboxes.computeIfPresent(inbox, (k, n) -> n == 1 ? null : n - 1);
    if (left == null) ctx.unwatch(inbox);
  }

  private Behavior<Command> stopped() {
    observer.sessionStopped(sessionId, emptied);
    return Behaviors.same();
  }
}
