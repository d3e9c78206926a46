// A thin client for the bridge, `/{agent_id}/ws/{session_id}` (docs/bridge.md): one-time bearer
// token, JSON text messages, the error frame and close table, and optional reconnects that fetch
// a new token each time (a bridge token is single-use).
import { Emitter, quiet } from './emitter.js';
import { Backoff } from './reconnect.js';
import { utf8 } from './bytes.js';

/** Close and refusal reasons and whether a reconnect (with a new token) can help. */
export const BridgeReasons = Object.freeze({
  server_shutdown: true,
  idle_timeout: true,
  binary_not_supported: false,
  invalid_json: false,
  slow_consumer: true,
  message_too_large: false,
  internal_error: true,
  redis_unavailable: true,
  // refusals of the upgrade (HTTP status instead of a close code)
  invalid_id: false,
  websocket_upgrade_required: false,
  rate_limited: true,
  missing_token: false,
  shutting_down: true,
  too_many_connections: true,
  token_missing: false,
  token_invalid: false,
  redis_timeout: true,
  bridge_disabled: false,
  connection_failed: true,
});

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const ignore = () => {};

/** Raised by send() for a message the node would refuse; `code` is the bridge's reason. */
export class BridgeMessageError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'BridgeMessageError';
    this.code = code;
  }
}

/**
 * Events: `open` {}; `message` {data, text}; `closed` {code, reason, retry, status?, message?,
 * willReconnect}; `reconnecting` {attempt, delayMs}; `error` {error, phase}.
 */
export class BridgeClient extends Emitter {
  #options;
  #socket = null;
  #errorFrame = null;
  #refusal = null;
  #stopped = false;
  #attempts = 0;
  #timer = null;
  #backoff;

  constructor(options = {}) {
    super();
    const { baseUrl, agentId, sessionId } = options;
    if (!ID.test(agentId ?? '') || !ID.test(sessionId ?? '')) throw new RangeError('agentId and sessionId must match ' + ID.source);
    if (!/^wss?:\/\//.test(baseUrl ?? '')) throw new RangeError('baseUrl must be ws:// or wss://');
    if (typeof options.getToken !== 'function') throw new TypeError('getToken must be a function returning a one-time token');
    const WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocketImpl !== 'function' && typeof options.createWebSocket !== 'function') throw new TypeError('no WebSocket: pass `WebSocket` from the ws package');
    this.url = `${baseUrl.replace(/\/+$/, '')}/${agentId}/ws/${sessionId}`;
    this.#options = {
      getToken: options.getToken,
      // The node wants `Authorization: Bearer`; the ws package takes headers, browsers cannot (see docs).
      createWebSocket: options.createWebSocket ?? ((url, token) => new WebSocketImpl(url, undefined, { headers: { Authorization: `Bearer ${token}` } })),
      maxMessageBytes: options.maxMessageBytes ?? 65536,
      reconnect: options.reconnect ?? false,
    };
    this.#backoff = new Backoff(options.backoff?.baseMs ?? 500, options.backoff?.maxMs ?? 30000, options.random ?? Math.random);
  }

  /** Opens the socket; resolves on open, rejects with the refusal or close details otherwise. */
  connect() {
    this.#stopped = false;
    return quiet(
      new Promise((resolve, reject) => {
        const offOpen = this.once('open', () => (offClosed(), resolve()));
        const offClosed = this.once('closed', (detail) => {
          offOpen();
          reject(Object.assign(new Error(`bridge closed: ${detail.reason} (${detail.status ?? detail.code})`), detail));
        });
        this.#attempt();
      }),
    );
  }

  /** Sends one JSON value (strings are sent as they are, so they must already be JSON text). */
  send(value) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text === undefined) throw new BridgeMessageError('invalid_json', 'value has no JSON form');
    const size = utf8(text).length;
    if (size > this.#options.maxMessageBytes) {
      throw new BridgeMessageError('message_too_large', `${size} bytes exceed ${this.#options.maxMessageBytes}`);
    }
    if (this.#socket === null || this.#socket.readyState !== 1) throw new BridgeMessageError('not_connected', 'the socket is not open');
    this.#socket.send(text);
  }

  /** Closes the socket (1000) and stops reconnecting. */
  close() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    try {
      this.#socket?.close(1000, 'normal');
    } catch {
      // already closing
    }
  }

  async #attempt() {
    this.#errorFrame = null;
    this.#refusal = null;
    let socket;
    try {
      const token = await this.#options.getToken();
      if (this.#stopped) return;
      socket = this.#options.createWebSocket(this.url, token);
    } catch (error) {
      this.emit('error', { error, phase: 'connect' });
      this.#closed({ code: 1006, reason: 'connection_failed' });
      return;
    }
    this.#socket = socket;
    // The ws package lets us read a refused upgrade's status and JSON body; browsers hide both.
    if (typeof socket.on === 'function') {
      socket.on('unexpected-response', (request, response) => this.#readRefusal(socket, request, response));
    }
    socket.onerror = ignore;
    socket.onopen = () => {
      this.#attempts = 0;
      this.emit('open', {});
    };
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      const fromFrame = this.#errorFrame;
      if (this.#refusal) this.#closed(this.#refusal);
      else if (fromFrame) this.#closed({ code: event.code, reason: fromFrame.reason, retry: fromFrame.retry === true });
      else this.#closed({ code: event.code, reason: event.code === 1000 ? 'normal' : event.reason || 'connection_failed' });
    };
  }

  #onMessage(data) {
    if (typeof data !== 'string') return; // the node sends text only
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed === 'object' && parsed.type === 'error' && typeof parsed.reason === 'string') {
      this.#errorFrame = parsed;
      return;
    }
    this.emit('message', { data: parsed, text: data });
  }

  #readRefusal(socket, request, response) {
    let body = '';
    // The node may reset the connection after its answer, when Node's HTTP client no longer
    // listens on the socket: swallow that, the refusal is already in hand.
    request.on('error', ignore);
    response.on('error', ignore);
    request.socket?.on('error', ignore);
    response.setEncoding('utf8');
    response.on('data', (chunk) => (body += chunk));
    response.on('end', () => {
      let parsed = {};
      try {
        parsed = JSON.parse(body);
      } catch {
        // not the node's JSON error
      }
      const reason = typeof parsed.error === 'string' ? parsed.error : 'connection_failed';
      this.#refusal = { code: 1006, status: response.statusCode, reason, message: parsed.message };
      request.destroy();
      socket.onclose?.({ code: 1006, reason: '' });
    });
  }

  #closed(detail) {
    if (this.#socket) this.#socket.onclose = null;
    const retry = detail.retry ?? BridgeReasons[detail.reason] ?? false;
    const willReconnect = retry && this.#options.reconnect && !this.#stopped;
    this.emit('closed', { ...detail, retry, willReconnect });
    if (!willReconnect) return;
    const attempt = ++this.#attempts;
    const delayMs = this.#backoff.delay(attempt);
    this.emit('reconnecting', { attempt, delayMs });
    this.#timer = setTimeout(() => this.#attempt(), delayMs);
  }
}
