/**
 * A DaemonSetControl that turns the reference controller's writes into protocol write messages
 * instead of performing them; reads come from the server's mirror of the cluster.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../cluster/apiError.js';
import type { ControllerRevision, DaemonSet, OwnerReference } from '../cluster/objects.js';
import { ControllerRevisionHashLabel, newControllerRef } from '../cluster/objects.js';
import type { ObjectStore } from '../cluster/store.js';
import type { DaemonSetControl, EventType } from '../controller/daemonSetControl.js';
import type { Write } from './messages.js';

type WireObject = Extract<Write, { op: 'createPod' }>['pod'];

export class RecordingControl implements DaemonSetControl {
  readonly writes: Write[] = [];
  /** For each write, the key (namespace/name) of the DaemonSet it was made for, if known. */
  readonly owners: (string | undefined)[] = [];
  readonly #mirror: ObjectStore;

  constructor(mirror: ObjectStore) {
    this.#mirror = mirror;
  }

  /** Forgets the writes of the previous step. */
  clear(): void {
    this.writes.length = 0;
    this.owners.length = 0;
  }

  #record(write: Write, owner?: DaemonSet): void {
    this.writes.push(write);
    this.owners.push(owner ? `${owner.metadata?.namespace ?? 'default'}/${owner.metadata?.name ?? ''}` : undefined);
  }

  createPod(namespace: string, pod: Pod, owner: DaemonSet): void {
    const { name: _name, ...meta } = pod.metadata ?? {};
    const wire = {
      ...pod,
      metadata: {
        ...meta,
        namespace,
        generateName: `${owner.metadata?.name ?? ''}-`,
        ownerReferences: [newControllerRef(owner)],
      },
    };
    this.#record({ op: 'createPod', namespace, pod: wire as unknown as WireObject }, owner);
  }

  deletePod(namespace: string, name: string, owner?: DaemonSet): void {
    this.#refuseIfGone('Pod', namespace, name);
    this.#record({ op: 'deletePod', namespace, name }, owner);
  }

  adoptPod(namespace: string, name: string, podUid: string, owner: DaemonSet, blockOwnerDeletion = true): void {
    this.#patchOwner('Pod', namespace, name, podUid, [{ ...newControllerRef(owner), blockOwnerDeletion }]);
  }

  releasePod(namespace: string, name: string, podUid: string, owner: DaemonSet): void {
    this.#patchOwner('Pod', namespace, name, podUid, [{ $patch: 'delete', uid: owner.metadata?.uid ?? '' }]);
  }

  labelPodHash(namespace: string, name: string, hash: string): void {
    this.#refuseIfGone('Pod', namespace, name);
    this.#record({ op: 'patchPod', namespace, name, labels: { [ControllerRevisionHashLabel]: hash } });
  }

  createRevision(revision: ControllerRevision): ControllerRevision {
    const namespace = revision.metadata?.namespace ?? 'default';
    const name = revision.metadata?.name ?? '';
    // Known collisions are refused here so that snapshot's collision handling can run.
    if (this.#mirror.get('ControllerRevision', namespace, name))
      throw ApiError.alreadyExists('controllerrevisions.apps', name);
    this.#record({ op: 'createControllerRevision', namespace, revision: revision as unknown as WireObject });
    return revision;
  }

  getRevision(namespace: string, name: string): ControllerRevision | undefined {
    return this.#mirror.get('ControllerRevision', namespace, name);
  }

  updateRevision(revision: ControllerRevision): ControllerRevision {
    const namespace = revision.metadata?.namespace ?? 'default';
    const name = revision.metadata?.name ?? '';
    this.#refuseIfGone('ControllerRevision', namespace, name);
    // A copy read before this sync's own patch of the revision carries the old resourceVersion:
    // the API server answers 409 (constructHistory's renumbering right after an adoption).
    const patched = this.writes.some((w) => w.op === 'patchControllerRevision' && w.name === name);
    const current = this.#mirror.get('ControllerRevision', namespace, name)?.metadata?.resourceVersion;
    if (patched && revision.metadata?.resourceVersion === current) {
      throw ApiError.conflict(
        'controllerrevisions.apps',
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    this.#record({ op: 'updateControllerRevision', namespace, revision: revision as unknown as WireObject });
    return revision;
  }

  deleteRevision(namespace: string, name: string): void {
    this.#refuseIfGone('ControllerRevision', namespace, name);
    this.#record({ op: 'deleteControllerRevision', namespace, name });
  }

  adoptRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void {
    this.#patchOwner('ControllerRevision', namespace, name, revisionUid, [newControllerRef(owner)]);
  }

  releaseRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void {
    this.#patchOwner('ControllerRevision', namespace, name, revisionUid, [
      { $patch: 'delete', uid: owner.metadata?.uid ?? '' },
    ]);
  }

  getDaemonSet(namespace: string, name: string): DaemonSet | undefined {
    return this.#mirror.get('DaemonSet', namespace, name);
  }

  updateDaemonSetStatus(ds: DaemonSet): DaemonSet {
    const namespace = ds.metadata?.namespace ?? 'default';
    const name = ds.metadata?.name ?? '';
    this.#record(
      {
        op: 'updateDaemonSetStatus',
        namespace,
        name,
        status: (ds.status ?? {}) as Record<string, unknown>,
        ...(ds.metadata?.resourceVersion ? { resourceVersion: ds.metadata.resourceVersion } : {}),
      },
      ds,
    );
    return ds;
  }

  recordEvent(ds: DaemonSet, type: EventType, reason: string, message: string): void {
    this.#record({
      op: 'recordEvent',
      namespace: ds.metadata?.namespace ?? 'default',
      name: ds.metadata?.name ?? '',
      eventType: type,
      reason,
      message,
    });
  }

  /**
   * An object this very sync deleted that the API server removes at once is NotFound for the
   * rest of the sync, as a real API server answers (and the in-process reference's store does):
   * a revision, or a pod that is unscheduled or terminal and has no finalizers
   * (podStrategy.CheckGracefulDelete: grace period 0). A bound, running pod only gets a
   * deletionTimestamp and can still be patched.
   */
  #refuseIfGone(kind: 'Pod' | 'ControllerRevision', namespace: string, name: string): void {
    const op = kind === 'Pod' ? 'deletePod' : 'deleteControllerRevision';
    if (!this.writes.some((w) => w.op === op && w.namespace === namespace && w.name === name)) return;
    if (kind === 'Pod') {
      const pod = this.#mirror.get('Pod', namespace, name) as Pod | undefined;
      const phase = pod?.status?.phase;
      const immediate =
        pod === undefined ||
        ((!pod.spec?.nodeName || phase === 'Failed' || phase === 'Succeeded') &&
          (pod.metadata?.finalizers ?? []).length === 0);
      if (!immediate) return;
    }
    throw ApiError.notFound(kind === 'Pod' ? 'pods' : 'controllerrevisions.apps', name);
  }

  /**
   * An adoption or release as ControllerRefManager sends it: a strategic merge patch of
   * ownerReferences (merged by uid on the object as stored) with the object's uid as precondition.
   */
  #patchOwner(
    kind: 'Pod' | 'ControllerRevision',
    namespace: string,
    name: string,
    uid: string,
    ownerReferences: (OwnerReference | { $patch: 'delete'; uid: string })[],
  ): void {
    this.#refuseIfGone(kind, namespace, name);
    const op = kind === 'Pod' ? 'patchPod' : 'patchControllerRevision';
    this.#record({ op, namespace, name, uid, patch: { metadata: { ownerReferences, uid } } });
  }
}
