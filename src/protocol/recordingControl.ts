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
  readonly #mirror: ObjectStore;

  constructor(mirror: ObjectStore) {
    this.#mirror = mirror;
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
    this.writes.push({ op: 'createPod', namespace, pod: wire as unknown as WireObject });
  }

  deletePod(namespace: string, name: string): void {
    this.writes.push({ op: 'deletePod', namespace, name });
  }

  adoptPod(namespace: string, name: string, podUid: string, owner: DaemonSet): void {
    const refs = this.#mirror.get('Pod', namespace, name)?.metadata?.ownerReferences ?? [];
    this.writes.push({
      op: 'patchPod',
      namespace,
      name,
      uid: podUid,
      ownerReferences: wireRefs([...refs, newControllerRef(owner)]),
    });
  }

  releasePod(namespace: string, name: string, podUid: string, owner: DaemonSet): void {
    const refs = this.#mirror.get('Pod', namespace, name)?.metadata?.ownerReferences ?? [];
    const kept = refs.filter((r) => r.uid !== owner.metadata?.uid);
    this.writes.push({ op: 'patchPod', namespace, name, uid: podUid, ownerReferences: wireRefs(kept) });
  }

  labelPodHash(namespace: string, name: string, hash: string): void {
    this.writes.push({ op: 'patchPod', namespace, name, labels: { [ControllerRevisionHashLabel]: hash } });
  }

  createRevision(revision: ControllerRevision): ControllerRevision {
    const namespace = revision.metadata?.namespace ?? 'default';
    const name = revision.metadata?.name ?? '';
    // Known collisions are refused here so that snapshot's collision handling can run.
    if (this.#mirror.get('ControllerRevision', namespace, name))
      throw ApiError.alreadyExists('controllerrevisions.apps', name);
    this.writes.push({ op: 'createControllerRevision', namespace, revision: revision as unknown as WireObject });
    return revision;
  }

  getRevision(namespace: string, name: string): ControllerRevision | undefined {
    return this.#mirror.get('ControllerRevision', namespace, name);
  }

  updateRevision(revision: ControllerRevision): ControllerRevision {
    const namespace = revision.metadata?.namespace ?? 'default';
    this.writes.push({ op: 'updateControllerRevision', namespace, revision: revision as unknown as WireObject });
    return revision;
  }

  deleteRevision(namespace: string, name: string): void {
    this.writes.push({ op: 'deleteControllerRevision', namespace, name });
  }

  adoptRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void {
    const refs = this.#mirror.get('ControllerRevision', namespace, name)?.metadata?.ownerReferences ?? [];
    this.writes.push({
      op: 'patchControllerRevision',
      namespace,
      name,
      uid: revisionUid,
      ownerReferences: wireRefs([...refs, newControllerRef(owner)]),
    });
  }

  releaseRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void {
    const refs = this.#mirror.get('ControllerRevision', namespace, name)?.metadata?.ownerReferences ?? [];
    this.writes.push({
      op: 'patchControllerRevision',
      namespace,
      name,
      uid: revisionUid,
      ownerReferences: wireRefs(refs.filter((r) => r.uid !== owner.metadata?.uid)),
    });
  }

  getDaemonSet(namespace: string, name: string): DaemonSet | undefined {
    return this.#mirror.get('DaemonSet', namespace, name);
  }

  updateDaemonSetStatus(ds: DaemonSet): DaemonSet {
    const namespace = ds.metadata?.namespace ?? 'default';
    const name = ds.metadata?.name ?? '';
    this.writes.push({
      op: 'updateDaemonSetStatus',
      namespace,
      name,
      status: (ds.status ?? {}) as Record<string, unknown>,
      ...(ds.metadata?.resourceVersion ? { resourceVersion: ds.metadata.resourceVersion } : {}),
    });
    return ds;
  }

  recordEvent(ds: DaemonSet, type: EventType, reason: string, message: string): void {
    this.writes.push({
      op: 'recordEvent',
      namespace: ds.metadata?.namespace ?? 'default',
      name: ds.metadata?.name ?? '',
      eventType: type,
      reason,
      message,
    });
  }
}

function wireRefs(refs: readonly OwnerReference[]): { uid: string; kind: string; name: string }[] {
  return refs.map((r) => ({ ...r }));
}
