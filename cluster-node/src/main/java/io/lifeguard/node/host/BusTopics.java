package io.lifeguard.node.host;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * This node's cluster-wide pub-sub topic per host: one Pekko {@link Topic} actor per host that has
 * at least one connection here, started on the first and stopped with the last. Pekko's topics
 * find each other across nodes, so subscribers anywhere hear every publisher, in order per
 * publisher. Owns a mutable registry, hence {@link AbstractBehavior}.
 */
final class BusTopics extends AbstractBehavior<BusTopics.Command> {

  sealed interface Command {}

  /** A connection to {@code hostSessionId} opened here; answers the host's topic. */
  record Attach(String hostSessionId, ActorRef<?> connection, ActorRef<Attached> replyTo) implements Command {}

  /** The host's topic, for the connection to subscribe and publish to. */
  record Attached(ActorRef<Topic.Command<BusDelivery>> topic) {}

  private record Detached(String hostSessionId) implements Command {}

  private record Entry(ActorRef<Topic.Command<BusDelivery>> topic, int connections) {}

  static Behavior<Command> create() {
    return Behaviors.setup(BusTopics::new);
  }

  private final Map<String, Entry> topics = new HashMap<>();
  private long started;

  private BusTopics(ActorContext<Command> context) {
    super(context);
  }

  /** The cluster-wide name of a host's topic. */
  static String topicName(String hostSessionId) {
    return "lifeguard-host-bus:" + hostSessionId;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Attach.class, this::onAttach)
        .onMessage(Detached.class, this::onDetached)
        .build();
  }

  private Behavior<Command> onAttach(Attach attach) {
    Entry entry = topics.get(attach.hostSessionId());
    if (entry == null) {
      // A sequence number in the child name: a stopping topic may still hold the previous name.
      var topic = getContext().spawn(Topic.create(BusDelivery.class, topicName(attach.hostSessionId())),
          "topic-" + (++started));
      entry = new Entry(topic, 0);
    }
    topics.put(attach.hostSessionId(), new Entry(entry.topic(), entry.connections() + 1));
    getContext().watchWith(attach.connection(), new Detached(attach.hostSessionId()));
    attach.replyTo().tell(new Attached(entry.topic()));
    return this;
  }

  private Behavior<Command> onDetached(Detached detached) {
    Entry entry = topics.get(detached.hostSessionId());
    if (entry == null) return this;
    if (entry.connections() <= 1) {
      topics.remove(detached.hostSessionId());
      getContext().stop(entry.topic());
    } else {
      topics.put(detached.hostSessionId(), new Entry(entry.topic(), entry.connections() - 1));
    }
    return this;
  }
}
