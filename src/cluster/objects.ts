/**
 * The API objects the simulated cluster stores, typed with `kubernetes-types` (wire format:
 * timestamps are RFC 3339 strings, optional fields may be absent).
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';

export type { ControllerRevision, DaemonSet, Node, ObjectMeta, OwnerReference, Pod };

export interface KindMap {
  Node: Node;
  Pod: Pod;
  DaemonSet: DaemonSet;
  ControllerRevision: ControllerRevision;
}
export type Kind = keyof KindMap;
export type AnyObject = KindMap[Kind];

export const KINDS: readonly Kind[] = ['Node', 'Pod', 'DaemonSet', 'ControllerRevision'];
/**
 * The order informers LIST in, at start and on a relist: the reference controller's, and what a
 * protocol process is sent (each informer is independent upstream; any order is correct).
 */
export const LIST_ORDER: readonly Kind[] = ['Node', 'DaemonSet', 'ControllerRevision', 'Pod'];

export const API_VERSION: Record<Kind, string> = {
  Node: 'v1',
  Pod: 'v1',
  DaemonSet: 'apps/v1',
  ControllerRevision: 'apps/v1',
};

export const NAMESPACED: Record<Kind, boolean> = {
  Node: false,
  Pod: true,
  DaemonSet: true,
  ControllerRevision: true,
};

/** Well-known label, annotation and finalizer names (upstream constants). */
export const ControllerRevisionHashLabel = 'controller-revision-hash';
export const PodTemplateGenerationLabel = 'pod-template-generation';
export const TemplateGenerationAnnotation = 'deprecated.daemonset.template.generation';
export const FinalizerOrphan = 'orphan';
export const FinalizerForeground = 'foregroundDeletion';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones (like cache.MetaNamespaceKeyFunc). */
export function objectKey(meta: { namespace?: string | undefined; name?: string | undefined }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name ?? ''}` : (meta.name ?? '');
}

export function metaOf(obj: AnyObject): ObjectMeta {
  return obj.metadata ?? {};
}

/** The ownerReference with `controller: true`, if any (metav1.GetControllerOf). */
export function controllerRefOf(obj: { metadata?: ObjectMeta | undefined }): OwnerReference | undefined {
  // A plain loop: every sync asks this of every pod, and a closure per call shows in profiles.
  const refs = obj.metadata?.ownerReferences;
  if (refs === undefined) return undefined;
  for (const ref of refs) if (ref.controller === true) return ref;
  return undefined;
}

/** A controller reference to `owner`, as metav1.NewControllerRef builds it. */
export function newControllerRef(owner: DaemonSet): OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Deep copy with the meaning of a round trip through JSON (`JSON.parse(JSON.stringify(value))`):
 * API objects are plain JSON, and copies must never share structure. Plain objects, arrays and
 * primitives are copied directly, exactly as the round trip would (undefined, function and symbol
 * members dropped, or null in arrays; non-finite numbers become null and -0 becomes 0); anything
 * else (toJSON, class instances, bigint, `__proto__` keys, very deep nesting) takes the JSON path
 * itself, so results and errors stay those of the round trip.
 */
export function deepCopy<T>(value: T): T {
  if (value === undefined) return value;
  try {
    return copyJsonValue(value, 0) as T;
  } catch (e) {
    if (e !== UNUSUAL) throw e;
    return JSON.parse(JSON.stringify(value)) as T;
  }
}

/** Thrown by the direct copy when a value needs JSON's own treatment. */
const UNUSUAL: unique symbol = Symbol('unusual');
const MAX_DIRECT_DEPTH = 200;

function isSkipped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function copyJsonValue(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case 'object':
      break;
    default:
      throw UNUSUAL;
  }
  if (v === null) return null;
  if (depth > MAX_DIRECT_DEPTH) throw UNUSUAL;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype || typeof (v as { toJSON?: unknown }).toJSON === 'function')
      throw UNUSUAL;
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      out.push(isSkipped(e) ? null : copyJsonValue(e, depth + 1));
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw UNUSUAL;
  const obj = v as Record<string, unknown>;
  if (typeof obj.toJSON === 'function') throw UNUSUAL;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) {
    const e = obj[k];
    if (isSkipped(e)) continue;
    if (k === '__proto__') throw UNUSUAL;
    out[k] = copyJsonValue(e, depth + 1);
  }
  return out;
}

/**
 * `JSON.stringify(a) === JSON.stringify(b)`, without building the strings: the same members in
 * the same order with equal values, members JSON drops ignored. An identical subtree is equal at
 * once (where JSON.stringify would throw on a bigint or a cycle inside it, this answers true; the
 * store compares only JSON-clean objects, copies and frozen snapshots, so that never arises
 * there). Other unusual values take the JSON path.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  // At the top, JSON.stringify gives undefined (not a string) for undefined, functions and symbols.
  if (isSkipped(a) || isSkipped(b)) return isSkipped(a) && isSkipped(b);
  try {
    return jsonEqualDirect(a, b, 0);
  } catch (e) {
    if (e !== UNUSUAL) throw e;
    return JSON.stringify(a) === JSON.stringify(b);
  }
}

function jsonEqualDirect(a: unknown, b: unknown, depth: number): boolean {
  if (a === b && typeof a !== 'bigint') return true;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'bigint' || tb === 'bigint') throw UNUSUAL;
  // An object that serialises oddly (toJSON, a class instance, a boxed value) takes the JSON path.
  if (ta === 'object' && a !== null) checkPlain(a as object);
  if (tb === 'object' && b !== null) checkPlain(b as object);
  if (ta === 'number' || tb === 'number') {
    // Non-finite numbers serialise as null; -0 as 0.
    const na = ta === 'number' ? (Number.isFinite(a) ? a : null) : a;
    const nb = tb === 'number' ? (Number.isFinite(b) ? b : null) : b;
    if (typeof na === 'number' && typeof nb === 'number') return na === nb;
    return na === null && nb === null;
  }
  // Different strings or booleans, or different kinds.
  if (ta !== 'object' || tb !== 'object' || a === null || b === null) return false;
  if (depth > MAX_DIRECT_DEPTH) throw UNUSUAL;
  const aArray = Array.isArray(a);
  if (aArray !== Array.isArray(b)) return false;
  if (aArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      const ex = isSkipped(x[i]) ? null : x[i];
      const ey = isSkipped(y[i]) ? null : y[i];
      if (!jsonEqualDirect(ex, ey, depth + 1)) return false;
    }
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < kx.length && isSkipped(x[kx[i] as string])) i++;
    while (j < ky.length && isSkipped(y[ky[j] as string])) j++;
    if (i >= kx.length || j >= ky.length) return i >= kx.length && j >= ky.length;
    const k = kx[i] as string;
    if (k !== ky[j]) return false;
    if (!jsonEqualDirect(x[k], y[k], depth + 1)) return false;
    i++;
    j++;
  }
}

/** Plain arrays and objects only: anything else (toJSON, class instances, boxed values) is unusual. */
function checkPlain(obj: object): void {
  const proto = Object.getPrototypeOf(obj);
  const plain = Array.isArray(obj) ? proto === Array.prototype : proto === Object.prototype || proto === null;
  if (!plain || typeof (obj as { toJSON?: unknown }).toJSON === 'function') throw UNUSUAL;
}

/** Objects found deep-frozen: they stay so (nothing can unfreeze them), so each is walked once. */
const knownDeepFrozen = new WeakSet<object>();

/**
 * Records that `value` is deep-frozen, without walking it: for the store, whose every object is
 * built from fresh copies (and members of earlier stored objects) and deep-frozen when stored.
 */
export function markDeepFrozen<T extends object>(value: T): T {
  knownDeepFrozen.add(value);
  return value;
}

/** Whether `value` is known to be deep-frozen already (marked, or found so before), without walking it. */
export function isKnownDeepFrozen(value: object): boolean {
  return knownDeepFrozen.has(value);
}

/** True when `value` and everything reachable from it is frozen (so it can never change). */
export function isDeepFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (knownDeepFrozen.has(value)) return true;
  if (!Object.isFrozen(value)) return false;
  for (const child of Object.values(value)) {
    if (!isDeepFrozen(child)) return false;
  }
  knownDeepFrozen.add(value);
  return true;
}

export function isTerminating(obj: { metadata?: ObjectMeta | undefined }): boolean {
  return obj.metadata?.deletionTimestamp != null;
}
