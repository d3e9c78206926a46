// Rates from successive counter snapshots, drawn as small inline-SVG charts.
import { h, s, replace, number, bytes } from './dom.js';

const WINDOW_MS = 5 * 60 * 1000;

const sum = (...names) => (snap) => names.reduce((acc, n) => acc + (snap.counters?.[n] ?? 0), 0);

export const SERIES = [
  { id: 'handshakes', title: 'Relay handshakes', value: sum('lifeguard_handshakes_total'),
    extra: (snap) => { const o = snap.outcomes?.lifeguard_handshakes_total ?? {}; const all = Object.values(o).reduce((a, b) => a + b, 0); return `${all - (o.ok ?? 0)} refused`; } },
  { id: 'frames', title: 'Frames forwarded', value: sum('lifeguard_messages_forwarded_total') },
  { id: 'bytes', title: 'Bytes forwarded', value: sum('lifeguard_bytes_forwarded_total'), format: bytes },
  { id: 'drops', title: 'Flow-control drops', value: sum('lifeguard_flow_control_drops_total'), alarm: true },
  { id: 'bridge', title: 'Bridge messages', value: sum('lifeguard_bridge_messages_received_total', 'lifeguard_bridge_messages_sent_total'),
    extra: (snap) => `${snap.counters?.lifeguard_bridge_messages_received_total ?? 0} up · ${snap.counters?.lifeguard_bridge_messages_sent_total ?? 0} down` },
  { id: 'tokens', title: 'Token requests', value: sum('lifeguard_token_requests_total'),
    extra: (snap) => `${snap.outcomes?.lifeguard_token_requests_total?.paused ?? 0} refused while paused` },
];

export class Rates {
  constructor() {
    this.previous = null;
    this.points = Object.fromEntries(SERIES.map((x) => [x.id, []]));
  }

  /** Adds a snapshot; a counter that went down (node restarted) starts its rate afresh. */
  add(snap) {
    const t = Date.parse(snap.at);
    if (this.previous && this.previous.node !== snap.node) this.reset();
    if (this.previous) {
      const dt = (t - this.previous.t) / 1000;
      for (const x of SERIES) {
        const delta = x.value(snap) - x.value(this.previous.snap);
        if (dt > 0 && delta >= 0) this.points[x.id].push({ t, v: delta / dt });
        const list = this.points[x.id];
        while (list.length && list[0].t < t - WINDOW_MS) list.shift();
      }
    }
    this.previous = { t, snap, node: snap.node };
  }

  reset() {
    this.previous = null;
    for (const k of Object.keys(this.points)) this.points[k] = [];
  }

  render(container, snap) {
    if (!container.childElementCount) {
      replace(container, SERIES.map((x) => h('div', { class: 'chart' + (x.alarm ? ' alarm' : ''), id: `chart-${x.id}` },
        h('div', { class: 'chart-head' }, h('span', { class: 'chart-title' }, x.title), h('span', { class: 'value' }, '—')),
        h('div', { class: 'plot' }),
        h('div', { class: 'chart-foot' }, h('span', { class: 'total' }, ''), h('span', { class: 'extra' }, '')))));
    }
    const now = Date.parse(snap.at);
    for (const x of SERIES) {
      const card = container.querySelector(`#chart-${x.id}`);
      const list = this.points[x.id];
      const fmt = x.format ?? ((v) => number(v, 1));
      const last = list.length ? list[list.length - 1].v : null;
      card.querySelector('.value').textContent = last === null ? '…' : `${fmt(last)}/s`;
      card.querySelector('.total').textContent = `total ${x.format ? x.format(x.value(snap)) : x.value(snap)}`;
      card.querySelector('.extra').textContent = x.extra ? x.extra(snap) : '';
      card.classList.toggle('hot', Boolean(x.alarm && last > 0));
      replace(card.querySelector('.plot'), sparkline(list, now, fmt));
    }
  }
}

function sparkline(list, now, fmt) {
  const W = 420, H = 84, top = 16, base = H - 16;
  const max = Math.max(1, ...list.map((p) => p.v));
  // A page opened a minute ago spreads that minute over the width rather than a sliver of 5.
  const span = list.length ? Math.min(WINDOW_MS, Math.max(30000, now - list[0].t)) : WINDOW_MS;
  const x = (t) => W - ((now - t) / span) * W;
  const y = (v) => base - (v / max) * (base - top);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'spark', role: 'img' });
  for (const f of [0.25, 0.5, 0.75]) svg.append(s('line', { x1: W * f, x2: W * f, y1: top, y2: base, class: 'gridline' }));
  if (list.length >= 1) {
    const pts = list.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    const first = x(list[0].t).toFixed(1), lastX = x(list[list.length - 1].t).toFixed(1);
    svg.append(s('path', { d: `M${first},${base} L${pts.join(' L')} L${lastX},${base} Z`, class: 'area' }));
    svg.append(s('polyline', { points: pts.join(' '), class: 'line' }));
  }
  svg.append(s('text', { x: 3, y: 11, class: 'axis' }, `max ${fmt(max)}/s`));
  svg.append(s('line', { x1: 0, x2: W, y1: base, y2: base, class: 'gridline' }));
  svg.append(s('text', { x: 0, y: H - 2, class: 'axis' }, span >= WINDOW_MS ? '−5 min' : `−${Math.round(span / 1000)} s`));
  svg.append(s('text', { x: W, y: H - 2, class: 'axis end' }, 'now'));
  return svg;
}
