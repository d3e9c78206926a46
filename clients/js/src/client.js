// The relay client (the Java client's LifeguardClient): hello exchange, heartbeats, end-to-end
// encryption when a pre-shared key is given, gap detection, and reconnects with backoff to the
// next node unless the close reason forbids it.
import { Emitter, quiet } from './emitter.js';
import { CloseReasons } from './close.js';
import { ClosedError, NotConnectedError } from './errors.js';
import { toBytes } from './bytes.js';
import { Kind } from './frame.js';
import { IDENTIFIER, ROLES } from './hello.js';
import { MIN_PSK_LENGTH } from './crypto.js';
import { Backoff, reconnectDelay, UrlRotation } from './reconnect.js';
import { Connection } from './connection.js';

/**
 * Events (`client.on(name, listener)`): `connecting` {attempt, url}; `joined` {peerId, url,
 * serverHello}; `peer` {peerId}; `message` {peerId, kind, seq, data}; `gap` {peerId, epoch,
 * expectedSeq, receivedSeq, missing}; `rejected` {error, code}; `closed` {reason, willReconnect};
 * `reconnecting` {attempt, delayMs, reason}; `error` {error, phase}.
 */
export class LifeguardClient extends Emitter {
  #settings;
  #urls;
  #backoff;
  #connection = null;
  #failedAttempts = 0;
  #started = false;
  #stopped = false;
  #reconnectTimer = null;
  #first;

  constructor(options = {}) {
    super();
    const WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocketImpl !== 'function') {
      throw new TypeError("no WebSocket: pass `WebSocket` (Node 20: `import { WebSocket } from 'ws'`)");
    }
    if (typeof options.getToken !== 'function') throw new TypeError('getToken must be a function returning a token (or a promise of one)');
    if (typeof options.sessionId !== 'string' || !IDENTIFIER.test(options.sessionId)) throw new RangeError('sessionId must match ' + IDENTIFIER.source);
    if (!ROLES.includes(options.role)) throw new RangeError('role must be one of ' + ROLES.join(', '));
    const psk = options.psk == null ? null : toBytes(options.psk).slice();
    if (psk !== null && psk.length < MIN_PSK_LENGTH) throw new RangeError('psk must have at least 16 bytes');
    this.#urls = new UrlRotation(options.urls ?? options.url, options.startIndex, options.random ?? Math.random);
    this.#backoff = new Backoff(options.backoff?.baseMs ?? 500, options.backoff?.maxMs ?? 30000, options.random ?? Math.random);
    this.#settings = Object.freeze({
      WebSocket: WebSocketImpl,
      getToken: options.getToken,
      sessionId: options.sessionId,
      role: options.role,
      psk,
      chacha20poly1305: options.chacha20poly1305 ?? null,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10000,
      closeTimeout: options.closeTimeoutMs ?? 2000,
      rekeyLimit: options.rekeyLimit ?? 2 ** 32,
    });
    let resolve;
    let reject;
    const promise = quiet(new Promise((res, rej) => ((resolve = res), (reject = rej))));
    this.#first = { promise, resolve, reject };
  }

  /**
   * Starts connecting. Resolves with the first server hello; rejects with ClosedError when the
   * client stops before it ever joined (a close reason that forbids reconnecting, or close()).
   */
  connect() {
    if (!this.#started) {
      this.#started = true;
      this.#open();
    }
    return this.#first.promise;
  }

  /** Sends a DATA payload (string or bytes) to the session's other peers; sealed when a psk was given. */
  send(data) {
    return this.#send(Kind.DATA, data);
  }

  /** Sends a CONTROL payload to the session's other peers; sealed when a psk was given. */
  sendControl(data) {
    return this.#send(Kind.CONTROL, data);
  }

  /** Sends a CLOSE frame (normal), closes the socket and stops reconnecting. Resolves once closed. */
  close() {
    const closed = new Promise((resolve) => {
      if (this.#stopped && this.#connection === null) resolve();
      else this.once('closed', () => resolve());
    });
    if (!this.#stopped) {
      this.#stopped = true;
      clearTimeout(this.#reconnectTimer);
      const active = this.#connection;
      if (active !== null) {
        active.closeGracefully(CloseReasons.normal);
      } else {
        this.#first.reject(new ClosedError(CloseReasons.normal));
        this.emit('closed', { reason: CloseReasons.normal, willReconnect: false });
      }
    }
    return closed;
  }

  /** True while joined (server hello received, connection open). */
  get connected() {
    return this.#connection !== null && this.#connection.hello !== null && !this.#connection.ended;
  }

  /** True once the client gave up for good. */
  get stopped() {
    return this.#stopped;
  }

  /** The current connection's server hello, or null. */
  get serverHello() {
    return this.connected ? this.#connection.hello : null;
  }

  /** Peer ids whose key announces this connection has learned (end-to-end encryption on). */
  get peers() {
    return this.connected ? this.#connection.peers : [];
  }

  #send(kind, data) {
    const active = this.#connection;
    return quiet(active === null ? Promise.reject(new NotConnectedError()) : active.send(kind, data));
  }

  #open() {
    if (this.#stopped) return;
    const url = this.#urls.next();
    const connection = new Connection(this, this.#settings, url);
    this.#connection = connection;
    this.emit('connecting', { attempt: this.#failedAttempts + 1, url });
    connection.start().catch((error) => {
      console.error('lifeguard: connection attempt failed unexpectedly', error);
    });
  }

  /** Called by the connection after a good server hello. */
  _connected(connection, hello) {
    if (connection !== this.#connection) return;
    this.#failedAttempts = 0;
    this.#first.resolve(hello);
    this.emit('joined', { peerId: hello.peerId, url: connection.url, serverHello: hello });
  }

  /** Called exactly once per connection when it ends, for whatever reason. */
  _ended(connection, reason) {
    if (connection !== this.#connection) return;
    this.#connection = null;
    if (this.#stopped || !reason.reconnect) {
      this.#stopped = true;
      this.#first.reject(new ClosedError(reason));
      this.emit('closed', { reason, willReconnect: false });
      return;
    }
    const attempt = ++this.#failedAttempts;
    const delayMs = reconnectDelay(reason, attempt, this.#backoff);
    this.emit('closed', { reason, willReconnect: true });
    this.emit('reconnecting', { attempt, delayMs, reason });
    this.#reconnectTimer = setTimeout(() => this.#open(), delayMs);
  }
}
