// The JS client against a real node started here, and against the Java client (RelayPeer) through
// it: encrypted relay both ways, reconnect after a retryable close by the node, none after a
// terminal one; then the bridge client. Needs the jar (./lifeguard build) and Redis on 6379.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { BridgeClient, LifeguardClient, ClosedError } from '../src/index.js';
import { eventually, mintToken, startJavaPeer, startNode, SERVICE_SECRET } from './support/node.js';

let node;
const clients = [];
const unique = (prefix) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

before(async () => {
  // A short idle limit lets the node itself close a quiet socket with idle_timeout (4001).
  node = await startNode({ env: { LIFEGUARD_RELAY_IDLE_TIMEOUT: '3s' }, jvmProperties: { 'lifeguard.relay.idle-check-interval': '500ms' } });
});

after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await node?.stop();
});

function client(options) {
  const events = [];
  const c = new LifeguardClient({ url: node.relayUrl, WebSocket, backoff: { baseMs: 100, maxMs: 400 }, ...options });
  for (const name of ['connecting', 'joined', 'peer', 'message', 'gap', 'rejected', 'closed', 'reconnecting', 'error']) {
    c.on(name, (detail) => events.push({ name, ...detail }));
  }
  c.events = events;
  c.named = (name) => events.filter((e) => e.name === name);
  clients.push(c);
  return c;
}

test('a JS peer and a Java peer exchange encrypted frames through the node, both directions', async () => {
  const sessionId = unique('js-java');
  // A passphrase: the peer and the demo page both use its SHA-256 as the key.
  const passphrase = `beach day ${Math.random()}`;
  const psk = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(passphrase)));
  const java = startJavaPeer(['--node', node.base, '--service-secret', SERVICE_SECRET,
    '--session', sessionId, '--role', 'host', '--encrypt', '--psk', passphrase]);
  try {
    await eventually('the Java peer joined', () => java.events.some((l) => l.startsWith('peer: joined')));
    assert.ok(java.events.includes(`peer: relay at ${node.relayUrl}`), 'the peer found the relay through /healthz: ' + java.events);
    const js = client({ sessionId, role: 'participant', psk, getToken: () => mintToken(node, sessionId, 'participant') });
    const started = performance.now();
    assert.equal((await js.connect()).protocolVersion, 1);
    await eventually('each side learned the other\'s key', () =>
      js.named('peer').length === 1 && java.events.some((l) => l.includes('announced its key')));
    await js.send('from js: ünïcode ✓');
    await eventually('the Java peer printed the JS frame', () => java.received.includes('from js: ünïcode ✓'));
    java.send('from java');
    await eventually('the JS peer got the Java frame', () => js.named('message').length === 1);
    const [message] = js.named('message');
    assert.equal(new TextDecoder().decode(message.data), 'from java');
    assert.equal(message.peerId, js.named('peer')[0].peerId);
    assert.deepEqual(js.named('rejected'), []);
    assert.deepEqual(js.named('gap'), []);
    console.log(`js<->java: join to round trip ${(performance.now() - started).toFixed(0)} ms`);
    await js.close();
    assert.equal(js.named('closed').at(-1).reason.name, 'normal');
  } finally {
    assert.equal(await java.stop(), 0, java.events.join('\n'));
  }
});

test('after the node closes with a retryable code (idle_timeout 4001) the client reconnects with a fresh token', async () => {
  const sessionId = unique('reconnect');
  const tokens = [];
  const js = client({ sessionId, role: 'host', psk: new Uint8Array(32).fill(7), getToken: async () => {
    const token = await mintToken(node, sessionId, 'host');
    tokens.push(token);
    return token;
  } });
  await js.connect();
  await eventually('the node closed the idle socket and the client rejoined', () => js.named('joined').length >= 2, 30000);
  const closed = js.named('closed')[0];
  assert.equal(closed.reason.code, 4001);
  assert.equal(closed.reason.name, 'idle_timeout');
  assert.equal(closed.willReconnect, true);
  const [reconnecting] = js.named('reconnecting');
  assert.equal(reconnecting.attempt, 1);
  assert.ok(reconnecting.delayMs >= 0 && reconnecting.delayMs <= 100, `first delay within the jitter ceiling: ${reconnecting.delayMs}`);
  assert.equal(new Set(tokens).size, tokens.length, 'a fresh token per attempt');
  assert.ok(tokens.length >= 2);
  const [first, second] = js.named('joined');
  assert.notEqual(first.peerId, second.peerId, 'a new connection');
  await js.close();
});

for (const [label, tokenSession, tokenRole, expected] of [
  ['a token for another session', 'other', 'host', { name: 'session_mismatch', code: 4502 }],
  ['a token for another role', 'same', 'participant', { name: 'forbidden_role', code: 4508 }],
]) {
  test(`a terminal close (${expected.name} ${expected.code}, from ${label}) stops the client: no reconnect`, async () => {
    const sessionId = unique('terminal');
    let tokenCalls = 0;
    const js = client({ sessionId, role: 'host', getToken: () => {
      tokenCalls++;
      return mintToken(node, tokenSession === 'same' ? sessionId : unique('other'), tokenRole);
    } });
    await assert.rejects(js.connect(), (error) => error instanceof ClosedError && error.reason.code === expected.code);
    assert.deepEqual(js.named('closed').map((e) => [e.reason.name, e.reason.code, e.willReconnect]), [[expected.name, expected.code, false]]);
    assert.equal(js.stopped, true);
    // Observe for longer than the largest backoff (400 ms): nothing may follow.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(tokenCalls, 1);
    assert.equal(js.named('connecting').length, 1);
    assert.deepEqual(js.named('reconnecting'), []);
  });
}

test('two JS peers without encryption: frames arrive as sent, with no sender id', async () => {
  const sessionId = unique('js-js');
  const a = client({ sessionId, role: 'host', getToken: () => mintToken(node, sessionId, 'host') });
  const b = client({ sessionId, role: 'participant', getToken: () => mintToken(node, sessionId, 'participant') });
  await Promise.all([a.connect(), b.connect()]);
  // Without encryption nothing says a peer is reachable: resend until one arrives (section 4).
  await eventually('b received a frame from a', async () => {
    await a.send('ping');
    return b.named('message').length > 0;
  });
  const [first] = b.named('message');
  assert.equal(first.peerId, null);
  assert.equal(new TextDecoder().decode(first.data), 'ping');
  await Promise.all([a.close(), b.close()]);
});

// The bridge, against the same node and the machine's Redis (127.0.0.1:6379), as a backend
// would use it: a one-time token SET in Redis, down messages PUBLISHed, up messages SUBSCRIBEd.
function redis(...args) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', ...args], { encoding: 'utf8' }).trim();
}

function bridgeFor(sessionId, token, options = {}) {
  const bridge = new BridgeClient({ baseUrl: node.wsBase, agentId: 'js-agent', sessionId, getToken: () => token, WebSocket, ...options });
  const events = [];
  for (const name of ['open', 'message', 'closed']) bridge.on(name, (detail) => events.push({ name, ...detail }));
  bridge.events = events;
  return bridge;
}

test('bridge: one-time token, down and up messages through Redis, reuse refused with token_missing', async () => {
  const sessionId = unique('bridge');
  const token = randomBytes(24).toString('base64url');
  redis('SET', `session:${sessionId}:auth`, token, 'EX', '60');
  const subscriber = spawn('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'SUBSCRIBE', `session:${sessionId}:up`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let upOutput = '';
  subscriber.stdout.setEncoding('utf8').on('data', (chunk) => (upOutput += chunk));
  try {
    await eventually('the test subscribed to :up', () => upOutput.includes(`session:${sessionId}:up`));
    const bridge = bridgeFor(sessionId, token);
    await bridge.connect();
    assert.equal(redis('PUBLISH', `session:${sessionId}:down`, '{"type":"greeting","n":1}'), '1');
    await eventually('the down message', () => bridge.events.some((e) => e.name === 'message'));
    assert.deepEqual(bridge.events.find((e) => e.name === 'message').data, { type: 'greeting', n: 1 });
    bridge.send({ from: 'js', text: 'ünïcode' });
    await eventually('the up message in Redis', () => upOutput.includes('{"from":"js","text":"ünïcode"}'));
    assert.throws(() => bridge.send('"' + 'x'.repeat(65536) + '"'), { code: 'message_too_large' });
    bridge.close();
    await eventually('closed', () => bridge.events.some((e) => e.name === 'closed'));

    const reuse = bridgeFor(sessionId, token);
    await assert.rejects(reuse.connect(), (e) => e.status === 401 && e.reason === 'token_missing' && e.retry === false);
  } finally {
    subscriber.kill();
  }
});

test('bridge: a message above the node\'s limit is closed with 1009 message_too_large, no retry', async () => {
  const sessionId = unique('bridge-big');
  const token = randomBytes(24).toString('base64url');
  redis('SET', `session:${sessionId}:auth`, token, 'EX', '60');
  const bridge = bridgeFor(sessionId, token, { maxMessageBytes: 1 << 20, reconnect: true });
  await bridge.connect();
  bridge.send('"' + 'x'.repeat(70000) + '"');
  await eventually('the close', () => bridge.events.some((e) => e.name === 'closed'));
  const closed = bridge.events.find((e) => e.name === 'closed');
  assert.deepEqual([closed.code, closed.reason, closed.retry, closed.willReconnect], [1009, 'message_too_large', false, false]);
});
