// The admin API, called with the operator's token. The page has no other way in.
const KEY = 'lifeguard.console.adminToken';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error;
    this.body = body;
  }
}

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${token.get()}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try { json = await res.json(); } catch { /* not JSON: keep null */ }
  if (!res.ok) throw new ApiError(res.status, json);
  return { status: res.status, body: json };
}

export const api = {
  cluster: () => call('GET', '/v1/admin/cluster'),
  fallback: () => call('GET', '/v1/admin/fallback'),
  pause: (reason) => call('POST', '/v1/admin/fallback/pause', { reason }),
  resume: (reason) => call('POST', '/v1/admin/fallback/resume', { reason }),
  drain: (node, reason) => call('POST', `/v1/admin/nodes/${encodeURIComponent(node)}/drain`, { reason }),
  session: (id) => call('GET', `/v1/admin/sessions/${encodeURIComponent(id)}`),
  host: (id) => call('GET', `/v1/admin/hosts/${encodeURIComponent(id)}`),
  guardrails: (limit) => call('GET', `/v1/admin/guardrails?limit=${limit}`),
};

/**
 * Reads GET /v1/admin/console/stream with fetch() so the token travels in a header, not the URL.
 * Calls onSnapshot for each event; resolves when the stream ends, rejects on failure. A watchdog
 * aborts a stream that stays silent for three intervals (a node that vanished without a FIN).
 */
export async function stream({ onSnapshot, silenceMs }) {
  const abort = new AbortController();
  let watchdog;
  const kick = () => { clearTimeout(watchdog); watchdog = setTimeout(() => abort.abort(), silenceMs()); };
  kick();
  try {
    const res = await fetch('/v1/admin/console/stream', {
      headers: { Authorization: `Bearer ${token.get()}`, Accept: 'text/event-stream' },
      cache: 'no-store',
      signal: abort.signal,
    });
    if (!res.ok) {
      let body = null;
      try { body = await res.json(); } catch { /* ignore */ }
      throw new ApiError(res.status, body);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the node closed the stream');
      kick();
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (data) onSnapshot(JSON.parse(data));
      }
    }
  } finally {
    clearTimeout(watchdog);
    abort.abort();
  }
}
