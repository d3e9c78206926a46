// The cluster as a map: one box per member with its shards and entities, lines for the mesh.
import { s, uptime, hostPort } from './dom.js';

const BOX_W = 230, BOX_H = 148, GAP = 40, PAD = 16;

export function clusterMap(cluster) {
  const members = cluster.members ?? [];
  const perRow = Math.min(Math.max(members.length, 1), 4);
  const rows = Math.max(1, Math.ceil(members.length / perRow));
  const width = perRow * BOX_W + (perRow - 1) * GAP + 2 * PAD;
  const height = rows * BOX_H + (rows - 1) * GAP + 2 * PAD;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width: Math.round(width * 1.25), class: 'cluster-map', role: 'img',
    'aria-label': `${members.length} cluster members` });
  const pos = members.map((m, i) => ({ m, x: PAD + (i % perRow) * (BOX_W + GAP), y: PAD + Math.floor(i / perRow) * (BOX_H + GAP) }));
  for (let i = 0; i < pos.length; i++) {
    for (let j = i + 1; j < pos.length; j++) {
      const a = pos[i], b = pos[j];
      const bad = !a.m.reachable || !b.m.reachable;
      svg.append(s('line', { x1: a.x + BOX_W / 2, y1: a.y + BOX_H / 2, x2: b.x + BOX_W / 2, y2: b.y + BOX_H / 2,
        class: bad ? 'link bad' : 'link' }));
    }
  }
  for (const { m, x, y } of pos) svg.append(memberBox(m, x, y, m.address === cluster.self));
  return svg;
}

function memberBox(m, x, y, self) {
  const state = !m.reachable ? 'unreachable' : m.draining ? 'draining' : m.status !== 'up' ? 'changing' : m.answered ? 'ok' : 'silent';
  const g = s('g', { class: `member ${state}${self ? ' self' : ''}`, transform: `translate(${x},${y})`, 'data-address': m.address });
  g.append(s('rect', { width: BOX_W, height: BOX_H, rx: 8, class: 'box' }));
  g.append(s('circle', { cx: 16, cy: 20, r: 5, class: 'dot' }));
  g.append(s('text', { x: 28, y: 25, class: 'name' }, m.node ?? '(not answering)'));
  if (self) g.append(s('text', { x: BOX_W - 10, y: 25, class: 'tag end' }, 'this node'));
  g.append(s('text', { x: 12, y: 44, class: 'mono' }, m.http ? `http ${m.http}` : hostPort(m.address)));
  g.append(s('text', { x: 12, y: 62, class: 'roles' }, (m.roles ?? []).join(' · ') || 'no roles'));
  const e = m.entities ?? {}, sh = m.shards ?? {};
  g.append(s('text', { x: 12, y: 84, class: 'line1' }, `sessions ${e['relay-session'] ?? '?'}`, s('tspan', { class: 'dim' }, ` in ${sh['relay-session'] ?? '?'} shards`)));
  g.append(s('text', { x: 12, y: 102, class: 'line1' }, `hosts ${e.host ?? '?'}`, s('tspan', { class: 'dim' }, ` in ${sh.host ?? '?'} shards`)));
  const c = m.connections;
  g.append(s('text', { x: 12, y: 120, class: 'dim' }, c ? `sockets relay ${c.relay} · bridge ${c.bridge} · bus ${c.bus}` : (m.error ?? 'no answer')));
  const label = state === 'ok' ? `${m.status} · uptime ${uptime(m.uptime_seconds)}` : state === 'silent' ? `${m.status} · not answering` : `${m.status}${m.reachable ? '' : ' · UNREACHABLE'}${m.draining ? ' · DRAINING' : ''}`;
  g.append(s('text', { x: 12, y: 138, class: 'state' }, label));
  const degraded = m.degraded ?? [];
  if (degraded.length > 0) {
    g.append(s('text', { x: BOX_W - 10, y: 138, class: 'degraded end' }, 'DEGRADED',
      s('title', {}, `dependency lost: ${degraded.join(', ')} refuse their clients`)));
  }
  return g;
}
