package io.lifeguard.node.relay;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-forms relay membership after a node is removed: local connections forget peers that lived
 * there at once, and those whose session entity ran there re-send their Join, which starts the
 * entity's next incarnation on a survivor. The others (about two thirds of a three-node cluster's
 * connections) need nothing: their entity did not move, and asking it again would only cost the
 * survivors CPU during the reconnect storm. Entities that move while their node stays (a
 * rebalance, a graceful leave) tell their members themselves ({@code PeerMessage.Rejoin}).
 */
final class RelayMembershipWatcher {
  private static final Logger log = LoggerFactory.getLogger(RelayMembershipWatcher.class);

  private RelayMembershipWatcher() {}

  static Behavior<ClusterEvent.MemberRemoved> create(ConnectionRegistry registry) {
    return Behaviors.setup(ctx -> {
      Cluster.get(ctx.getSystem()).subscriptions()
          .tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberRemoved.class));
      return Behaviors.receive(ClusterEvent.MemberRemoved.class)
          .onMessage(ClusterEvent.MemberRemoved.class, removed -> {
            var address = removed.member().address();
            int rejoined = 0;
            int all = 0;
            for (RelayConnection c : registry.all()) {
              all++;
              c.dropTargetsOn(address);
              if (c.state() == RelayConnection.State.JOINED && c.entityOn(address)) {
                c.rejoin(RelayMetrics.RejoinTrigger.MEMBER_REMOVED);
                rejoined++;
              }
            }
            log.info("member {} removed: re-joining {} of {} local relay connections (their session entity ran there)",
                address, rejoined, all);
            return Behaviors.same();
          })
          .build();
    });
  }
}
