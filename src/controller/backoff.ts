/**
 * The per-node failed-pod backoff (client-go flowcontrol.Backoff, as the DaemonSet controller is
 * wired: 1 s initial delay, doubling, 15 min cap) on the virtual clock.
 */

export const FAILED_POD_BACKOFF_INITIAL_MS = 1000;
export const FAILED_POD_BACKOFF_MAX_MS = 15 * 60 * 1000;

interface Entry {
  delayMs: number;
  lastUpdateMs: number;
}

export class Backoff {
  #entries = new Map<string, Entry>();
  readonly #initialMs: number;
  readonly #maxMs: number;

  constructor(initialMs = FAILED_POD_BACKOFF_INITIAL_MS, maxMs = FAILED_POD_BACKOFF_MAX_MS) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /** The current delay for `key` (0 when there is no entry). */
  get(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /** Next: start at the initial delay, or double up to the cap; an entry idle for 2×max starts over. */
  next(key: string, nowMs: number): void {
    const entry = this.#entries.get(key);
    if (entry === undefined || nowMs - entry.lastUpdateMs > 2 * this.#maxMs) {
      this.#entries.set(key, { delayMs: this.#initialMs, lastUpdateMs: nowMs });
      return;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.#maxMs);
    entry.lastUpdateMs = nowMs;
  }

  /** IsInBackOffSinceUpdate: less than the current delay has passed since the last update. */
  isInBackOffSinceUpdate(key: string, nowMs: number): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && nowMs - entry.lastUpdateMs < entry.delayMs;
  }

  /** GC: drop entries idle for more than 2×max (BackoffGCInterval runs this every minute). */
  gc(nowMs: number): void {
    for (const [key, entry] of this.#entries) {
      if (nowMs - entry.lastUpdateMs > 2 * this.#maxMs) this.#entries.delete(key);
    }
  }
}
