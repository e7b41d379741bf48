/**
 * A protocol write (docs/protocol.md) carried out through the simulated API server, with the
 * validation, defaulting, conflicts and patch semantics a real one has.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError, isApiError } from '../cluster/apiError.js';
import type { SimulatedCluster } from '../cluster/cluster.js';
import type { ControllerRevision, DaemonSet, Pod } from '../cluster/objects.js';
import { deepCopy } from '../cluster/objects.js';
import { applyPatch } from '../cluster/patch.js';
import type { WireWatchEvent, Write, WriteResult } from './messages.js';

type WireObject = WireWatchEvent['object'];

/** Applies one write through the API server; every refusal is an outcome, not a crash. */
export function applyWrite(cluster: SimulatedCluster, write: Write): WriteResult {
  const { store } = cluster;
  try {
    switch (write.op) {
      case 'createPod': {
        const pod = deepCopy(write.pod) as Pod;
        pod.metadata = { ...(pod.metadata ?? {}), namespace: write.namespace };
        return { ok: true, object: store.create('Pod', pod) as unknown as WireObject };
      }
      case 'deletePod':
        store.delete('Pod', write.namespace, write.name, write.uid ? { preconditions: { uid: write.uid } } : {});
        return { ok: true };
      case 'patchPod':
      case 'patchControllerRevision': {
        const kind = write.op === 'patchPod' ? 'Pod' : 'ControllerRevision';
        const current = store.get(kind, write.namespace, write.name);
        if (current === undefined)
          throw ApiError.notFound(kind === 'Pod' ? 'pods' : 'controllerrevisions.apps', write.name);
        if (write.uid !== undefined && current.metadata?.uid !== write.uid) {
          throw ApiError.conflict(
            kind === 'Pod' ? 'pods' : 'controllerrevisions.apps',
            write.name,
            'Precondition failed: UID mismatch',
          );
        }
        const patchUid = (write.patch?.metadata as { uid?: unknown } | undefined)?.uid;
        if (typeof patchUid === 'string' && current.metadata?.uid !== patchUid) {
          throw ApiError.conflict(
            kind === 'Pod' ? 'pods' : 'controllerrevisions.apps',
            write.name,
            'Precondition failed: UID mismatch',
          );
        }
        const patch = write.patch;
        if (patch !== undefined) {
          // As the API server does: the patch applies to the object as stored now.
          const patched = applyPatch(write.patchType ?? 'strategic', current, patch) as {
            metadata?: { ownerReferences?: OwnerReference[]; labels?: Record<string, string> };
          };
          const updated = store.modify(kind, write.namespace, write.name, (obj) => {
            const meta = { ...(obj.metadata ?? {}) };
            const refs = patched.metadata?.ownerReferences ?? [];
            if (refs.length > 0) meta.ownerReferences = refs;
            else delete meta.ownerReferences;
            if (patched.metadata?.labels !== undefined) meta.labels = patched.metadata.labels;
            else delete meta.labels;
            obj.metadata = meta;
          });
          return { ok: true, object: updated as unknown as WireObject };
        }
        const updated = store.modify(kind, write.namespace, write.name, (obj) => {
          const meta = { ...(obj.metadata ?? {}) };
          if (write.ownerReferences !== undefined) {
            if (write.ownerReferences.length > 0)
              meta.ownerReferences = write.ownerReferences as unknown as OwnerReference[];
            else delete meta.ownerReferences;
          }
          if (write.labels !== undefined) meta.labels = { ...(meta.labels ?? {}), ...write.labels };
          obj.metadata = meta;
        });
        return { ok: true, object: updated as unknown as WireObject };
      }
      case 'createControllerRevision': {
        const revision = deepCopy(write.revision) as unknown as ControllerRevision;
        revision.metadata = { ...(revision.metadata ?? {}), namespace: write.namespace };
        return { ok: true, object: store.create('ControllerRevision', revision) as unknown as WireObject };
      }
      case 'updateControllerRevision': {
        const revision = deepCopy(write.revision) as unknown as ControllerRevision;
        revision.metadata = { ...(revision.metadata ?? {}), namespace: write.namespace };
        return { ok: true, object: store.update('ControllerRevision', revision) as unknown as WireObject };
      }
      case 'deleteControllerRevision':
        store.delete('ControllerRevision', write.namespace, write.name);
        return { ok: true };
      case 'updateDaemonSetStatus': {
        const current = store.get('DaemonSet', write.namespace, write.name);
        if (current === undefined) throw ApiError.notFound('daemonsets.apps', write.name);
        const next = { ...deepCopy(current), status: write.status } as unknown as DaemonSet;
        if (write.resourceVersion !== undefined)
          next.metadata = { ...(next.metadata ?? {}), resourceVersion: write.resourceVersion };
        else if (next.metadata) delete (next.metadata as { resourceVersion?: string }).resourceVersion;
        return { ok: true, object: store.updateStatus('DaemonSet', next) as unknown as WireObject };
      }
      case 'recordEvent': {
        const ds = store.get('DaemonSet', write.namespace, write.name);
        store.recordEvent({
          involvedObject: {
            kind: 'DaemonSet',
            namespace: write.namespace,
            name: write.name,
            ...(ds?.metadata?.uid ? { uid: ds.metadata.uid } : {}),
          },
          type: write.eventType,
          reason: write.reason,
          message: write.message,
        });
        return { ok: true };
      }
    }
  } catch (e) {
    if (isApiError(e)) return { ok: false, error: { reason: e.reason, code: e.code, message: e.message } };
    throw e;
  }
}
