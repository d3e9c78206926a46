package io.lifeguard.sharding.host;

import io.lifeguard.sharding.host.HostEntity.AckAction;
import io.lifeguard.sharding.host.HostEntity.AcquireLease;
import io.lifeguard.sharding.host.HostEntity.ActionAcked;
import io.lifeguard.sharding.host.HostEntity.ActionStatus;
import io.lifeguard.sharding.host.HostEntity.ActionSubmitted;
import io.lifeguard.sharding.host.HostEntity.ActionView;
import io.lifeguard.sharding.host.HostEntity.Event;
import io.lifeguard.sharding.host.HostEntity.LeaseAcquired;
import io.lifeguard.sharding.host.HostEntity.LeaseReleased;
import io.lifeguard.sharding.host.HostEntity.LeaseRenewed;
import io.lifeguard.sharding.host.HostEntity.LeaseView;
import io.lifeguard.sharding.host.HostEntity.ReleaseLease;
import io.lifeguard.sharding.host.HostEntity.RenewLease;
import io.lifeguard.sharding.host.HostEntity.SubmitAction;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * The host entity's command handlers: lease rules with fencing, and the bounded, idempotent action
 * flow. Split from {@link HostEntity} to keep each file readable; it holds no state of its own.
 */
final class HostCommands {
  private static final int MAX_ID_LENGTH = 128;

  private final HostEntity entity;

  HostCommands(HostEntity entity) {
    this.entity = entity;
  }

  ReplyEffect<Event, HostState> acquire(HostState state, AcquireLease cmd) {
    if (blank(cmd.holder()) || !validTtl(cmd.ttl())) return reject(cmd.replyTo(), HostRejection.INVALID);
    Instant now = entity.now();
    HostState.Lease live = state.liveLease(now);
    Instant expiresAt = now.plus(cmd.ttl());
    if (live != null && !live.holder().equals(cmd.holder())) return reject(cmd.replyTo(), HostRejection.LEASE_HELD);
    if (live != null) {
      // The holder re-acquiring (say after a reconnect) keeps its epoch: nothing it sent is fenced.
      return entity.persist(cmd.replyTo(), new LeaseRenewed(live.holder(), live.epoch(), expiresAt))
          .thenReply(cmd.replyTo(), s -> leaseReply(s));
    }
    long epoch = state.lastEpoch() + 1;
    return entity.persist(cmd.replyTo(), new LeaseAcquired(cmd.holder(), epoch, expiresAt))
        .thenRun(s -> entity.log().info("lease acquired: holder={} epoch={} previous_epoch={} expires_at={}",
            cmd.holder(), epoch, state.lastEpoch(), expiresAt))
        .thenReply(cmd.replyTo(), s -> leaseReply(s));
  }

  ReplyEffect<Event, HostState> renew(HostState state, RenewLease cmd) {
    if (!validTtl(cmd.ttl())) return reject(cmd.replyTo(), HostRejection.INVALID);
    HostRejection refused = checkHolder(state, cmd.holder(), cmd.epoch(), entity.now());
    if (refused != null) return reject(cmd.replyTo(), refused);
    Instant expiresAt = entity.now().plus(cmd.ttl());
    return entity.persist(cmd.replyTo(), new LeaseRenewed(cmd.holder(), cmd.epoch(), expiresAt))
        .thenReply(cmd.replyTo(), s -> leaseReply(s));
  }

  ReplyEffect<Event, HostState> release(HostState state, ReleaseLease cmd) {
    HostRejection refused = checkHolder(state, cmd.holder(), cmd.epoch(), entity.now());
    if (refused != null) return reject(cmd.replyTo(), refused);
    LeaseView released = new LeaseView(cmd.holder(), cmd.epoch(), entity.now());
    return entity.persist(cmd.replyTo(), new LeaseReleased(cmd.holder(), cmd.epoch()))
        .thenRun(s -> entity.log().info("lease released: holder={} epoch={}", cmd.holder(), cmd.epoch()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(released));
  }

  ReplyEffect<Event, HostState> submit(HostState state, SubmitAction cmd) {
    if (blank(cmd.actionId()) || cmd.actionId().length() > MAX_ID_LENGTH) return rejectAction(cmd.replyTo(), HostRejection.INVALID);
    HostState.PendingAction pending = state.pending().get(cmd.actionId());
    if (pending != null) {
      return entity.effects().reply(cmd.replyTo(), StatusReply.success(
          new ActionView(pending.actionId(), pending.epoch(), ActionStatus.PENDING, true, pending.payload())));
    }
    HostState.AckedAction acked = state.ackedAction(cmd.actionId());
    if (acked != null) {
      return entity.effects().reply(cmd.replyTo(), StatusReply.success(
          new ActionView(acked.actionId(), acked.epoch(), ActionStatus.ACKED, true, null)));
    }
    HostRejection refused = checkHolder(state, cmd.holder(), cmd.epoch(), entity.now());
    if (refused != null) return rejectAction(cmd.replyTo(), refused);
    if (state.pending().size() >= entity.settings().maxInFlight()) return rejectAction(cmd.replyTo(), HostRejection.BUSY);
    ActionView accepted = new ActionView(cmd.actionId(), cmd.epoch(), ActionStatus.PENDING, false, cmd.payload());
    return entity.persist(cmd.replyTo(), new ActionSubmitted(cmd.actionId(), cmd.epoch(), cmd.payload(), entity.now()))
        .thenRun(s -> {
          entity.metrics().actionAccepted();
          entity.metrics().actionsInflight(1);
          entity.published(accepted, cmd.fromRole());
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(accepted));
  }

  ReplyEffect<Event, HostState> ack(HostState state, AckAction cmd) {
    HostState.AckedAction acked = state.ackedAction(cmd.actionId());
    if (acked != null) {
      return entity.effects().reply(cmd.replyTo(), StatusReply.success(
          new ActionView(acked.actionId(), acked.epoch(), ActionStatus.ACKED, true, null)));
    }
    HostState.PendingAction pending = state.pending().get(cmd.actionId());
    if (pending == null) return entity.effects().reply(cmd.replyTo(), StatusReply.error(HostRejection.UNKNOWN_ACTION.code()));
    ActionView done = new ActionView(pending.actionId(), pending.epoch(), ActionStatus.ACKED, false, null);
    return entity.persist(cmd.replyTo(), new ActionAcked(cmd.actionId(), entity.now()))
        .thenRun(s -> {
          entity.metrics().actionAcked();
          entity.metrics().actionsInflight(-1);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(done));
  }

  /** Null when {@code holder} holds the live lease under {@code epoch}; otherwise why not. */
  private static HostRejection checkHolder(HostState state, String holder, long epoch, Instant now) {
    if (epoch < state.lastEpoch()) return HostRejection.STALE_EPOCH;
    HostState.Lease lease = state.lease();
    if (epoch > state.lastEpoch() || lease == null || lease.epoch() != epoch || !lease.holder().equals(holder)) {
      // Released leases keep lastEpoch: the holder's epoch is current but nothing is held under it.
      return lease == null && epoch == state.lastEpoch() && epoch > 0 ? HostRejection.LEASE_EXPIRED : HostRejection.NOT_HOLDER;
    }
    return lease.liveAt(now) ? null : HostRejection.LEASE_EXPIRED;
  }

  private boolean validTtl(Duration ttl) {
    return ttl != null && !ttl.isNegative() && !ttl.isZero() && ttl.compareTo(entity.settings().maxLeaseTtl()) <= 0;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private StatusReply<LeaseView> leaseReply(HostState s) {
    HostState.Lease l = s.lease();
    return StatusReply.success(new LeaseView(l.holder(), l.epoch(), l.expiresAt()));
  }

  private ReplyEffect<Event, HostState> reject(ActorRef<StatusReply<LeaseView>> replyTo, HostRejection why) {
    entity.log().info("lease command refused: reason={}", why.code());
    return entity.effects().reply(replyTo, StatusReply.error(why.code()));
  }

  private ReplyEffect<Event, HostState> rejectAction(ActorRef<StatusReply<ActionView>> replyTo, HostRejection why) {
    entity.metrics().actionRejected(why.code());
    entity.log().info("action refused: reason={}", why.code());
    return entity.effects().reply(replyTo, StatusReply.error(why.code()));
  }
}
