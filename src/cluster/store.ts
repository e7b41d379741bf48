/**
 * The object store: the part of the API server the DaemonSet world needs. It assigns uid,
 * resourceVersion, generation and timestamps, runs admission (defaulting and validation), honours
 * the status subresource, implements graceful deletion and deletion finalizers, and emits watch
 * events. Stored objects are deep-frozen: readers share them, writers copy (deepCopy) first.
 */
import { ApiError, type FieldError } from './apiError.js';
import type { VirtualClock } from './clock.js';
import { toTimestamp } from './clock.js';
import {
  type AnyObject,
  API_VERSION,
  deepCopy,
  FinalizerForeground,
  FinalizerOrphan,
  jsonEqual,
  KINDS,
  type Kind,
  type KindMap,
  markDeepFrozen,
  NAMESPACED,
  type PropagationPolicy,
} from './objects.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<K extends Kind = Kind> {
  type: WatchEventType;
  kind: K;
  object: KindMap[K];
  /** The previous version, for MODIFIED and DELETED. */
  oldObject?: KindMap[K];
  /**
   * A deletion an informer inferred from a relist (client-go's DeletedFinalStateUnknown): the
   * object was in its cache and is not in the LIST; `object` is the last state it saw.
   */
  tombstone?: true;
}

export type WatchListener = (event: WatchEvent) => void;

/** Admission: defaulting, then validation (returning field errors), per kind. */
export interface Admission {
  defaultOnCreate?(kind: Kind, obj: AnyObject): void;
  defaultOnUpdate?(kind: Kind, obj: AnyObject, old: AnyObject): void;
  validateCreate?(kind: Kind, obj: AnyObject): FieldError[];
  validateUpdate?(kind: Kind, obj: AnyObject, old: AnyObject): FieldError[];
  validateStatusUpdate?(kind: Kind, obj: AnyObject, old: AnyObject): FieldError[];
}

export type Verb = 'create' | 'update' | 'updateStatus' | 'delete';

/**
 * A fault injector may fail any request before it takes effect (for error-path tests), or, for a
 * create or a delete, answer it with an error once it has taken effect (`afterApplying`: a reply
 * that timed out although the server had done the work).
 */
export type FaultInjector = (request: {
  verb: Verb;
  kind: Kind;
  namespace?: string;
  name: string;
}) => ApiError | { afterApplying: ApiError } | undefined;

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  /** Pods only: overrides spec.terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ClusterEvent {
  /** Virtual time the event was recorded at. */
  timestamp: string;
  involvedObject: { kind: Kind; namespace?: string; name: string; uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

const RESOURCE: Record<Kind, string> = {
  Node: 'nodes',
  Pod: 'pods',
  DaemonSet: 'daemonsets.apps',
  ControllerRevision: 'controllerrevisions.apps',
};

const KIND_GROUP: Record<Kind, string> = {
  Node: 'Node',
  Pod: 'Pod',
  DaemonSet: 'DaemonSet.apps',
  ControllerRevision: 'ControllerRevision.apps',
};

/** Kinds whose `status` is only written through the status subresource. */
const HAS_STATUS_SUBRESOURCE: Record<Kind, boolean> = {
  Node: true,
  Pod: true,
  DaemonSet: true,
  ControllerRevision: false,
};

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The `count`-th generated-name suffix: a deterministic stand-in for the API server's random
 * 5-character one (count * a large odd number, modulo the 27^5 names, in the server's alphabet).
 */
export function generatedNameSuffix(count: number): string {
  let n = (count * 2654435761) % 14348907;
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += NAME_ALPHABET[n % 27];
    n = Math.floor(n / 27);
  }
  return suffix;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Byte-equal JSON (the comparison the API server's no-op detection makes), computed without the strings. */
function sameJson(a: unknown, b: unknown): boolean {
  return jsonEqual(a, b);
}

/**
 * Replaces each member of `next` (a new version, not yet frozen) that is the same JSON as the
 * member of the same name in `prev` (the stored, frozen version) with prev's, except `skip`.
 * The JSON of `next` does not change; only parts of it become shared with `prev`.
 */
function shareUnchangedMembers(next: Record<string, unknown>, prev: Record<string, unknown>, skip: string): void {
  if (Object.isFrozen(next) || !Object.isFrozen(prev)) return;
  for (const key of Object.keys(next)) {
    if (key === skip || !Object.hasOwn(prev, key)) continue;
    const value = next[key];
    const stored = prev[key];
    if (value !== stored && sameShape(value, stored)) next[key] = stored;
  }
}

/**
 * True when `next` serialises exactly as the deep-frozen `prev` does (plain containers with the
 * same keys in the same order, strictly equal primitives); on the way, every equal part of
 * `next` below the top is replaced by prev's. Conservative: false for anything unusual.
 */
function sameShape(next: unknown, prev: unknown): boolean {
  if (next === prev) return typeof next !== 'number' || next !== 0 || Object.is(next, prev);
  if (next === null || prev === null || typeof next !== 'object' || typeof prev !== 'object') return false;
  if (!Object.isFrozen(prev)) return false;
  const array = Array.isArray(next);
  if (array !== Array.isArray(prev)) return false;
  if (array) {
    if (Object.getPrototypeOf(next) !== Array.prototype || Object.getPrototypeOf(prev) !== Array.prototype)
      return false;
    const a = next as unknown[];
    const b = prev as unknown[];
    let same = a.length === b.length;
    const writable = !Object.isFrozen(a);
    for (let i = 0; i < a.length && i < b.length; i++) {
      if (!(i in a) || !(i in b)) {
        same = false;
        continue;
      }
      if (a[i] === b[i]) continue;
      if (sameShape(a[i], b[i]) && writable) a[i] = b[i];
      else same = false;
    }
    return same;
  }
  if (!isPlainObject(next) || !isPlainObject(prev)) return false;
  const a = next as Record<string, unknown>;
  const b = prev as Record<string, unknown>;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  let same = ka.length === kb.length;
  const writable = !Object.isFrozen(a);
  for (let i = 0; i < ka.length; i++) {
    const key = ka[i] as string;
    if (same && kb[i] !== key) same = false;
    if (!Object.hasOwn(b, key)) {
      same = false;
      continue;
    }
    if (a[key] === b[key] && isPlainValue(a[key])) continue;
    if (sameShape(a[key], b[key]) && writable) a[key] = b[key];
    else same = false;
  }
  return same;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** A member JSON writes as itself (undefined, functions and symbols are dropped, so they do not count as the same). */
function isPlainValue(value: unknown): boolean {
  const t = typeof value;
  return t === 'string' || t === 'boolean' || t === 'object' || (t === 'number' && Number.isFinite(value as number));
}

/** The shape the store works with internally; typed kinds are cast at the public boundary. */
interface Meta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: unknown[];
}
interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  spec?: unknown;
  status?: unknown;
}
const asObj = (o: unknown): Obj => o as Obj;
const asKind = <K extends Kind>(o: Obj): KindMap[K] => o as unknown as KindMap[K];

export class ObjectStore {
  readonly clock: VirtualClock;
  readonly events: ClusterEvent[] = [];
  #objects = new Map<Kind, Map<string, Obj>>();
  #sorted = new Map<Kind, Obj[] | undefined>();
  #listeners: WatchListener[] = [];
  #resourceVersion = 0;
  #uidCounter = 0;
  #nameCounter = 0;
  #admission: Admission;
  #faults: FaultInjector | undefined;
  #skipValidation = false;

  constructor(clock: VirtualClock, admission: Admission = {}) {
    this.clock = clock;
    this.#admission = admission;
    for (const kind of KINDS) this.#objects.set(kind, new Map());
  }

  /** Current resourceVersion of the whole store (etcd revision). */
  get resourceVersion(): string {
    return String(this.#resourceVersion);
  }

  /**
   * Takes the next resourceVersion for a write kept outside this store: the served API's other
   * kinds (namespaces, events...) share the one sequence, as everything in etcd shares one revision.
   */
  nextResourceVersion(): string {
    return String(++this.#resourceVersion);
  }

  /**
   * Runs `write` with validation off (defaulting still applies): how upstream's unit tests put
   * objects the API server would refuse (an empty selector) straight into informer caches.
   * Only a scenario step that says so (`skipValidation: true`) uses it.
   */
  withoutValidation<T>(write: () => T): T {
    this.#skipValidation = true;
    try {
      return write();
    } finally {
      this.#skipValidation = false;
    }
  }

  setFaultInjector(injector: FaultInjector | undefined): void {
    this.#faults = injector;
  }

  watch(listener: WatchListener): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  get<K extends Kind>(kind: K, namespace: string | undefined, name: string): KindMap[K] | undefined {
    const obj = this.#bucket(kind).get(this.#key(kind, namespace, name));
    return obj === undefined ? undefined : asKind<K>(obj);
  }

  /** All objects of a kind (optionally one namespace), ordered by key like an etcd range read. */
  list<K extends Kind>(kind: K, namespace?: string): readonly KindMap[K][] {
    let sorted = this.#sorted.get(kind);
    if (sorted === undefined) {
      const bucket = this.#bucket(kind);
      // Frozen: callers share this array, and a list is a snapshot that later writes never change.
      sorted = Object.freeze([...bucket.keys()].sort().map((k) => bucket.get(k) as Obj)) as Obj[];
      this.#sorted.set(kind, sorted);
    }
    const all = sorted as unknown as KindMap[K][];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  count(kind: Kind): number {
    return this.#bucket(kind).size;
  }

  create<K extends Kind>(kind: K, input: KindMap[K]): KindMap[K] {
    const obj = asObj(deepCopy(input));
    obj.apiVersion = API_VERSION[kind];
    obj.kind = kind;
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (NAMESPACED[kind]) meta.namespace ||= 'default';
    else delete meta.namespace;
    const counter = this.#nameCounter;
    if (!meta.name && meta.generateName) meta.name = this.#generateName(kind, meta.namespace, meta.generateName);
    const name = meta.name ?? '';
    let late: ApiError | undefined;
    try {
      late = this.#fault('create', kind, meta.namespace, name);
    } catch (e) {
      // A refused create leaves no trace, not even a used name: two controllers that try a
      // different number of failing creates still name their later pods alike.
      this.#nameCounter = counter;
      throw e;
    }
    if (!name) {
      throw ApiError.invalid(KIND_GROUP[kind], '', [
        { field: 'metadata.name', type: 'Required', detail: 'name or generateName is required' },
      ]);
    }
    if (this.#bucket(kind).has(this.#key(kind, meta.namespace, name)))
      throw ApiError.alreadyExists(RESOURCE[kind], name);
    // Server-owned metadata: whatever the client sent is replaced.
    meta.uid = this.#newUid();
    meta.creationTimestamp = this.clock.nowTimestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    if (kind === 'DaemonSet') meta.generation = 1;
    this.#admission.defaultOnCreate?.(kind, asKind(obj));
    const errors = this.#skipValidation ? [] : (this.#admission.validateCreate?.(kind, asKind(obj)) ?? []);
    if (errors.length > 0) throw ApiError.invalid(KIND_GROUP[kind], name, errors);
    const created = asKind<K>(this.#put(kind, obj, 'ADDED', undefined));
    if (late) throw late;
    return created;
  }

  /** Replaces spec and metadata (the main resource): status changes are ignored for kinds with a status subresource. */
  update<K extends Kind>(kind: K, input: KindMap[K]): KindMap[K] {
    const old = this.#mustGetForWrite('update', kind, asObj(input));
    const obj = asObj(deepCopy(input));
    this.#keepServerFields(kind, obj, old);
    if (HAS_STATUS_SUBRESOURCE[kind]) {
      if (old.status === undefined) delete obj.status;
      else obj.status = deepCopy(old.status);
    }
    const meta = obj.metadata ?? {};
    // Once deleting, finalizers may only be removed (metadata validation).
    if (old.metadata?.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f) => !(old.metadata?.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw ApiError.invalid(KIND_GROUP[kind], meta.name ?? '', [
          {
            field: 'metadata.finalizers',
            type: 'Forbidden',
            detail: 'no new finalizers can be added if the object is being deleted',
          },
        ]);
      }
    }
    this.#admission.defaultOnUpdate?.(kind, asKind(obj), asKind(old));
    const errors = this.#skipValidation ? [] : (this.#admission.validateUpdate?.(kind, asKind(obj), asKind(old)) ?? []);
    if (errors.length > 0) throw ApiError.invalid(KIND_GROUP[kind], meta.name ?? '', errors);
    if (kind === 'DaemonSet' && !sameJson(obj.spec, old.spec)) meta.generation = (old.metadata?.generation ?? 1) + 1;
    return asKind<K>(this.#commitUpdate(kind, obj, old));
  }

  /** The status subresource: only `status` changes. */
  updateStatus<K extends Kind>(kind: K, input: KindMap[K]): KindMap[K] {
    const old = this.#mustGetForWrite('updateStatus', kind, asObj(input));
    // Everything but status stays as stored: share the frozen parts (only metadata is written to).
    const obj: Obj = { ...old, metadata: { ...(old.metadata ?? {}) } };
    if (old.metadata === undefined) delete obj.metadata;
    const status = asObj(input).status;
    if (status === undefined) delete obj.status;
    else obj.status = deepCopy(status);
    const errors = this.#admission.validateStatusUpdate?.(kind, asKind(obj), asKind(old)) ?? [];
    if (errors.length > 0) throw ApiError.invalid(KIND_GROUP[kind], obj.metadata?.name ?? '', errors);
    return asKind<K>(this.#commitUpdate(kind, obj, old));
  }

  /**
   * Read-modify-write convenience for in-cluster components: `mutate` edits a private copy, then
   * the result goes through `update` (or `updateStatus` when `subresource` is 'status').
   */
  modify<K extends Kind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    mutate: (obj: KindMap[K]) => void,
    subresource?: 'status',
  ): KindMap[K] {
    const current = this.get(kind, namespace, name);
    if (current === undefined) throw ApiError.notFound(RESOURCE[kind], name);
    const copy = deepCopy(current);
    mutate(copy);
    return subresource === 'status' ? this.updateStatus(kind, copy) : this.update(kind, copy);
  }

  /**
   * Deletion as the API server does it: preconditions, propagation finalizers, pod graceful
   * deletion (deletionTimestamp first), then removal once no finalizer is left. Returns the object
   * as it stands afterwards, or undefined if it is gone.
   */
  delete<K extends Kind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KindMap[K] | undefined {
    const late = this.#fault('delete', kind, namespace, name);
    const outcome = this.#deleteNow(kind, namespace, name, options);
    if (late) throw late;
    return outcome;
  }

  #deleteNow<K extends Kind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
  ): KindMap[K] | undefined {
    const found = this.get(kind, namespace, name);
    if (found === undefined) throw ApiError.notFound(RESOURCE[kind], name);
    const old = asObj(found);
    const { preconditions } = options;
    if (preconditions?.uid !== undefined && preconditions.uid !== old.metadata?.uid) {
      throw ApiError.conflict(
        RESOURCE[kind],
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata?.uid}`,
      );
    }
    if (
      preconditions?.resourceVersion !== undefined &&
      preconditions.resourceVersion !== old.metadata?.resourceVersion
    ) {
      throw ApiError.conflict(RESOURCE[kind], name, MODIFIED_CONFLICT);
    }
    // The stored object is deep-frozen and only its metadata changes here: a copy of the top two
    // levels shares everything else with it (as a full copy would end up doing, at more cost).
    const meta: Meta = { ...(old.metadata ?? {}) };
    const obj: Obj = { ...old, metadata: meta };
    const finalizers = [...(meta.finalizers ?? [])];
    const policy = options.propagationPolicy;
    const alreadyDeleting = meta.deletionTimestamp != null;
    if (policy === 'Orphan' || policy === 'Foreground') {
      const wanted = policy === 'Orphan' ? FinalizerOrphan : FinalizerForeground;
      const other = policy === 'Orphan' ? FinalizerForeground : FinalizerOrphan;
      removeItem(finalizers, other);
      if (!finalizers.includes(wanted)) finalizers.push(wanted);
    } else if (policy === 'Background' && !alreadyDeleting) {
      removeItem(finalizers, FinalizerOrphan);
      removeItem(finalizers, FinalizerForeground);
    }
    const grace = this.#gracePeriod(kind, obj, options);
    if (!alreadyDeleting || grace < (meta.deletionGracePeriodSeconds ?? 0)) {
      // A repeated delete may only shorten the grace period.
      meta.deletionTimestamp = toTimestamp(this.clock.nowMs() + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
    }
    if (finalizers.length > 0) meta.finalizers = finalizers;
    else delete meta.finalizers;
    if (finalizers.length === 0 && (meta.deletionGracePeriodSeconds ?? 0) === 0) {
      this.#remove(kind, old);
      return undefined;
    }
    if (sameJson(obj, old)) return found;
    return asKind<K>(this.#commitUpdate(kind, obj, old));
  }

  /**
   * Mirrors a watch event seen elsewhere: the object is stored exactly as given (uid,
   * resourceVersion and all) and the event is re-emitted. A protocol server uses this to give an
   * in-process controller informers fed from another cluster.
   */
  replicate(event: { type: WatchEventType; kind: Kind; object: AnyObject }): void {
    const obj = deepFreeze(asObj(deepCopy(event.object)));
    const meta = obj.metadata ?? {};
    const key = this.#key(event.kind, meta.namespace, meta.name ?? '');
    const bucket = this.#bucket(event.kind);
    const old = bucket.get(key);
    if (event.type === 'DELETED') {
      if (old !== undefined) this.#remove(event.kind, old);
      return;
    }
    bucket.set(key, obj);
    this.#sorted.delete(event.kind);
    this.#emit({
      type: old === undefined ? 'ADDED' : 'MODIFIED',
      kind: event.kind,
      object: asKind(obj),
      ...(old ? { oldObject: asKind(old) } : {}),
    } as WatchEvent);
  }

  /** Records a Kubernetes Event (kept in `events`, not watchable). */
  recordEvent(event: Omit<ClusterEvent, 'timestamp'>): void {
    this.events.push({ timestamp: this.clock.nowTimestamp(), ...deepCopy(event) });
  }

  // --- internals -----------------------------------------------------------------------------

  #bucket(kind: Kind): Map<string, Obj> {
    return this.#objects.get(kind) as Map<string, Obj>;
  }

  #key(kind: Kind, namespace: string | undefined, name: string): string {
    return NAMESPACED[kind] ? `${namespace || 'default'}/${name}` : name;
  }

  /** Throws the injected refusal, if any; returns the error to answer with once the request has taken effect. */
  #fault(verb: Verb, kind: Kind, namespace: string | undefined, name: string): ApiError | undefined {
    const error = this.#faults?.({ verb, kind, ...(namespace ? { namespace } : {}), name });
    if (error === undefined) return undefined;
    if (error instanceof ApiError) throw error;
    return error.afterApplying;
  }

  #mustGetForWrite(verb: Verb, kind: Kind, input: Obj): Obj {
    const name = input.metadata?.name ?? '';
    const namespace = NAMESPACED[kind] ? input.metadata?.namespace || 'default' : undefined;
    const late = this.#fault(verb, kind, namespace, name);
    if (late) throw late; // a late answer to an update is not modelled: it is refused before it applies
    const old = this.#bucket(kind).get(this.#key(kind, namespace, name));
    if (old === undefined) throw ApiError.notFound(RESOURCE[kind], name);
    const rv = input.metadata?.resourceVersion;
    const uid = input.metadata?.uid;
    if (
      (rv !== undefined && rv !== old.metadata?.resourceVersion) ||
      (uid !== undefined && uid !== old.metadata?.uid)
    ) {
      throw ApiError.conflict(RESOURCE[kind], name, MODIFIED_CONFLICT);
    }
    return old;
  }

  /** Fields the server owns keep their stored values whatever the client sends. */
  #keepServerFields(kind: Kind, obj: Obj, old: Obj): void {
    obj.metadata ??= {};
    const meta = obj.metadata;
    const oldMeta = old.metadata ?? {};
    obj.apiVersion = API_VERSION[kind];
    obj.kind = kind;
    for (const field of ['name', 'namespace', 'uid', 'creationTimestamp', 'generation'] as const) {
      if (oldMeta[field] === undefined) delete meta[field];
      else (meta as Record<string, unknown>)[field] = oldMeta[field];
    }
    if (oldMeta.deletionTimestamp) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds ?? 0;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    delete meta.resourceVersion;
  }

  #gracePeriod(kind: Kind, obj: Obj, options: DeleteOptions): number {
    if (kind !== 'Pod') return 0;
    const pod = obj as unknown as KindMap['Pod'];
    // Pod strategy CheckGracefulDelete: unscheduled or terminal pods go at once.
    if (!pod.spec?.nodeName) return 0;
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return 0;
    const requested = options.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, requested);
  }

  /** Stores a modified object, or removes it when deletion has nothing left to wait for. */
  #commitUpdate(kind: Kind, obj: Obj, old: Obj): Obj {
    const meta = obj.metadata ?? {};
    if (
      meta.deletionTimestamp &&
      (meta.finalizers ?? []).length === 0 &&
      (meta.deletionGracePeriodSeconds ?? 0) === 0
    ) {
      this.#remove(kind, old);
      return old;
    }
    const { resourceVersion: _old, ...oldMeta } = old.metadata ?? {};
    const { resourceVersion: _new, ...newMeta } = meta;
    if (sameJson({ ...obj, metadata: newMeta }, { ...old, metadata: oldMeta })) return old; // a no-op write
    // What did not change is shared with the stored version (frozen, so safe to share): caches
    // keyed by object (compiled templates, canonical JSON, observations) stay valid across writes.
    shareUnchangedMembers(obj as Record<string, unknown>, old as Record<string, unknown>, 'metadata');
    if (old.metadata !== undefined)
      shareUnchangedMembers(
        meta as Record<string, unknown>,
        old.metadata as Record<string, unknown>,
        'resourceVersion',
      );
    return this.#put(kind, obj, 'MODIFIED', old);
  }

  #put(kind: Kind, obj: Obj, type: WatchEventType, old: Obj | undefined): Obj {
    obj.metadata ??= {};
    const meta = obj.metadata;
    meta.resourceVersion = String(++this.#resourceVersion);
    // Marked as deep-frozen, so that what is derived from a stored object can be remembered per object.
    const frozen = markDeepFrozen(deepFreeze(obj));
    const key = this.#key(kind, meta.namespace, meta.name ?? '');
    const sorted = this.#sorted.get(kind);
    const at = old === undefined || sorted === undefined ? -1 : sorted.indexOf(old);
    if (at >= 0 && sorted) {
      // Copy on write: an earlier list() result a caller is still iterating must not change.
      const next = sorted.slice();
      next[at] = frozen;
      this.#sorted.set(kind, Object.freeze(next) as Obj[]);
    } else this.#sorted.delete(kind);
    this.#bucket(kind).set(key, frozen);
    this.#emit({
      type,
      kind,
      object: asKind(frozen),
      ...(old ? { oldObject: asKind(old) } : {}),
    } as WatchEvent);
    return frozen;
  }

  #remove(kind: Kind, old: Obj): void {
    const meta = old.metadata ?? {};
    this.#bucket(kind).delete(this.#key(kind, meta.namespace, meta.name ?? ''));
    this.#sorted.delete(kind);
    this.#resourceVersion++;
    this.#emit({ type: 'DELETED', kind, object: asKind(old), oldObject: asKind(old) } as WatchEvent);
  }

  #emit(event: WatchEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #newUid(): string {
    const n = ++this.#uidCounter;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  }

  /** Deterministic stand-in for the API server's random 5-character suffix. */
  #generateName(kind: Kind, namespace: string | undefined, prefix: string): string {
    for (;;) {
      const name = prefix + generatedNameSuffix(++this.#nameCounter);
      if (!this.#bucket(kind).has(this.#key(kind, namespace, name))) return name;
    }
  }
}

/** The Conflict detail of a write from a stale resourceVersion (the API server's words). */
export const MODIFIED_CONFLICT =
  'the object has been modified; please apply your changes to the latest version and try again';

function removeItem<T>(items: T[], item: T): void {
  const at = items.indexOf(item);
  if (at >= 0) items.splice(at, 1);
}
