/**
 * ControllerExpectations (pkg/controller/controller_utils.go): how many creates and deletes a
 * DaemonSet is still waiting to see in its informers before it may act again.
 */

/** Expectations older than this count as satisfied (ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Record {
  add: number;
  del: number;
  timestampMs: number;
}

export class ControllerExpectations {
  #records = new Map<string, Record>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** SatisfiedExpectations: no record, both counters ≤ 0, or the record expired. */
  satisfied(key: string): boolean {
    const r = this.#records.get(key);
    if (r === undefined) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.#now() - r.timestampMs > EXPECTATIONS_TIMEOUT_MS;
  }

  /** SetExpectations: overwrites any previous record. */
  set(key: string, add: number, del: number): void {
    this.#records.set(key, { add, del, timestampMs: this.#now() });
  }

  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lower(key, 0, 1);
  }

  /** LowerExpectations (also used when a write failed and will never be observed). */
  lower(key: string, add: number, del: number): void {
    const r = this.#records.get(key);
    if (r === undefined) return;
    r.add -= add;
    r.del -= del;
  }

  delete(key: string): void {
    this.#records.delete(key);
  }

  get(key: string): { add: number; del: number } | undefined {
    const r = this.#records.get(key);
    return r === undefined ? undefined : { add: r.add, del: r.del };
  }
}
