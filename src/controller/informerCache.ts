/**
 * The controller's informer caches: replicas of the store built only from the watch events the
 * controller has consumed so far. Between two consumptions they can be stale, as real informers are.
 */
import type { ControllerRevision, DaemonSet, Kind, KindMap, Node, Pod } from '../cluster/objects.js';
import { controllerRefOf, objectKey } from '../cluster/objects.js';
import type { WatchEvent } from '../cluster/store.js';

class KindCache<T extends { metadata?: { name?: string; namespace?: string } }> {
  #items = new Map<string, T>();
  #sorted: T[] | undefined;
  #version = 0;

  /** Moves on every change: what was computed from this cache alone holds while it stays. */
  get version(): number {
    return this.#version;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  set(key: string, obj: T): void {
    this.#version++;
    if (!this.#items.has(key)) this.#sorted = undefined;
    else if (this.#sorted) {
      const old = this.#items.get(key) as T;
      const at = this.#sorted.indexOf(old);
      if (at >= 0) this.#sorted[at] = obj;
      else this.#sorted = undefined;
    }
    this.#items.set(key, obj);
  }

  delete(key: string): void {
    this.#version++;
    if (this.#items.delete(key)) this.#sorted = undefined;
  }

  /** Ordered by key, so that every run iterates identically. */
  list(): readonly T[] {
    this.#sorted ??= [...this.#items.keys()].sort().map((k) => this.#items.get(k) as T);
    return this.#sorted;
  }

  get size(): number {
    return this.#items.size;
  }
}

export class InformerCache {
  readonly nodes = new KindCache<Node>();
  readonly pods = new KindCache<Pod>();
  readonly daemonSets = new KindCache<DaemonSet>();
  readonly revisions = new KindCache<ControllerRevision>();

  /** Pods by the uid of their controller (the upstream "controllerUID" index), plus orphans under ''. */
  #podsByOwner = new Map<string, Set<string>>();
  /**
   * Each owner's pod keys, sorted, as last listed (every sync lists them), with what changed in the
   * owner's set since: the next list merges the few keys added into it instead of sorting again.
   */
  #sortedByOwner = new Map<string, readonly string[]>();
  #changedSince = new Map<string, { added: string[]; removed: boolean }>();

  #cacheOf(kind: Kind): KindCache<KindMap[Kind]> {
    switch (kind) {
      case 'Node':
        return this.nodes as KindCache<KindMap[Kind]>;
      case 'Pod':
        return this.pods as KindCache<KindMap[Kind]>;
      case 'DaemonSet':
        return this.daemonSets as KindCache<KindMap[Kind]>;
      default:
        return this.revisions as KindCache<KindMap[Kind]>;
    }
  }

  /** Every cached object of `kind`, ordered by key. */
  listOf(kind: Kind): readonly KindMap[Kind][] {
    return this.#cacheOf(kind).list();
  }

  /** Applies one watch event; returns the object the cache held before (for update handlers). */
  apply(event: WatchEvent): KindMap[Kind] | undefined {
    const cache = this.#cacheOf(event.kind);
    const key = objectKey(event.object.metadata ?? {});
    const previous = cache.get(key);
    if (event.kind === 'Pod')
      this.#indexPod(key, previous as Pod | undefined, event.type === 'DELETED' ? undefined : (event.object as Pod));
    if (event.type === 'DELETED') cache.delete(key);
    else cache.set(key, event.object);
    return previous;
  }

  /** Pods controlled by `uid` and orphans, in `namespace` (FilterPodsByOwner with includeOrphans). */
  podsOwnedByOrOrphan(uid: string, namespace: string): Pod[] {
    const keys = uid === '' ? this.#sortedKeys('') : mergeSorted(this.#sortedKeys(uid), this.#sortedKeys(''));
    const pods: Pod[] = [];
    for (const key of keys) {
      const pod = this.pods.get(key);
      if (pod && (pod.metadata?.namespace ?? 'default') === namespace) pods.push(pod);
    }
    return pods;
  }

  #sortedKeys(owner: string): readonly string[] {
    let sorted = this.#sortedByOwner.get(owner);
    const changed = this.#changedSince.get(owner);
    if (sorted !== undefined && changed === undefined) return sorted;
    const current = this.#podsByOwner.get(owner) ?? new Set<string>();
    if (sorted === undefined || changed === undefined) sorted = [...current].sort();
    else {
      const kept = changed.removed ? sorted.filter((k) => current.has(k)) : sorted;
      const fresh = [...new Set(changed.added)].filter((k) => current.has(k) && !includesSorted(kept, k));
      sorted = mergeSorted(kept, fresh.sort());
    }
    this.#sortedByOwner.set(owner, sorted);
    this.#changedSince.delete(owner);
    return sorted;
  }

  /** An owner's set gained `added` (or lost a key): noted for its sorted list, if it has one. */
  #noteChange(owner: string, added: string | undefined): void {
    if (!this.#sortedByOwner.has(owner)) return;
    let changed = this.#changedSince.get(owner);
    if (changed === undefined) {
      changed = { added: [], removed: false };
      this.#changedSince.set(owner, changed);
    }
    if (added === undefined) changed.removed = true;
    else changed.added.push(added);
  }

  #indexPod(key: string, before: Pod | undefined, after: Pod | undefined): void {
    const ownerOf = (p: Pod) => controllerRefOf(p)?.uid ?? '';
    const from = before === undefined ? undefined : ownerOf(before);
    const to = after === undefined ? undefined : ownerOf(after);
    if (from === to) return; // the same owner before and after: the key stays where it is
    if (from !== undefined && this.#podsByOwner.get(from)?.delete(key)) this.#noteChange(from, undefined);
    if (to === undefined) return;
    let set = this.#podsByOwner.get(to);
    if (set === undefined) {
      set = new Set();
      this.#podsByOwner.set(to, set);
    }
    if (!set.has(key)) {
      set.add(key);
      this.#noteChange(to, key);
    }
  }
}

/** Whether sorted `keys` (Array.prototype.sort's order: UTF-16 code units, as `<` compares) holds `key`. */
function includesSorted(keys: readonly string[], key: string): boolean {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return keys[lo] === key;
}

/** Two sorted key lists as one, in the order Array.prototype.sort gives strings. */
function mergeSorted(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as string;
    const y = b[j] as string;
    if (x <= y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  for (; i < a.length; i++) out.push(a[i] as string);
  for (; j < b.length; j++) out.push(b[j] as string);
  return out;
}
