/**
 * rollingUpdate (update.go): replace out-of-date pods within maxUnavailable (no surge), or start
 * new pods beside old ones within maxSurge (surge). Creates and deletes go through syncNodes.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { vanishedNodeNames } from './manage.js';
import { getTemplateGeneration, isPodAvailable, isPodUpdated } from './podTemplate.js';
import type { SyncContext } from './syncContext.js';
import { syncNodes } from './syncNodes.js';

/** findUpdatedPodsOnNode: at most one new and one old non-terminating pod, else not ok. */
export function findUpdatedPodsOnNode(
  pods: readonly Pod[],
  hash: string,
  generation: bigint | undefined,
  updated: (pod: Pod, hash: string, generation: bigint | undefined) => boolean = isPodUpdated,
): { ok: boolean; newPod?: Pod; oldPod?: Pod } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp != null) continue;
    if (updated(pod, hash, generation)) {
      if (newPod !== undefined) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod !== undefined) return { ok: false };
      oldPod = pod;
    }
  }
  return { ok: true, ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}) };
}

/**
 * updatedDesiredNodeCounts: every desired node gets an (empty) entry, then the budgets. Entries
 * come back in node-list order, then the remaining ones by name (upstream iterates a Go map).
 */
const NO_PODS: readonly Pod[] = Object.freeze([]);

export function updatedDesiredNodeCounts(
  ctx: SyncContext,
  nodes: readonly Node[],
  nodeToDaemonPods: ReadonlyMap<string, readonly Pod[]>,
): { maxSurge: number; maxUnavailable: number; desired: number; entries: [string, readonly Pod[]][] } {
  // Upstream adds an empty entry to the map for each node that should run the pod and has none;
  // here that entry is made where the entries are listed, and the (shared) grouping stays as it is.
  let desired = 0;
  const ordered: [string, readonly Pod[]][] = [];
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const shouldRun = ctx.rules.shouldRun(node, ctx.ds).shouldRun;
    if (shouldRun) desired++;
    const pods = nodeToDaemonPods.get(name) ?? (shouldRun ? NO_PODS : undefined);
    if (pods !== undefined) ordered.push([name, pods]);
  }
  const { maxSurge, maxUnavailable } = ctx.rules.budgets(ctx.ds, desired);
  // Then the pods of nodes that no longer exist, by name.
  for (const name of vanishedNodeNames(nodes, nodeToDaemonPods)) {
    ordered.push([name, nodeToDaemonPods.get(name) as readonly Pod[]]);
  }
  return { maxSurge, maxUnavailable, desired, entries: ctx.rules.orderRolloutNodes(ordered) };
}

export function rollingUpdate(ctx: SyncContext, hash: string): Error[] {
  const { ds, nowMs } = ctx;
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  const available = (pod: Pod) => isPodAvailable(pod, minReadySeconds, nowMs);
  const generation = getTemplateGeneration(ds);
  let budgets: ReturnType<typeof updatedDesiredNodeCounts>;
  try {
    budgets = updatedDesiredNodeCounts(ctx, ctx.nodes, ctx.nodesToDaemonPods(false));
  } catch (e) {
    return [new Error(`couldn't get unavailable numbers: ${(e as Error).message}`)];
  }
  const { maxSurge, maxUnavailable, desired, entries } = budgets;

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowedReplacementPods: string[] = [];
    const candidatePodsToDelete: string[] = [];
    for (const [, pods] of entries) {
      const { ok, newPod, oldPod } = findUpdatedPodsOnNode(pods, hash, generation, ctx.rules.isPodUpdated);
      if (!ok) {
        numUnavailable++; // manage will prune the duplicates
        continue;
      }
      if ((oldPod === undefined && newPod === undefined) || (oldPod !== undefined && newPod !== undefined)) {
        numUnavailable++;
      } else if (newPod !== undefined) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod !== undefined) {
        if (!available(oldPod)) {
          // An unavailable old pod is replaced whatever the budget.
          allowedReplacementPods.push(oldPod.metadata?.name ?? '');
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) {
          candidatePodsToDelete.push(oldPod.metadata?.name ?? '');
        }
      }
    }
    const remaining = ctx.rules.rolloutReplacements(
      Math.min(Math.max(maxUnavailable - numUnavailable, 0), candidatePodsToDelete.length),
    );
    return syncNodes(ctx, [...allowedReplacementPods, ...candidatePodsToDelete.slice(0, remaining)], [], hash);
  }

  let numSurge = 0;
  let numAvailable = 0;
  const shouldNotRunPodsToDelete: string[] = [];
  const allowedNewNodes: string[] = [];
  const candidateNewNodes: string[] = [];
  const oldPodsToDelete: string[] = [];
  for (const [nodeName, pods] of entries) {
    const { ok, newPod, oldPod } = findUpdatedPodsOnNode(pods, hash, generation, ctx.rules.isPodUpdated);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod !== undefined && available(oldPod)) numAvailable++;
    else if (newPod !== undefined && available(newPod)) numAvailable++;

    if (oldPod === undefined) continue; // manage handles nodes without an old pod
    if (newPod === undefined) {
      const node = ctx.nodeByName(nodeName);
      if (node === undefined) return [new Error(`node "${nodeName}" not found`)]; // semantics note §13.6
      const { shouldRun } = ctx.rules.shouldRun(node, ds);
      if (!available(oldPod)) {
        if (!shouldRun) oldPodsToDelete.push(oldPod.metadata?.name ?? '');
        else allowedNewNodes.push(nodeName); // replace an unavailable old pod whatever the surge budget
      } else if (!shouldRun) {
        shouldNotRunPodsToDelete.push(oldPod.metadata?.name ?? '');
      } else if (numSurge < maxSurge) {
        candidateNewNodes.push(nodeName);
      }
      continue;
    }
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    oldPodsToDelete.push(oldPod.metadata?.name ?? ''); // the new pod is available: retire the old one
  }
  const remainingSurge = ctx.rules.rolloutReplacements(
    Math.min(Math.max(maxSurge - numSurge, 0), candidateNewNodes.length),
  );
  const newNodesToCreate = [...allowedNewNodes, ...candidateNewNodes.slice(0, remainingSurge)];
  // Old pods on nodes that no longer qualify go only while availability stays above desired (#118823).
  const deletable = numAvailable - desired;
  if (deletable > 0) oldPodsToDelete.push(...shouldNotRunPodsToDelete.slice(0, deletable));
  return syncNodes(ctx, oldPodsToDelete, newNodesToCreate, hash);
}
