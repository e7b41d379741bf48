/**
 * The write seam (upstream: PodControlInterface, the ControllerRevision and DaemonSet clients, the
 * event recorder). The controller writes only through this interface, so tests can count writes
 * per sync and inject API errors, and other transports can carry the same operations.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, isApiError } from '../cluster/apiError.js';
import type { ControllerRevision, DaemonSet } from '../cluster/objects.js';
import { ControllerRevisionHashLabel, deepCopy, newControllerRef, type OwnerReference } from '../cluster/objects.js';
import type { ObjectStore } from '../cluster/store.js';

export type EventType = 'Normal' | 'Warning';

export interface DaemonSetControl {
  /** CreatePods: the pod comes from a template with generateName `<ds>-` and a controller ref. */
  createPod(namespace: string, pod: Pod, owner: DaemonSet): void;
  deletePod(namespace: string, name: string, owner: DaemonSet): void;
  /**
   * Adoption patch: adds a controller ownerReference, guarded by the pod's uid. Upstream's patch
   * always sets blockOwnerDeletion (ClaimPods' adopt); `blockOwnerDeletion: false` is for mutants.
   */
  adoptPod(namespace: string, name: string, podUid: string, owner: DaemonSet, blockOwnerDeletion?: boolean): void;
  /** Release patch: removes the ownerReference with the owner's uid, guarded by the pod's uid. */
  releasePod(namespace: string, name: string, podUid: string, owner: DaemonSet): void;
  /** Sets the controller-revision-hash label (dedupCurHistories). */
  labelPodHash(namespace: string, name: string, hash: string): void;

  createRevision(revision: ControllerRevision): ControllerRevision;
  /** A live read of a revision (snapshot's AlreadyExists path). */
  getRevision(namespace: string, name: string): ControllerRevision | undefined;
  /** Replaces a revision (revision number bump, legacy hash label). */
  updateRevision(revision: ControllerRevision): ControllerRevision;
  deleteRevision(namespace: string, name: string): void;
  adoptRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void;
  releaseRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void;

  /** A live read, bypassing the informer cache (RecheckDeletionTimestamp, status retry, collisions). */
  getDaemonSet(namespace: string, name: string): DaemonSet | undefined;
  updateDaemonSetStatus(ds: DaemonSet): DaemonSet;

  recordEvent(ds: DaemonSet, type: EventType, reason: string, message: string): void;
}

/** A create refused because the namespace is being torn down (upstream: the NamespaceTerminating status cause). */
export function isNamespaceTerminating(e: unknown): boolean {
  return isApiError(e) && isNamespaceTerminatingRefusal(e);
}

/** The same for a refusal reported as data (a protocol write's result). */
export function isNamespaceTerminatingRefusal(error: { reason: string; message: string }): boolean {
  return (
    error.reason === 'Forbidden' &&
    /namespace .* is being terminated|because it is being terminated/.test(error.message)
  );
}

/** The real seam: writes straight to the simulated API server. */
export class StoreDaemonSetControl implements DaemonSetControl {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /**
   * RealPodControl.CreatePods (GetPodFromTemplate): only the template's labels, annotations and
   * finalizers carry over to the pod's metadata; a pod without labels is refused. Records
   * SuccessfulCreate / FailedCreate on the DaemonSet (no event when the namespace is terminating).
   */
  createPod(namespace: string, pod: Pod, owner: DaemonSet): void {
    // No copy here: the store copies what it is given, and nothing below changes `pod`.
    const template = pod;
    const labels = template.metadata?.labels ?? {};
    if (Object.keys(labels).length === 0) throw new Error('unable to create pods, no labels');
    const meta: NonNullable<Pod['metadata']> = {
      labels,
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ...(template.metadata?.finalizers ? { finalizers: template.metadata.finalizers } : {}),
      namespace,
      generateName: `${owner.metadata?.name ?? ''}-`,
      ownerReferences: [newControllerRef(owner)],
    };
    let created: Pod;
    try {
      created = this.#store.create('Pod', { ...template, metadata: meta });
    } catch (e) {
      if (!isNamespaceTerminating(e)) {
        this.recordEvent(owner, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      }
      throw e;
    }
    this.recordEvent(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
  }

  /** RealPodControl.DeletePod: SuccessfulDelete / FailedDelete events; NotFound passes through silently. */
  deletePod(namespace: string, name: string, owner: DaemonSet): void {
    try {
      this.#store.delete('Pod', namespace, name);
    } catch (e) {
      if (isApiError(e, 'NotFound')) throw e;
      this.recordEvent(owner, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
      throw new Error(`unable to delete pods: ${(e as Error).message}`);
    }
    this.recordEvent(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  adoptPod(namespace: string, name: string, podUid: string, owner: DaemonSet, blockOwnerDeletion = true): void {
    this.#patchOwner('Pod', namespace, name, podUid, (refs) => withControllerRef(refs, owner, blockOwnerDeletion));
  }

  releasePod(namespace: string, name: string, podUid: string, owner: DaemonSet): void {
    this.#patchOwner('Pod', namespace, name, podUid, (refs) => refs.filter((r) => r.uid !== owner.metadata?.uid));
  }

  labelPodHash(namespace: string, name: string, hash: string): void {
    this.#store.modify('Pod', namespace, name, (pod) => {
      pod.metadata = {
        ...(pod.metadata ?? {}),
        labels: { ...(pod.metadata?.labels ?? {}), [ControllerRevisionHashLabel]: hash },
      };
    });
  }

  createRevision(revision: ControllerRevision): ControllerRevision {
    return this.#store.create('ControllerRevision', revision);
  }

  getRevision(namespace: string, name: string): ControllerRevision | undefined {
    return this.#store.get('ControllerRevision', namespace, name);
  }

  updateRevision(revision: ControllerRevision): ControllerRevision {
    return this.#store.update('ControllerRevision', revision);
  }

  deleteRevision(namespace: string, name: string): void {
    this.#store.delete('ControllerRevision', namespace, name);
  }

  adoptRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void {
    this.#patchOwner('ControllerRevision', namespace, name, revisionUid, (refs) => withControllerRef(refs, owner));
  }

  releaseRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void {
    this.#patchOwner('ControllerRevision', namespace, name, revisionUid, (refs) =>
      refs.filter((r) => r.uid !== owner.metadata?.uid),
    );
  }

  getDaemonSet(namespace: string, name: string): DaemonSet | undefined {
    return this.#store.get('DaemonSet', namespace, name);
  }

  updateDaemonSetStatus(ds: DaemonSet): DaemonSet {
    return this.#store.updateStatus('DaemonSet', ds);
  }

  recordEvent(ds: DaemonSet, type: EventType, reason: string, message: string): void {
    this.#store.recordEvent({
      involvedObject: {
        kind: 'DaemonSet',
        namespace: ds.metadata?.namespace ?? 'default',
        name: ds.metadata?.name ?? '',
        ...(ds.metadata?.uid ? { uid: ds.metadata.uid } : {}),
      },
      type,
      reason,
      message,
    });
  }

  #patchOwner(
    kind: 'Pod' | 'ControllerRevision',
    namespace: string,
    name: string,
    uid: string,
    edit: (
      refs: NonNullable<NonNullable<Pod['metadata']>['ownerReferences']>,
    ) => NonNullable<NonNullable<Pod['metadata']>['ownerReferences']>,
  ): void {
    const current = this.#store.get(kind, namespace, name);
    if (current === undefined) throw ApiError.notFound(kind === 'Pod' ? 'pods' : 'controllerrevisions.apps', name);
    if (current.metadata?.uid !== uid) {
      throw ApiError.conflict(
        kind === 'Pod' ? 'pods' : 'controllerrevisions.apps',
        name,
        'Precondition failed: UID mismatch',
      );
    }
    const copy = deepCopy(current);
    const refs = edit(copy.metadata?.ownerReferences ?? []);
    const meta = { ...(copy.metadata ?? {}) };
    if (refs.length > 0) meta.ownerReferences = refs;
    else delete meta.ownerReferences;
    copy.metadata = meta;
    if (kind === 'Pod') this.#store.update('Pod', copy as Pod);
    else this.#store.update('ControllerRevision', copy as ControllerRevision);
  }
}

/**
 * The adoption patch is a strategic merge keyed by uid: an existing reference to the same owner
 * is replaced, never duplicated (a second claim in the same sync must not add a second controller).
 */
export function withControllerRef(
  refs: readonly OwnerReference[],
  owner: DaemonSet,
  blockOwnerDeletion = true,
): OwnerReference[] {
  return [...refs.filter((r) => r.uid !== owner.metadata?.uid), { ...newControllerRef(owner), blockOwnerDeletion }];
}
