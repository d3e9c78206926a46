// Errors the library reports. Each protocol error names the close reason it maps to
// (docs/protocol.md section 6.2), so a connection that fails ends with a listed code.
import { closeReason } from './close.js';

const ERROR_TO_CLOSE = {
  TRUNCATED_HEADER: 'protocol_error',
  UNKNOWN_VERSION: 'protocol_error',
  UNKNOWN_KIND: 'protocol_error',
  LENGTH_MISMATCH: 'protocol_error',
  MALFORMED_HELLO: 'protocol_error',
  AUTH_TAG_FAILED: 'protocol_error',
  REPLAYED_SEQUENCE: 'protocol_error',
  MALFORMED_CLOSE: 'protocol_error',
  MALFORMED_ENVELOPE: 'protocol_error',
  UNKNOWN_SENDER_KEY: 'protocol_error',
  OVERSIZED: 'message_too_big',
  UNKNOWN_ROLE: 'forbidden_role',
  UNSUPPORTED_COMPRESSION: 'unsupported_data',
  TEXT_MESSAGE: 'unsupported_data',
  SEQUENCE_EXHAUSTED: 'internal_error',
};

/** A message broke docs/protocol.md; `code` is the spec's error name (e.g. `AUTH_TAG_FAILED`). */
export class ProtocolError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'ProtocolError';
    this.code = code;
    this.closeReason = closeReason(ERROR_TO_CLOSE[code] ?? 'protocol_error');
  }
}

/** The client stopped for good; `reason` is the close reason that decided it. */
export class ClosedError extends Error {
  constructor(reason) {
    super(`client stopped: ${reason.name} (${reason.code})`);
    this.name = 'ClosedError';
    this.reason = reason;
  }
}

/** A call that needs a connection was made while there is none (connecting, reconnecting, closed). */
export class NotConnectedError extends Error {
  constructor() {
    super('not connected');
    this.name = 'NotConnectedError';
  }
}
