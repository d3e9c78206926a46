// Starts a real Lifeguard node (the jar `./lifeguard build` makes) on free loopback ports, and a
// Java relay peer (io.lifeguard.protocol.peer.RelayPeer) from the same jar. Used by the
// integration and browser tests; every wait polls a probe with a deadline.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const JAR = join(REPO, 'cluster-node', 'target', 'lifeguard-node.jar');
export const SERVICE_SECRET = 'secret';
export const ADMIN_SECRET = 'admin';

// Processes the tests started; killed if the test process ends without stopping them (a timeout,
// a failed hook), so no node outlives its test run.
const started = new Set();
export function track(kill) {
  started.add(kill);
  return () => started.delete(kill);
}
const killAll = () => {
  for (const kill of started) kill();
};
process.once('exit', killAll);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    killAll();
    process.exit(1);
  });
}

export function requireJar() {
  if (!existsSync(JAR)) throw new Error(`${JAR} is missing: run ./lifeguard build first`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` (async, truthy = done) every 100 ms until `timeoutMs`; fails naming `what`. */
export async function eventually(what, probe, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ': ' + last.message : ''}`);
}

/**
 * A node process. `jvmProperties` become -D flags (settings without an environment variable),
 * `env` adds LIFEGUARD_* variables.
 */
export async function startNode({ env = {}, jvmProperties = {} } = {}) {
  requireJar();
  const [http, edge, cluster, management] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeguard-js-'));
  const logFile = join(dataDir, 'node.log');
  const { openSync } = await import('node:fs');
  const out = openSync(logFile, 'a');
  const args = ['-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
    ...Object.entries(jvmProperties).map(([key, value]) => `-D${key}=${value}`), '-jar', JAR];
  const child = spawn('java', args, {
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      LIFEGUARD_HTTP_HOST: '127.0.0.1',
      LIFEGUARD_HTTP_PORT: String(http),
      LIFEGUARD_EDGE_HOST: '127.0.0.1',
      LIFEGUARD_EDGE_PORT: String(edge),
      LIFEGUARD_CLUSTER_HOST: '127.0.0.1',
      LIFEGUARD_CLUSTER_PORT: String(cluster),
      LIFEGUARD_MANAGEMENT_PORT: String(management),
      LIFEGUARD_DATA_DIR: dataDir,
      LIFEGUARD_SERVICE_TOKENS: `svc:${SERVICE_SECRET}`,
      LIFEGUARD_ADMIN_TOKENS: `ops:${ADMIN_SECRET}`,
      ...env,
    },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const untrack = track(() => child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${http}`;
  const node = {
    base,
    logTail: () => readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timeout);
      untrack();
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
  try {
    await eventually('GET /ready = 200', async () => {
      if (child.exitCode !== null) throw new Error('node exited with ' + child.exitCode);
      return (await fetch(base + '/ready', { signal: AbortSignal.timeout(2000) })).status === 200;
    }, 90000);
  } catch (error) {
    const tail = node.logTail();
    await node.stop();
    throw new Error(`${error.message}\n${tail}`);
  }
  // The relay may have its own edge listener; /healthz names it once it exists.
  const health = await (await fetch(base + '/healthz')).json();
  node.wsBase = `ws://${health.listeners?.edge ?? `127.0.0.1:${http}`}`;
  node.relayUrl = `${node.wsBase}/ws`;
  return node;
}

/** Mints a relay token through POST /v1/fallback/token. */
export async function mintToken(node, sessionId, role) {
  const response = await fetch(node.base + '/v1/fallback/token', {
    method: 'POST',
    headers: { Authorization: `Bearer ${SERVICE_SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ session_id: sessionId, cohort_id: 'js-tests', client_version: 'js-test', role, telemetry_opt_in: false }),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`token ${response.status}: ${JSON.stringify(body)}`);
  return body.token;
}

/**
 * Starts the Java relay peer; collects its stdout lines (received payloads) and stderr lines
 * (`peer: ...` events).
 */
export function startJavaPeer(args) {
  requireJar();
  const child = spawn('java', ['-XX:TieredStopAtLevel=1', '-cp', JAR, 'io.lifeguard.protocol.peer.RelayPeer', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => {}); // EPIPE if the peer already exited; its exit code tells why
  const peer = { received: [], events: [], child };
  const lines = (stream, sink) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop();
      sink.push(...parts);
    });
  };
  lines(child.stdout, peer.received);
  lines(child.stderr, peer.events);
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const untrack = track(() => child.kill('SIGKILL'));
  exited.then(untrack);
  peer.send = (line) => child.stdin.write(line + '\n');
  peer.exitCode = () => child.exitCode;
  peer.stop = async () => {
    child.stdin.end();
    const timeout = setTimeout(() => child.kill('SIGKILL'), 10000);
    const code = await exited;
    clearTimeout(timeout);
    return code;
  };
  return peer;
}
