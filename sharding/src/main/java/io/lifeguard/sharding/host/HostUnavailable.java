package io.lifeguard.sharding.host;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/**
 * What sharding starts instead of a {@link HostEntity} on a node whose journal does not answer:
 * recovery would fail (after the connection pool's timeout, or at once behind an open circuit
 * breaker) and stop the entity without a reply, leaving callers to their ask timeout. This answers
 * every command {@link HostRejection#UNAVAILABLE} at once and asks the shard to passivate it, so
 * the next command starts a real entity if the journal is back by then.
 */
final class HostUnavailable {
  private HostUnavailable() {}

  static Behavior<HostEntity.Command> create(String hostSessionId, ActorRef<ClusterSharding.ShardCommand> shard, HostMetrics metrics) {
    return Behaviors.setup(context -> {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
      return Behaviors.receiveMessage(command -> {
        if (command instanceof HostEntity.SubmitAction) metrics.actionRejected(HostRejection.UNAVAILABLE.code());
        replyTo(command).tell(StatusReply.error(HostRejection.UNAVAILABLE.code()));
        return Behaviors.same();
      });
    });
  }

  /** Every command's reply address, typed loosely: each gets a {@link StatusReply} error. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static ActorRef<StatusReply<?>> replyTo(HostEntity.Command command) {
    ActorRef ref;
    if (command instanceof HostEntity.AcquireLease c) ref = c.replyTo();
    else if (command instanceof HostEntity.RenewLease c) ref = c.replyTo();
    else if (command instanceof HostEntity.ReleaseLease c) ref = c.replyTo();
    else if (command instanceof HostEntity.SubmitAction c) ref = c.replyTo();
    else if (command instanceof HostEntity.AckAction c) ref = c.replyTo();
    else if (command instanceof HostEntity.GetStatus c) ref = c.replyTo();
    else if (command instanceof HostEntity.WatchActions c) ref = c.replyTo();
    else throw new IllegalArgumentException("unknown host command " + command.getClass().getName());
    return ref;
  }
}
