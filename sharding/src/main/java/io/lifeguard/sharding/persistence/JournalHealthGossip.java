package io.lifeguard.sharding.persistence;

import io.lifeguard.sharding.CborSerializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Tells every node that runs host entities whether this node's journal answers, and keeps {@link
 * JournalHealth#downNodes()} from what the others say. One per such node, registered with the
 * Receptionist; it sends its state to every registered peer at once when it changes (told by
 * {@link JournalHealth#onAnnouncedChange}) and again every {@link #EVERY} (so a node that became the shard coordinator's host learns it within that
 * time, and a lost message costs one period). What a peer said is forgotten after {@link #FORGET}
 * without news (a crashed or removed node is not "journal down", it is gone).
 *
 * <p>Direct messages rather than Distributed Data: the shard allocation strategy must stop placing
 * hosts on a node within a second or two, and ddata's gossip takes several seconds to cross a
 * cluster.
 */
public final class JournalHealthGossip {
  static final Duration EVERY = Duration.ofSeconds(1);
  static final Duration FORGET = Duration.ofSeconds(4);

  public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "lifeguard-journal-health");

  /** What the gossip actor understands. */
  public sealed interface Command {}

  /** One node's journal state; crosses nodes. */
  public record Status(String node, boolean up) implements Command, CborSerializable {}

  private record Peers(Receptionist.Listing listing) implements Command {}

  private enum Tick implements Command { INSTANCE }

  /** This node's announced state changed ({@link JournalHealth#onAnnouncedChange}). */
  private enum Changed implements Command { INSTANCE }

  private record Heard(boolean up, long atNanos) {}

  public static Behavior<Command> create(JournalHealth health) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new JournalHealthGossip(context, timers, health).running()));
  }

  private final ActorContext<Command> context;
  private final JournalHealth health;
  private final String self;
  private final Map<String, Heard> heard = new HashMap<>();
  private Set<ActorRef<Command>> peers = Set.of();
  private boolean lastSent = true;

  private JournalHealthGossip(ActorContext<Command> context, TimerScheduler<Command> timers, JournalHealth health) {
    this.context = context;
    this.health = health;
    this.self = Cluster.get(context.getSystem()).selfMember().address().toString();
    context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
    ActorRef<Receptionist.Listing> adapter = context.messageAdapter(Receptionist.Listing.class, Peers::new);
    context.getSystem().receptionist().tell(Receptionist.subscribe(SERVICE_KEY, adapter));
    // A change is sent the moment the probe makes it; the round every EVERY covers lost messages
    // and new peers. (A 200 ms tick that polled for changes woke the node five times a second.)
    ActorRef<Command> self = context.getSelf();
    health.onAnnouncedChange(() -> self.tell(Changed.INSTANCE));
    timers.startTimerWithFixedDelay(Tick.INSTANCE, EVERY);
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(Peers.class, p -> {
          peers = p.listing().getServiceInstances(SERVICE_KEY);
          broadcast();
          return Behaviors.same();
        })
        .onMessage(Status.class, s -> {
          heard.put(s.node(), new Heard(s.up(), System.nanoTime()));
          publish();
          return Behaviors.same();
        })
        .onMessageEquals(Tick.INSTANCE, () -> {
          broadcast();
          publish();
          return Behaviors.same();
        })
        .onMessageEquals(Changed.INSTANCE, () -> {
          if (health.announcedUp() != lastSent) {
            broadcast();
            publish();
          }
          return Behaviors.same();
        })
        .build();
  }

  private void broadcast() {
    lastSent = health.announcedUp();
    Status status = new Status(self, lastSent);
    for (ActorRef<Command> peer : peers) peer.tell(status);
    heard.put(self, new Heard(lastSent, System.nanoTime()));
  }

  private void publish() {
    long now = System.nanoTime();
    heard.values().removeIf(h -> now - h.atNanos() > FORGET.toNanos());
    Set<String> down = new HashSet<>();
    heard.forEach((node, h) -> {
      if (!h.up()) down.add(node);
    });
    if (!down.equals(health.downNodes())) {
      context.getLog().info("nodes whose journal does not answer (no hosts placed there): {}", down.isEmpty() ? "none" : down);
      health.downNodes(down);
    }
  }
}
