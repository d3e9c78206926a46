// A receiver's view of the other senders in its session: their announces, openers and gap
// detectors (the Java client's PeerKeyring and GapDetector).
import { ProtocolError } from './errors.js';
import { FrameOpener, KeySchedule, sameKeys, sealedKeyId } from './crypto.js';

/**
 * Notices frames a receiver never got from one sender: seq should rise by one within an epoch
 * and restart at 0 in a new epoch.
 */
export class GapDetector {
  epoch = -1;
  lastSeq = -1;

  /** Records an accepted frame; returns `{epoch, expectedSeq, receivedSeq, missing}` or null. */
  observe(epoch, seq) {
    const expected = epoch === this.epoch ? this.lastSeq + 1 : 0;
    this.epoch = epoch;
    this.lastSeq = seq;
    return seq > expected ? { epoch, expectedSeq: expected, receivedSeq: seq, missing: seq - expected } : null;
  }
}

export class PeerKeyring {
  #peers = new Map();

  constructor(psk, ownPeerId, options) {
    this.psk = psk;
    this.ownPeerId = ownPeerId;
    this.options = options;
  }

  /** Learns or replaces a sender's keys; true when it was not known with these keys. */
  async onAnnounce(announce) {
    if (announce.peerId === this.ownPeerId) return false;
    const known = this.#peers.get(announce.peerId);
    if (known && sameKeys(known.announce, announce)) return false;
    // A new announce for a known peer id means it reconnected: new nonces, seq from 0.
    const schedule = await KeySchedule.create({ ...announce, psk: this.psk, options: this.options });
    this.#peers.set(announce.peerId, { announce, opener: await FrameOpener.create(schedule), gaps: new GapDetector() });
    return true;
  }

  /** Opens a sealed frame from whichever known sender its key id names: `{peerId, plaintext, gap}`. */
  async open(frame) {
    const keyId = sealedKeyId(frame);
    for (const peer of this.#peers.values()) {
      if (peer.opener.recognises(keyId)) {
        const plaintext = await peer.opener.open(frame);
        return { peerId: peer.opener.peerId, plaintext, gap: peer.gaps.observe(peer.opener.epoch, frame.seq) };
      }
    }
    throw new ProtocolError('UNKNOWN_SENDER_KEY', 'no announced sender has this key');
  }

  /** Peer ids whose keys are known. */
  get peers() {
    return [...this.#peers.keys()];
  }
}
