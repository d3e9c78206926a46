package io.lifeguard.sharding.host;

import io.lifeguard.sharding.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a host entity must not forget: the controller lease, the highest fencing epoch ever
 * handed out, the actions awaiting their ack (in submission order) and the ids of recently
 * acknowledged actions (for deduplication). Immutable: every update returns a copy; the copies are
 * small because in-flight actions are bounded.
 *
 * @param lease the last lease granted, possibly expired or null when released or never granted
 * @param lastEpoch highest epoch granted so far; the next holder gets {@code lastEpoch + 1}
 * @param pending actions accepted and not yet acknowledged, by id, oldest first
 * @param acked recently acknowledged actions, oldest first, at most {@code rememberedAcks}
 */
public record HostState(Lease lease, long lastEpoch, Map<String, PendingAction> pending, List<AckedAction> acked)
    implements CborSerializable {

  /** A controller's lease; live while {@code now < expiresAt}. */
  public record Lease(String holder, long epoch, Instant expiresAt) implements CborSerializable {
    public boolean liveAt(Instant now) {
      return now.isBefore(expiresAt);
    }
  }

  /** An action accepted under {@code epoch}, waiting for the host's ack. */
  public record PendingAction(String actionId, long epoch, String payload, Instant submittedAt)
      implements CborSerializable {}

  /** An acknowledged action, remembered so a re-sent id is answered instead of applied again. */
  public record AckedAction(String actionId, long epoch) implements CborSerializable {}

  public HostState {
    pending = pending == null ? Map.of() : pending;
    acked = acked == null ? List.of() : acked;
  }

  public static HostState empty() {
    return new HostState(null, 0, new LinkedHashMap<>(), List.of());
  }

  /** False until the first lease is granted; every other event needs a lease first. */
  public boolean hasHistory() {
    return lastEpoch > 0 || lease != null || !pending.isEmpty() || !acked.isEmpty();
  }

  /** The lease if it is live at {@code now}. */
  public Lease liveLease(Instant now) {
    return lease != null && lease.liveAt(now) ? lease : null;
  }

  public AckedAction ackedAction(String actionId) {
    for (AckedAction a : acked) if (a.actionId().equals(actionId)) return a;
    return null;
  }

  HostState withLease(Lease newLease) {
    return new HostState(newLease, Math.max(lastEpoch, newLease == null ? 0 : newLease.epoch()), pending, acked);
  }

  HostState withPending(PendingAction action) {
    Map<String, PendingAction> next = new LinkedHashMap<>(pending);
    next.put(action.actionId(), action);
    return new HostState(lease, lastEpoch, next, acked);
  }

  HostState withAcked(String actionId, int remember) {
    PendingAction done = pending.get(actionId);
    if (done == null) return this;
    Map<String, PendingAction> nextPending = new LinkedHashMap<>(pending);
    nextPending.remove(actionId);
    List<AckedAction> nextAcked = new ArrayList<>(acked);
    nextAcked.add(new AckedAction(actionId, done.epoch()));
    while (nextAcked.size() > remember) nextAcked.remove(0);
    return new HostState(lease, lastEpoch, nextPending, List.copyOf(nextAcked));
  }
}
