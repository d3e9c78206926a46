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

/**
 * Round-robin over node URLs, so a client whose node died tries another node first. Without a
 * `start` the first URL comes first and the others follow in an order of this client's own
 * (shuffled once, docs/protocol.md §6.3): the clients of a node that dies spread over the
 * survivors instead of all moving to the same next node. With a `start` the given order is kept,
 * from that index.
 */
export class UrlRotation {
  #next;

  constructor(urls, start, random = Math.random) {
    const list = typeof urls === 'string' ? [urls] : [...(urls ?? [])];
    if (list.length === 0) throw new RangeError('at least one node URL is required');
    for (const url of list) {
      if (!/^wss?:\/\//.test(String(url))) throw new RangeError('node URLs must be ws:// or wss://: ' + url);
    }
    this.urls = list.map(String);
    if (start === undefined) {
      for (let i = this.urls.length - 1; i > 1; i--) {
        const j = 1 + Math.floor(random() * i);
        [this.urls[i], this.urls[j]] = [this.urls[j], this.urls[i]];
      }
      this.#next = 0;
    } else {
      this.#next = ((start % list.length) + list.length) % list.length;
    }
  }

  next() {
    const url = this.urls[this.#next];
    this.#next = (this.#next + 1) % this.urls.length;
    return url;
  }
}
