/**
 * The garbage collector and Pod GC (one pass; note §6.1, §3.4): cascading deletion of the
 * DaemonSet's dependents, and removal of pods whose node is gone.
 */
import type { Pod } from './types.ts';
import { deletePod, type World } from './world.ts';

/** Pods and revisions whose controller is `uid`. */
export function dependentsOf(
  world: Pick<World, 'pods' | 'revisions'>,
  uid: string,
): { pods: number; revisions: number } {
  return {
    pods: world.pods.filter((p) => p.controllerUid === uid).length,
    revisions: world.revisions.filter((r) => r.controllerUid === uid).length,
  };
}

export function garbageCollectorStep(world: World): World {
  let next = world;
  const ds = world.daemonSet;
  if (ds?.deleting === 'Orphan') {
    // orphanDependents: strip the owner reference from every dependent, then drop the finalizer.
    const { daemonSet: _removed, ...rest } = next;
    // A dependent relabelled away and not yet released is, once orphaned, what a release makes
    // it: a pod beside the DaemonSets of this name, which none of them adopts.
    const relabelled = next.pods.filter((p) => p.controllerUid === ds.uid && p.unmatched).map(withoutController);
    next = {
      ...rest,
      pods: next.pods.flatMap((p) => (p.controllerUid !== ds.uid ? [p] : p.unmatched ? [] : [withoutController(p)])),
      revisions: next.revisions.map((r) => (r.controllerUid === ds.uid ? withoutController(r) : r)),
      ...(relabelled.length > 0 ? { bystanders: [...(next.bystanders ?? []), ...relabelled] } : {}),
    };
  }
  // Dependents whose owner no longer exists (Background), or of an owner deleting in Foreground.
  const live = next.daemonSet?.deleting === 'Foreground' ? undefined : next.daemonSet?.uid;
  const doomed = (uid: string | undefined) => uid !== undefined && uid !== live;
  for (const pod of next.pods) if (doomed(pod.controllerUid)) next = deletePod(next, pod.name);
  if (next.revisions.some((r) => doomed(r.controllerUid))) {
    next = { ...next, revisions: next.revisions.filter((r) => !doomed(r.controllerUid)) };
  }
  const fg = next.daemonSet;
  if (fg?.deleting === 'Foreground') {
    const left = dependentsOf(next, fg.uid);
    // The foregroundDeletion finalizer goes once no blocking dependent is left in the API.
    if (left.pods === 0 && left.revisions === 0) {
      const { daemonSet: _removed, ...rest } = next;
      next = rest;
    }
  }
  // Pod GC: pods bound to a node that no longer exists, and terminating unbound pods, are force-deleted.
  const nodes = new Set(next.nodes.map((n) => n.name));
  const collected = (p: Pod) => (p.bound && !nodes.has(p.node)) || (!p.bound && p.terminating);
  const gone = next.pods.filter(collected);
  // Pod GC marks them Failed, then force-deletes them (markFailedAndDeletePod): a held pod stays,
  // terminal and Terminating, until its finalizer goes.
  if (gone.length > 0) {
    next = {
      ...next,
      pods: next.pods.flatMap((p) => {
        if (!gone.includes(p)) return [p];
        if (!p.held) return [];
        const { readySince: _gone, ...rest } = p;
        return [{ ...rest, phase: 'Failed' as const, ready: false, terminating: true }];
      }),
    };
  }
  // Pods beside the DaemonSet (other controllers', released ones) go by the same rule: a released
  // pod that was never bound stays, Pending, after its node is gone (gcOrphaned reads spec.nodeName).
  const bystanders = next.bystanders ?? [];
  if (bystanders.some(collected)) {
    next = { ...next, bystanders: bystanders.filter((p) => !collected(p)) };
  }
  return next;
}

function withoutController<T extends { readonly controllerUid?: string }>(o: T): T {
  const { controllerUid: _uid, ...rest } = o;
  return rest as T;
}
