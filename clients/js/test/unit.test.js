// The client's rules without a node: close table and fallback, backoff, URL rotation, frame and
// hello validation, rekey across epochs, gap detection, and reactions to a scripted WebSocket
// server (the ws package) for cases a real node never produces on purpose.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer, WebSocket } from 'ws';
import {
  Backoff, BridgeClient, closeReasonOrFallback, CloseReasons, decodeFrame, decodeServerHello, encodeFrame, FrameOpener,
  FrameSealer, GapDetector, Kind, KeySchedule, LifeguardClient, reconnectDelay, Suite, UrlRotation, toBase64Url, closeFrame,
  decodeAnnounce, encodeAnnounce, PeerKeyring, HEARTBEAT_ANSWER,
} from '../src/index.js';
import { utf8 } from '../src/bytes.js';

test('close table: reconnect flags by code, and the fallback for unknown codes', () => {
  assert.equal(CloseReasons.server_shutdown.reconnect, true);
  assert.equal(CloseReasons.rate_limited.code, 4002);
  for (const reason of Object.values(CloseReasons)) {
    if (reason.code >= 4000) assert.equal(reason.reconnect, reason.code < 4500, reason.name);
  }
  assert.equal(closeReasonOrFallback(4499).name, 'try_again_later');
  assert.equal(closeReasonOrFallback(4999).name, 'policy_violation');
  assert.equal(closeReasonOrFallback(1006).name, 'try_again_later');
  assert.equal(closeReasonOrFallback(1005).name, 'try_again_later');
  assert.equal(closeReasonOrFallback(1007).name, 'protocol_error');
  assert.equal(closeReasonOrFallback(3000).name, 'protocol_error');
});

test('backoff: full jitter under min(max, base * 2^(n-1)); rate_limited waits at least half the maximum', () => {
  const low = new Backoff(500, 30000, () => 0);
  const high = new Backoff(500, 30000, () => 0.999999);
  assert.deepEqual([1, 2, 3, 7, 8, 100].map((n) => high.ceiling(n)), [500, 1000, 2000, 30000, 30000, 30000]);
  assert.equal(low.delay(5), 0);
  assert.equal(high.delay(1), 500);
  assert.equal(reconnectDelay(CloseReasons.rate_limited, 1, low), 15000);
  assert.equal(reconnectDelay(CloseReasons.rate_limited, 1, high), 15250);
  assert.ok(reconnectDelay(CloseReasons.rate_limited, 9, high) <= 30000);
  assert.throws(() => new Backoff(0, 10), RangeError);
});

test('URL rotation: round robin from the start index; only ws:// and wss://', () => {
  const urls = new UrlRotation(['ws://a/ws', 'wss://b/ws', 'ws://c/ws'], 1);
  assert.deepEqual([urls.next(), urls.next(), urls.next(), urls.next()], ['wss://b/ws', 'ws://c/ws', 'ws://a/ws', 'wss://b/ws']);
  assert.throws(() => new UrlRotation(['http://a/ws']), RangeError);
  assert.throws(() => new UrlRotation([]), RangeError);
});

test('URL rotation without a start index: an order of its own, so a dead node\'s clients spread', () => {
  const list = ['ws://a/ws', 'ws://b/ws', 'ws://c/ws'];
  let seed = 7;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const nextAfterA = new Map();
  for (let client = 0; client < 300; client++) {
    const urls = new UrlRotation(list, undefined, random);
    const round = [urls.next(), urls.next(), urls.next()];
    assert.equal(round[0], 'ws://a/ws', 'the first URL is tried first');
    assert.deepEqual([...round].sort(), list, 'one round visits each node once');
    assert.equal(urls.next(), round[0], 'then starts over in the same order');
    nextAfterA.set(round[1], (nextAfterA.get(round[1]) ?? 0) + 1);
  }
  assert.deepEqual([...nextAfterA.keys()].sort(), ['ws://b/ws', 'ws://c/ws']);
  assert.ok(nextAfterA.get('ws://b/ws') > 100 && nextAfterA.get('ws://c/ws') > 100, JSON.stringify([...nextAfterA]));
});

test('frame decoding checks in the specified order', () => {
  const expectCode = (bytes, code) => assert.throws(() => decodeFrame(new Uint8Array(bytes)), { code });
  expectCode([1, 1, 0, 0, 0, 0, 0], 'TRUNCATED_HEADER');
  expectCode(new Array(8 + 65536).fill(9), 'OVERSIZED');
  expectCode([2, 1, 0, 0, 0, 0, 0, 0], 'UNKNOWN_VERSION');
  expectCode([1, 4, 0, 0, 0, 0, 0, 0], 'UNKNOWN_KIND');
  expectCode([1, 1, 0, 2, 0, 0, 0, 0, 7], 'LENGTH_MISMATCH');
  assert.throws(() => encodeFrame({ kind: Kind.DATA, body: new Uint8Array(65536) }), { code: 'OVERSIZED' });
  assert.equal(decodeFrame(encodeFrame({ kind: Kind.DATA, seq: 0xffffffff })).seq, 0xffffffff);
});

const serverHello = (overrides = {}) => utf8(JSON.stringify({
  type: 'server_hello', ack_nonce: toBase64Url(new Uint8Array(16)), server_nonce: toBase64Url(new Uint8Array(16).fill(1)),
  negotiated_compression: 'none', features_bitmap: 1, peer_id: 'p-1', heartbeat_interval: 15, ...overrides,
}));

test('server hello validation: every rejection of section 2', () => {
  assert.equal(decodeServerHello(serverHello({ unknown_field: [1] })).peerId, 'p-1');
  assert.equal(decodeServerHello(serverHello()).protocolVersion, 1, 'absent: version 1');
  assert.equal(decodeServerHello(serverHello({ protocol_version: 7 })).protocolVersion, 7);
  for (const bad of [{ type: 'client_hello' }, { ack_nonce: 'short' }, { peer_id: 'has space' }, { heartbeat_interval: 0 },
    { heartbeat_interval: 1.5 }, { features_bitmap: -1 }, { protocol_version: 0 }, { protocol_version: 256 }, { server_nonce: 7 }, { ack_nonce: toBase64Url(new Uint8Array(16)) + '=' }]) {
    assert.throws(() => decodeServerHello(serverHello(bad)), { code: 'MALFORMED_HELLO' }, JSON.stringify(bad));
  }
  assert.throws(() => decodeServerHello(serverHello({ negotiated_compression: 'zstd' })), { code: 'UNSUPPORTED_COMPRESSION' });
  assert.throws(() => decodeServerHello(new Uint8Array([0x7b, 0xff, 0x7d])), { code: 'MALFORMED_HELLO' });
  assert.throws(() => decodeServerHello(utf8('[1]')), { code: 'MALFORMED_HELLO' });
  assert.throws(() => decodeServerHello(new Uint8Array(8193).fill(0x20)), { code: 'OVERSIZED' });
});

const schedule = (peerId = 'sender', nonce = 3) => KeySchedule.create({
  suite: Suite.AES_256_GCM, psk: new Uint8Array(32).fill(5), peerId, clientNonce: new Uint8Array(16).fill(nonce), serverNonce: new Uint8Array(16).fill(4),
});

test('rekey: after rekeyLimit frames the sealer moves to the next epoch; the opener follows and closes the old one', async () => {
  const sealer = await FrameSealer.create(await schedule(), 2);
  const opener = await FrameOpener.create(await schedule());
  const frames = [];
  for (let i = 0; i < 5; i++) frames.push(decodeFrame(await sealer.seal(Kind.DATA, utf8('m' + i))));
  assert.deepEqual(frames.map((f) => f.seq), [0, 1, 0, 1, 0]);
  for (const frame of frames.slice(0, 3)) await opener.open(frame);
  assert.equal(opener.epoch, 1);
  await assert.rejects(opener.open(frames[1]), { code: 'REPLAYED_SEQUENCE' });
  await opener.open(frames[4]); // epoch 2: a lost frame (epoch 1 seq 1) is a gap, not an attack
  assert.equal(opener.epoch, 2);
  await assert.rejects((await FrameOpener.create(await schedule('other'))).open(frames[0]), { code: 'UNKNOWN_SENDER_KEY' });
});

test('gap detector and keyring: gaps reported per sender; a new announce for a known peer replaces its keys', async () => {
  const gaps = new GapDetector();
  assert.equal(gaps.observe(0, 0), null);
  assert.deepEqual(gaps.observe(0, 3), { epoch: 0, expectedSeq: 1, receivedSeq: 3, missing: 2 });
  assert.equal(gaps.observe(1, 0), null);
  const psk = new Uint8Array(32).fill(5);
  const keyring = new PeerKeyring(psk, 'me');
  const first = await schedule('sender', 3);
  assert.equal(await keyring.onAnnounce(decodeAnnounce(decodeFrame(encodeAnnounce(first.announce(true))))), true);
  assert.equal(await keyring.onAnnounce(first.announce(false)), false, 'same keys, reply flag ignored');
  assert.equal(await keyring.onAnnounce({ ...first.announce(true), peerId: 'me' }), false, 'own announce ignored');
  const sealer = await FrameSealer.create(first);
  await sealer.seal(Kind.DATA, utf8('lost'));
  const opened = await keyring.open(decodeFrame(await sealer.seal(Kind.DATA, utf8('x'))));
  assert.deepEqual([opened.peerId, opened.gap.missing], ['sender', 1]);
  const reconnected = await schedule('sender', 9);
  assert.equal(await keyring.onAnnounce(reconnected.announce(true)), true);
  const again = await keyring.open(decodeFrame(await (await FrameSealer.create(reconnected)).seal(Kind.DATA, utf8('y'))));
  assert.equal(again.gap, null, 'seq restarts at 0 after a reconnect');
  await assert.rejects(keyring.open(decodeFrame(await sealer.seal(Kind.DATA, utf8('old keys')))), { code: 'UNKNOWN_SENDER_KEY' });
});

const servers = [];
after(() => Promise.all(servers.map((server) => server.close())));

/** A scripted server: `onConnection(socket, hello)` after the client hello. Closed after the tests at the latest. */
async function scriptedServer(onConnection) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => socket.once('message', (data) => onConnection(socket, JSON.parse(data.toString()))));
  const handle = {
    url: `ws://127.0.0.1:${server.address().port}/ws`,
    close: () => new Promise((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }),
  };
  servers.push(handle);
  return handle;
}

function helloFor(clientHello, overrides = {}) {
  return serverHello({ ack_nonce: clientHello.client_nonce, ...overrides });
}

function recordingClient(url, options = {}) {
  const events = [];
  const client = new LifeguardClient({ url, WebSocket, sessionId: 's-1', role: 'host', getToken: () => 't', backoff: { baseMs: 20, maxMs: 40 }, ...options });
  for (const name of ['connecting', 'joined', 'closed', 'reconnecting', 'error']) client.on(name, (d) => events.push({ name, ...d }));
  return { client, events, closes: () => events.filter((e) => e.name === 'closed').map((e) => e.reason.name) };
}

const waitFor = async (what, probe) => {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('client: a text message ends the connection with unsupported_data (no reconnect)', async () => {
  const server = await scriptedServer((socket, hello) => {
    socket.send(helloFor(hello));
    socket.send('text is not allowed');
  });
  const { client, closes } = recordingClient(server.url);
  await client.connect();
  await waitFor('close', () => closes().length === 1);
  assert.deepEqual(closes(), ['unsupported_data']);
  assert.equal(client.stopped, true);
  await server.close();
});

test('client: a server hello that does not echo our nonce is a protocol error (no reconnect)', async () => {
  const server = await scriptedServer((socket) => socket.send(serverHello({ ack_nonce: toBase64Url(new Uint8Array(16).fill(9)) })));
  const { client, closes } = recordingClient(server.url);
  await assert.rejects(client.connect(), (e) => e.reason.name === 'protocol_error');
  assert.deepEqual(closes(), ['protocol_error']);
  await server.close();
});

test('client: a server hello above the version we asked for is a protocol error (section 2.3)', async () => {
  const server = await scriptedServer((socket, hello) => {
    assert.equal(hello.protocol_version, 1);
    socket.send(helloFor(hello, { protocol_version: 2 }));
  });
  const { client, closes } = recordingClient(server.url);
  await assert.rejects(client.connect(), (e) => e.reason.name === 'protocol_error');
  assert.deepEqual(closes(), ['protocol_error']);
  await server.close();
});

test('client: a reply announce is repeated, so a reply lost to a membership race still arrives', async () => {
  const received = [];
  const peer = await schedule('peer-b', 7);
  const server = await scriptedServer((socket, hello) => {
    socket.send(helloFor(hello));
    socket.on('message', (data) => received.push(decodeFrame(new Uint8Array(data))));
    socket.send(encodeAnnounce(peer.announce(true)));
  });
  const { client } = recordingClient(server.url, { psk: new Uint8Array(32).fill(5) });
  const learned = [];
  client.on('peer', ({ peerId }) => learned.push(peerId));
  await client.connect();
  const announces = () => received.filter((f) => f.kind === Kind.CONTROL && f.body[0] === 2).map((f) => decodeAnnounce(f));
  await waitFor('own announce and three replies', () => announces().length >= 4);
  assert.deepEqual(announces().map((a) => a.replyRequested), [true, false, false, false]);
  assert.deepEqual(learned, ['peer-b'], 'the peer is learned once');
  await client.close();
  await server.close();
});

test('client: a refusal CLOSE frame before the hello decides; node_full reconnects to the next URL with a fresh token', async () => {
  let refused = 0;
  const full = await scriptedServer((socket) => {
    refused++;
    socket.send(closeFrame(CloseReasons.node_full));
    socket.close(4003, 'node_full');
  });
  const good = await scriptedServer((socket, hello) => socket.send(helloFor(hello)));
  let tokens = 0;
  const { client, events } = recordingClient([full.url, good.url], { getToken: async () => `t${++tokens}` });
  const hello = await client.connect();
  assert.equal(hello.peerId, 'p-1');
  assert.equal(refused, 1);
  assert.equal(tokens, 2);
  assert.deepEqual(events.map((e) => e.name), ['connecting', 'closed', 'reconnecting', 'connecting', 'joined']);
  assert.equal(events[1].reason.name, 'node_full');
  assert.equal(events[3].url, good.url);
  await client.close();
  await Promise.all([full.close(), good.close()]);
});

test('client: asks for HEARTBEAT_ANSWER, answers each node heartbeat when granted and sends none of its own', async () => {
  const heartbeat = () => new Uint8Array([1, 2, 0, 0, 0, 0, 0, 0]);
  let asked = null;
  let connections = 0;
  const answers = [];
  const unprompted = [];
  const server = await scriptedServer((socket, hello) => {
    // Only the first connection is scripted: after the heartbeat timeout the client reconnects, and
    // what it says on a new connection is not what this test is about.
    if (++connections > 1) return;
    asked = hello.features;
    socket.send(helloFor(hello, { features_bitmap: HEARTBEAT_ANSWER, heartbeat_interval: 1 }));
    // Each node heartbeat waits for its answer (the exchange is not timed), then silence.
    socket.on('message', (data) => {
      if (answers.length < 3) {
        answers.push(data[1]);
        if (answers.length < 3) socket.send(heartbeat());
      } else if (data[1] === Kind.HEARTBEAT) {
        // The client's CLOSE frame (heartbeat_timeout) may come too: only heartbeats count here.
        unprompted.push(data[1]);
      }
    });
    socket.send(heartbeat());
  });
  const { client, closes } = recordingClient(server.url);
  try {
    await client.connect();
    await waitFor('three answers', () => answers.length === 3);
    assert.equal(asked, HEARTBEAT_ANSWER);
    assert.deepEqual(answers, [Kind.HEARTBEAT, Kind.HEARTBEAT, Kind.HEARTBEAT]);
    await waitFor('heartbeat timeout', () => closes().length >= 1);
    assert.equal(closes()[0], 'heartbeat_timeout');
    assert.deepEqual(unprompted, [], 'heartbeats the node did not ask for');
  } finally {
    await client.close();
    await server.close();
  }
});

test('client: no server hello in time is handshake_timeout, and a silent node is heartbeat_timeout', async () => {
  const silent = await scriptedServer(() => {});
  const { client, closes } = recordingClient(silent.url, { handshakeTimeoutMs: 200 });
  client.connect();
  await waitFor('handshake timeout', () => closes().length >= 1);
  assert.equal(closes()[0], 'handshake_timeout');
  await client.close();
  await silent.close();
  const quiet = await scriptedServer((socket, hello) => socket.send(helloFor(hello, { heartbeat_interval: 1 })));
  const second = recordingClient(quiet.url);
  const started = Date.now();
  await second.client.connect();
  await waitFor('heartbeat timeout', () => second.closes().length >= 1);
  assert.equal(second.closes()[0], 'heartbeat_timeout');
  assert.ok(Date.now() - started >= 3000, 'three intervals of silence');
  await second.client.close();
  await quiet.close();
});

test('client: send before joining rejects with NotConnectedError; connect() ignored is no unhandled rejection', async () => {
  const { client } = recordingClient('ws://127.0.0.1:9/ws');
  await assert.rejects(client.send('x'), { name: 'NotConnectedError' });
  client.send('fire and forget'); // must not crash the process
  client.connect(); // rejected by close() below; nobody awaits it
  await client.close();
  assert.equal(client.stopped, true);
});

test('bridge: refusal 503 redis_unavailable and the error frame are surfaced; retry uses a new token; size limit local', async () => {
  const { createServer } = await import('node:http');
  const tokens = [];
  let upgrades = 0;
  const wss = new WebSocketServer({ noServer: true });
  const http = createServer();
  http.on('upgrade', (request, socket, head) => {
    tokens.push(request.headers.authorization);
    if (++upgrades === 1) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n'
        + '{"error":"redis_unavailable","message":"Redis pub/sub is not connected"}');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send('{"type":"echo","n":1}');
      ws.on('message', () => {
        ws.send('{"type":"error","code":1013,"reason":"redis_unavailable","retry":true}');
        ws.close(1013, 'redis_unavailable');
      });
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  let issued = 0;
  const bridge = new BridgeClient({ baseUrl: `ws://127.0.0.1:${http.address().port}`, agentId: 'agent', sessionId: 's1',
    getToken: async () => `one-time-${++issued}`, WebSocket, reconnect: true, backoff: { baseMs: 10, maxMs: 20 } });
  const events = [];
  for (const name of ['open', 'message', 'closed', 'reconnecting']) bridge.on(name, (d) => events.push({ name, ...d }));
  await assert.rejects(bridge.connect(), (e) => e.status === 503 && e.reason === 'redis_unavailable' && e.retry === true);
  await waitFor('open after retry', () => events.some((e) => e.name === 'open'));
  await waitFor('down message', () => events.some((e) => e.name === 'message'));
  assert.deepEqual(events.find((e) => e.name === 'message').data, { type: 'echo', n: 1 });
  assert.throws(() => bridge.send('x'.repeat(65537)), { code: 'message_too_large' });
  bridge.send({ hello: 'bridge' });
  await waitFor('error frame close', () => events.filter((e) => e.name === 'closed').length === 2);
  const closed = events.filter((e) => e.name === 'closed')[1];
  assert.deepEqual([closed.code, closed.reason, closed.retry, closed.willReconnect], [1013, 'redis_unavailable', true, true]);
  assert.deepEqual(tokens.slice(0, 2), ['Bearer one-time-1', 'Bearer one-time-2']);
  bridge.close();
  wss.close();
  await new Promise((resolve) => http.close(resolve));
  http.closeAllConnections?.();
});
