/**
 * The served kinds the simulated cluster has no component for (namespaces, events, service
 * accounts, leases, RBAC objects): kept as given, with the server-owned metadata an API server
 * sets (uid, resourceVersion, creationTimestamp, generateName) and optimistic concurrency. They
 * share the ObjectStore's resourceVersion sequence, so one watch cache orders every change.
 */
import { ApiError, type FieldError } from '../cluster/apiError.js';
import { deepCopy, jsonEqual } from '../cluster/objects.js';
import { generatedNameSuffix, MODIFIED_CONFLICT } from '../cluster/store.js';
import type { ChangeLog, ChangeType, ServedObject } from './changeLog.js';
import { apiVersionOf, resourceKey, type ServedResource } from './resources.js';

export interface GenericStoreOptions {
  nextResourceVersion: () => string;
  now: () => string;
  changes: ChangeLog;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kinds whose names are looser upstream (ValidatePathSegmentName: anything without `/`, `%`, `.`, `..`). */
const PATH_SEGMENT_NAMES = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

export class GenericStore {
  readonly #options: GenericStoreOptions;
  readonly #objects = new Map<string, Map<string, ServedObject>>();
  #uidCounter = 0;
  #nameCounter = 0;

  constructor(options: GenericStoreOptions) {
    this.#options = options;
  }

  get(r: ServedResource, namespace: string | undefined, name: string): ServedObject | undefined {
    return this.#bucket(r).get(key(r, namespace, name));
  }

  list(r: ServedResource, namespace?: string): ServedObject[] {
    const bucket = this.#bucket(r);
    const out = [...bucket.keys()].sort().map((k) => bucket.get(k) as ServedObject);
    return namespace === undefined ? out : out.filter((o) => o.metadata?.namespace === namespace);
  }

  create(r: ServedResource, input: ServedObject): ServedObject {
    const obj = deepCopy(input);
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (!r.namespaced) delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = this.#generateName(r, meta.namespace, meta.generateName);
    const errors = validateName(r, meta.name ?? '');
    if (errors.length > 0) throw ApiError.invalid(kindGroup(r), meta.name ?? '', errors);
    const name = meta.name as string;
    if (this.#bucket(r).has(key(r, meta.namespace, name))) throw ApiError.alreadyExists(resourceGroup(r), name);
    meta.uid = `00000000-0000-4000-9000-${(++this.#uidCounter).toString(16).padStart(12, '0')}`;
    meta.creationTimestamp = this.#options.now();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (r.kind === 'Namespace') {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': name };
    }
    return this.#put(r, obj, 'ADDED', undefined);
  }

  /** Replaces the object (PUT); for `status`, only the status changes. */
  update(r: ServedResource, input: ServedObject, subresource?: 'status'): ServedObject {
    const meta = input.metadata ?? {};
    const old = this.get(r, r.namespaced ? meta.namespace : undefined, meta.name ?? '');
    if (old === undefined) throw ApiError.notFound(resourceGroup(r), meta.name ?? '');
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== old.metadata?.resourceVersion) {
      throw ApiError.conflict(resourceGroup(r), meta.name ?? '', MODIFIED_CONFLICT);
    }
    let obj: ServedObject;
    if (subresource === 'status') {
      obj = { ...deepCopy(old), status: deepCopy(input.status) };
    } else {
      obj = deepCopy(input);
      if (r.hasStatus) obj.status = deepCopy(old.status);
    }
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    obj.metadata ??= {};
    const oldMeta = old.metadata ?? {};
    for (const field of [
      'name',
      'namespace',
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
    ] as const) {
      if (oldMeta[field] === undefined) delete obj.metadata[field];
      else (obj.metadata as Record<string, unknown>)[field] = oldMeta[field];
    }
    if (r.kind === 'Namespace' && subresource !== 'status') obj.spec = deepCopy(old.spec);
    const { resourceVersion: _a, ...newRest } = obj.metadata;
    const { resourceVersion: _b, ...oldRest } = oldMeta;
    if (jsonEqual({ ...obj, metadata: newRest }, { ...old, metadata: oldRest })) return old;
    if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0 && r.kind !== 'Namespace') {
      this.#remove(r, old);
      return old;
    }
    return this.#put(r, obj, 'MODIFIED', old);
  }

  /**
   * DELETE: gone at once unless finalizers hold it (then it gets a deletionTimestamp). A namespace
   * goes Terminating; the namespace lifecycle (servedCluster.ts) empties and removes it.
   */
  delete(
    r: ServedResource,
    namespace: string | undefined,
    name: string,
    preconditions: { uid?: string; resourceVersion?: string } = {},
  ): ServedObject | undefined {
    const old = this.get(r, namespace, name);
    if (old === undefined) throw ApiError.notFound(resourceGroup(r), name);
    if (preconditions.uid !== undefined && preconditions.uid !== old.metadata?.uid) {
      throw ApiError.conflict(
        resourceGroup(r),
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata?.uid}`,
      );
    }
    if (
      preconditions.resourceVersion !== undefined &&
      preconditions.resourceVersion !== old.metadata?.resourceVersion
    ) {
      throw ApiError.conflict(resourceGroup(r), name, MODIFIED_CONFLICT);
    }
    const holds = r.kind === 'Namespace' || (old.metadata?.finalizers ?? []).length > 0;
    if (!holds) {
      this.#remove(r, old);
      return undefined;
    }
    if (old.metadata?.deletionTimestamp) return old;
    const obj = deepCopy(old);
    obj.metadata = { ...(obj.metadata ?? {}), deletionTimestamp: this.#options.now(), deletionGracePeriodSeconds: 0 };
    if (r.kind === 'Namespace') obj.status = { phase: 'Terminating' };
    return this.#put(r, obj, 'MODIFIED', old);
  }

  /** Removes an object whatever holds it (the namespace lifecycle's last step). */
  remove(r: ServedResource, namespace: string | undefined, name: string): void {
    const old = this.get(r, namespace, name);
    if (old !== undefined) this.#remove(r, old);
  }

  #bucket(r: ServedResource): Map<string, ServedObject> {
    const k = resourceKey(r);
    let bucket = this.#objects.get(k);
    if (bucket === undefined) {
      bucket = new Map();
      this.#objects.set(k, bucket);
    }
    return bucket;
  }

  #put(r: ServedResource, obj: ServedObject, type: ChangeType, old: ServedObject | undefined): ServedObject {
    const rv = this.#options.nextResourceVersion();
    obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: rv };
    const frozen = Object.freeze(obj);
    this.#bucket(r).set(key(r, obj.metadata.namespace, obj.metadata.name ?? ''), frozen);
    this.#options.changes.record({
      rv: Number(rv),
      resource: resourceKey(r),
      type,
      object: frozen,
      ...(old ? { oldObject: old } : {}),
    });
    return frozen;
  }

  #remove(r: ServedResource, old: ServedObject): void {
    const meta = old.metadata ?? {};
    this.#bucket(r).delete(key(r, meta.namespace, meta.name ?? ''));
    const rv = this.#options.nextResourceVersion();
    const last = Object.freeze({ ...old, metadata: { ...meta, resourceVersion: rv } });
    this.#options.changes.record({
      rv: Number(rv),
      resource: resourceKey(r),
      type: 'DELETED',
      object: last,
      oldObject: old,
    });
  }

  /** Deterministic stand-in for the API server's random suffix, as the ObjectStore has. */
  #generateName(r: ServedResource, namespace: string | undefined, prefix: string): string {
    for (;;) {
      const name = prefix + generatedNameSuffix(++this.#nameCounter);
      if (!this.#bucket(r).has(key(r, namespace, name))) return name;
    }
  }
}

function key(r: ServedResource, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${namespace ?? ''}/${name}` : name;
}

/** `namespaces`, `leases.coordination.k8s.io`: how errors name a resource. */
export function resourceGroup(r: ServedResource): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}

/** `Namespace`, `Lease.coordination.k8s.io`: how Invalid errors name a kind. */
export function kindGroup(r: ServedResource): string {
  return r.group === '' ? r.kind : `${r.kind}.${r.group}`;
}

function validateName(r: ServedResource, name: string): FieldError[] {
  if (name === '') return [{ field: 'metadata.name', type: 'Required', detail: 'name or generateName is required' }];
  if (PATH_SEGMENT_NAMES.has(r.kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) {
      return [
        {
          field: 'metadata.name',
          type: 'Invalid',
          value: name,
          detail: 'may not contain "/" or "%", or be "." or ".."',
        },
      ];
    }
    return [];
  }
  if (r.kind === 'Namespace') {
    if (name.length > 63 || !DNS_LABEL.test(name)) {
      return [
        {
          field: 'metadata.name',
          type: 'Invalid',
          value: name,
          detail:
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        },
      ];
    }
    return [];
  }
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return [
      {
        field: 'metadata.name',
        type: 'Invalid',
        value: name,
        detail:
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      },
    ];
  }
  return [];
}
