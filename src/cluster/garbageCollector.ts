/**
 * The garbage collector (pkg/controller/garbagecollector): cascading deletion along
 * ownerReferences under the Background, Foreground and Orphan propagation policies.
 *
 * Upstream is event-driven over a dependency graph; this one is level-triggered: every step looks
 * at every object once (kinds in KINDS order, each in store.list order) and takes the action the
 * upstream workers would take for it. Both reach the same fixed point.
 */
import { isApiError } from './apiError.js';
import type { ClusterComponent } from './component.js';
import {
  type AnyObject,
  API_VERSION,
  FinalizerForeground,
  FinalizerOrphan,
  KINDS,
  type Kind,
  NAMESPACED,
  type OwnerReference,
  type PropagationPolicy,
} from './objects.js';
import type { ObjectStore } from './store.js';

interface Item {
  kind: Kind;
  namespace: string | undefined;
  name: string;
  uid: string;
}

type RefClass = 'solid' | 'dangling' | 'waiting' | 'unresolvable';

const itemOf = (kind: Kind, obj: AnyObject): Item => ({
  kind,
  namespace: obj.metadata?.namespace,
  name: obj.metadata?.name ?? '',
  uid: obj.metadata?.uid ?? '',
});

const hasFinalizer = (obj: AnyObject, finalizer: string): boolean =>
  (obj.metadata?.finalizers ?? []).includes(finalizer);

export class GarbageCollector implements ClusterComponent {
  readonly name = 'garbage-collector';
  readonly #store: ObjectStore;
  /** owner uid → items whose ownerReferences name it; rebuilt at the start of each step. */
  #dependents = new Map<string, Item[]>();

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  step(): boolean {
    const before = this.#store.resourceVersion;
    const items: Item[] = [];
    for (const kind of KINDS) for (const obj of this.#store.list(kind)) items.push(itemOf(kind, obj));
    this.#dependents = new Map();
    for (const item of items) {
      const obj = this.#latest(item);
      const owners = new Set((obj?.metadata?.ownerReferences ?? []).map((ref) => ref.uid));
      for (const uid of owners) {
        const list = this.#dependents.get(uid);
        if (list === undefined) this.#dependents.set(uid, [item]);
        else list.push(item);
      }
    }
    for (const item of items) {
      const obj = this.#latest(item);
      if (obj === undefined) continue;
      if (obj.metadata?.deletionTimestamp != null) {
        // Being deleted is a one-way trip: only the owner-side finalizers need work.
        if (hasFinalizer(obj, FinalizerOrphan)) this.#orphanDependents(item);
        else if (hasFinalizer(obj, FinalizerForeground)) this.#processDeletingDependents(item);
        continue;
      }
      this.#attemptToDelete(item, obj);
    }
    return this.#store.resourceVersion !== before;
  }

  /** The stored object if it is still the same incarnation (same uid). */
  #latest(item: Item): AnyObject | undefined {
    const obj = this.#store.get(item.kind, item.namespace, item.name);
    return obj?.metadata?.uid === item.uid ? obj : undefined;
  }

  /** Dependents still present and still referring to `ownerUid`. */
  #liveDependents(ownerUid: string): { item: Item; obj: AnyObject }[] {
    const live: { item: Item; obj: AnyObject }[] = [];
    for (const item of this.#dependents.get(ownerUid) ?? []) {
      const obj = this.#latest(item);
      if (obj?.metadata?.ownerReferences?.some((ref) => ref.uid === ownerUid)) live.push({ item, obj });
    }
    return live;
  }

  /** attemptToDeleteItem for an object that is not being deleted. */
  #attemptToDelete(item: Item, obj: AnyObject): void {
    const refs = obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    const solid: OwnerReference[] = [];
    const stale: OwnerReference[] = []; // dangling, or owner waiting for its dependents
    let waiting = false;
    for (const ref of refs) {
      const kind = this.#classify(item, ref);
      // Upstream retries an unresolvable reference forever without acting on the item.
      if (kind === 'unresolvable') return;
      if (kind === 'solid') solid.push(ref);
      else stale.push(ref);
      if (kind === 'waiting') waiting = true;
    }
    if (solid.length > 0) {
      // Some owner remains: keep the item, but drop references that would block or dangle.
      if (stale.length > 0) this.#removeOwnerRefs(item, new Set(stale.map((ref) => ref.uid)));
      return;
    }
    let policy: PropagationPolicy;
    if (waiting && this.#liveDependents(item.uid).length > 0) policy = 'Foreground';
    else if (hasFinalizer(obj, FinalizerOrphan)) policy = 'Orphan';
    else if (hasFinalizer(obj, FinalizerForeground)) policy = 'Foreground';
    else policy = 'Background';
    this.#attempt(() =>
      this.#store.delete(item.kind, item.namespace, item.name, {
        propagationPolicy: policy,
        preconditions: { uid: item.uid },
      }),
    );
  }

  /** classifyReferences/isDangling: the owner is looked up by kind and name, then its uid compared. */
  #classify(item: Item, ref: OwnerReference): RefClass {
    const kind = KINDS.find((k) => k === ref.kind);
    // A kind this cluster does not serve (or an API version it no longer serves) cannot be resolved.
    if (kind === undefined || ref.apiVersion !== API_VERSION[kind]) return 'unresolvable';
    if (NAMESPACED[kind] && !NAMESPACED[item.kind]) return 'unresolvable';
    const owner = this.#store.get(kind, NAMESPACED[kind] ? item.namespace : undefined, ref.name);
    if (owner === undefined || owner.metadata?.uid !== ref.uid) return 'dangling';
    if (owner.metadata?.deletionTimestamp != null && hasFinalizer(owner, FinalizerForeground)) return 'waiting';
    return 'solid';
  }

  /** processDeletingDependentsItem: the finalizer goes once no blocking dependent is left. */
  #processDeletingDependents(owner: Item): void {
    const blocking = this.#liveDependents(owner.uid).filter(({ obj }) =>
      obj.metadata?.ownerReferences?.some((ref) => ref.uid === owner.uid && ref.blockOwnerDeletion === true),
    );
    // Dependents themselves are deleted by #attemptToDelete when their turn in the step comes.
    if (blocking.length === 0) this.#removeFinalizer(owner, FinalizerForeground);
  }

  /** attemptToOrphanWorker: strip the owner's references from every dependent, then the finalizer. */
  #orphanDependents(owner: Item): void {
    let ok = true;
    for (const { item } of this.#liveDependents(owner.uid)) {
      if (!this.#removeOwnerRefs(item, new Set([owner.uid]))) ok = false;
    }
    if (ok) this.#removeFinalizer(owner, FinalizerOrphan);
  }

  #removeOwnerRefs(item: Item, uids: ReadonlySet<string>): boolean {
    return this.#attempt(() =>
      this.#store.modify(item.kind, item.namespace, item.name, (obj) => {
        const meta = obj.metadata ?? {};
        if (meta.uid !== item.uid) throw new StaleItem();
        const kept = (meta.ownerReferences ?? []).filter((ref) => !uids.has(ref.uid));
        if (kept.length > 0) meta.ownerReferences = kept;
        else delete meta.ownerReferences;
      }),
    );
  }

  #removeFinalizer(item: Item, finalizer: string): void {
    this.#attempt(() =>
      this.#store.modify(item.kind, item.namespace, item.name, (obj) => {
        const meta = obj.metadata ?? {};
        if (meta.uid !== item.uid) throw new StaleItem();
        const kept = (meta.finalizers ?? []).filter((f) => f !== finalizer);
        if (kept.length > 0) meta.finalizers = kept;
        else delete meta.finalizers;
      }),
    );
  }

  /** Runs one write; API errors (not found, conflict, injected faults) are retried next step. */
  #attempt(write: () => unknown): boolean {
    try {
      write();
      return true;
    } catch (e) {
      // A vanished target counts as done; other failures leave the work for the next step.
      if (e instanceof StaleItem) return true;
      if (isApiError(e)) return isApiError(e, 'NotFound');
      throw e;
    }
  }
}

/** The name now belongs to a different object (a new uid): the item we meant is gone. */
class StaleItem extends Error {}
