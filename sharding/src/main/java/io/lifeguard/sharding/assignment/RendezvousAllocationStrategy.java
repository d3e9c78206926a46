package io.lifeguard.sharding.assignment;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.dispatch.Futures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Places host shards (one shard per host) with {@link RendezvousAssignment}: the region on the
 * member that ranks first for the shard id, unless that member already holds {@code capacity}
 * shards of this type, then the next. Loads come from {@code currentShardAllocations}, so the
 * coordinator's own view is the only input and no extra state has to agree with it.
 *
 * <p>Rebalancing moves a shard only to its first-ranked member and only while that member has
 * room, so moves never displace other shards and cannot oscillate; after a node joins, the hosts
 * that now rank it first (about 1/N) drift over, {@code rebalanceBatch} per round. Runs inside the
 * shard coordinator (on the oldest node); logs every decision with old and new node.
 *
 * <p>Members named by {@code unableToHost} (their journal does not answer) get no new hosts and
 * give up every host they hold at the next rebalance round, whatever {@code rebalanceBatch}: their
 * host entities cannot persist, so nothing is lost by moving them. When every member is unable
 * (the database itself is down), nothing is excluded and nothing moves.
 */
public final class RendezvousAllocationStrategy extends ShardCoordinator.AbstractShardAllocationStrategy {
  private static final Logger log = LoggerFactory.getLogger(RendezvousAllocationStrategy.class);
  private static final int REMEMBERED = 10_000;

  /**
   * @param capacity hosts per node before the next member in hash order takes over
   * @param rebalanceBatch most shards moved per rebalance round; 0 never moves a live shard
   */
  public record Settings(int capacity, int rebalanceBatch) {
    public Settings {
      if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
      if (rebalanceBatch < 0) throw new IllegalArgumentException("rebalanceBatch must not be negative");
    }
  }

  private final Settings settings;
  private final Address selfAddress;
  private final Supplier<Set<String>> unableToHost;
  /** Last node seen per shard, so a reallocation after a node loss can name where it came from. */
  private final Map<String, String> lastNode = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > REMEMBERED;
    }
  };

  public RendezvousAllocationStrategy(Settings settings, Address selfAddress) {
    this(settings, selfAddress, Set::of);
  }

  /** @param unableToHost member addresses that must not hold hosts now (read on every decision) */
  public RendezvousAllocationStrategy(Settings settings, Address selfAddress, Supplier<Set<String>> unableToHost) {
    this.settings = settings;
    this.selfAddress = selfAddress;
    this.unableToHost = unableToHost;
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
    Map<String, ActorRef> regions = able(regionsByNode(current));
    Map<String, Integer> load = loads(current);
    RendezvousAssignment.Placement placement = RendezvousAssignment.place(shardId, regions.keySet(), load, settings.capacity());
    String previous;
    synchronized (lastNode) {
      remember(current);
      previous = lastNode.put(shardId, placement.node());
    }
    logDecision(shardId, previous, placement.node(), placement.reason(), load.getOrDefault(placement.node(), 0));
    return Futures.successful(regions.get(placement.node()));
  }

  @Override
  public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    Set<String> moves = evacuations(current, inProgress);
    if (!moves.isEmpty() || settings.rebalanceBatch() == 0 || !inProgress.isEmpty()) return Futures.successful(moves);
    Map<String, ActorRef> regions = able(regionsByNode(current));
    Map<String, Integer> load = loads(current);
    synchronized (lastNode) {
      remember(current);
    }
    for (Map.Entry<ActorRef, IndexedSeq<String>> entry : current.entrySet()) {
      String node = node(entry.getKey());
      for (String shard : CollectionConverters.asJava(entry.getValue())) {
        if (moves.size() >= settings.rebalanceBatch()) return Futures.successful(moves);
        List<String> ranked = RendezvousAssignment.rank(shard, regions.keySet());
        String best = ranked.get(0);
        if (best.equals(node) || load.getOrDefault(best, 0) >= settings.capacity()) continue;
        load.merge(best, 1, Integer::sum);
        load.merge(node, -1, Integer::sum);
        moves.add(shard);
        logMove(shard, node, best);
      }
    }
    return Futures.successful(moves);
  }

  /** Every shard on a member unable to host, unless no member is able. */
  private Set<String> evacuations(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    Set<String> moves = new HashSet<>();
    Set<String> unable = unableToHost.get();
    if (unable.isEmpty()) return moves;
    Map<String, ActorRef> regions = regionsByNode(current);
    if (able(regions).size() == regions.size()) return moves;
    for (Map.Entry<ActorRef, IndexedSeq<String>> entry : current.entrySet()) {
      String node = node(entry.getKey());
      if (!unable.contains(node)) continue;
      int before = moves.size();
      for (String shard : CollectionConverters.asJava(entry.getValue())) {
        if (!inProgress.contains(shard)) moves.add(shard);
      }
      if (moves.size() > before) logEvacuation(moves.size() - before, node);
    }
    return moves;
  }

  /** The regions of members able to host; all of them when none is. */
  private Map<String, ActorRef> able(Map<String, ActorRef> regions) {
    Set<String> unable = unableToHost.get();
    if (unable.isEmpty()) return regions;
    Map<String, ActorRef> out = new HashMap<>(regions);
    out.keySet().removeAll(unable);
    return out.isEmpty() ? regions : out;
  }

  private Map<String, ActorRef> regionsByNode(Map<ActorRef, IndexedSeq<String>> current) {
    Map<String, ActorRef> out = new HashMap<>();
    for (ActorRef region : current.keySet()) out.put(node(region), region);
    return out;
  }

  private Map<String, Integer> loads(Map<ActorRef, IndexedSeq<String>> current) {
    Map<String, Integer> out = new HashMap<>();
    for (Map.Entry<ActorRef, IndexedSeq<String>> e : current.entrySet()) out.put(node(e.getKey()), e.getValue().size());
    return out;
  }

  private void remember(Map<ActorRef, IndexedSeq<String>> current) {
    for (Map.Entry<ActorRef, IndexedSeq<String>> e : current.entrySet()) {
      String node = node(e.getKey());
      for (String shard : CollectionConverters.asJava(e.getValue())) lastNode.put(shard, node);
    }
  }

  /** The member address of a region; the coordinator's own region has a local path. */
  private String node(ActorRef region) {
    Address address = region.path().address();
    return (address.hasGlobalScope() ? address : selfAddress).toString();
  }

  private static void logDecision(String host, String previous, String node, String reason, int loadBefore) {
    MDC.put("host_session_id", host);
    MDC.put("reason", reason);
    try {
      if (previous == null) {
        log.info("host assigned: node={} reason={} node_load_before={}", node, reason, loadBefore);
      } else {
        log.info("host reassigned: old_node={} new_node={} reason={} node_load_before={}", previous, node, reason, loadBefore);
      }
    } finally {
      MDC.remove("host_session_id");
      MDC.remove("reason");
    }
  }

  private static void logEvacuation(int hosts, String from) {
    MDC.put("reason", "journal-unavailable");
    try {
      log.info("hosts moving: count={} old_node={} reason=journal-unavailable", hosts, from);
    } finally {
      MDC.remove("reason");
    }
  }

  private static void logMove(String host, String from, String to) {
    MDC.put("host_session_id", host);
    MDC.put("reason", "rebalance-to-hrw-rank-1");
    try {
      log.info("host moving: old_node={} new_node={} reason=rebalance-to-hrw-rank-1", from, to);
    } finally {
      MDC.remove("host_session_id");
      MDC.remove("reason");
    }
  }
}
