package io.lifeguard.node.relay;

import io.lifeguard.node.edge.WriteBatch;
import io.lifeguard.sharding.session.PeerMessage;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.util.ByteString;

/**
 * The node's single entry point for relay traffic from other nodes and from session entities. It
 * only looks up the addressed connection and hands the message over (an enqueue), so one actor
 * keeps up with the node's whole remote fan-in; same-node peers bypass it entirely.
 */
final class RelayInbox {
  private RelayInbox() {}

  /**
   * Supervised with restart: the inbox keeps no state of its own (connections live in the
   * registry), so a failure handling one message must never stop relaying for the whole node.
   */
  static Behavior<PeerMessage> create(ConnectionRegistry registry) {
    return Behaviors.supervise(receive(registry)).onFailure(Exception.class, SupervisorStrategy.restart());
  }

  private static Behavior<PeerMessage> receive(ConnectionRegistry registry) {
    return Behaviors.receive(PeerMessage.class)
        .onMessage(PeerMessage.Deliver.class, msg -> {
          RelayConnection c = registry.get(msg.connectionId());
          if (c != null) c.deliver(ByteString.fromArrayUnsafe(msg.frame()));
          return Behaviors.same();
        })
        .onMessage(PeerMessage.Frames.class, msg -> {
          // One hand-over per receiving I/O thread for the whole batch, not one per frame.
          WriteBatch batch = new WriteBatch();
          long[] ids = msg.connectionIds();
          byte[][] frames = msg.frames();
          try {
            for (int i = 0; i < ids.length; i++) {
              RelayConnection c = registry.get(ids[i]);
              if (c != null) c.deliver(ByteString.fromArrayUnsafe(frames[i]), batch);
            }
          } finally {
            batch.submit();
          }
          return Behaviors.same();
        })
        .onMessage(PeerMessage.Members.class, msg -> {
          RelayConnection c = registry.get(msg.connectionId());
          if (c != null) c.updateMembers(msg.list());
          return Behaviors.same();
        })
        .onMessage(PeerMessage.Rejoin.class, msg -> {
          RelayConnection c = registry.get(msg.connectionId());
          if (c != null && msg.sessionId().equals(c.sessionId())) c.rejoin(RelayMetrics.RejoinTrigger.ENTITY_STOPPED);
          return Behaviors.same();
        })
        .onMessage(PeerMessage.Close.class, msg -> {
          RelayConnection c = registry.get(msg.connectionId());
          if (c != null) {
            c.close(io.lifeguard.protocol.CloseReason.fromWire(msg.reason())
                .orElse(io.lifeguard.protocol.CloseReason.SESSION_CLOSED), "session closed by its host");
          }
          return Behaviors.same();
        })
        .build();
  }
}
