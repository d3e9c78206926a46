package io.lifeguard.node.admin;

import io.lifeguard.sharding.CborSerializable;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * One per node, registered with the Receptionist under {@link #SERVICE_KEY}: answers the admin API
 * of whichever node an operator called with this node's own facts, its local peers of a session,
 * its bus connections of a host, and starts draining this node on request. Every command answers at once; callers ask with a
 * timeout and report a silent node as not answering.
 */
public final class NodeAgent {
  private NodeAgent() {}

  /** What the agent understands; crosses nodes. */
  public sealed interface Command extends CborSerializable {}

  /** Answers {@link Facts}. */
  public record Describe(ActorRef<Facts> replyTo) implements Command {}

  /** Answers {@link SessionPeers} with the peers of that session connected to this node. */
  public record ListSessionPeers(String sessionId, ActorRef<SessionPeers> replyTo) implements Command {}

  /** Answers {@link BusSubscribers} with the host-bus connections of that host open on this node. */
  public record ListBusSubscribers(String hostSessionId, ActorRef<BusSubscribers> replyTo) implements Command {}

  /** Starts draining this node (then it leaves the cluster and exits); answers {@link DrainStarted}. */
  public record Drain(String requestedBy, String reason, ActorRef<DrainStarted> replyTo) implements Command {}

  /**
   * This node as the admin API shows it. Counts are sockets open on this node now; {@code degraded}
   * lists features that cannot serve because a dependency is lost (null from a node that predates it).
   */
  public record Facts(String node, String address, String http, List<String> roles, long uptimeSeconds,
      int relayConnections, int bridgeConnections, int busConnections, boolean draining, List<String> degraded)
      implements CborSerializable {}

  /** One relay peer: ids and counters only, never payloads. */
  public record Peer(String peerId, String role, int queueDepth, long drops) implements CborSerializable {}

  public record SessionPeers(String node, String address, List<Peer> peers) implements CborSerializable {}

  /** One host-bus connection: its id, role and {@code namespace/topic} subscriptions; never payloads. */
  public record BusSubscriber(String connectionId, String role, List<String> subscriptions) implements CborSerializable {}

  /**
   * A host's bus connections on one node: {@code total} and {@code byRole} count all of them,
   * {@code subscribers} lists at most a bounded number so the answer stays small.
   */
  public record BusSubscribers(String node, String address, int total, Map<String, Integer> byRole,
      List<BusSubscriber> subscribers) implements CborSerializable {}

  /** {@code alreadyDraining}: an earlier request (or SIGTERM) started it; nothing new was done. */
  public record DrainStarted(String node, String address, boolean alreadyDraining) implements CborSerializable {}

  public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "lifeguard-node-agent");

  public static Behavior<Command> create(LocalNode local) {
    return Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
      return Behaviors.receive(Command.class)
          .onMessage(Describe.class, msg -> reply(msg.replyTo(), local.facts()))
          .onMessage(ListSessionPeers.class, msg -> reply(msg.replyTo(), local.sessionPeers(msg.sessionId())))
          .onMessage(ListBusSubscribers.class, msg -> reply(msg.replyTo(), local.busSubscribers(msg.hostSessionId())))
          .onMessage(Drain.class, msg -> reply(msg.replyTo(), local.drain(msg.requestedBy(), msg.reason())))
          .build();
    });
  }

  private static <T> Behavior<Command> reply(ActorRef<T> replyTo, T answer) {
    replyTo.tell(answer);
    return Behaviors.same();
  }
}
