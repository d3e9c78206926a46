// A minimal event emitter: `on` returns an unsubscribe function; a throwing listener is reported
// on the console and never breaks the client or other listeners.
export class Emitter {
  #listeners = new Map();

  on(event, listener) {
    if (!this.#listeners.has(event)) this.#listeners.set(event, new Set());
    this.#listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  once(event, listener) {
    const off = this.on(event, (detail) => {
      off();
      listener(detail);
    });
    return off;
  }

  off(event, listener) {
    this.#listeners.get(event)?.delete(listener);
  }

  emit(event, detail) {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        listener(detail);
      } catch (error) {
        console.error(`lifeguard: a '${event}' listener threw`, error);
      }
    }
  }
}

/** Marks a promise handled (a caller that ignores it gets no unhandled rejection) and returns it. */
export function quiet(promise) {
  promise.catch(() => {});
  return promise;
}
