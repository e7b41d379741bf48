/**
 * Rollout progress at rest (note §5.3–§5.5; issue 14): a RollingUpdate may stop short of the
 * goal only where its budget is spent. Stated per remaining out-of-date pod, over the settled
 * cluster, so it holds for any order in which a controller spends its budget and needs no
 * prediction of the settled state. DS-ROLL-05 checks it at quiescence, and the oracle
 * (`oracle.ts`) requires it wherever it allows an out-of-date pod to stay within budget, e.g.
 * when NotReady nodes may spend maxUnavailable for good.
 *
 * The budget terms are upstream's definitions (rollingUpdate in update.go): nodes "unavailable"
 * for maxUnavailable, nodes "surging" for maxSurge, and available nodes for the #118823 rule.
 */
import { shouldRun } from './eligibility.ts';
import { isPodAvailable, isPodLive } from './pods.ts';
import { type Budgets, desiredNodes, findUpdatedPodsOnNode, rolloutBudgets, rolloutNodeEntries } from './rollout.ts';
import type { Cluster, DaemonSet, Pod } from './types.ts';

export interface RolloutAccounting {
  readonly budgets: Budgets;
  /** Nodes that count against maxUnavailable: no single pod, two pods, or a pod that is not available. */
  readonly numUnavailable: number;
  /** Nodes that count against maxSurge: more than one old or new pod, or a new pod not yet available beside an old one. */
  readonly numSurge: number;
  /** Nodes whose serving pod (the old one where there is one) is available. */
  readonly numAvailable: number;
}

/** The budget accounting of a cluster, node by node (desired nodes without pods included). */
export function rolloutAccounting(cluster: Cluster, ds: DaemonSet): RolloutAccounting {
  const available = (p: Pod) => isPodAvailable(p, ds.spec.minReadySeconds, cluster.time);
  let numUnavailable = 0;
  let numSurge = 0;
  let numAvailable = 0;
  for (const [, pods] of rolloutNodeEntries(cluster, ds)) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, ds);
    if (!ok) {
      numUnavailable++;
      numSurge++;
      continue;
    }
    const serving = oldPod ?? newPod;
    if (!serving || (oldPod && newPod) || !available(serving)) numUnavailable++;
    if (oldPod && newPod && !available(newPod)) numSurge++;
    if (serving && available(serving)) numAvailable++;
  }
  const budgets = rolloutBudgets(ds.spec.updateStrategy, desiredNodes(cluster, ds).length);
  return { budgets, numUnavailable, numSurge, numAvailable };
}

export interface StalledPod {
  readonly pod: string;
  readonly node: string;
  /** Why the rollout may not stop with this pod out of date. */
  readonly reason: string;
}

/**
 * Live out-of-date pods that a settled RollingUpdate must not leave: each one either may always
 * be replaced (it is not available, or its replacement already is), or the budget it needs is
 * not spent. Nodes with more than one old or new pod, and pods on vanished nodes, are left to the
 * placement and safety invariants.
 */
export function stalledRolloutPods(cluster: Cluster, ds: DaemonSet): StalledPod[] {
  if (ds.spec.updateStrategy.type !== 'RollingUpdate') return [];
  const { budgets, numUnavailable, numSurge, numAvailable } = rolloutAccounting(cluster, ds);
  const available = (p: Pod) => isPodAvailable(p, ds.spec.minReadySeconds, cluster.time);
  const nodeByName = new Map(cluster.nodes.map((n) => [n.name, n]));
  const out: StalledPod[] = [];
  for (const [nodeName, pods] of rolloutNodeEntries(cluster, ds)) {
    const node = nodeByName.get(nodeName);
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, ds);
    if (!node || !ok || !oldPod || !isPodLive(oldPod)) continue;
    const stalled = (reason: string) => out.push({ pod: oldPod.name, node: nodeName, reason });
    if (budgets.maxSurge === 0) {
      if (newPod) continue; // two pods on a node: manage's to prune
      if (!available(oldPod)) stalled('it is not available, so it may be replaced whatever the budget');
      else if (numUnavailable < budgets.maxUnavailable)
        stalled(`maxUnavailable is ${budgets.maxUnavailable} and only ${numUnavailable} node(s) count as unavailable`);
      continue;
    }
    if (newPod) {
      if (available(newPod)) stalled(`its replacement ${newPod.name} is available`);
      continue;
    }
    const run = shouldRun(node, ds.spec.template);
    if (!available(oldPod)) stalled('it is not available, so it may be replaced whatever the budget');
    else if (!run && numAvailable > budgets.desired)
      stalled(
        `the node no longer qualifies and ${numAvailable} nodes are available where ${budgets.desired} are desired`,
      );
    else if (run && numSurge < budgets.maxSurge)
      stalled(`maxSurge is ${budgets.maxSurge} and only ${numSurge} node(s) are surging`);
  }
  return out;
}
