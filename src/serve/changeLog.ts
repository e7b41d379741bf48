/**
 * The watch cache of `dsconform serve`: every change to every served object, in resourceVersion
 * order, kept for a while so that a client can WATCH from the version its LIST returned. A watch
 * from a version older than what is kept is answered 410 Gone ("too old resource version"), and
 * the client relists, as against a real API server.
 */

import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  /** The resourceVersion the change was written at (for DELETED, the deletion's). */
  readonly rv: number;
  /** The resource, as resourceKey() names it (`apps/daemonsets`, `/pods`). */
  readonly resource: string;
  readonly type: ChangeType;
  /** The object after the change (for DELETED, its last state, carrying the deletion's resourceVersion). */
  readonly object: ServedObject;
  /** The object before the change (MODIFIED and DELETED). */
  readonly oldObject?: ServedObject;
}

/** An API object as JSON, whatever its kind. */
export interface ServedObject {
  apiVersion?: string;
  kind?: string;
  /** Writable: the served stores fill in the server-owned fields on a copy. */
  metadata?: { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };
  [field: string]: unknown;
}

export type ChangeListener = (change: Change) => void;

export class ChangeLog {
  readonly capacity: number;
  #changes: Change[] = [];
  /** Changes before this index have been dropped from #changes' head (compacted lazily). */
  #head = 0;
  /** The newest resourceVersion no longer kept (0: nothing dropped yet). */
  #droppedThrough = 0;
  #listeners = new Set<ChangeListener>();

  constructor(capacity = 50_000) {
    this.capacity = capacity;
  }

  record(change: Change): void {
    this.#changes.push(change);
    if (this.#changes.length - this.#head > this.capacity) {
      this.#droppedThrough = (this.#changes[this.#head] as Change).rv;
      this.#head++;
      if (this.#head > this.capacity) {
        this.#changes = this.#changes.slice(this.#head);
        this.#head = 0;
      }
    }
    for (const listener of [...this.#listeners]) listener(change);
  }

  /** The changes written after `rv`, oldest first; 'expired' when some of them are no longer kept. */
  since(rv: number): Change[] | 'expired' {
    if (rv < this.#droppedThrough) return 'expired';
    const out: Change[] = [];
    for (let i = this.#changes.length - 1; i >= this.#head; i--) {
      const change = this.#changes[i] as Change;
      if (change.rv <= rv) break;
      out.push(change);
    }
    return out.reverse();
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscribers(): number {
    return this.#listeners.size;
  }
}
