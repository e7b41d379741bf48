/**
 * Facts about single pods the controller relies on: readiness and availability (note §4.3),
 * "is this pod up to date" (§5.6), which pod counts as the oldest (§3.5), and which pods a
 * DaemonSet claims and maps to nodes (§3.3).
 */
import type { DaemonSet, Pod } from './types.ts';

/** Pending or Running: neither Failed nor Succeeded. */
export function isPodActive(pod: Pod): boolean {
  return pod.phase === 'Pending' || pod.phase === 'Running';
}

export function isPodTerminal(pod: Pod): boolean {
  return pod.phase === 'Failed' || pod.phase === 'Succeeded';
}

/** Not terminating and not terminal: a pod that is (or will be) running for the DaemonSet. */
export function isPodLive(pod: Pod): boolean {
  return !pod.terminating && isPodActive(pod);
}

export function isPodReady(pod: Pod): boolean {
  return pod.ready;
}

/** IsPodAvailable: Ready for at least minReadySeconds (inclusive, as in current upstream). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!pod.ready) return false;
  if (minReadySeconds === 0) return true;
  return pod.readySince !== undefined && pod.readySince + minReadySeconds <= now;
}

/** IsPodUpdated: the hash label equals the current hash, or the template-generation label matches. */
export function isPodUpdated(
  pod: Pod,
  currentHash: string | undefined,
  templateGeneration: number | undefined,
): boolean {
  const byHash = currentHash !== undefined && currentHash !== '' && pod.hash === currentHash;
  const byGeneration = templateGeneration !== undefined && pod.templateGeneration === templateGeneration;
  return byHash || byGeneration;
}

/** `isPodUpdated` against a DaemonSet's current revision. */
export function isPodUpdatedFor(pod: Pod, ds: Pick<DaemonSet, 'currentHash' | 'templateGeneration'>): boolean {
  return isPodUpdated(pod, ds.currentHash, ds.templateGeneration);
}

/** podByCreationTimestampAndPhase.Less: bound pods first, then older, then smaller name. */
export function olderPodFirst(a: Pod, b: Pod): number {
  if (a.bound !== b.bound) return a.bound ? -1 : 1;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function oldestPod<P extends Pod>(pods: readonly P[]): P | undefined {
  return [...pods].sort(olderPodFirst)[0];
}

/**
 * ClaimPods as the controller sees it: pods it controls whose labels still match, plus matching
 * orphans it would adopt (a terminating orphan is never adopted, and nothing is adopted while the
 * DaemonSet is being deleted). Pods of other owners are ignored; a controlled pod that stopped
 * matching is released (or, while deleting, left alone), so it is not the DaemonSet's either.
 */
export function claimedPods<P extends Pod>(pods: readonly P[], ds: Pick<DaemonSet, 'uid' | 'deleting'>): P[] {
  return pods.filter(
    (p) =>
      !p.unmatched &&
      (p.controllerUid === ds.uid || (p.controllerUid === undefined && !p.terminating && ds.deleting === undefined)),
  );
}

/** Controlled by the DaemonSet but no longer matching its selector: ClaimPods releases it. */
export function releasablePods<P extends Pod>(pods: readonly P[], ds: Pick<DaemonSet, 'uid' | 'deleting'>): P[] {
  return ds.deleting === undefined ? pods.filter((p) => p.unmatched === true && p.controllerUid === ds.uid) : [];
}

/**
 * getNodesToDaemonPods(includeDeletedTerminal=false): claimed pods grouped by the node they are
 * for, dropping pods that are both terminal and terminating. A node key exists only if a pod maps to it.
 */
export function nodesToDaemonPods<P extends Pod>(
  pods: readonly P[],
  ds: Pick<DaemonSet, 'uid' | 'deleting'>,
): Map<string, P[]> {
  const byNode = new Map<string, P[]>();
  for (const pod of claimedPods(pods, ds)) {
    if (pod.terminating && isPodTerminal(pod)) continue;
    const list = byNode.get(pod.node) ?? [];
    list.push(pod);
    byNode.set(pod.node, list);
  }
  return byNode;
}

/**
 * The pod a controller's create makes for `node` at virtual time `now`, named by the world's
 * serial: Pending, not ready, of the current revision, controlled by the DaemonSet.
 */
export function newPod(ds: DaemonSet, node: string, serial: number, now: number): Pod {
  return {
    name: `${ds.name}-${serial}`,
    node,
    // A template with nodeName produces pods that are bound from the start.
    bound: ds.spec.template.nodeName === node,
    ...(ds.currentHash !== undefined ? { hash: ds.currentHash } : {}),
    templateGeneration: ds.templateGeneration,
    controllerUid: ds.uid,
    phase: 'Pending',
    ready: false,
    terminating: false,
    createdAt: now,
  };
}
