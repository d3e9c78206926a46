// Client and server hellos (docs/protocol.md section 2): UTF-8 JSON objects of at most 8 192 bytes.
import { ProtocolError } from './errors.js';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.js';

export const MAX_HELLO_BYTES = 8192;
/** The protocol version this library speaks (docs/protocol.md). */
export const PROTOCOL_VERSION = 1;
export const NONCE_LENGTH = 16;
export const IDENTIFIER = /^[A-Za-z0-9._:-]{1,128}$/;
export const ROLES = Object.freeze(['host', 'participant', 'controller', 'manager', 'viewer']);
const COMPRESSIONS = ['none', 'brotli'];

/** A hello starts with `{`; a frame's first byte is its version, never 0x7B. */
export function looksLikeHello(message) {
  return message.length > 0 && message[0] === 0x7b;
}

/** Feature bit 5 (section 9): the client answers the node's heartbeats instead of keeping its own timer. */
export const HEARTBEAT_ANSWER = 0x20;

/** True when every bit of `flag` is set in `bits` (bitmaps may exceed 32 bits, so no `&`). */
export function hasFeature(bits, flag) {
  return Math.floor(bits / flag) % 2 === 1;
}

export function encodeClientHello({ sessionId, token, clientNonce, role, protocolVersion = PROTOCOL_VERSION, compression = 'none', features = 0 }) {
  const json = {
    type: 'client_hello',
    session_id: sessionId,
    token,
    client_nonce: toBase64Url(clientNonce),
    protocol_version: protocolVersion,
    compression,
    role,
  };
  // Left out when nothing is asked for, as nodes that predate the key expect.
  if (features !== 0) json.features = features;
  const bytes = utf8(JSON.stringify(json));
  if (bytes.length > MAX_HELLO_BYTES) throw new ProtocolError('OVERSIZED', `hello of ${bytes.length} bytes`);
  return bytes;
}

const malformed = (message) => new ProtocolError('MALFORMED_HELLO', message);

/** Decodes and validates a server hello; throws ProtocolError for anything section 2 rejects. */
export function decodeServerHello(message) {
  if (message.length > MAX_HELLO_BYTES) throw new ProtocolError('OVERSIZED', `hello of ${message.length} bytes`);
  if (!looksLikeHello(message)) throw malformed("a hello is a JSON object and starts with '{'");
  let json;
  try {
    json = JSON.parse(fromUtf8(message));
  } catch {
    throw malformed('hello is not UTF-8 JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw malformed('hello is not a JSON object');
  if (json.type !== 'server_hello') throw malformed('type must be "server_hello"');
  const compression = string(json, 'negotiated_compression');
  if (!COMPRESSIONS.includes(compression)) throw new ProtocolError('UNSUPPORTED_COMPRESSION', compression);
  const peerId = string(json, 'peer_id');
  if (!IDENTIFIER.test(peerId)) throw malformed('peer_id must match ' + IDENTIFIER.source);
  return {
    ackNonce: nonce(json, 'ack_nonce'),
    serverNonce: nonce(json, 'server_nonce'),
    negotiatedCompression: compression,
    featuresBitmap: integer(json, 'features_bitmap', 0, Number.MAX_SAFE_INTEGER),
    peerId,
    heartbeatInterval: integer(json, 'heartbeat_interval', 1, 3600),
    // Absent in nodes that predate negotiation (section 2.3): they speak version 1.
    protocolVersion: 'protocol_version' in json ? integer(json, 'protocol_version', 1, 255) : 1,
  };
}

function string(json, field) {
  if (typeof json[field] !== 'string') throw malformed(field + ' must be a string');
  return json[field];
}

function nonce(json, field) {
  const bytes = fromBase64Url(string(json, field));
  if (bytes === null || bytes.length !== NONCE_LENGTH) throw malformed(`${field} must be ${NONCE_LENGTH} bytes, base64url`);
  return bytes;
}

function integer(json, field, min, max) {
  const value = json[field];
  if (!Number.isInteger(value)) throw malformed(field + ' must be an integer');
  if (value < min || value > max) throw malformed(`${field} out of range ${min}..${max}`);
  return value;
}
