// The console page: sign-in, the live stream, rendering, drill-downs and confirmed actions.
import { h, $, replace, kv, uptime, hostPort } from './dom.js';
import { api, token, stream, ApiError } from './api.js';
import { Rates } from './charts.js';
import { clusterMap } from './map.js';
import { Guardrails } from './guardrails.js';

const rates = new Rates();
const guardrails = new Guardrails();
let running = false;
let generation = 0;
let intervalMs = 2000;
let lastSnapshot = null;

function setStatus(state, text) {
  const el = $('conn-status');
  el.dataset.state = state;
  el.textContent = text;
}

function banner(text, kind) {
  const el = $('banner');
  el.hidden = !text;
  el.className = `banner ${kind ?? ''}`;
  el.textContent = text ?? '';
}

function showLogin(message) {
  running = false;
  generation++;
  $('main').hidden = true;
  $('login').hidden = false;
  $('sign-out').hidden = true;
  $('where').textContent = '';
  guardrails.reset();
  banner(null);
  setStatus('idle', 'signed out');
  $('login-error').textContent = message ?? '';
  $('token').focus();
}

async function signIn(candidate) {
  token.set(candidate);
  try {
    await api.cluster();
  } catch (e) {
    token.clear();
    if (e instanceof ApiError && e.status === 401) {
      showLogin('This node refused the token (401 unauthorized). Check it against lifeguard.control.admin-tokens.');
    } else if (e instanceof ApiError) {
      showLogin(`The node answered ${e.status}: ${e.message}`);
    } else {
      showLogin('The node did not answer. Is it running?');
    }
    return;
  }
  $('token').value = '';
  start();
}

function start() {
  $('login').hidden = true;
  $('main').hidden = false;
  $('sign-out').hidden = false;
  $('login-error').textContent = '';
  running = true;
  loop(++generation);
}

async function loop(gen) {
  let attempt = 0;
  setStatus('connecting', 'connecting…');
  while (running && gen === generation) {
    try {
      await stream({
        silenceMs: () => Math.max(6000, 3 * intervalMs),
        onSnapshot: (snap) => {
          if (gen !== generation) return;
          attempt = 0;
          render(snap);
          guardrails.refresh(() => running && gen === generation, () => {
            token.clear();
            showLogin('The node no longer accepts this token (401 unauthorized). Sign in again.');
          });
        },
      });
    } catch (e) {
      if (gen !== generation) return;
      if (e instanceof ApiError && e.status === 401) {
        token.clear();
        showLogin('The node no longer accepts this token (401 unauthorized). Sign in again.');
        return;
      }
      const delay = Math.min(5000, 1000 * 2 ** attempt);
      attempt++;
      const why = e instanceof ApiError ? `answered ${e.status} ${e.code ?? ''}` : 'unreachable';
      setStatus('down', 'node unreachable — retrying');
      banner(`Node ${why} — retrying in ${Math.round(delay / 1000)} s (attempt ${attempt}). The figures below are from ${lastSnapshot ? new Date(lastSnapshot.at).toLocaleTimeString() : 'nowhere yet'}.`, 'bad');
      document.body.classList.add('stale');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function render(snap) {
  lastSnapshot = snap;
  intervalMs = snap.interval_ms ?? intervalMs;
  document.body.classList.remove('stale');
  banner(null);
  setStatus('live', `live · every ${intervalMs / 1000} s`);
  $('where').replaceChildren(h('span', { class: 'muted' }, 'served by '), h('b', {}, snap.node), ' ', h('span', { class: 'mono muted' }, hostPort(snap.address)));
  rates.add(snap);
  renderFallback(snap);
  if (snap.cluster_status === 200) renderCluster(snap.cluster);
  else banner(`GET /v1/admin/cluster answered ${snap.cluster_status}: ${snap.cluster?.message ?? ''}`, 'warn');
  $('rates-node').textContent = `of ${snap.node} (this node's counters; other nodes have their own /metrics)`;
  rates.render($('charts'), snap);
}

function renderFallback(snap) {
  const f = snap.fallback ?? {};
  if (snap.fallback_status !== 200) {
    $('fallback-state').textContent = `unknown (${snap.fallback_status})`;
    return;
  }
  const el = $('fallback-state');
  el.textContent = f.paused ? 'PAUSED' : 'active';
  el.dataset.paused = String(Boolean(f.paused));
  $('pause').hidden = Boolean(f.paused);
  $('resume').hidden = !f.paused;
  replace($('fallback-details'), kv([
    ['since', f.since ? new Date(f.since).toLocaleString() : '—'],
    ['by', f.by || '—'],
    ['reason', f.reason || '—'],
    ['decided on', f.decided_on || '—'],
    ['origin', f.origin],
    ['redis', f.redis + (f.propagated === false ? ' · not yet propagated' : '')],
  ]));
  const c = snap.counters ?? {};
  replace($('guardrail'), kv([
    ['sessions reported', String(c.lifeguard_guardrail_sessions_total ?? 0)],
    ['activations', String(c.lifeguard_guardrail_activations_total ?? 0)],
    ['soft breaches', String(c.lifeguard_guardrail_soft_breach_total ?? 0)],
  ]));
  $('guardrail').classList.toggle('hot', (c.lifeguard_guardrail_soft_breach_total ?? 0) > 0);
}

function renderCluster(cluster) {
  const members = cluster.members ?? [];
  const sumOf = (f) => members.reduce((a, m) => a + (f(m) ?? 0), 0);
  const up = members.filter((m) => m.status === 'up').length;
  const unreachable = members.filter((m) => !m.reachable).length;
  $('cluster-self').textContent = `${members.length} member${members.length === 1 ? '' : 's'}`;
  replace($('tiles'), [
    tile('members up', `${up}/${members.length}`, up < members.length),
    tile('unreachable', String(unreachable), unreachable > 0),
    tile('relay sockets', String(sumOf((m) => m.connections?.relay))),
    tile('bridge sockets', String(sumOf((m) => m.connections?.bridge))),
    tile('sessions', String(sumOf((m) => m.entities?.['relay-session']))),
    tile('hosts', String(sumOf((m) => m.entities?.host))),
  ]);
  replace($('map'), clusterMap(cluster));
  const body = $('members').querySelector('tbody');
  replace(body, members.map((m) => h('tr', { 'data-address': m.address, class: m.reachable ? '' : 'bad' },
    h('td', {}, m.node ?? '—', m.address === cluster.self ? h('span', { class: 'tag' }, 'this node') : null),
    // The HTTP address an operator would curl; the cluster (Artery) address is in the tooltip.
    h('td', { class: 'mono', title: `cluster address ${hostPort(m.address)}` }, m.http ?? '—'),
    h('td', {}, (m.roles ?? []).join(', ')),
    h('td', {}, h('span', { class: `pill ${m.status === 'up' && !m.draining ? 'ok' : 'warn'}` }, m.draining ? 'draining' : m.status),
      degradedBadge(m)),
    h('td', {}, h('span', { class: `pill ${m.reachable ? 'ok' : 'bad'}` }, m.reachable ? 'yes' : 'no'), m.answered ? null : h('span', { class: 'dim' }, ` ${m.error ?? ''}`)),
    h('td', {}, uptime(m.uptime_seconds)),
    h('td', { class: 'num' }, m.connections?.relay ?? '—'),
    h('td', { class: 'num' }, m.connections?.bridge ?? '—'),
    h('td', { class: 'num' }, m.connections?.bus ?? '—'),
    h('td', { class: 'num sessions' }, m.entities?.['relay-session'] ?? '—'),
    h('td', { class: 'num' }, m.entities?.host ?? '—'),
    h('td', { class: 'num' }, `${m.shards?.['relay-session'] ?? '?'} / ${m.shards?.host ?? '?'}`),
    h('td', {}, h('button', { type: 'button', class: 'small ghost', disabled: m.draining || !m.answered,
      onclick: () => drain(m) }, 'Drain…')))));
}

/** A warning badge naming the features a lost dependency (Redis, the journal) stops on that node; the node stays ready. */
function degradedBadge(m) {
  const degraded = m.degraded ?? [];
  if (degraded.length === 0) return null;
  return h('span', { class: 'pill warn degraded', title: 'a dependency is unreachable: these features refuse their clients; the node serves everything else' },
    `degraded: ${degraded.join(', ')}`);
}

function tile(label, value, hot) {
  return h('div', { class: `tile${hot ? ' hot' : ''}` }, h('div', { class: 'tile-value' }, value), h('div', { class: 'tile-label' }, label));
}

/** Resolves to the reason when the operator confirms, null when they cancel. */
function confirmAction({ title, text, button, expected }) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = button;
  $('confirm-reason').value = '';
  $('confirm-typed').value = '';
  $('confirm-typed-label').hidden = !expected;
  $('confirm-expected').textContent = expected ?? '';
  return new Promise((resolve) => {
    const done = (value) => {
      $('confirm-form').onsubmit = null;
      $('confirm-cancel').onclick = null;
      dialog.close();
      resolve(value);
    };
    $('confirm-form').onsubmit = (ev) => {
      ev.preventDefault();
      if (expected && $('confirm-typed').value.trim() !== expected) {
        $('confirm-typed').setCustomValidity(`type ${expected}`);
        $('confirm-typed').reportValidity();
        return;
      }
      $('confirm-typed').setCustomValidity('');
      done($('confirm-reason').value.trim());
    };
    $('confirm-cancel').onclick = () => done(null);
    dialog.oncancel = () => done(null);
    dialog.showModal();
    $('confirm-reason').focus();
  });
}

function logAction(text, ok) {
  $('activity').prepend(h('li', { class: ok ? 'ok' : 'bad' }, h('time', {}, new Date().toLocaleTimeString()), ' ', text));
}

async function act(label, run) {
  try {
    const res = await run();
    const note = res.body?.message ? ` — ${res.body.message}` : '';
    logAction(`${label}: ${res.status}${note}`, true);
    return res;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return showLogin('The node refused the token (401). Sign in again.');
    logAction(`${label} failed: ${e instanceof ApiError ? `${e.status} ${e.code ?? ''} ${e.message}` : 'node unreachable'}`, false);
    return null;
  }
}

async function pause() {
  const reason = await confirmAction({ title: 'Pause fallback?',
    text: 'Every node refuses new fallback tokens (403 fallback_paused) and new relay handshakes until someone resumes. Sessions already relaying continue.',
    button: 'Pause fallback' });
  if (reason === null) return;
  const res = await act('pause fallback', () => api.pause(reason));
  if (res && lastSnapshot) renderFallback({ ...lastSnapshot, fallback: { ...lastSnapshot.fallback, ...res.body }, fallback_status: 200 });
}

async function resume() {
  const reason = await confirmAction({ title: 'Resume fallback?', text: 'Nodes issue fallback tokens and accept relay handshakes again.', button: 'Resume fallback' });
  if (reason === null) return;
  const res = await act('resume fallback', () => api.resume(reason));
  if (res && lastSnapshot) renderFallback({ ...lastSnapshot, fallback: { ...lastSnapshot.fallback, ...res.body }, fallback_status: 200 });
}

async function drain(member) {
  const target = hostPort(member.address);
  const reason = await confirmAction({ title: `Drain ${member.node ?? target}?`,
    text: 'The node stops accepting sockets, closes its relay connections with SERVER_SHUTDOWN so clients move to other nodes, leaves the cluster and exits. This cannot be undone from here.',
    button: 'Drain node', expected: target });
  if (reason === null) return;
  await act(`drain ${target}`, () => api.drain(target, reason));
}

async function lookup(kind, id, target) {
  replace(target, h('p', { class: 'dim' }, 'looking up…'));
  try {
    const res = await (kind === 'session' ? api.session(id) : api.host(id));
    replace(target, kind === 'session' ? sessionView(res.body) : hostView(res.body));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return showLogin('The node refused the token (401). Sign in again.');
    replace(target, h('p', { class: 'error' }, e instanceof ApiError ? `${e.status} ${e.code ?? ''}: ${e.message}` : 'node unreachable'));
  }
}

function sessionView(b) {
  const roles = Object.entries(b.by_role ?? {}).map(([r, n]) => `${n} ${r}`).join(', ') || '—';
  return [
    h('dl', { class: 'kv' }, kv([['session', h('span', { class: 'mono' }, b.session_id)], ['members', String(b.members)], ['by role', roles],
      ['closed', b.closed ? 'yes' : 'no'], ['nodes not answering', (b.nodes_not_answering ?? []).join(', ') || 'none']])),
    h('table', { class: 'grid', id: 'session-peers' },
      h('thead', {}, h('tr', {}, ['peer', 'role', 'node', 'queue depth', 'drops'].map((c) => h('th', {}, c)))),
      h('tbody', {}, (b.peers ?? []).map((p) => h('tr', {},
        h('td', { class: 'mono' }, p.peer_id), h('td', {}, p.role), h('td', {}, `${p.node} `, h('span', { class: 'mono dim' }, hostPort(p.address))),
        h('td', { class: 'num' }, p.queue_depth), h('td', { class: `num${p.drops > 0 ? ' hot' : ''}` }, p.drops))))),
  ];
}

function hostView(b) {
  const lease = b.lease;
  const bus = b.bus ?? {};
  const roles = Object.entries(bus.by_role ?? {}).map(([r, n]) => `${n} ${r}`).join(', ') || 'none';
  const subscribers = bus.subscribers ?? [];
  return [
    h('dl', { class: 'kv' }, kv([['host', h('span', { class: 'mono' }, b.host_session_id)],
      ['lease holder', lease ? h('span', { class: 'mono' }, lease.holder) : 'no lease'], ['epoch', lease ? String(lease.epoch) : '—'],
      ['lease expires', lease ? new Date(lease.expires_at).toLocaleTimeString() : '—'], ['last epoch', String(b.last_epoch)],
      ['in-flight actions', String(b.inflight_actions)], ['pending action ids', (b.pending_action_ids ?? []).join(', ') || 'none'],
      ['bus connections', `${bus.connections ?? 0} (${roles})`],
      ['nodes not answering', (bus.nodes_not_answering ?? []).join(', ') || 'none']])),
    h('table', { class: 'grid', id: 'host-subscribers' },
      h('thead', {}, h('tr', {}, ['connection', 'role', 'node', 'subscriptions'].map((c) => h('th', {}, c)))),
      h('tbody', {}, subscribers.length === 0
        ? h('tr', {}, h('td', { colspan: 4, class: 'dim' }, 'no bus client attached'))
        : subscribers.map((s) => h('tr', {},
          h('td', { class: 'mono' }, s.connection_id), h('td', {}, s.role),
          h('td', {}, `${s.node} `, h('span', { class: 'mono dim' }, hostPort(s.address))),
          h('td', { class: 'mono' }, (s.subscriptions ?? []).join(' ') || '—'))))),
    bus.truncated ? h('p', { class: 'dim' }, 'Each node lists at most 200 connections; the counts above cover all of them.') : null,
  ];
}

function init() {
  $('login-form').addEventListener('submit', (ev) => { ev.preventDefault(); signIn($('token').value.trim()); });
  $('sign-out').addEventListener('click', () => { token.clear(); rates.reset(); showLogin(); });
  $('pause').addEventListener('click', pause);
  $('resume').addEventListener('click', resume);
  $('session-form').addEventListener('submit', (ev) => { ev.preventDefault(); lookup('session', $('session-id').value.trim(), $('session-result')); });
  $('host-form').addEventListener('submit', (ev) => { ev.preventDefault(); lookup('host', $('host-id').value.trim(), $('host-result')); });
  if (token.get()) start();
  else showLogin();
}

init();
