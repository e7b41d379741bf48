/**
 * `manage` (note §3.4–§3.6): per node, which pods to create and delete so that every node that
 * should run the daemon has one, nodes that must not run it have none, failed pods are replaced
 * (with per-node backoff) and duplicates are pruned.
 */
import { nodeShouldRunDaemonPod } from './eligibility.ts';
import { isPodAvailable, nodesToDaemonPods, olderPodFirst } from './pods.ts';
import { allowsSurge } from './rollout.ts';
import type { Cluster, DaemonSet, Pod } from './types.ts';
import type { BackoffEntry } from './world.ts';

export const BACKOFF_INITIAL_SECONDS = 1;
export const BACKOFF_MAX_SECONDS = 15 * 60;

export function failedPodsBackoffKey(ds: DaemonSet, node: string): string {
  return `${ds.uid}/${ds.status.observedGeneration}/${node}`;
}

/** flowcontrol.Backoff.IsInBackOffSinceUpdate. */
export function inBackoff(entry: BackoffEntry | undefined, now: number): boolean {
  return entry !== undefined && now - entry.lastUpdate < entry.delay;
}

/** flowcontrol.Backoff.Next: start at 1 s (or again after 2×max idle), else double up to the cap. */
export function nextBackoff(entry: BackoffEntry | undefined, now: number): BackoffEntry {
  if (entry === undefined || now - entry.lastUpdate > 2 * BACKOFF_MAX_SECONDS) {
    return { delay: BACKOFF_INITIAL_SECONDS, lastUpdate: now };
  }
  return { delay: Math.min(entry.delay * 2, BACKOFF_MAX_SECONDS), lastUpdate: now };
}

export interface NodeDecision {
  readonly nodesNeedingPods: readonly string[];
  readonly podsToDelete: readonly string[];
  /** The failed pod deleted now, if any (at most one per node and sync; its backoff entry advances). */
  readonly failedDeleted: readonly string[];
  /** A failed pod was left alone because its node is in backoff. */
  readonly waitingForBackoff: boolean;
}

/** podsShouldBeOnNode for one node and the claimed pods mapped to it. */
export function podsShouldBeOnNode(
  cluster: Cluster,
  ds: DaemonSet,
  nodeName: string,
  pods: readonly Pod[],
  backoff: Readonly<Record<string, BackoffEntry>>,
): NodeDecision {
  const node = cluster.nodes.find((n) => n.name === nodeName);
  const nothing = { nodesNeedingPods: [], podsToDelete: [], failedDeleted: [], waitingForBackoff: false };
  if (!node) return nothing;
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds.spec.template);
  if (shouldRun && pods.length === 0) return { ...nothing, nodesNeedingPods: [nodeName] };
  if (!shouldContinueRunning) {
    return { ...nothing, podsToDelete: pods.filter((p) => !p.terminating).map((p) => p.name) };
  }
  const podsToDelete: string[] = [];
  const failedDeleted: string[] = [];
  let waitingForBackoff = false;
  const running: Pod[] = [];
  // The entry advances inside the loop (podsShouldBeOnNode): after one failed pod is deleted the
  // node is in backoff, so a second failed pod on it waits for a later sync.
  let entry = backoff[failedPodsBackoffKey(ds, nodeName)];
  for (const pod of pods) {
    // A terminating pod is neither running nor deleted again; without surge it blocks a replacement.
    if (pod.terminating) continue;
    if (pod.phase === 'Failed') {
      if (inBackoff(entry, cluster.time)) waitingForBackoff = true;
      else {
        podsToDelete.push(pod.name);
        failedDeleted.push(pod.name);
        entry = nextBackoff(entry, cluster.time);
      }
    } else if (pod.phase === 'Succeeded') {
      podsToDelete.push(pod.name);
    } else {
      running.push(pod);
    }
  }
  const nodesNeedingPods: string[] = [];
  const sorted = [...running].sort(olderPodFirst);
  if (!allowsSurge(ds.spec.updateStrategy)) {
    // Keep the oldest; never create here, so a node whose pods are all terminating waits for them to go.
    for (const extra of sorted.slice(1)) podsToDelete.push(extra.name);
  } else if (sorted.length === 0) {
    if (shouldRun) nodesNeedingPods.push(nodeName);
  } else if (sorted.length >= 2) {
    // Surge handover uses the hash label only (not the template-generation label).
    const oldestNew = sorted.find((p) => p.hash === ds.currentHash);
    const oldestOld = sorted.find((p) => p.hash !== ds.currentHash);
    for (const p of sorted) if (p !== oldestNew && p !== oldestOld) podsToDelete.push(p.name);
    if (oldestNew && oldestOld) {
      if (!oldestOld.ready || isPodAvailable(oldestNew, ds.spec.minReadySeconds, cluster.time)) {
        podsToDelete.push(oldestOld.name);
      }
    }
  }
  return { nodesNeedingPods, podsToDelete, failedDeleted, waitingForBackoff };
}

export interface ManagePlan {
  readonly nodesNeedingPods: readonly string[];
  readonly podsToDelete: readonly string[];
  readonly backoff: Readonly<Record<string, BackoffEntry>>;
  readonly waitingForBackoff: boolean;
}

/**
 * manage: every existing node in name order, then unbound pods pinned to nodes that no longer
 * exist (bound ones there are Pod GC's job).
 */
export function manage(cluster: Cluster, ds: DaemonSet, backoff: Readonly<Record<string, BackoffEntry>>): ManagePlan {
  const byNode = nodesToDaemonPods(cluster.pods, ds);
  const nodesNeedingPods: string[] = [];
  const podsToDelete: string[] = [];
  const nextEntries: Record<string, BackoffEntry> = { ...backoff };
  let waitingForBackoff = false;
  for (const node of [...cluster.nodes].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const decision = podsShouldBeOnNode(cluster, ds, node.name, byNode.get(node.name) ?? [], backoff);
    nodesNeedingPods.push(...decision.nodesNeedingPods);
    podsToDelete.push(...decision.podsToDelete);
    waitingForBackoff ||= decision.waitingForBackoff;
    if (decision.failedDeleted.length > 0) {
      const key = failedPodsBackoffKey(ds, node.name);
      nextEntries[key] = nextBackoff(nextEntries[key], cluster.time);
    }
  }
  const existing = new Set(cluster.nodes.map((n) => n.name));
  for (const [nodeName, pods] of byNode) {
    if (existing.has(nodeName)) continue;
    // Upstream re-issues the delete for an already terminating pod; the model skips that no-op.
    for (const pod of pods) if (!pod.bound && !pod.terminating) podsToDelete.push(pod.name);
  }
  return { nodesNeedingPods, podsToDelete, backoff: nextEntries, waitingForBackoff };
}
