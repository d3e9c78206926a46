// The demo page: two relay clients (alice, host; bob, participant) in one page, end-to-end
// encrypted with a key derived from a passphrase (SHA-256, the same rule as `./lifeguard peer
// --psk`, so a terminal peer can join the same session). Tests read `window.demoResult`.
import { LifeguardClient } from '/client/index.js';

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);
const result = (window.demoResult = { joined: {}, received: {}, peers: {}, events: [], done: false });

$('#secret').value = params.get('secret') ?? '';
$('#session').value = params.get('session') ?? 'demo-' + Math.random().toString(36).slice(2, 8);
$('#passphrase').value = params.get('passphrase') ?? 'correct horse battery staple';

async function relayUrl() {
  // The relay may listen on a separate edge port; /healthz says where.
  const health = await (await fetch('/healthz')).json();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${health.listeners?.edge ?? location.host}/ws`;
}

async function mint(secret, sessionId, role) {
  const response = await fetch('/v1/fallback/token', {
    method: 'POST',
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ session_id: sessionId, cohort_id: 'demo', client_version: 'demo-page', role, telemetry_opt_in: false }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`token: ${response.status} ${body.error}`);
  return body.token;
}

function log(name, text, kind = '') {
  const item = document.createElement('li');
  item.textContent = text;
  item.className = kind;
  $(`#${name} .log`).append(item);
  result.events.push(`${name}: ${text}`);
}

function start({ name, role, url, secret, sessionId, psk, greeting }) {
  const client = new LifeguardClient({ url, sessionId, role, psk, getToken: () => mint(secret, sessionId, role) });
  client.on('connecting', ({ attempt }) => log(name, `connecting (attempt ${attempt})`));
  client.on('joined', ({ peerId }) => {
    result.joined[name] = peerId;
    log(name, `joined as ${peerId}`);
  });
  client.on('peer', ({ peerId }) => {
    result.peers[name] = peerId;
    log(name, `peer ${peerId} announced its key; sending`);
    client.send(greeting).then(() => log(name, `> ${greeting}`, 'out'), (error) => log(name, `send failed: ${error.message}`, 'warn'));
  });
  client.on('message', ({ peerId, data }) => {
    const text = new TextDecoder().decode(data);
    (result.received[name] ??= []).push(text);
    log(name, `< ${text} (from ${peerId})`, 'in');
    result.done = Boolean(result.received.alice?.length && result.received.bob?.length);
    if (result.done) $('#status').textContent = 'Both clients received an encrypted message through the relay.';
  });
  client.on('gap', ({ peerId, missing }) => log(name, `${missing} frame(s) from ${peerId} lost`, 'warn'));
  client.on('rejected', ({ code }) => log(name, `dropped a frame: ${code}`, 'warn'));
  client.on('reconnecting', ({ delayMs }) => log(name, `reconnecting in ${(delayMs / 1000).toFixed(1)} s`, 'warn'));
  client.on('closed', ({ reason, willReconnect }) => log(name, `closed: ${reason.name} (${reason.code})${willReconnect ? '' : ', giving up'}`, 'warn'));
  client.on('error', ({ error }) => log(name, `error: ${error.message}`, 'warn'));
  $(`#${name} .say`).addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $(`#${name} .say input`);
    client.send(input.value).then(() => log(name, `> ${input.value}`, 'out'), (error) => log(name, `not sent: ${error.message}`, 'warn'));
  });
  client.connect().catch((error) => log(name, `stopped: ${error.message}`, 'warn'));
  return client;
}

async function run() {
  $('#start').disabled = true;
  $('#status').textContent = 'Connecting...';
  try {
    const url = await relayUrl();
    const psk = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode($('#passphrase').value)));
    const common = { url, secret: $('#secret').value, sessionId: $('#session').value, psk };
    start({ ...common, name: 'alice', role: 'host', greeting: 'hello from alice' });
    start({ ...common, name: 'bob', role: 'participant', greeting: 'hello from bob' });
  } catch (error) {
    result.error = error.message;
    $('#status').textContent = `Failed: ${error.message}`;
  }
}

$('#setup').addEventListener('submit', (event) => {
  event.preventDefault();
  run();
});
if (params.get('auto') === '1') run();
