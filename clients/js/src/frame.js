// The 8-byte frame header codec of docs/protocol.md section 4 (big-endian, u32 seq).
import { ProtocolError } from './errors.js';
import { closeReasonOrFallback } from './close.js';
import { concat, fromUtf8, utf8 } from './bytes.js';

export const HEADER_LENGTH = 8;
export const VERSION = 1;
export const MAX_BODY = 65535;
export const MAX_SEQ = 0xffffffff;

/** Frame kinds; CONTROL and DATA are forwarded to peers, HEARTBEAT and CLOSE are hop-by-hop. */
export const Kind = Object.freeze({ CONTROL: 0, DATA: 1, HEARTBEAT: 2, CLOSE: 3 });

/** The 8 header bytes; also the AAD of a sealed frame. */
export function encodeHeader(kind, payloadLength, seq, version = VERSION) {
  const header = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(header.buffer);
  header[0] = version;
  header[1] = kind;
  view.setUint16(2, payloadLength);
  view.setUint32(4, seq >>> 0);
  return header;
}

/** Encodes `{kind, seq, body}`; refuses a body above 65 535 bytes with OVERSIZED. */
export function encodeFrame({ kind, seq = 0, body = new Uint8Array(0) }) {
  if (body.length > MAX_BODY) throw new ProtocolError('OVERSIZED', `body of ${body.length} bytes exceeds ${MAX_BODY}`);
  return concat(encodeHeader(kind, body.length, seq), body);
}

/** Decodes one whole message, checking in the order the spec lists. */
export function decodeFrame(message) {
  if (message.length < HEADER_LENGTH) throw new ProtocolError('TRUNCATED_HEADER', `${message.length} bytes`);
  if (message.length > HEADER_LENGTH + MAX_BODY) throw new ProtocolError('OVERSIZED', `${message.length} bytes`);
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const version = message[0];
  const kind = message[1];
  if (version !== VERSION) throw new ProtocolError('UNKNOWN_VERSION', `version ${version}`);
  if (kind > 3) throw new ProtocolError('UNKNOWN_KIND', `kind ${kind}`);
  const payloadLength = view.getUint16(2);
  if (payloadLength !== message.length - HEADER_LENGTH) {
    throw new ProtocolError('LENGTH_MISMATCH', `payload_len ${payloadLength}, ${message.length - HEADER_LENGTH} bytes follow`);
  }
  return { version, kind, seq: view.getUint32(4), body: message.subarray(HEADER_LENGTH) };
}

/** A CLOSE frame (seq 0) for a close reason: u16 code then the UTF-8 wire name. */
export function closeFrame(reason) {
  const body = concat(new Uint8Array([reason.code >>> 8, reason.code & 0xff]), utf8(reason.name));
  return encodeFrame({ kind: Kind.CLOSE, seq: 0, body });
}

/** The close reason a CLOSE frame carries (unknown codes get the section 6 fallback). */
export function closeReasonOf(frame) {
  if (frame.kind !== Kind.CLOSE) throw new ProtocolError('MALFORMED_CLOSE', 'not a close frame');
  if (frame.body.length < 2) throw new ProtocolError('MALFORMED_CLOSE', 'close body shorter than 2 bytes');
  try {
    fromUtf8(frame.body.subarray(2));
  } catch {
    throw new ProtocolError('MALFORMED_CLOSE', 'close reason name is not UTF-8');
  }
  return closeReasonOrFallback((frame.body[0] << 8) | frame.body[1]);
}

export function heartbeatFrame(seq) {
  return encodeFrame({ kind: Kind.HEARTBEAT, seq: seq >>> 0 });
}
