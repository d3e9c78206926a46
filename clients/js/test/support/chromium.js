// Debian's headless Chromium driven over the DevTools protocol (the ws package as transport):
// no driver download. Mirrors cluster-node's console test (Chromium.java).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { eventually, track } from './node.js';

export const BINARY = '/usr/bin/chromium';

export async function launchChromium() {
  if (!existsSync(BINARY)) throw new Error(`headless Chromium is required at ${BINARY}: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'lifeguard-js-chromium-'));
  const child = spawn(BINARY, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
  { stdio: 'ignore', detached: true }); // its own process group: renderers and zygote go with it
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const untrack = track(() => signalGroup('SIGKILL'));
  const kill = async () => {
    untrack();
    signalGroup('SIGTERM');
    const hard = setTimeout(() => signalGroup('SIGKILL'), 5000);
    await exited;
    clearTimeout(hard);
    signalGroup('SIGKILL'); // any child the browser left behind
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const portFile = join(profile, 'DevToolsActivePort');
    const port = await eventually('chromium opened its DevTools port', () => {
      if (child.exitCode !== null) throw new Error('chromium exited with ' + child.exitCode);
      const lines = existsSync(portFile) ? readFileSync(portFile, 'utf8').split('\n') : [];
      return lines.length >= 2 && Number(lines[0]);
    });
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const page = targets.find((t) => t.type === 'page');
    if (!page) throw new Error('chromium shows no page target');
    const socket = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    return new Page(socket, kill);
  } catch (error) {
    await kill();
    throw error;
  }
}

class Page {
  #nextId = 0;
  #pending = new Map();
  problems = [];

  constructor(socket, kill) {
    this.socket = socket;
    this.kill = kill;
    // Killing the browser resets the DevTools connection; that is expected, not a test failure.
    socket.on('error', () => {});
    socket.on('message', (raw) => {
      const message = JSON.parse(raw);
      if (message.id !== undefined) {
        this.#pending.get(message.id)?.(message);
        this.#pending.delete(message.id);
      } else if (message.method === 'Runtime.exceptionThrown') {
        // Includes "Uncaught (in promise)": an unhandled rejection in the page.
        this.problems.push(message.params.exceptionDetails.exception?.description ?? message.params.exceptionDetails.text);
      } else if (message.method === 'Runtime.consoleAPICalled' && message.params.type === 'error') {
        this.problems.push('console.error: ' + message.params.args.map((a) => a.value ?? a.description).join(' '));
      }
    });
  }

  call(method, params = {}) {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(method + ' timed out')), 15000);
      this.#pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async enable() {
    await this.call('Page.enable');
    await this.call('Runtime.enable');
  }

  /** Evaluates an expression in the page (promises awaited) and returns its JSON value. */
  async eval(expression) {
    const result = await this.call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (result.exceptionDetails) throw new Error(`page threw for ${expression}: ${JSON.stringify(result.exceptionDetails)}`);
    return result.result.value;
  }

  async close() {
    this.socket.terminate();
    await this.kill();
  }
}
