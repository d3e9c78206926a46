package io.lifeguard.node.host;

import io.lifeguard.node.host.BusAcl.BusTopic;
import io.lifeguard.node.host.BusAcl.Control;
import io.lifeguard.node.host.BusFrames.ClientFrame;
import io.lifeguard.protocol.Role;
import io.lifeguard.sharding.host.HostEntity;
import io.lifeguard.sharding.host.HostEntity.ActionView;
import io.lifeguard.sharding.host.HostEntity.HostStatus;
import io.lifeguard.sharding.host.HostEntity.LeaseView;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.Done;
import io.lifeguard.node.edge.Outbound;
import io.lifeguard.node.edge.WsOut;
import java.util.concurrent.CompletableFuture;

/**
 * One WebSocket on a host's bus. Receives the client's frames one at a time (the stream waits for
 * the previous frame to be handled before the next, so a slow entity backpressures the socket and frames keep their
 * order), applies {@link BusAcl}, talks to the host entity for leases, actions and acks, and
 * forwards the host topic's deliveries that this connection subscribed to. Every refusal is an
 * error frame; nothing is dropped silently.
 */
final class BusConnection {
  sealed interface Message {}

  /**
   * One client frame: its text, or {@code problem} (binary, too large) instead, with the frame's
   * id when it could be read ({@code problemId}, else null). Completing {@code
   * handled} lets the socket read the next frame.
   */
  record Inbound(String text, String problem, String problemId, CompletableFuture<Done> handled) implements Message {}

  /** The socket ended. */
  enum Closed implements Message { INSTANCE }

  private record TopicReady(ActorRef<Topic.Command<BusDelivery>> topic) implements Message {}

  private record Delivered(BusDelivery delivery) implements Message {}

  /** An action the host entity accepted, sent to this (watching) connection directly. */
  private record DirectlyDelivered(HostEntity.ActionDelivery delivery) implements Message {}

  /** Actions delivered lately, by id and epoch: the topic and the entity may both bring one. */
  private static final int REMEMBERED_DELIVERIES = 1024;

  private record Answered(ClientFrame frame, Object value, Throwable failure, CompletableFuture<Done> handled) implements Message {}

  /** An entity command being asked, until its deadline (raw: one record for every reply type). */
  @SuppressWarnings("rawtypes")
  private record Asking(ClientFrame frame, Class<?> type,
      org.apache.pekko.japi.function.Function command, long deadline,
      CompletableFuture<Done> handled) {}

  /** An attempt timed out with time left: ask again. */
  private record Retry(Asking asking) implements Message {}

  private static final java.time.Duration ATTEMPT = java.time.Duration.ofSeconds(1);
  private static final java.time.Duration MIN_ATTEMPT = java.time.Duration.ofMillis(100);

  /** Who is on the other end and what it may reach. */
  record Peer(String connectionId, String hostSessionId, Role role) {}

  static Behavior<Message> create(Peer peer, Outbound out, ActorRef<BusTopics.Command> topics,
      EntityRef<HostEntity.Command> host, ManagerSettings settings, HostManagerMetrics metrics, BusConnections registry) {
    Map<String, String> mdc = Map.of("host_session_id", peer.hostSessionId(), "peer_id", peer.connectionId(),
        "role", peer.role().wireName());
    return Behaviors.withMdc(Message.class, mdc, Behaviors.setup(ctx -> {
      ActorRef<BusDelivery> inbox = ctx.messageAdapter(BusDelivery.class, Delivered::new);
      topics.tell(new BusTopics.Attach(peer.hostSessionId(), ctx.getSelf(), ctx.messageAdapter(
          BusTopics.Attached.class, attached -> new TopicReady(attached.topic()))));
      metrics.connection(peer.role(), 1);
      ctx.getLog().debug("bus attached");
      BusConnection connection = new BusConnection(ctx, peer, out, host, settings, metrics, registry, inbox);
      connection.listed();
      return connection.starting(null);
    }));
  }

  private final ActorContext<Message> ctx;
  private final Peer peer;
  private final Outbound out;
  private final EntityRef<HostEntity.Command> host;
  private final ManagerSettings settings;
  private final HostManagerMetrics metrics;
  private final BusConnections registry;
  private final ActorRef<BusDelivery> inbox;
  private final Set<BusTopic> subscriptions = new HashSet<>();
  private ActorRef<Topic.Command<BusDelivery>> topic;
  private final java.util.LinkedHashSet<String> delivered = new java.util.LinkedHashSet<>();
  private String holder;

  private BusConnection(ActorContext<Message> ctx, Peer peer, Outbound out, EntityRef<HostEntity.Command> host,
      ManagerSettings settings, HostManagerMetrics metrics, BusConnections registry, ActorRef<BusDelivery> inbox) {
    this.ctx = ctx;
    this.peer = peer;
    this.out = out;
    this.host = host;
    this.settings = settings;
    this.metrics = metrics;
    this.registry = registry;
    this.inbox = inbox;
    this.holder = peer.connectionId();
  }

  /**
   * Waits for the host's topic before handling frames; the socket reads one frame at a time, so at
   * most one waits here.
   */
  private Behavior<Message> starting(Inbound early) {
    return Behaviors.receive(Message.class)
        .onMessage(Inbound.class, this::starting)
        .onMessage(TopicReady.class, m -> {
          topic = m.topic();
          topic.tell(Topic.subscribe(inbox));
          if (early != null) onInbound(early);
          return running();
        })
        .onMessage(Closed.class, m -> Behaviors.stopped())
        .onSignal(PostStop.class, s -> stopped())
        .build();
  }

  private Behavior<Message> running() {
    return Behaviors.receive(Message.class)
        .onMessage(Inbound.class, this::onInbound)
        .onMessage(Answered.class, this::onAnswered)
        .onMessage(Retry.class, m -> {
          attempt(m.asking());
          return Behaviors.same();
        })
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(DirectlyDelivered.class, this::onDirectlyDelivered)
        .onMessage(Closed.class, m -> Behaviors.stopped())
        .onSignal(PostStop.class, s -> stopped())
        .build();
  }

  private Behavior<Message> stopped() {
    if (topic != null) topic.tell(Topic.unsubscribe(inbox));
    registry.remove(peer.hostSessionId(), peer.connectionId());
    metrics.connection(peer.role(), -1);
    out.complete();
    ctx.getLog().debug("bus detached");
    return Behaviors.same();
  }

  /** Shows this socket and its subscriptions as they are now in the node's registry. */
  private void listed() {
    List<String> topics = subscriptions.stream().map(BusTopic::toString).sorted().toList();
    registry.put(peer.hostSessionId(), new BusConnections.Connection(peer.connectionId(), peer.role(), topics));
  }

  private Behavior<Message> onInbound(Inbound in) {
    if (in.problem() != null) {
      sendError(in.problemId(), in.problem(), "frame refused: " + in.problem());
      in.handled().complete(Done.getInstance());
      return Behaviors.same();
    }
    ClientFrame frame;
    try {
      frame = BusFrames.parse(in.text());
    } catch (BusFrames.BadFrame bad) {
      ctx.getLog().info("bus frame refused: reason={} {}", bad.code, bad.getMessage());
      sendError(bad.id, bad.code, bad.getMessage());
      in.handled().complete(Done.getInstance());
      return Behaviors.same();
    }
    if (!handle(frame, in.handled())) in.handled().complete(Done.getInstance());
    return Behaviors.same();
  }

  /** Handles a frame; true when an entity answer is awaited (that answer acks the stream). */
  private boolean handle(ClientFrame frame, CompletableFuture<Done> ackTo) {
    if (frame instanceof BusFrames.Subscribe s) {
      BusTopic t = knownTopic(s.id(), s.namespace(), s.topic());
      if (t == null) return false;
      if (!BusAcl.maySubscribe(peer.role(), t)) return forbidden(s.id(), "subscribe to " + t);
      subscriptions.add(t);
      listed();
      if (t.equals(BusAcl.MANAGER_ACTION) && peer.role() == Role.HOST) {
        // "subscribed" only once the entity itself will tell this connection of every new action
        // (the pub-sub may take a moment to reach this node); then the host hears again every
        // action still waiting for its ack.
        delivered.clear();
        ActorRef<HostEntity.ActionDelivery> direct = ctx.messageAdapter(HostEntity.ActionDelivery.class, DirectlyDelivered::new);
        return askEntity(frame, ackTo, HostStatus.class, r -> new HostEntity.WatchActions(direct, r));
      }
      send(BusFrames.topicReply("subscribed", s.id(), t.namespace(), t.topic()));
      return false;
    } else if (frame instanceof BusFrames.Unsubscribe u) {
      BusTopic t = knownTopic(u.id(), u.namespace(), u.topic());
      if (t == null) return false;
      subscriptions.remove(t);
      listed();
      send(BusFrames.topicReply("unsubscribed", u.id(), t.namespace(), t.topic()));
      return false;
    } else if (frame instanceof BusFrames.Publish p) {
      BusTopic t = knownTopic(p.id(), p.namespace(), p.topic());
      if (t == null) return false;
      if (!BusAcl.mayPublish(peer.role(), t)) return forbidden(p.id(), "publish to " + t);
      topic.tell(Topic.publish(delivery(t, p.payload(), null, 0, false)));
      if (p.id() != null) send(BusFrames.frame("published", p.id()).toString());
      return false;
    } else if (frame instanceof BusFrames.LeaseAcquire a) {
      if (!BusAcl.may(peer.role(), Control.LEASE)) return forbidden(a.id(), "lease");
      String who = a.holder() != null ? a.holder() : holder;
      return askEntity(frame, ackTo, LeaseView.class, r -> new HostEntity.AcquireLease(who, a.ttl(), r));
    } else if (frame instanceof BusFrames.LeaseRenew r) {
      if (!BusAcl.may(peer.role(), Control.LEASE)) return forbidden(r.id(), "lease");
      String who = r.holder() != null ? r.holder() : holder;
      return askEntity(frame, ackTo, LeaseView.class, reply -> new HostEntity.RenewLease(who, r.epoch(), r.ttl(), reply));
    } else if (frame instanceof BusFrames.LeaseRelease r) {
      if (!BusAcl.may(peer.role(), Control.LEASE)) return forbidden(r.id(), "lease");
      String who = r.holder() != null ? r.holder() : holder;
      return askEntity(frame, ackTo, LeaseView.class, reply -> new HostEntity.ReleaseLease(who, r.epoch(), reply));
    } else if (frame instanceof BusFrames.Action a) {
      if (!BusAcl.may(peer.role(), Control.ACTION)) {
        metrics.actionRejected("forbidden");
        return forbidden(a.id(), "send actions");
      }
      String who = a.holder() != null ? a.holder() : holder;
      return askEntity(frame, ackTo, ActionView.class,
          r -> new HostEntity.SubmitAction(a.actionId(), who, a.epoch(), a.payload(), peer.role().wireName(), r));
    } else if (frame instanceof BusFrames.Ack a) {
      if (!BusAcl.may(peer.role(), Control.ACK)) return forbidden(a.id(), "acknowledge actions");
      metrics.ackPending(1);
      return askEntity(frame, ackTo, ActionView.class, r -> new HostEntity.AckAction(a.actionId(), r));
    }
    throw new IllegalStateException("unhandled frame " + frame.getClass().getSimpleName());
  }

  private <R> boolean askEntity(ClientFrame frame, CompletableFuture<Done> ackTo, Class<R> type,
      org.apache.pekko.japi.function.Function<ActorRef<StatusReply<R>>, HostEntity.Command> command) {
    attempt(new Asking(frame, type, command, System.nanoTime() + settings.askTimeout().toNanos(), ackTo));
    return true;
  }

  /**
   * One attempt of an entity command. A command sent while the host's shard still points at a node
   * that just died is lost, not slow, so commands are asked in attempts of at most {@link
   * #ATTEMPT} until the ask timeout is spent, like the relay's join: a controller renewing during a
   * failover reaches the entity as soon as it has moved. Every entity command is idempotent (by
   * action id, holder and epoch), so an attempt whose answer was lost does no harm.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void attempt(Asking asking) {
    long left = asking.deadline() - System.nanoTime();
    java.time.Duration timeout = java.time.Duration.ofNanos(Math.max(1_000_000L, Math.min(left, ATTEMPT.toNanos())));
    ctx.askWithStatus((Class) asking.type(), host, timeout, r -> (HostEntity.Command) asking.command().apply(r), (value, failure) -> {
      if (failure instanceof TimeoutException && asking.deadline() - System.nanoTime() > MIN_ATTEMPT.toNanos()) {
        return new Retry(asking);
      }
      return new Answered(asking.frame(), value, failure, asking.handled());
    });
  }

  private Behavior<Message> onAnswered(Answered a) {
    try {
      if (a.frame() instanceof BusFrames.Ack) metrics.ackPending(-1);
      if (a.failure() != null) {
        answerFailure(a);
      } else {
        answerSuccess(a.frame(), a.value());
      }
    } finally {
      a.handled().complete(Done.getInstance());
    }
    return Behaviors.same();
  }

  private void answerFailure(Answered a) {
    if (a.frame() instanceof BusFrames.Subscribe s) {
      // Not subscribed after all: the client hears why and may subscribe again.
      BusTopic t = new BusTopic(s.namespace(), s.topic());
      subscriptions.remove(t);
      listed();
    }
    String code;
    if (a.failure() instanceof StatusReply.ErrorMessage error) {
      code = error.getMessage();
    } else if (a.failure() instanceof TimeoutException) {
      code = "unavailable";
      if (a.frame() instanceof BusFrames.Action) metrics.actionRejected(code);
      ctx.getLog().warn("host entity did not answer within {}: phase={}", settings.askTimeout(), a.frame().getClass().getSimpleName());
    } else {
      code = "internal";
      ctx.getLog().error("host entity failed", a.failure());
    }
    ctx.getLog().info("bus request refused: phase={} reason={}", a.frame().getClass().getSimpleName(), code);
    sendError(a.frame().id(), code, "refused by host entity: " + code);
  }

  private void answerSuccess(ClientFrame frame, Object value) {
    if (frame instanceof BusFrames.LeaseRelease f) {
      leaseReply("lease_released", f.id(), (LeaseView) value);
    } else if (frame instanceof BusFrames.LeaseAcquire || frame instanceof BusFrames.LeaseRenew) {
      leaseReply("lease", frame.id(), (LeaseView) value);
    } else if (frame instanceof BusFrames.Action f) {
      ActionView view = (ActionView) value;
      if (view.status() == HostEntity.ActionStatus.PENDING) {
        // Re-sent pending ids are published again: delivery to the host is at-least-once until acked.
        topic.tell(Topic.publish(delivery(BusAcl.MANAGER_ACTION, view.payload(), view.actionId(), view.epoch(), view.duplicate())));
      }
      send(BusFrames.frame("action_accepted", f.id()).put("action_id", view.actionId()).put("epoch", view.epoch())
          .put("status", view.status().name().toLowerCase(java.util.Locale.ROOT)).put("duplicate", view.duplicate()).toString());
    } else if (frame instanceof BusFrames.Ack f) {
      ActionView view = (ActionView) value;
      if (!view.duplicate()) topic.tell(Topic.publish(delivery(BusAcl.MANAGER_ACK, f.payload(), view.actionId(), view.epoch(), false)));
      send(BusFrames.frame("ack_accepted", f.id()).put("action_id", view.actionId()).put("epoch", view.epoch())
          .put("duplicate", view.duplicate()).toString());
    } else if (frame instanceof BusFrames.Subscribe s) {
      send(BusFrames.topicReply("subscribed", s.id(), s.namespace(), s.topic()));
      for (ActionView pending : ((HostStatus) value).pending()) {
        if (firstDelivery(pending.actionId(), pending.epoch())) {
          send(BusFrames.message(new BusDelivery("manager", "action", "entity", "controller", pending.payload(),
              pending.actionId(), pending.epoch(), true)));
        }
      }
    } else {
      throw new IllegalStateException("no entity answer expected for " + frame.getClass().getSimpleName());
    }
  }

  private void leaseReply(String type, String id, LeaseView lease) {
    if (type.equals("lease")) holder = lease.holder();
    send(BusFrames.frame(type, id).put("holder", lease.holder()).put("epoch", lease.epoch())
        .put("expires_at", lease.expiresAt().toString()).toString());
  }

  private Behavior<Message> onDelivered(Delivered d) {
    BusDelivery delivery = d.delivery();
    if (delivery.publisher().equals(peer.connectionId())) return Behaviors.same();
    BusTopic t = new BusTopic(delivery.namespace(), delivery.topic());
    // Subscriptions were checked against the ACL when made; checking again costs nothing and keeps
    // a future bug in subscribe from leaking controller topics to viewers.
    if (!subscriptions.contains(t) || !BusAcl.maySubscribe(peer.role(), t)) return Behaviors.same();
    if (t.equals(BusAcl.MANAGER_ACTION) && !firstDelivery(delivery.actionId(), delivery.epoch())) return Behaviors.same();
    send(BusFrames.message(delivery));
    return Behaviors.same();
  }

  private Behavior<Message> onDirectlyDelivered(DirectlyDelivered d) {
    HostEntity.ActionDelivery action = d.delivery();
    if (subscriptions.contains(BusAcl.MANAGER_ACTION) && firstDelivery(action.actionId(), action.epoch())) {
      send(BusFrames.message(new BusDelivery("manager", "action", "entity", action.fromRole(), action.payload(),
          action.actionId(), action.epoch(), false)));
    }
    return Behaviors.same();
  }

  /** True the first time an action (id and epoch) comes by lately; at least once, deduplicated. */
  private boolean firstDelivery(String actionId, long epoch) {
    if (actionId == null) return true;
    if (!delivered.add(actionId + "@" + epoch)) return false;
    if (delivered.size() > REMEMBERED_DELIVERIES) delivered.remove(delivered.iterator().next());
    return true;
  }

  private BusDelivery delivery(BusTopic t, String payload, String actionId, long epoch, boolean redelivered) {
    return new BusDelivery(t.namespace(), t.topic(), peer.connectionId(), peer.role().wireName(), payload, actionId, epoch, redelivered);
  }

  private BusTopic knownTopic(String id, String namespace, String topicName) {
    var unknown = BusAcl.unknown(namespace, topicName);
    if (unknown.isPresent()) {
      ctx.getLog().warn("bus frame names {}: namespace={} topic={}", unknown.get(), abbreviate(namespace), abbreviate(topicName));
      sendError(id, unknown.get(), unknown.get().replace('_', ' ') + ": " + abbreviate(namespace) + "/" + abbreviate(topicName));
      return null;
    }
    return new BusTopic(namespace, topicName);
  }

  private boolean forbidden(String id, String what) {
    ctx.getLog().info("bus frame forbidden: role={} may not {}", peer.role().wireName(), what);
    sendError(id, "forbidden", "role " + peer.role().wireName() + " may not " + what);
    return false;
  }

  private void sendError(String id, String code, String message) {
    metrics.errorFrame(code);
    send(BusFrames.error(id, code, message));
  }

  /** A client that let {@code bus.outbound-buffer} frames pile up is closed (1008), then reconnects. */
  private void send(String text) {
    if (out.offer(new WsOut.Text(text)) == Outbound.Offer.DROPPED) {
      metrics.errorFrame("slow_consumer");
      ctx.getLog().warn("bus client not reading: {} frames unwritten; closing with 1008", settings.outboundBuffer());
      out.offer(new WsOut.Close(1008, "slow_consumer"));
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
