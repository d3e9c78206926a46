package io.lifeguard.sharding.session;

import io.lifeguard.sharding.CborSerializable;
import java.util.List;

/**
 * A session's members as of one change. Lists of the same {@code incarnation} (one run of the
 * entity) are ordered by {@code version}; a list from another incarnation (the entity restarted,
 * for example on another node) always replaces the current one. {@code entityNode} is the address
 * of the node running that incarnation ({@code Address.toString()}), so a node that learns another
 * was removed re-joins only the connections whose entity lived there. Lists from a node of a
 * version before that field existed (a rolling upgrade) carry none.
 */
public record MemberList(String incarnation, long version, List<Member> members, String entityNode)
    implements CborSerializable {

  /** True when this list should replace {@code current} (null when there is none yet). */
  public boolean supersedes(MemberList current) {
    return current == null || !current.incarnation.equals(incarnation) || version > current.version;
  }

  /**
   * True when this incarnation ran on the node at {@code address}, or may have: a list that does not
   * say where (sent by a node of an older version during a rolling upgrade) counts as on every
   * node, so its connection re-joins on any removal, as every connection did before.
   */
  public boolean entityMayHaveRunOn(String address) {
    return entityNode == null || entityNode.equals(address);
  }

  /** True when this list comes from another run of the entity than {@code current}. */
  public boolean otherIncarnationThan(MemberList current) {
    return current != null && !current.incarnation.equals(incarnation);
  }
}
