/**
 * Rolling updates (note §5.3–§5.5): the budgets, and what one `rollingUpdate` pass may delete and
 * create. Iteration over nodes is in name order; upstream iterates a map, so which candidates a
 * pass picks is arbitrary there and properties compare counts, not identities.
 */
import { shouldRun } from './eligibility.ts';
import { isPodAvailable, isPodUpdated, nodesToDaemonPods } from './pods.ts';
import type { Cluster, DaemonSet, IntOrPercent, Pod, UpdateStrategy } from './types.ts';

/** intstr.GetScaledValueFromIntOrPercent with roundUp: ints as-is, `"p%"` → ceil(p·total/100). */
export function scaledValue(value: IntOrPercent, total: number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) throw new Error(`invalid int-or-percent ${JSON.stringify(value)}`);
  return Math.ceil((Number(match[1]) * total) / 100);
}

/** util.AllowsSurge: maxSurge scales to something positive (ceil makes any positive percent ≥ 1). */
export function allowsSurge(strategy: UpdateStrategy): boolean {
  return strategy.type === 'RollingUpdate' && scaledValue(strategy.maxSurge, 1) > 0;
}

export interface Budgets {
  readonly desired: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/**
 * updatedDesiredNodeCounts' arithmetic: both budgets scale against the number of nodes that
 * should run a pod; if that number is positive and both come out 0, maxUnavailable becomes 1
 * so a rollout can always move.
 */
export function rolloutBudgets(strategy: UpdateStrategy, desired: number): Budgets {
  if (strategy.type !== 'RollingUpdate') return { desired, maxSurge: 0, maxUnavailable: 0 };
  const maxSurge = scaledValue(strategy.maxSurge, desired);
  let maxUnavailable = scaledValue(strategy.maxUnavailable, desired);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { desired, maxSurge, maxUnavailable };
}

/** Existing nodes (by name) where the DaemonSet's current template should run. */
export function desiredNodes(cluster: Pick<Cluster, 'nodes'>, ds: DaemonSet): string[] {
  return cluster.nodes.filter((n) => shouldRun(n, ds.spec.template)).map((n) => n.name);
}

/**
 * The node → pods map rollingUpdate works on: claimed pods by node (terminal-and-terminating
 * dropped), including nodes that are not desired or no longer exist, plus an empty entry for
 * every desired node without pods. Sorted by node name.
 */
export function rolloutNodeEntries(cluster: Cluster, ds: DaemonSet): Array<[string, Pod[]]> {
  const byNode = nodesToDaemonPods(cluster.pods, ds);
  for (const name of desiredNodes(cluster, ds)) if (!byNode.has(name)) byNode.set(name, []);
  return [...byNode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface UpdatedPodsOnNode {
  readonly newPod?: Pod;
  readonly oldPod?: Pod;
  /** False when more than one new or more than one old non-terminating pod is there (manage prunes first). */
  readonly ok: boolean;
}

/** findUpdatedPodsOnNode: ignore terminating pods; at most one up-to-date and one out-of-date pod. */
export function findUpdatedPodsOnNode(pods: readonly Pod[], ds: DaemonSet): UpdatedPodsOnNode {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.terminating) continue;
    if (isPodUpdated(pod, ds.currentHash, ds.templateGeneration)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { ok: true, ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}) };
}

export interface RolloutPlan {
  readonly budgets: Budgets;
  /** Names of pods to delete. */
  readonly podsToDelete: readonly string[];
  /** Nodes that get a new pod (surge only). */
  readonly nodesNeedingPods: readonly string[];
  /** Nodes counted unavailable (no surge) or surging (surge) during the pass. */
  readonly numUnavailable: number;
  readonly numSurge: number;
  readonly numAvailable: number;
  /** Upstream aborts a surge pass that meets an old-only pod on a node missing from the node list. */
  readonly error?: string;
}

/** rollingUpdate for a RollingUpdate DaemonSet: the deletions and surge creations one pass asks for. */
export function planRollingUpdate(cluster: Cluster, ds: DaemonSet): RolloutPlan {
  const entries = rolloutNodeEntries(cluster, ds);
  const budgets = rolloutBudgets(ds.spec.updateStrategy, desiredNodes(cluster, ds).length);
  const available = (p: Pod) => isPodAvailable(p, ds.spec.minReadySeconds, cluster.time);
  const nodeByName = new Map(cluster.nodes.map((n) => [n.name, n]));

  if (budgets.maxSurge === 0) {
    let numUnavailable = 0;
    const allowedReplacementPods: string[] = [];
    const candidatePodsToDelete: string[] = [];
    for (const [, pods] of entries) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, ds);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
        numUnavailable++;
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          // An old pod that is not serving anyway may always be replaced.
          allowedReplacementPods.push(oldPod.name);
          numUnavailable++;
        } else if (numUnavailable < budgets.maxUnavailable) {
          candidatePodsToDelete.push(oldPod.name);
        }
      }
    }
    const take = Math.min(Math.max(budgets.maxUnavailable - numUnavailable, 0), candidatePodsToDelete.length);
    return {
      budgets,
      podsToDelete: [...allowedReplacementPods, ...candidatePodsToDelete.slice(0, take)],
      nodesNeedingPods: [],
      numUnavailable,
      numSurge: 0,
      numAvailable: 0,
    };
  }

  let numSurge = 0;
  let numAvailable = 0;
  const oldPodsToDelete: string[] = [];
  const shouldNotRunPodsToDelete: string[] = [];
  const allowedNewNodes: string[] = [];
  const candidateNewNodes: string[] = [];
  for (const [nodeName, pods] of entries) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, ds);
    if (!ok) {
      numSurge++;
      continue;
    }
    // Availability counts every node, even ones the DaemonSet is leaving.
    if (oldPod ? available(oldPod) : newPod !== undefined && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      const node = nodeByName.get(nodeName);
      if (!node) {
        const error = `node ${nodeName} of out-of-date pod ${oldPod.name} not found`;
        return { budgets, podsToDelete: [], nodesNeedingPods: [], numUnavailable: 0, numSurge, numAvailable, error };
      }
      const run = shouldRun(node, ds.spec.template);
      if (!available(oldPod)) {
        if (run) allowedNewNodes.push(nodeName);
        else oldPodsToDelete.push(oldPod.name);
      } else if (!run) {
        shouldNotRunPodsToDelete.push(oldPod.name);
      } else if (numSurge < budgets.maxSurge) {
        candidateNewNodes.push(nodeName);
      }
    } else if (!available(newPod)) {
      numSurge++;
    } else {
      oldPodsToDelete.push(oldPod.name);
    }
  }
  // Keep availability when eligibility moves between nodes: only give up pods beyond `desired` (#118823).
  const deletable = Math.min(Math.max(numAvailable - budgets.desired, 0), shouldNotRunPodsToDelete.length);
  const take = Math.min(Math.max(budgets.maxSurge - numSurge, 0), candidateNewNodes.length);
  return {
    budgets,
    podsToDelete: [...oldPodsToDelete, ...shouldNotRunPodsToDelete.slice(0, deletable)],
    nodesNeedingPods: [...allowedNewNodes, ...candidateNewNodes.slice(0, take)],
    numUnavailable: 0,
    numSurge,
    numAvailable,
  };
}
