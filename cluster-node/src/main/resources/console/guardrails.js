// The per-cohort guardrail table, fed by GET /v1/admin/guardrails (this UTC hour's counters in Redis).
import { h, $, replace } from './dom.js';
import { api, ApiError } from './api.js';

// Read while the stream is live, at most this often: each read is a bounded SCAN on Redis.
const REFRESH_MS = 5000;
const LIMIT = 50;

const percent = (ratio) => `${(ratio * 100).toFixed(2)}%`;

export class Guardrails {
  constructor() {
    this.last = 0;
    this.inFlight = false;
  }

  /** Forget the last read, so the next snapshot reads at once (after signing in again). */
  reset() {
    this.last = 0;
    replace($('cohorts').querySelector('tbody'));
    $('cohorts-hour').textContent = '';
    $('cohorts-note').textContent = '';
  }

  /**
   * Called on every snapshot; reads when the last read is older than REFRESH_MS. isCurrent says
   * whether the page still shows the stream that asked; onUnauthorized handles a 401.
   */
  async refresh(isCurrent, onUnauthorized) {
    if (this.inFlight || Date.now() - this.last < REFRESH_MS) return;
    this.inFlight = true;
    this.last = Date.now();
    try {
      const res = await api.guardrails(LIMIT);
      if (isCurrent()) render(res.body);
    } catch (e) {
      if (!isCurrent()) return;
      if (e instanceof ApiError && e.status === 401) onUnauthorized();
      else renderError(e);
    } finally {
      this.inFlight = false;
    }
  }
}

function render(body) {
  const cohorts = body.cohorts ?? [];
  $('cohorts-hour').textContent = `${body.hour_start.slice(11, 16)} UTC hour · threshold ${percent(body.threshold)} · floor ${body.min_sessions} sessions`;
  const rows = cohorts.map((c) => h('tr', { 'data-cohort': c.cohort, class: c.soft_breach && c.sessions > 0 ? 'bad' : '' },
    h('td', { class: 'mono' }, c.cohort),
    h('td', { class: 'num' }, c.sessions),
    h('td', { class: 'num' }, c.activations),
    h('td', { class: `num${c.soft_breach && c.sessions > 0 ? ' hot' : ''}` }, percent(c.ratio)),
    h('td', {}, state(c))));
  replace($('cohorts').querySelector('tbody'), rows.length ? rows
    : h('tr', {}, h('td', { colspan: 5, class: 'dim' }, 'no sessions or activations counted this hour')));
  const note = $('cohorts-note');
  note.classList.remove('error');
  note.textContent = body.truncated
    ? `Showing ${cohorts.length} cohorts; more exist and these are not necessarily the worst. Read one with GET /v1/admin/guardrails?cohort=…`
    : 'This UTC hour, shared by every node through Redis. Ratio = activations / max(sessions, floor); above the threshold, tokens carry guardrail_hint soft_breach and the node logs guardrail_soft_breach.';
}

/**
 * A cohort whose backend never posted a session count is judged against the floor alone, so a few
 * tokens read as a breach (2 / 200 = 1 %): say that no sessions were reported rather than paint it red.
 */
function state(c) {
  if (c.sessions === 0) {
    return h('span', { class: 'pill warn', title: `judged against the session floor: ${c.soft_breach ? 'above' : 'within'} the threshold; `
      + 'backends report sessions with POST /v1/fallback/sessions' }, 'no sessions reported yet');
  }
  return h('span', { class: `pill ${c.soft_breach ? 'bad' : 'ok'}` }, c.soft_breach ? 'soft breach' : 'ok');
}

function renderError(e) {
  replace($('cohorts').querySelector('tbody'));
  const note = $('cohorts-note');
  note.classList.add('error');
  if (e instanceof ApiError && e.status === 503) {
    note.textContent = `Per-cohort counters unavailable: Redis is ${e.body?.redis ?? 'unavailable'} (503 ${e.code ?? ''}).`;
  } else if (e instanceof ApiError) {
    note.textContent = `GET /v1/admin/guardrails answered ${e.status} ${e.code ?? ''}: ${e.message}`;
  } else {
    note.textContent = 'GET /v1/admin/guardrails: node unreachable.';
  }
}
