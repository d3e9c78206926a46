// End-to-end frame encryption (docs/protocol.md section 8) on WebCrypto: HKDF-SHA256 over HMAC,
// AES-256-GCM natively; ChaCha20-Poly1305 only through an AEAD the application passes in
// (WebCrypto has none), e.g. `chacha20poly1305` from @noble/ciphers.
import { ProtocolError } from './errors.js';
import { concat, equalBytes, fromUtf8, utf8 } from './bytes.js';
import { encodeFrame, encodeHeader, Kind, MAX_BODY, VERSION } from './frame.js';
import { IDENTIFIER, NONCE_LENGTH } from './hello.js';

const subtle = () => globalThis.crypto.subtle;
const INFO_LABEL = utf8('lifeguard/v1 frame key');
const OUTPUT_LENGTH = 52;
export const KEY_ID_LENGTH = 8;
export const TAG_LENGTH = 16;
export const MIN_PSK_LENGTH = 16;
export const MAX_EPOCH = 0xffffffff;
export const SEALED = 0x01;
export const KEY_ANNOUNCE = 0x02;
/** Bytes a sealed body adds to the plaintext: type, key id, tag. */
export const SEALED_OVERHEAD = 1 + KEY_ID_LENGTH + TAG_LENGTH;
/** Feature bit that makes peers seal with ChaCha20-Poly1305 (section 9). */
export const E2E_CHACHA20 = 0x10;

/** Cipher suite ids as they enter the key schedule and key announces. */
export const Suite = Object.freeze({ AES_256_GCM: 0, CHACHA20_POLY1305: 1 });

export function suiteFromFeatureBits(featuresBitmap) {
  return Math.floor(featuresBitmap / E2E_CHACHA20) % 2 === 1 ? Suite.CHACHA20_POLY1305 : Suite.AES_256_GCM;
}

async function hmac(key, data) {
  const cryptoKey = await subtle().importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', cryptoKey, data));
}

/** HKDF-Extract (RFC 5869): PRK = HMAC-SHA256(salt, ikm). */
export function hkdfExtract(salt, ikm) {
  return hmac(salt.length === 0 ? new Uint8Array(32) : salt, ikm);
}

/** HKDF-Expand (RFC 5869) to `length` bytes. */
export async function hkdfExpand(prk, info, length) {
  const key = await subtle().importKey('raw', prk, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const out = new Uint8Array(length);
  let block = new Uint8Array(0);
  for (let counter = 1, offset = 0; offset < length; counter++) {
    block = new Uint8Array(await subtle().sign('HMAC', key, concat(block, info, new Uint8Array([counter]))));
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/** The 12-byte frame nonce: the nonce base with the u32 seq XORed into its last four bytes. */
export function frameNonce(nonceBase, seq) {
  const nonce = nonceBase.slice();
  nonce[8] ^= (seq >>> 24) & 0xff;
  nonce[9] ^= (seq >>> 16) & 0xff;
  nonce[10] ^= (seq >>> 8) & 0xff;
  nonce[11] ^= seq & 0xff;
  return nonce;
}

/** Seal/open with one epoch key; both return or take `ciphertext || tag`. */
async function aeadFor(suite, key, options) {
  if (suite === Suite.AES_256_GCM) {
    const cryptoKey = await subtle().importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
    const params = (iv, additionalData) => ({ name: 'AES-GCM', iv, additionalData, tagLength: 128 });
    return {
      seal: async (nonce, aad, plaintext) => new Uint8Array(await subtle().encrypt(params(nonce, aad), cryptoKey, plaintext)),
      open: async (nonce, aad, sealed) => new Uint8Array(await subtle().decrypt(params(nonce, aad), cryptoKey, sealed)),
    };
  }
  const chacha = options?.chacha20poly1305;
  if (typeof chacha !== 'function') {
    throw new Error('the node selected ChaCha20-Poly1305 (E2E_CHACHA20) but no chacha20poly1305 AEAD was given; '
      + "pass `chacha20poly1305` from '@noble/ciphers/chacha.js' in the client options");
  }
  return {
    seal: async (nonce, aad, plaintext) => chacha(key, nonce, aad).encrypt(plaintext),
    open: async (nonce, aad, sealed) => chacha(key, nonce, aad).decrypt(sealed),
  };
}

/**
 * One sender's keys (section 8.1), derived from the PSK and the sender's hello nonces. Create with
 * `await KeySchedule.create(...)`; `epoch(e)` resolves to `{epoch, key, nonceBase, keyId, aead}`.
 */
export class KeySchedule {
  static async create({ suite, psk, peerId, clientNonce, serverNonce, options }) {
    if (!(psk instanceof Uint8Array) || psk.length < MIN_PSK_LENGTH) throw new RangeError('pre-shared key must have at least 16 bytes');
    if (!IDENTIFIER.test(peerId)) throw new RangeError('invalid peer id');
    if (clientNonce.length !== NONCE_LENGTH || serverNonce.length !== NONCE_LENGTH) throw new RangeError('nonces must be 16 bytes');
    if (suite !== Suite.AES_256_GCM && suite !== Suite.CHACHA20_POLY1305) throw new RangeError('unknown cipher suite ' + suite);
    const prk = await hkdfExtract(concat(clientNonce, serverNonce), psk);
    return new KeySchedule(suite, peerId, clientNonce, serverNonce, prk, options);
  }

  constructor(suite, peerId, clientNonce, serverNonce, prk, options) {
    Object.assign(this, { suite, peerId, clientNonce, serverNonce, prk, options });
  }

  /** The info input of HKDF-Expand for an epoch. */
  info(epoch) {
    const fixed = new Uint8Array(5);
    fixed[0] = this.suite;
    new DataView(fixed.buffer).setUint32(1, epoch);
    return concat(INFO_LABEL, fixed, utf8(this.peerId));
  }

  async epoch(epoch) {
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new RangeError('epoch out of u32 range');
    const okm = await hkdfExpand(this.prk, this.info(epoch), OUTPUT_LENGTH);
    const key = okm.slice(0, 32);
    return { epoch, key, nonceBase: okm.slice(32, 44), keyId: okm.slice(44, 52), aead: await aeadFor(this.suite, key, this.options) };
  }

  /** This sender's key announce (section 8.2). */
  announce(replyRequested) {
    return { peerId: this.peerId, suite: this.suite, clientNonce: this.clientNonce, serverNonce: this.serverNonce, replyRequested };
  }
}

/** The CONTROL frame (seq 0) that carries a key announce. */
export function encodeAnnounce({ peerId, suite, clientNonce, serverNonce, replyRequested }) {
  const body = concat(new Uint8Array([KEY_ANNOUNCE, suite, replyRequested ? 1 : 0]), clientNonce, serverNonce, utf8(peerId));
  return encodeFrame({ kind: Kind.CONTROL, seq: 0, body });
}

export function isAnnounce(frame) {
  return frame.kind === Kind.CONTROL && frame.body.length > 0 && frame.body[0] === KEY_ANNOUNCE;
}

/** Reads a key announce frame; MALFORMED_ENVELOPE for anything off the layout. */
export function decodeAnnounce(frame) {
  const fixed = 3 + 2 * NONCE_LENGTH;
  const body = frame.body;
  if (!isAnnounce(frame) || body.length <= fixed) throw new ProtocolError('MALFORMED_ENVELOPE', 'not a key announce');
  let peerId;
  try {
    peerId = fromUtf8(body.subarray(fixed));
  } catch {
    throw new ProtocolError('MALFORMED_ENVELOPE', 'peer id is not UTF-8');
  }
  if (body[2] & ~1) throw new ProtocolError('MALFORMED_ENVELOPE', 'unknown announce flags');
  if (body[1] > 1) throw new ProtocolError('MALFORMED_ENVELOPE', 'unknown cipher suite id ' + body[1]);
  if (!IDENTIFIER.test(peerId)) throw new ProtocolError('MALFORMED_ENVELOPE', 'invalid peer id');
  return {
    peerId,
    suite: body[1],
    replyRequested: (body[2] & 1) === 1,
    clientNonce: body.slice(3, 3 + NONCE_LENGTH),
    serverNonce: body.slice(3 + NONCE_LENGTH, fixed),
  };
}

export function sameKeys(a, b) {
  return a.peerId === b.peerId && a.suite === b.suite && equalBytes(a.clientNonce, b.clientNonce) && equalBytes(a.serverNonce, b.serverNonce);
}

/** The key id of a sealed frame; MALFORMED_ENVELOPE if the body is not sealed. */
export function sealedKeyId(frame) {
  if ((frame.kind !== Kind.CONTROL && frame.kind !== Kind.DATA) || frame.body.length < SEALED_OVERHEAD || frame.body[0] !== SEALED) {
    throw new ProtocolError('MALFORMED_ENVELOPE', 'not a sealed body');
  }
  return frame.body.subarray(1, 1 + KEY_ID_LENGTH);
}

/**
 * Seals one sender's CONTROL and DATA frames (sections 8.3, 8.4): seq from 0, and after seq
 * rekeyLimit-1 the next epoch's key with seq 0. Calls must not overlap: await each seal before
 * the next (the client chains them).
 */
export class FrameSealer {
  static async create(schedule, rekeyLimit = 2 ** 32) {
    if (!Number.isInteger(rekeyLimit) || rekeyLimit < 1 || rekeyLimit > 2 ** 32) throw new RangeError('rekey limit must be in 1..2^32');
    return new FrameSealer(schedule, rekeyLimit, await schedule.epoch(0));
  }

  constructor(schedule, rekeyLimit, current) {
    Object.assign(this, { schedule, rekeyLimit, current, nextSeq: 0 });
  }

  /** Resolves to the whole encoded frame. */
  async seal(kind, plaintext) {
    if (kind !== Kind.CONTROL && kind !== Kind.DATA) throw new TypeError('only CONTROL and DATA frames are sealed');
    const bodyLength = SEALED_OVERHEAD + plaintext.length;
    if (bodyLength > MAX_BODY) throw new ProtocolError('OVERSIZED', 'payload too large to seal');
    if (this.nextSeq === this.rekeyLimit) {
      if (this.current.epoch === MAX_EPOCH) throw new ProtocolError('SEQUENCE_EXHAUSTED', 'no epochs left');
      this.current = await this.schedule.epoch(this.current.epoch + 1);
      this.nextSeq = 0;
    }
    const seq = this.nextSeq++;
    const header = encodeHeader(kind, bodyLength, seq);
    const sealed = await this.current.aead.seal(frameNonce(this.current.nonceBase, seq), header, plaintext);
    return concat(header, new Uint8Array([SEALED]), this.current.keyId, sealed);
  }
}

/**
 * Opens one sender's sealed frames and enforces the replay rule of section 8.4. State moves only
 * after a tag verified. Calls must not overlap (frames of one sender are opened in arrival order).
 */
export class FrameOpener {
  static async create(schedule) {
    return new FrameOpener(schedule, await schedule.epoch(0), await schedule.epoch(1));
  }

  constructor(schedule, current, next) {
    Object.assign(this, { schedule, current, next, previous: null, lastSeq: -1 });
  }

  get peerId() {
    return this.schedule.peerId;
  }

  get epoch() {
    return this.current.epoch;
  }

  recognises(keyId) {
    return [this.current, this.next, this.previous].some((k) => k !== null && equalBytes(k.keyId, keyId));
  }

  /** Resolves to the plaintext; rejects with ProtocolError as section 8.4 lists. */
  async open(frame) {
    const keyId = sealedKeyId(frame);
    if (frame.version !== undefined && frame.version !== VERSION) throw new ProtocolError('UNKNOWN_VERSION', 'unknown frame version');
    let key;
    if (equalBytes(keyId, this.current.keyId)) {
      if (frame.seq <= this.lastSeq) throw new ProtocolError('REPLAYED_SEQUENCE', `seq ${frame.seq} not above ${this.lastSeq}`);
      key = this.current;
    } else if (this.next !== null && equalBytes(keyId, this.next.keyId)) {
      key = this.next;
    } else if (this.previous !== null && equalBytes(keyId, this.previous.keyId)) {
      throw new ProtocolError('REPLAYED_SEQUENCE', 'frame of a closed epoch');
    } else {
      throw new ProtocolError('UNKNOWN_SENDER_KEY', 'key id not known');
    }
    const header = encodeHeader(frame.kind, frame.body.length, frame.seq);
    let plaintext;
    try {
      plaintext = await key.aead.open(frameNonce(key.nonceBase, frame.seq), header, frame.body.subarray(1 + KEY_ID_LENGTH));
    } catch {
      throw new ProtocolError('AUTH_TAG_FAILED', 'authentication tag did not verify');
    }
    if (key === this.next) {
      const following = key.epoch < MAX_EPOCH ? await this.schedule.epoch(key.epoch + 1) : null;
      this.previous = this.current;
      this.current = key;
      this.next = following;
    }
    this.lastSeq = frame.seq;
    return plaintext;
  }
}

