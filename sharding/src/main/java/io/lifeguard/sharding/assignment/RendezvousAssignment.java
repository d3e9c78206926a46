package io.lifeguard.sharding.assignment;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Rendezvous (highest-random-weight) hashing of hosts onto nodes, with a per-node capacity. Pure
 * and deterministic: the same hosts and members give the same mapping on every JVM. Each host
 * ranks all members by {@code weight(host, member)}; it goes to the best-ranked member with room.
 * Because a host's ranking ignores other members, a member leaving moves only its own hosts, and a
 * member joining takes about 1/N of the hosts (those that now rank it first), as long as
 * capacity does not bind.
 */
public final class RendezvousAssignment {
  private RendezvousAssignment() {}

  /**
   * Where a host goes and why.
   *
   * @param node the chosen member
   * @param rank 1-based position of {@code node} in the host's ranking
   * @param reason {@code hrw-rank-1}, {@code capacity-overflow-rank-N} when better-ranked members
   *     were full, or {@code over-capacity-rank-N} when every member was full
   */
  public record Placement(String node, int rank, String reason) {}

  /** The host's weight on a member: 64 well-mixed bits of both ids. */
  public static long weight(String hostId, String member) {
    long h = 0xcbf29ce484222325L; // FNV-1a over host, a separator, member; then a 64-bit finaliser
    for (byte b : hostId.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
    h = (h ^ 0xff) * 0x100000001b3L;
    for (byte b : member.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** Members best first for this host; ties (astronomically rare) broken by member name. */
  public static List<String> rank(String hostId, Collection<String> members) {
    List<String> ranked = new ArrayList<>(new TreeSet<>(members));
    ranked.sort(Comparator.comparingLong((String m) -> weight(hostId, m)).reversed().thenComparing(m -> m));
    return ranked;
  }

  /** The reason label for a host placed at {@code rank}. */
  public static String reason(int rank, boolean overCapacity) {
    if (overCapacity) return "over-capacity-rank-" + rank;
    return rank == 1 ? "hrw-rank-1" : "capacity-overflow-rank-" + rank;
  }

  /**
   * Chooses, for {@code member} loads given, the member a host goes to: the first in its ranking
   * with {@code load < capacity}; when every member is full, the least loaded (best rank wins ties).
   */
  public static Placement place(String hostId, Collection<String> members, Map<String, Integer> load, int capacity) {
    List<String> ranked = rank(hostId, members);
    if (ranked.isEmpty()) throw new IllegalArgumentException("no members to place " + hostId + " on");
    for (int i = 0; i < ranked.size(); i++) {
      if (load.getOrDefault(ranked.get(i), 0) < capacity) return new Placement(ranked.get(i), i + 1, reason(i + 1, false));
    }
    int best = 0;
    for (int i = 1; i < ranked.size(); i++) {
      if (load.getOrDefault(ranked.get(i), 0) < load.getOrDefault(ranked.get(best), 0)) best = i;
    }
    return new Placement(ranked.get(best), best + 1, reason(best + 1, true));
  }

  /**
   * Maps every host to a member. Hosts are placed in sorted order so the result depends only on the
   * sets given. Every member holds at most {@code capacity} hosts unless there are more hosts than
   * {@code capacity * members} (the excess is spread over the least loaded). No members: empty map.
   */
  public static Map<String, Placement> assign(Collection<String> hostIds, Collection<String> members, int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
    Map<String, Placement> out = new LinkedHashMap<>();
    if (members.isEmpty()) return out;
    Map<String, Integer> load = new HashMap<>();
    for (String host : new TreeSet<>(hostIds)) {
      Placement p = place(host, members, load, capacity);
      load.merge(p.node(), 1, Integer::sum);
      out.put(host, p);
    }
    return out;
  }

  /**
   * Why {@code host} sits on {@code node}, judged against the current members and loads: {@code
   * hrw-rank-1}; {@code capacity-overflow-rank-N} when every better-ranked member is full; {@code
   * awaiting-rebalance-rank-N} when a better-ranked member has room (the host was placed before it
   * joined and the rebalancer has not moved it yet); {@code not-a-member} for a node that left.
   */
  public static String explain(String host, String node, Collection<String> members, Map<String, Integer> load, int capacity) {
    List<String> ranked = rank(host, members);
    int at = ranked.indexOf(node);
    if (at < 0) return "not-a-member";
    if (at == 0) return "hrw-rank-1";
    for (int i = 0; i < at; i++) {
      if (load.getOrDefault(ranked.get(i), 0) < capacity) return "awaiting-rebalance-rank-" + (at + 1);
    }
    return "capacity-overflow-rank-" + (at + 1);
  }
}
