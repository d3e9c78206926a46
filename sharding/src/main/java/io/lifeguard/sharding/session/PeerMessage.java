package io.lifeguard.sharding.session;

import io.lifeguard.sharding.CborSerializable;
import java.util.List;

/**
 * What reaches a relay connection from elsewhere in the cluster. Each node runs one inbox actor
 * that accepts these and hands them to the addressed connection ({@code connectionId}), so a
 * connection costs no actor of its own.
 */
public sealed interface PeerMessage extends CborSerializable {
  /** A frame from another peer of the session, exactly as that peer sent it (header included). */
  record Deliver(long connectionId, byte[] frame) implements PeerMessage {}

  /**
   * Several {@link Deliver}s for connections on one node, in the order they were forwarded:
   * {@code frames[i]} goes to {@code connectionIds[i]}. A node gathers the frames its I/O thread
   * forwards to one other node during a turn and sends them as one message at the end of the turn,
   * so a busy node pays Artery's per-message cost (envelope, queue, wake-ups, the inbox's mailbox)
   * once per turn and node instead of once per frame (ADR 0004, "Cross-node frames").
   */
  record Frames(long[] connectionIds, byte[][] frames) implements PeerMessage {
    public Frames {
      if (connectionIds.length != frames.length) {
        throw new IllegalArgumentException(connectionIds.length + " connection ids for " + frames.length + " frames");
      }
    }
  }

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
