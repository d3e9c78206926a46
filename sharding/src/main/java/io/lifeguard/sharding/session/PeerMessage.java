package io.lifeguard.sharding.session;

import io.lifeguard.sharding.CborSerializable;
import java.util.List;

/**
 * What reaches a relay connection from elsewhere in the cluster. Each node runs one inbox actor
 * that accepts these and hands them to the addressed connection ({@code connectionId}), so a
 * connection costs no actor of its own.
 */
public sealed interface PeerMessage extends CborSerializable {
  long connectionId();

  /** A frame from another peer of the session, exactly as that peer sent it (header included). */
  record Deliver(long connectionId, byte[] frame) implements PeerMessage {}

  /**
   * The session's current members (the addressed peer included), after any change. {@code
   * incarnation} identifies one run of the entity and {@code version} orders its lists, so a list
   * that arrives late by another path never replaces a newer one.
   */
  record Members(long connectionId, String sessionId, MemberList list) implements PeerMessage {}

  /**
   * The session's entity stopped while this peer was still a member: its shard was handed off (a
   * rebalance towards a node that joined, or the entity's node leaving gracefully). The next
   * incarnation starts empty, so the connection must join again; it keeps routing to the peers it
   * knows meanwhile.
   */
  record Rejoin(long connectionId, String sessionId) implements PeerMessage {}

  /** The session was closed (by its host or an operator): close with this reason. */
  record Close(long connectionId, String reason) implements PeerMessage {}
}
