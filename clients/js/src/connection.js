// One WebSocket connection attempt of a LifeguardClient, from token to close (the Java client's
// ClientConnection). Ends exactly once and reports the close reason to its client, which decides
// about reconnecting. Inbound messages are handled one at a time, in arrival order, on a promise
// chain (WebCrypto is asynchronous; a sender's frames must be opened in order); outbound messages
// go through another chain so sealed frames reach the socket in seq order.
import { CloseReasons, closeReasonOrFallback } from './close.js';
import { NotConnectedError, ProtocolError } from './errors.js';
import { equalBytes, randomBytes, toBytes } from './bytes.js';
import { closeFrame, closeReasonOf, decodeFrame, encodeFrame, heartbeatFrame, HEADER_LENGTH, Kind, MAX_BODY } from './frame.js';
import { decodeServerHello, encodeClientHello, hasFeature, HEARTBEAT_ANSWER, looksLikeHello, NONCE_LENGTH, PROTOCOL_VERSION } from './hello.js';
import { decodeAnnounce, encodeAnnounce, FrameSealer, isAnnounce, KeySchedule, Suite, suiteFromFeatureBits } from './crypto.js';
import { PeerKeyring } from './keyring.js';

const MISSED_HEARTBEATS_FOR_DEAD = 3;
// A reply announce can be lost: the peer's frame reached us directly, while the node's push that
// adds the peer to our connection's targets travels another path and may still be on its way.
// Repeating the reply (receivers ignore an announce they know) heals that race.
const REPLY_REPEATS_MS = [500, 2000];
const MAX_INBOUND = HEADER_LENGTH + MAX_BODY;
const OPEN = 1;
const CONNECTING = 0;
const noop = () => {};

export class Connection {
  hello = null;
  ended = false;
  #socket = null;
  #sealer = null;
  #ownKeys = null;
  #keyring = null;
  #plainSeq = 0;
  #heartbeatSeq = 0;
  #answersHeartbeats = false;
  #outbound = Promise.resolve();
  #inbound = Promise.resolve();
  #timers = new Set();
  #lastReceived = performance.now();
  #announcedClose = null;
  #localClose = null;

  constructor(client, settings, url) {
    this.client = client;
    this.settings = settings;
    this.url = url;
    this.clientNonce = randomBytes(NONCE_LENGTH);
  }

  async start() {
    // One deadline for the whole attempt: token, upgrade and server hello.
    this.#timer(setTimeout(() => this.#fail(CloseReasons.handshake_timeout), this.settings.handshakeTimeout));
    let token;
    try {
      token = await this.settings.getToken();
      if (typeof token !== 'string' || token.length === 0) throw new TypeError('getToken() must resolve to a non-empty string');
    } catch (error) {
      this.client.emit('error', { error, phase: 'token' });
      this.#end(CloseReasons.try_again_later);
      return;
    }
    if (this.ended) return;
    let socket;
    try {
      socket = new this.settings.WebSocket(this.url);
    } catch (error) {
      this.client.emit('error', { error, phase: 'connect' });
      this.#end(CloseReasons.try_again_later);
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onerror = noop; // a close event always follows
    socket.onopen = () => {
      const { sessionId, role } = this.settings;
      this.#enqueue(encodeClientHello({ sessionId, token, clientNonce: this.clientNonce, role, features: HEARTBEAT_ANSWER })).catch(noop);
    };
    socket.onmessage = (event) => this.#onSocketMessage(event.data);
    socket.onclose = (event) => this.#end(this.#localClose ?? this.#announcedClose ?? closeReasonOrFallback(event.code));
  }

  get peers() {
    return this.#keyring ? this.#keyring.peers : [];
  }

  /** Sends a CONTROL or DATA payload; resolves once handed to the socket. */
  send(kind, payload) {
    if (this.hello === null || this.ended) return Promise.reject(new NotConnectedError());
    let bytes;
    try {
      bytes = toBytes(payload);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#sealer !== null) {
      const sealer = this.#sealer;
      return this.#chain(async () => this.#write(await sealer.seal(kind, bytes)));
    }
    let frame;
    try {
      frame = encodeFrame({ kind, seq: this.#plainSeq, body: bytes });
    } catch (error) {
      return Promise.reject(error);
    }
    this.#plainSeq = (this.#plainSeq + 1) >>> 0;
    return this.#enqueue(frame);
  }

  /** Sends a CLOSE frame and a WebSocket close; ends at the latest after closeTimeout. */
  closeGracefully(reason) {
    this.#localClose = reason;
    const socket = this.#socket;
    if (socket === null || this.ended) {
      this.#end(reason);
      return;
    }
    if (socket.readyState === OPEN) {
      this.#enqueue(closeFrame(reason)).catch(noop);
      this.#outbound.then(() => closeSocket(socket, reason));
    } else {
      closeSocket(socket, reason);
    }
    this.#timer(setTimeout(() => this.#fail(reason), this.settings.closeTimeout));
  }

  #onSocketMessage(data) {
    if (this.ended) return;
    this.#lastReceived = performance.now();
    // Checked in arrival order with everything else: a hello still being handled comes first.
    this.#inbound = this.#inbound
      .then(() => {
        if (this.ended) return undefined;
        if (typeof data === 'string') throw new ProtocolError('TEXT_MESSAGE', 'text messages are not allowed');
        const bytes = toBytes(data);
        if (bytes.length > MAX_INBOUND) throw new ProtocolError('OVERSIZED', `message of ${bytes.length} bytes`);
        return this.#onMessage(bytes);
      })
      .catch((error) => {
        if (!(error instanceof ProtocolError)) console.error('lifeguard: unexpected error handling a message', error);
        this.#fail(error instanceof ProtocolError ? error.closeReason : CloseReasons.internal_error);
      });
  }

  async #onMessage(message) {
    if (this.hello === null) {
      // A node that refuses the handshake answers with a CLOSE frame instead of a server hello:
      // its reason decides whether and when to reconnect.
      if (!looksLikeHello(message)) {
        const refusal = decodeFrame(message);
        if (refusal.kind === Kind.CLOSE) {
          this.#announcedClose = closeReasonOf(refusal);
          return;
        }
      }
      await this.#onServerHello(decodeServerHello(message));
      return;
    }
    const frame = decodeFrame(message);
    if (frame.kind === Kind.HEARTBEAT) {
      // With HEARTBEAT_ANSWER our heartbeat is the answer to the node's (section 5).
      if (this.#answersHeartbeats) this.#sendHeartbeat();
      return;
    }
    if (frame.kind === Kind.CLOSE) {
      this.#announcedClose = closeReasonOf(frame);
      return;
    }
    await this.#onPeerFrame(frame);
  }

  async #onServerHello(hello) {
    if (!equalBytes(hello.ackNonce, this.clientNonce)) throw new ProtocolError('MALFORMED_HELLO', 'ack_nonce does not echo our nonce');
    // The node must not answer above the version we asked for (section 2.3).
    if (hello.protocolVersion > PROTOCOL_VERSION) throw new ProtocolError('MALFORMED_HELLO', `server chose protocol_version ${hello.protocolVersion}`);
    const { psk } = this.settings;
    if (psk !== null) {
      const suite = suiteFromFeatureBits(hello.featuresBitmap);
      if (suite === Suite.CHACHA20_POLY1305 && typeof this.settings.chacha20poly1305 !== 'function') {
        this.client.emit('error', {
          phase: 'encryption',
          error: new Error("the node selected ChaCha20-Poly1305 (E2E_CHACHA20); pass `chacha20poly1305` from '@noble/ciphers/chacha.js'"),
        });
        this.#fail(CloseReasons.unsupported_data);
        return;
      }
      const options = { chacha20poly1305: this.settings.chacha20poly1305 };
      this.#ownKeys = await KeySchedule.create({ suite, psk, peerId: hello.peerId, clientNonce: this.clientNonce, serverNonce: hello.serverNonce, options });
      this.#sealer = await FrameSealer.create(this.#ownKeys, this.settings.rekeyLimit);
      this.#keyring = new PeerKeyring(psk, hello.peerId, options);
    }
    if (this.ended || this.#localClose !== null) return; // closed while the keys were derived
    this.#clearTimers();
    this.hello = hello;
    if (this.#ownKeys !== null) this.#enqueue(encodeAnnounce(this.#ownKeys.announce(true))).catch(noop);
    this.#answersHeartbeats = hasFeature(hello.featuresBitmap, HEARTBEAT_ANSWER);
    const intervalMs = hello.heartbeatInterval * 1000;
    this.#lastReceived = performance.now();
    this.#timer(setInterval(() => this.#heartbeat(intervalMs), intervalMs), true);
    this.client._connected(this, hello);
  }

  async #onPeerFrame(frame) {
    if (this.#keyring === null) {
      this.client.emit('message', { peerId: null, kind: frame.kind, seq: frame.seq, data: frame.body });
      return;
    }
    try {
      if (isAnnounce(frame)) {
        const announce = decodeAnnounce(frame);
        const learned = await this.#keyring.onAnnounce(announce);
        if (learned && announce.replyRequested) this.#replyAnnounce();
        if (learned) this.client.emit('peer', { peerId: announce.peerId });
        return;
      }
      const opened = await this.#keyring.open(frame);
      if (opened.gap) this.client.emit('gap', { peerId: opened.peerId, ...opened.gap });
      this.client.emit('message', { peerId: opened.peerId, kind: frame.kind, seq: frame.seq, data: opened.plaintext });
    } catch (error) {
      // Another peer's bad frame must not cost us our connection.
      if (!(error instanceof ProtocolError)) throw error;
      this.client.emit('rejected', { error, code: error.code });
    }
  }

  #replyAnnounce() {
    const reply = encodeAnnounce(this.#ownKeys.announce(false));
    this.#enqueue(reply).catch(noop);
    for (const delay of REPLY_REPEATS_MS) {
      this.#timer(setTimeout(() => this.ended || this.#enqueue(reply).catch(noop), delay));
    }
  }

  #heartbeat(intervalMs) {
    if (performance.now() - this.#lastReceived > MISSED_HEARTBEATS_FOR_DEAD * intervalMs) {
      this.#fail(CloseReasons.heartbeat_timeout);
      return;
    }
    // Answering the node's heartbeats instead, this timer only watches the deadline.
    if (!this.#answersHeartbeats) this.#sendHeartbeat();
  }

  #sendHeartbeat() {
    this.#enqueue(heartbeatFrame(this.#heartbeatSeq)).catch(noop);
    this.#heartbeatSeq = (this.#heartbeatSeq + 1) >>> 0;
  }

  #enqueue(bytes) {
    return this.#chain(() => this.#write(bytes));
  }

  #chain(step) {
    const sent = this.#outbound.then(step);
    this.#outbound = sent.catch(noop);
    return sent;
  }

  #write(bytes) {
    const socket = this.#socket;
    if (this.ended || socket === null || socket.readyState !== OPEN) throw new NotConnectedError();
    socket.send(bytes);
  }

  /** Ends the connection from our side at once. */
  #fail(reason) {
    if (this.ended) return;
    const socket = this.#socket;
    if (socket !== null && socket.readyState === OPEN) {
      try {
        socket.send(closeFrame(reason));
      } catch {
        // the socket is going anyway
      }
    }
    this.#end(reason);
  }

  #end(reason) {
    if (this.ended) return;
    this.ended = true;
    this.#clearTimers();
    const socket = this.#socket;
    if (socket !== null) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      if (socket.readyState === OPEN || socket.readyState === CONNECTING) closeSocket(socket, reason);
    }
    this.client._ended(this, reason);
  }

  #timer(id, repeating = false) {
    this.#timers.add({ id, repeating });
  }

  #clearTimers() {
    for (const { id, repeating } of this.#timers) (repeating ? clearInterval : clearTimeout)(id);
    this.#timers.clear();
  }
}

/** Browsers only accept 1000 and 3000-4999 from scripts; other codes fall back to a bare close. */
export function closeSocket(socket, reason) {
  try {
    socket.close(reason.code, reason.name);
  } catch {
    try {
      socket.close();
    } catch {
      // already closing
    }
  }
}
