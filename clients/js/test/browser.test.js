// A real browser: headless Chromium loads the demo page the node serves (/demo/, with the library
// from /client/), whose two clients exchange end-to-end encrypted frames through the node; the
// test reads the outcome from the page. Needs the jar (./lifeguard build) and /usr/bin/chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startNode, eventually, SERVICE_SECRET } from './support/node.js';
import { BINARY, launchChromium } from './support/chromium.js';

// Like the Java console test: skipped locally without Chromium, required under CI.
const skip = !existsSync(BINARY) && process.env.LIFEGUARD_REQUIRE_TOOLS !== '1'
  ? `headless Chromium is required at ${BINARY}: apt-get install -y chromium` : false;
let node;
let page;

before(async () => {
  if (skip) return;
  [node, page] = await Promise.all([startNode(), launchChromium()]);
  await page.enable();
});

after(async () => {
  // Both, whatever happens to the other: a leftover process would hold the test run open.
  const results = await Promise.allSettled([page?.close(), node?.stop()]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
});

test('the demo page: two browser clients exchange encrypted frames through a real node', { skip }, async () => {
  const sessionId = `browser-${Date.now().toString(36)}`;
  const url = `${node.base}/demo/?auto=1&secret=${SERVICE_SECRET}&session=${sessionId}`;
  const started = performance.now();
  await page.call('Page.navigate', { url });
  let last = null;
  const result = await eventually('both page clients received a message', async () => {
    const state = await page.eval('window.demoResult ? JSON.stringify(window.demoResult) : null');
    last = state && JSON.parse(state);
    if (last?.error) throw new Error('page failed: ' + last.error);
    return last?.done ? last : null;
  }, 30000).catch((error) => {
    throw new Error(`${error.message}; page events:\n${last?.events?.join('\n')}\nproblems: ${page.problems}`);
  });
  console.log(`browser: page load to both messages ${(performance.now() - started).toFixed(0)} ms`);
  assert.deepEqual(result.received.alice, ['hello from bob'], result.events.join('\n'));
  assert.deepEqual(result.received.bob, ['hello from alice'], result.events.join('\n'));
  // Key announces (end-to-end encryption) named each side's peer to the other.
  assert.equal(result.peers.alice, result.joined.bob);
  assert.equal(result.peers.bob, result.joined.alice);
  assert.equal(await page.eval("document.querySelector('#status').textContent"),
    'Both clients received an encrypted message through the relay.');
  assert.deepEqual(page.problems, [], 'no exception, unhandled rejection or console error in the page');
});

test('the library and demo are served with their types, and nothing else under the prefixes', { skip }, async () => {
  const js = await fetch(`${node.base}/client/index.js`);
  assert.equal(js.status, 200);
  for (const file of ['index.js', 'connection.js', 'crypto.js']) {
    const served = await (await fetch(`${node.base}/client/${file}`)).text();
    assert.equal(served, readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8'),
      `the jar serves an old ${file}: rebuild it (./lifeguard build) so the browser tests this library`);
  }
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.match(js.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal((await fetch(`${node.base}/client/nope.js`)).status, 404);
  assert.equal((await fetch(`${node.base}/demo`, { redirect: 'manual' })).status, 301);
  assert.equal((await fetch(`${node.base}/demo/..%2Fapplication.conf`)).status, 404);
});
