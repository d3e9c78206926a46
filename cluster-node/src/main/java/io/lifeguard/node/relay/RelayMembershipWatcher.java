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
 * there at once, and re-send their Join, which is a no-op for sessions whose entity did not move
 * and rebuilds the membership of those whose entity restarted on a survivor.
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
            log.info("member {} removed: re-joining {} local relay connections", address, registry.size());
            for (RelayConnection c : registry.all()) {
              c.dropTargetsOn(address);
              c.rejoin();
            }
            return Behaviors.same();
          })
          .build();
    });
  }
}
