// The protocol's hex test vectors, read from docs/protocol.md exactly as the Java
// ProtocolDocVectorsTest reads them: if the library and the specification disagree, this fails.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import {
  closeFrame, closeReason, closeReasonOf, decodeAnnounce, decodeFrame, decodeToken, encodeAnnounce, encodeFrame,
  FrameOpener, FrameSealer, fromHex, heartbeatFrame, hkdfExtract, Kind, KeySchedule, Suite, toBase64Url, toHex,
} from '../src/index.js';
import { fromBase64Url, utf8 } from '../src/bytes.js';

const VECTOR = /^tv\.([a-z0-9_.]+) = (\S+)$/gm;
const vectors = new Map();

before(async () => {
  const spec = await readFile(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  for (const match of spec.matchAll(VECTOR)) vectors.set(match[1], match[2]);
  assert.ok(vectors.size >= 25, 'too few vectors found in docs/protocol.md: ' + vectors.size);
});

function text(name) {
  assert.ok(vectors.has(name), `vector tv.${name} missing from docs/protocol.md`);
  return vectors.get(name);
}
const hex = (name) => fromHex(text(name));
const options = { chacha20poly1305 };
const schedule = (suite) =>
  KeySchedule.create({ suite, psk: hex('ks.psk'), peerId: text('ks.peer_id'), clientNonce: hex('ks.client_nonce'), serverNonce: hex('ks.server_nonce'), options });

test('frame codec reproduces and decodes the DATA, CLOSE and HEARTBEAT vectors', () => {
  assert.equal(toHex(encodeFrame({ kind: Kind.DATA, seq: 0x01020304, body: utf8('hello') })), text('frame.data'));
  assert.equal(toHex(closeFrame(closeReason('guardrail_tripped'))), text('frame.close'));
  assert.equal(closeReasonOf(decodeFrame(hex('frame.close'))).code, 4503);
  assert.equal(toHex(heartbeatFrame(7)), text('frame.heartbeat'));
  const data = decodeFrame(hex('frame.data'));
  assert.deepEqual([data.kind, data.seq, new TextDecoder().decode(data.body)], [Kind.DATA, 0x01020304, 'hello']);
});

test('key schedule: PRK, info, and both suites keys for epochs 0 and 1', async () => {
  const aes = await schedule(Suite.AES_256_GCM);
  assert.equal(toHex(await hkdfExtract(Buffer.concat([hex('ks.client_nonce'), hex('ks.server_nonce')]), hex('ks.psk'))), text('ks.prk'));
  assert.equal(toHex(aes.prk), text('ks.prk'));
  assert.equal(toHex(aes.info(0)), text('ks.aes.e0.info'));
  const e0 = await aes.epoch(0);
  assert.equal(toHex(e0.key), text('ks.aes.e0.key'));
  assert.equal(toHex(e0.nonceBase), text('ks.aes.e0.nonce_base'));
  assert.equal(toHex(e0.keyId), text('ks.aes.e0.key_id'));
  const { frameNonce } = await import('../src/crypto.js');
  assert.equal(toHex(frameNonce(e0.nonceBase, 5)), text('ks.aes.e0.nonce_seq5'));
  const e1 = await aes.epoch(1);
  assert.equal(toHex(e1.key), text('ks.aes.e1.key'));
  assert.equal(toHex(e1.nonceBase), text('ks.aes.e1.nonce_base'));
  assert.equal(toHex(e1.keyId), text('ks.aes.e1.key_id'));
  const chacha = await (await schedule(Suite.CHACHA20_POLY1305)).epoch(0);
  assert.equal(toHex(chacha.key), text('ks.chacha.e0.key'));
  assert.equal(toHex(chacha.nonceBase), text('ks.chacha.e0.nonce_base'));
  assert.equal(toHex(chacha.keyId), text('ks.chacha.e0.key_id'));
});

test('key announce frame encodes and decodes as the vector', async () => {
  const aes = await schedule(Suite.AES_256_GCM);
  assert.equal(toHex(encodeAnnounce(aes.announce(true))), text('announce.frame'));
  const decoded = decodeAnnounce(decodeFrame(hex('announce.frame')));
  assert.equal(decoded.peerId, text('ks.peer_id'));
  assert.equal(decoded.replyRequested, true);
  assert.equal(toHex(decoded.serverNonce), text('ks.server_nonce'));
});

for (const [name, suite] of [['aes', Suite.AES_256_GCM], ['chacha', Suite.CHACHA20_POLY1305]]) {
  test(`sealing (${name}): seq 5 reproduces the vector byte for byte, and a receiver opens it`, async () => {
    const sealer = await FrameSealer.create(await schedule(suite));
    for (let seq = 0; seq < 5; seq++) await sealer.seal(Kind.DATA, new Uint8Array(0));
    const frame = await sealer.seal(Kind.DATA, hex('seal.plaintext'));
    assert.equal(toHex(frame), text(`seal.${name}.frame`));
    const opener = await FrameOpener.create(await schedule(suite));
    const plaintext = await opener.open(decodeFrame(hex(`seal.${name}.frame`)));
    assert.equal(toHex(plaintext), text('seal.plaintext'));
    await assert.rejects(opener.open(decodeFrame(hex(`seal.${name}.frame`))), { code: 'REPLAYED_SEQUENCE' });
    const tampered = hex(`seal.${name}.frame`);
    tampered[1] = Kind.CONTROL; // the header is authenticated
    await assert.rejects((await FrameOpener.create(await schedule(suite))).open(decodeFrame(tampered)), { code: 'AUTH_TAG_FAILED' });
  });
}

test('token vector: header and claims decode, Ed25519 signature verifies and re-signing reproduces it', async () => {
  const compact = text('token.compact');
  const { header, claims, signingInput, signature } = decodeToken(compact);
  assert.deepEqual(header, { kid: text('token.kid'), typ: 'lifeguard+jwt', alg: 'EdDSA' });
  assert.deepEqual(claims, {
    iss: 'lifeguard', session_id: 'sess-1', role: 'host', iat: 1760184000, exp: 1760184300, cohort: 'cohort-a', feature_bits: 1, jti: 'jti-0001',
  });
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(hex('token.public')) };
  const publicKey = await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['verify']);
  assert.ok(await crypto.subtle.verify('Ed25519', publicKey, signature, utf8(signingInput)));
  const privateKey = await crypto.subtle.importKey('jwk', { ...jwk, d: toBase64Url(hex('token.seed')) }, { name: 'Ed25519' }, false, ['sign']);
  const head = toBase64Url(utf8(JSON.stringify(header)));
  const body = toBase64Url(utf8(JSON.stringify(claims)));
  const resigned = new Uint8Array(await crypto.subtle.sign('Ed25519', privateKey, utf8(`${head}.${body}`)));
  assert.equal(`${head}.${body}.${toBase64Url(resigned)}`, compact);
  assert.equal(fromBase64Url('a=b'), null);
});
