// Types of @lifeguard/client (hand-written; the library is plain ES modules with no build step).

/** A row of the close-reason table (docs/protocol.md section 6.1). */
export interface CloseReason {
  readonly name: CloseReasonName;
  readonly code: number;
  /** Whether a client may reconnect automatically (with backoff). */
  readonly reconnect: boolean;
}

export type CloseReasonName =
  | 'normal' | 'server_shutdown' | 'protocol_error' | 'unsupported_data' | 'policy_violation' | 'message_too_big'
  | 'internal_error' | 'try_again_later' | 'heartbeat_timeout' | 'idle_timeout' | 'rate_limited' | 'node_full'
  | 'handshake_timeout' | 'slow_consumer' | 'auth_failed' | 'token_expired' | 'session_mismatch' | 'guardrail_tripped'
  | 'fallback_paused' | 'session_full' | 'session_closed' | 'duplicate_hello' | 'forbidden_role';

export const CloseReasons: Readonly<Record<CloseReasonName, CloseReason>>;
export function closeReason(name: CloseReasonName): CloseReason;
export function closeReasonForCode(code: number): CloseReason | undefined;
/** Never undefined: unknown 4000-4499/1005/1006 reconnect, unknown 4500-4999 do not, others are protocol errors. */
export function closeReasonOrFallback(code: number): CloseReason;

export type ErrorCodeName =
  | 'TRUNCATED_HEADER' | 'UNKNOWN_VERSION' | 'UNKNOWN_KIND' | 'LENGTH_MISMATCH' | 'OVERSIZED' | 'MALFORMED_HELLO'
  | 'UNKNOWN_ROLE' | 'UNSUPPORTED_COMPRESSION' | 'AUTH_TAG_FAILED' | 'REPLAYED_SEQUENCE' | 'MALFORMED_CLOSE'
  | 'MALFORMED_ENVELOPE' | 'UNKNOWN_SENDER_KEY' | 'TEXT_MESSAGE' | 'SEQUENCE_EXHAUSTED';

export class ProtocolError extends Error {
  readonly code: ErrorCodeName;
  readonly closeReason: CloseReason;
}
/** Rejects `connect()` when the client stops before it ever joined. */
export class ClosedError extends Error {
  readonly reason: CloseReason;
}
export class NotConnectedError extends Error {}

export type Role = 'host' | 'participant' | 'controller' | 'manager' | 'viewer';
export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** What `new WebSocket(url)` must provide: browsers' WebSocket, the `ws` package's, Node 22's. */
export interface WebSocketConstructor {
  new (url: string, protocols?: string | string[], options?: unknown): any;
}

/** An AEAD with @noble/ciphers' shape: `chacha20poly1305(key, nonce, aad).encrypt(data)`. */
export type ChaCha20Poly1305 = (key: Uint8Array, nonce: Uint8Array, aad?: Uint8Array) => {
  encrypt(plaintext: Uint8Array): Uint8Array;
  decrypt(sealed: Uint8Array): Uint8Array;
};

export interface ServerHello {
  ackNonce: Uint8Array;
  serverNonce: Uint8Array;
  negotiatedCompression: 'none' | 'brotli';
  featuresBitmap: number;
  peerId: string;
  /** Seconds. */
  heartbeatInterval: number;
  /** The version both sides speak (1 when the node predates negotiation). */
  protocolVersion: number;
}

export interface LifeguardClientOptions {
  /** Node URLs such as `wss://relay.example/ws`; each attempt takes the next. */
  url?: string;
  urls?: string[];
  sessionId: string;
  role: Role;
  /** Called before every attempt: return a fresh token from your backend. */
  getToken: () => string | Promise<string>;
  /** Pre-shared key (at least 16 bytes, 32 recommended): turns on end-to-end encryption. */
  psk?: Bytes;
  /** Defaults to `globalThis.WebSocket`; Node 20 has none: pass `WebSocket` from 'ws'. */
  WebSocket?: WebSocketConstructor;
  /** Needed only if the node selects ChaCha20-Poly1305 (E2E_CHACHA20); WebCrypto has no ChaCha. */
  chacha20poly1305?: ChaCha20Poly1305;
  /** Token, upgrade and server hello of one attempt; default 10 000. */
  handshakeTimeoutMs?: number;
  /** How long close() waits for the node's close; default 2 000. */
  closeTimeoutMs?: number;
  /** Full-jitter backoff; defaults 500 and 30 000 ms. */
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * Keep the given URL order and start at this index. By default the client walks the URLs in a
   * shuffled order of its own, so the clients of a node that dies spread over the others.
   */
  startIndex?: number;
  /** Source of [0, 1) for the jitter; default Math.random. */
  random?: () => number;
  /** Frames per key epoch; only tests lower it. Default 2^32. */
  rekeyLimit?: number;
}

export const Kind: Readonly<{ CONTROL: 0; DATA: 1; HEARTBEAT: 2; CLOSE: 3 }>;
export type FrameKind = 0 | 1 | 2 | 3;

export interface Gap {
  peerId: string;
  epoch: number;
  expectedSeq: number;
  receivedSeq: number;
  missing: number;
}

export interface LifeguardClientEvents {
  connecting: { attempt: number; url: string };
  joined: { peerId: string; url: string; serverHello: ServerHello };
  /** A peer announced its keys (encryption on): frames sent from now on reach it. */
  peer: { peerId: string };
  /** `peerId` is null without encryption (frames carry no sender then). */
  message: { peerId: string | null; kind: FrameKind; seq: number; data: Uint8Array };
  gap: Gap;
  /** A peer's frame could not be opened; it was dropped, the connection stays. */
  rejected: { error: ProtocolError; code: ErrorCodeName };
  closed: { reason: CloseReason; willReconnect: boolean };
  reconnecting: { attempt: number; delayMs: number; reason: CloseReason };
  error: { error: Error; phase: 'token' | 'connect' | 'encryption' };
}

export class LifeguardClient {
  constructor(options: LifeguardClientOptions);
  on<E extends keyof LifeguardClientEvents>(event: E, listener: (detail: LifeguardClientEvents[E]) => void): () => void;
  once<E extends keyof LifeguardClientEvents>(event: E, listener: (detail: LifeguardClientEvents[E]) => void): () => void;
  off<E extends keyof LifeguardClientEvents>(event: E, listener: (detail: LifeguardClientEvents[E]) => void): void;
  /** Resolves with the first server hello; rejects with ClosedError if the client stops first. */
  connect(): Promise<ServerHello>;
  /** A DATA frame to the session's other peers (sealed when a psk was given). */
  send(data: string | Bytes): Promise<void>;
  /** A CONTROL frame to the session's other peers (sealed when a psk was given). */
  sendControl(data: string | Bytes): Promise<void>;
  /** CLOSE frame (normal), WebSocket close, no more reconnects; resolves once closed. */
  close(): Promise<void>;
  readonly connected: boolean;
  readonly stopped: boolean;
  readonly serverHello: ServerHello | null;
  readonly peers: string[];
}

export interface BridgeClientOptions {
  /** e.g. `wss://node.example` (the bridge path is appended). */
  baseUrl: string;
  agentId: string;
  sessionId: string;
  /** The one-time token your backend stored in Redis; called again before each reconnect. */
  getToken: () => string | Promise<string>;
  WebSocket?: WebSocketConstructor;
  /** Opens the socket with the token; the default sends `Authorization: Bearer` (the ws package). */
  createWebSocket?: (url: string, token: string) => any;
  /** Client-side limit, the node's `max-message-size`; default 65 536 UTF-8 bytes. */
  maxMessageBytes?: number;
  /** Reconnect (with a new token) after closes whose `retry` is true; default false. */
  reconnect?: boolean;
  backoff?: { baseMs?: number; maxMs?: number };
  random?: () => number;
}

export type BridgeReason =
  | 'normal' | 'server_shutdown' | 'idle_timeout' | 'binary_not_supported' | 'invalid_json' | 'slow_consumer'
  | 'message_too_large' | 'internal_error' | 'redis_unavailable' | 'invalid_id' | 'websocket_upgrade_required'
  | 'rate_limited' | 'missing_token' | 'shutting_down' | 'too_many_connections' | 'token_missing' | 'token_invalid'
  | 'redis_timeout' | 'bridge_disabled' | 'connection_failed';

export const BridgeReasons: Readonly<Record<string, boolean>>;

export interface BridgeClosed {
  /** WebSocket close code; 1006 for a refused upgrade. */
  code: number;
  reason: BridgeReason | string;
  retry: boolean;
  willReconnect: boolean;
  /** HTTP status of a refused upgrade (ws package only; browsers hide it). */
  status?: number;
  message?: string;
}

export interface BridgeClientEvents {
  open: Record<string, never>;
  message: { data: unknown; text: string };
  closed: BridgeClosed;
  reconnecting: { attempt: number; delayMs: number };
  error: { error: Error; phase: 'connect' };
}

export class BridgeMessageError extends Error {
  readonly code: 'message_too_large' | 'invalid_json' | 'not_connected';
}

export class BridgeClient {
  constructor(options: BridgeClientOptions);
  readonly url: string;
  on<E extends keyof BridgeClientEvents>(event: E, listener: (detail: BridgeClientEvents[E]) => void): () => void;
  once<E extends keyof BridgeClientEvents>(event: E, listener: (detail: BridgeClientEvents[E]) => void): () => void;
  off<E extends keyof BridgeClientEvents>(event: E, listener: (detail: BridgeClientEvents[E]) => void): void;
  /** Resolves on open; rejects with the refusal or close details (an Error with BridgeClosed's fields). */
  connect(): Promise<void>;
  /** One JSON value; strings are sent as they are. Throws BridgeMessageError. */
  send(value: unknown): void;
  close(): void;
}

// Codecs, for tests and other implementations.
export interface Frame { version: number; kind: FrameKind; seq: number; body: Uint8Array }
export const MAX_BODY: 65535;
export function encodeFrame(frame: { kind: FrameKind; seq?: number; body?: Uint8Array }): Uint8Array;
export function decodeFrame(message: Uint8Array): Frame;
export function closeFrame(reason: CloseReason): Uint8Array;
export function closeReasonOf(frame: Frame): CloseReason;
export function heartbeatFrame(seq: number): Uint8Array;
export function encodeClientHello(hello: { sessionId: string; token: string; clientNonce: Uint8Array; role: Role; protocolVersion?: number; compression?: 'none' | 'brotli'; features?: number }): Uint8Array;
/** Feature bit 5: the client answers the node's heartbeats (docs/protocol.md sections 5 and 9). */
export const HEARTBEAT_ANSWER: 0x20;
export function decodeServerHello(message: Uint8Array): ServerHello;
/** Splits a token without verifying it (the node verifies); e.g. to read `exp`. */
export function decodeToken(compact: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signingInput: string; signature: Uint8Array | null };

export const Suite: Readonly<{ AES_256_GCM: 0; CHACHA20_POLY1305: 1 }>;
export interface EpochKey { epoch: number; key: Uint8Array; nonceBase: Uint8Array; keyId: Uint8Array }
export interface KeyAnnounce { peerId: string; suite: 0 | 1; clientNonce: Uint8Array; serverNonce: Uint8Array; replyRequested: boolean }
export class KeySchedule {
  static create(input: { suite: 0 | 1; psk: Uint8Array; peerId: string; clientNonce: Uint8Array; serverNonce: Uint8Array; options?: { chacha20poly1305?: ChaCha20Poly1305 } }): Promise<KeySchedule>;
  readonly prk: Uint8Array;
  info(epoch: number): Uint8Array;
  epoch(epoch: number): Promise<EpochKey>;
  announce(replyRequested: boolean): KeyAnnounce;
}
export class FrameSealer {
  static create(schedule: KeySchedule, rekeyLimit?: number): Promise<FrameSealer>;
  seal(kind: FrameKind, plaintext: Uint8Array): Promise<Uint8Array>;
}
export class FrameOpener {
  static create(schedule: KeySchedule): Promise<FrameOpener>;
  readonly peerId: string;
  readonly epoch: number;
  open(frame: Frame): Promise<Uint8Array>;
}
export function encodeAnnounce(announce: KeyAnnounce): Uint8Array;
export function decodeAnnounce(frame: Frame): KeyAnnounce;
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array>;
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
export function frameNonce(nonceBase: Uint8Array, seq: number): Uint8Array;
export class GapDetector {
  observe(epoch: number, seq: number): Omit<Gap, 'peerId'> | null;
}
export class PeerKeyring {
  constructor(psk: Uint8Array, ownPeerId: string, options?: { chacha20poly1305?: ChaCha20Poly1305 });
  onAnnounce(announce: KeyAnnounce): Promise<boolean>;
  open(frame: Frame): Promise<{ peerId: string; plaintext: Uint8Array; gap: Omit<Gap, 'peerId'> | null }>;
  readonly peers: string[];
}
export class Backoff {
  constructor(baseMs?: number, maxMs?: number, random?: () => number);
  ceiling(attempt: number): number;
  delay(attempt: number): number;
}
export function reconnectDelay(reason: CloseReason, attempt: number, backoff: Backoff): number;
export class UrlRotation {
  constructor(urls: string | string[], start?: number);
  readonly urls: string[];
  next(): string;
}
export function toHex(bytes: Uint8Array): string;
export function fromHex(hex: string): Uint8Array;
export function toBase64Url(bytes: Uint8Array): string;
export function fromBase64Url(text: string): Uint8Array | null;
