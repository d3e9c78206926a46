// Reconnect rules of docs/protocol.md section 6.3: full-jitter exponential backoff, round-robin
// over node URLs, and the close reason deciding whether to try at all.

/** Before attempt n (1-based) wait uniformly in [0, min(max, base * 2^(n-1))] milliseconds. */
export class Backoff {
  constructor(baseMs = 500, maxMs = 30000, random = Math.random) {
    if (!(baseMs > 0) || !(maxMs >= baseMs)) throw new RangeError('need 0 < base <= max');
    Object.assign(this, { baseMs, maxMs, random });
  }

  ceiling(attempt) {
    const doublings = Math.max(0, Math.min(attempt - 1, 62));
    let ceiling = this.baseMs;
    for (let i = 0; i < doublings && ceiling < this.maxMs; i++) ceiling *= 2;
    return Math.min(ceiling, this.maxMs);
  }

  delay(attempt) {
    return Math.floor(this.random() * (this.ceiling(attempt) + 1));
  }
}

/**
 * Delay before attempt n after a close for `reason`: after rate_limited at least half the maximum
 * (plus half the usual jitter, so never more than the maximum).
 */
export function reconnectDelay(reason, attempt, backoff) {
  const delay = backoff.delay(attempt);
  return reason.name === 'rate_limited' ? Math.floor(backoff.maxMs / 2) + Math.floor(delay / 2) : delay;
}

/** Round-robin over node URLs, so a client whose node died tries another node first. */
export class UrlRotation {
  #next;

  constructor(urls, start = 0) {
    const list = typeof urls === 'string' ? [urls] : [...(urls ?? [])];
    if (list.length === 0) throw new RangeError('at least one node URL is required');
    for (const url of list) {
      if (!/^wss?:\/\//.test(String(url))) throw new RangeError('node URLs must be ws:// or wss://: ' + url);
    }
    this.urls = list.map(String);
    this.#next = ((start % list.length) + list.length) % list.length;
  }

  next() {
    const url = this.urls[this.#next];
    this.#next = (this.#next + 1) % this.urls.length;
    return url;
  }
}
