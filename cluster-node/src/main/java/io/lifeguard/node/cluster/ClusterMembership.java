package io.lifeguard.node.cluster;

import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.NodeInfo;
import io.lifeguard.node.health.Readiness;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports how the node joins the cluster (the configured seeds, or this node alone when there are
 * none, as its own seed; see NodeConfig) and reports
 * membership as the {@code cluster} readiness check: ready once this node is Up, not ready again
 * once it starts leaving.
 */
public final class ClusterMembership {
  private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);

  private ClusterMembership() {}

  public static void init(ActorContext<?> context, NodeSettings settings, Readiness readiness, NodeInfo info) {
    Cluster cluster = Cluster.get(context.getSystem());
    info.contribute("cluster_members_up", () -> countUp(cluster));
    info.contribute("cluster_unreachable", () -> cluster.state().getUnreachable().size());
    Readiness.Flag up = readiness.flag("cluster");
    // Read once at start-up: with bootstrap, ClusterBootstrap decides whom to join (AdminComponent).
    boolean bootstrap = context.getSystem().settings().config().getBoolean("lifeguard.cluster.bootstrap");
    if (bootstrap) {
      log.info("joining the cluster through Pekko Cluster Bootstrap");
    } else if (settings.cluster().seedNodes().isEmpty()) {
      // NodeConfig made this node its own seed, so Pekko joins it without being told.
      log.info("no seed nodes configured: {} forms a cluster of its own", cluster.selfMember().address());
    } else {
      log.info("joining cluster through seeds {}", settings.cluster().seedNodes());
    }
    context.spawn(watcher(up), "cluster-readiness");
  }

  private static long countUp(Cluster cluster) {
    long up = 0;
    for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
      if (m.status() == org.apache.pekko.cluster.MemberStatus.up()) up++;
    }
    return up;
  }

  private static Behavior<Object> watcher(Readiness.Flag up) {
    return Behaviors.setup(
        ctx -> {
          Cluster cluster = Cluster.get(ctx.getSystem());
          ActorRef<Object> self = ctx.getSelf();
          cluster.subscriptions().tell(Subscribe.create(self.narrow(), SelfUp.class));
          cluster.subscriptions().tell(Subscribe.create(self.narrow(), ClusterEvent.MemberEvent.class));
          return Behaviors.receive(Object.class)
              .onMessage(SelfUp.class, msg -> {
                log.info("this node is Up with roles {}", cluster.selfMember().getRoles());
                up.set(true);
                return Behaviors.same();
              })
              .onMessage(ClusterEvent.MemberEvent.class, event -> {
                if (event.member().equals(cluster.selfMember())
                    && (event instanceof ClusterEvent.MemberLeft
                        || event instanceof ClusterEvent.MemberExited
                        || event instanceof ClusterEvent.MemberDowned)) {
                  up.set(false);
                }
                return Behaviors.same();
              })
              .build();
        });
  }
}
