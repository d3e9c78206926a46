package io.lifeguard.protocol.client;

import io.lifeguard.protocol.ErrorCode;
import io.lifeguard.protocol.Frame;
import io.lifeguard.protocol.ProtocolException;
import io.lifeguard.protocol.crypto.Envelope;
import io.lifeguard.protocol.crypto.FrameOpener;
import io.lifeguard.protocol.crypto.KeyAnnounce;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A receiver's view of the other senders in its session: their announces, openers and gap
 * detectors. Not thread-safe; the client calls it from its WebSocket listener only.
 */
public final class PeerKeyring {
  /** A successfully opened frame. */
  public record Opened(String peerId, byte[] plaintext, Optional<GapDetector.Gap> gap) {}

  private record Peer(KeyAnnounce announce, FrameOpener opener, GapDetector gaps) {}

  private final byte[] psk;
  private final String ownPeerId;
  private final Map<String, Peer> peersById = new HashMap<>();

  public PeerKeyring(byte[] psk, String ownPeerId) {
    this.psk = psk.clone();
    this.ownPeerId = ownPeerId;
  }

  /**
   * Learns or replaces a sender's keys.
   *
   * @return true when the sender was not known with these keys; if it also asked for a reply,
   *     the receiver must announce itself (without asking for a reply)
   */
  public boolean onAnnounce(KeyAnnounce announce) {
    if (announce.peerId().equals(ownPeerId)) {
      return false;
    }
    Peer known = peersById.get(announce.peerId());
    if (known != null && known.announce().sameKeys(announce)) {
      return false;
    }
    // A new announce for a known peer id means it reconnected: new nonces, seq from 0.
    peersById.put(
        announce.peerId(),
        new Peer(announce, new FrameOpener(announce.schedule(psk)), new GapDetector()));
    return true;
  }

  /**
   * Opens a sealed frame from whichever known sender its key id names.
   *
   * @throws ProtocolException {@link ErrorCode#UNKNOWN_SENDER_KEY} when no known sender matches,
   *     or any error of {@link FrameOpener#open}
   */
  public Opened open(Frame frame) {
    byte[] keyId = Envelope.keyId(frame);
    for (Peer peer : peersById.values()) {
      if (peer.opener().recognises(keyId)) {
        byte[] plaintext = peer.opener().open(frame);
        Optional<GapDetector.Gap> gap = peer.gaps().observe(peer.opener().epoch(), frame.seq());
        return new Opened(peer.opener().peerId(), plaintext, gap);
      }
    }
    throw new ProtocolException(ErrorCode.UNKNOWN_SENDER_KEY, "no announced sender has this key");
  }

  public int knownPeers() {
    return peersById.size();
  }
}
