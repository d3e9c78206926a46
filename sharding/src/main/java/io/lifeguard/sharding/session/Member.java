package io.lifeguard.sharding.session;

import io.lifeguard.sharding.CborSerializable;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One peer of a relay session: its id, its role, and where its connection lives (the inbox actor
 * of the node holding the socket, plus the connection's id on that node).
 */
public record Member(String peerId, String role, ActorRef<PeerMessage> inbox, long connectionId)
    implements CborSerializable {}
