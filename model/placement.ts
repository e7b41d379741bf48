/**
 * Expected per-node state at quiescence, stated declaratively (note §3.4, §5): given the
 * cluster now, which pod each node ends up with once the controller, scheduler, kubelets and
 * garbage collector have run to a fixpoint, every started pod on a Ready node has become ready
 * and enough time has passed (minReadySeconds, failed-pod backoff), with no further user or
 * environment events. `quiescence.ts` reaches the same state by running the model's actors; a
 * test checks that the two agree.
 */
import { mayBeTaintEvicted, podTemplate } from './deletion.ts';
import { kubeletAdmits, nodeShouldRunDaemonPod, schedulerFits } from './eligibility.ts';
import { claimedPods, isPodAvailable, isPodLive, isPodUpdatedFor, oldestPod } from './pods.ts';
import { allowsSurge, desiredNodes, rolloutBudgets } from './rollout.ts';
import type { Cluster, DaemonSet, Pod } from './types.ts';

export interface NodeExpectation {
  readonly node: string;
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
  /** Live (non-terminating, non-terminal) DaemonSet pods on the node: 0 or 1. */
  readonly pods: 0 | 1;
  /** Name of the existing pod that must be the survivor; absent when a pod created later is expected. */
  readonly keeps?: string;
  /** The expected pod is up to date (IsPodUpdated against the current revision). */
  readonly updated: boolean;
  readonly ready: boolean;
  readonly available: boolean;
}

export interface Placement {
  /**
   * True when the healthy environment settles this cluster completely: every node Ready and
   * every unbound pod schedulable. Otherwise `reasons` says why and per-node answers for
   * nodes that are not Ready, or depend on them through a rollout budget, are best effort.
   */
  readonly exact: boolean;
  readonly reasons: readonly string[];
  readonly nodes: readonly NodeExpectation[];
}

/** Why a healthy environment would not settle this cluster fully (empty when it would). */
export function inexactReasons(cluster: Cluster, ds: DaemonSet): string[] {
  const reasons: string[] = [];
  for (const node of cluster.nodes) {
    if (node.ready !== 'True') reasons.push(`node ${node.name} is not Ready: its kubelet does not move pods`);
  }
  for (const pod of claimedPods(cluster.pods, ds)) {
    if (pod.bound || !isPodLive(pod)) continue;
    const node = cluster.nodes.find((n) => n.name === pod.node);
    if (!node) continue;
    const template = podTemplate(cluster, pod);
    if (template === undefined) reasons.push(`unbound pod ${pod.name}: its template is unknown`);
    else if (!schedulerFits(node, template))
      reasons.push(`unbound pod ${pod.name} can never be scheduled to ${node.name}`);
  }
  return reasons;
}

/**
 * The pod that survives on a node whose pods may stay (shouldContinueRunning), before the
 * rollout replaces it: with surge the oldest pod carrying the current hash (manage keeps it
 * and drops the old one once it is available), otherwise the oldest live pod.
 */
function survivor(ds: DaemonSet, live: readonly Pod[]): Pod | undefined {
  if (allowsSurge(ds.spec.updateStrategy)) {
    const newest = oldestPod(live.filter((p) => p.hash === ds.currentHash));
    if (newest) return newest;
  }
  return oldestPod(live);
}

/** Expected placement at quiescence of an existing DaemonSet that is not being deleted. */
export function expectedPlacement(cluster: Cluster, ds: DaemonSet): Placement {
  const reasons = inexactReasons(cluster, ds);
  const nodeByName = new Map(cluster.nodes.map((n) => [n.name, n]));
  // An unbound pod that the scheduler will bind sorts after bound pods now and among them later.
  const asBound = (p: Pod): Pod => {
    const node = nodeByName.get(p.node);
    const template = podTemplate(cluster, p);
    return !p.bound && node && template && schedulerFits(node, template) ? { ...p, bound: true } : p;
  };
  const live = claimedPods(cluster.pods, ds).filter(isPodLive);
  const strategy = ds.spec.updateStrategy;
  const budgets = rolloutBudgets(strategy, desiredNodes(cluster, ds).length);
  // rollingUpdate picks its branch by maxSurge scaled against desired (not AllowsSurge): with
  // surge old pods always go; without, an available old pod needs maxUnavailable ≥ 1. Both are
  // 0 only when no node is desired and the budgets are percentages.
  const replacesOutOfDate = strategy.type === 'RollingUpdate' && (budgets.maxSurge > 0 || budgets.maxUnavailable > 0);
  const nodes = [...cluster.nodes]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((node): NodeExpectation => {
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds.spec.template);
      const base = { node: node.name, shouldRun, shouldContinueRunning };
      const none = { ...base, pods: 0 as const, updated: false, ready: false, available: false };
      if (!shouldContinueRunning) return none;
      // A bound pod that has not started and that the node no longer admits (its own template's
      // nodeSelector or NoExecute tolerations) will fail at the kubelet and be replaced.
      const rejected = (p: Pod) => {
        if (!p.bound || p.phase !== 'Pending' || node.ready !== 'True') return false;
        const template = podTemplate(cluster, p);
        if (template === undefined) {
          reasons.push(`bound pod ${p.name} has an unknown template: the kubelet may reject it`);
          return false;
        }
        return !kubeletAdmits(node, template);
      };
      const here = live.filter((p) => p.node === node.name && !rejected(p));
      const kept = survivor(ds, here);
      const keptOnceBound = survivor(ds, here.map(asBound));
      if (kept && keptOnceBound && kept.name !== keptOnceBound.name) {
        reasons.push(
          `which of ${kept.name} and ${keptOnceBound.name} stays on ${node.name} depends on whether the scheduler binds first`,
        );
      }
      const keep = kept && !(replacesOutOfDate && !isPodUpdatedFor(kept, ds)) ? kept : undefined;
      if (
        keep &&
        strategy.type === 'RollingUpdate' &&
        !isPodUpdatedFor(keep, ds) &&
        !isPodAvailable(keep, ds.spec.minReadySeconds, cluster.time)
      ) {
        // rollingUpdate deletes an out-of-date pod that is not available whatever the budget.
        reasons.push(`out-of-date pod ${keep.name} stays only if it becomes available before a sync`);
      }
      if (keep && mayBeTaintEvicted(cluster, keep)) {
        // Its own tolerations decide (not the template's): an adopted orphan may lack the defaults.
        reasons.push(`pod ${keep.name} may be evicted by a NoExecute taint of ${node.name} and replaced`);
      }
      if (keep) {
        return { ...base, pods: 1, keeps: keep.name, updated: isPodUpdatedFor(keep, ds), ready: true, available: true };
      }
      return shouldRun ? { ...base, pods: 1, updated: true, ready: true, available: true } : none;
    });
  return { exact: reasons.length === 0, reasons, nodes };
}
