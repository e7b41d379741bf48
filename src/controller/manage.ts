/**
 * manage: make every node's daemon pods what eligibility says they should be (create where
 * missing, delete where forbidden, duplicated, failed or succeeded).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ControllerRevisionHashLabel } from '../cluster/objects.js';
import { comparePodsOldestFirst, isPodAvailable, isPodReady } from './podTemplate.js';
import type { SyncContext } from './syncContext.js';
import { syncNodes } from './syncNodes.js';

export interface NodeDecision {
  nodesNeedingDaemonPods: string[];
  podsToDelete: string[];
}

/** failedPodsBackoffKey: a new observed generation starts a fresh backoff. */
export function failedPodsBackoffKey(ctx: SyncContext, nodeName: string): string {
  return `${ctx.ds.metadata?.uid ?? ''}/${ctx.ds.status?.observedGeneration ?? 0}/${nodeName}`;
}

/** podsShouldBeOnNode: the per-node decision of §3.4. */
export function podsShouldBeOnNode(
  ctx: SyncContext,
  node: Node,
  nodeToDaemonPods: ReadonlyMap<string, readonly Pod[]>,
  hash: string,
  /** Where to add the decision (manage collects every node's in one); a new one by default. */
  result: NodeDecision = { nodesNeedingDaemonPods: [], podsToDelete: [] },
): NodeDecision {
  const { ds } = ctx;
  const nodeName = node.metadata?.name ?? '';
  const { shouldRun, shouldContinueRunning } = ctx.rules.shouldRun(node, ds);
  const daemonPods = nodeToDaemonPods.get(nodeName) ?? [];
  const exists = daemonPods.length > 0;

  if (shouldRun && !exists) {
    result.nodesNeedingDaemonPods.push(nodeName);
    return result;
  }
  if (shouldContinueRunning) {
    const running: Pod[] = [];
    for (const pod of daemonPods) {
      if (pod.metadata?.deletionTimestamp != null) continue; // respect termination
      const name = pod.metadata?.name ?? '';
      const namespace = pod.metadata?.namespace ?? 'default';
      if (pod.status?.phase === 'Failed' && ctx.rules.replaceFailedPods) {
        const backoffKey = failedPodsBackoffKey(ctx, nodeName);
        if (ctx.failedPodsBackoff.isInBackOffSinceUpdate(backoffKey, ctx.nowMs)) {
          ctx.enqueueAfter(ctx.key, ctx.failedPodsBackoff.get(backoffKey));
          continue;
        }
        ctx.failedPodsBackoff.next(backoffKey, ctx.nowMs);
        ctx.control.recordEvent(
          ds,
          'Warning',
          'FailedDaemonPod',
          `Found failed daemon pod ${namespace}/${name} on node ${nodeName}, will try to kill it`,
        );
        result.podsToDelete.push(name);
      } else if (pod.status?.phase === 'Succeeded') {
        ctx.control.recordEvent(
          ds,
          'Normal',
          'SucceededDaemonPod',
          `Found succeeded daemon pod ${namespace}/${name} on node ${nodeName}, will try to delete it`,
        );
        result.podsToDelete.push(name);
      } else {
        running.push(pod);
      }
    }

    if (!ctx.rules.allowsSurge(ds)) {
      // Keep the oldest running pod, delete the rest; never create here (wait for terminations).
      if (running.length > 1) {
        running.sort(comparePodsOldestFirst);
        for (const pod of running.slice(1)) result.podsToDelete.push(pod.metadata?.name ?? '');
      }
      return result;
    }

    if (running.length <= 1) {
      if (running.length === 0 && shouldRun) result.nodesNeedingDaemonPods.push(nodeName);
      return result;
    }
    // Surge: keep the oldest pod of the current hash and the oldest of any other hash.
    running.sort(comparePodsOldestFirst);
    let oldestNew: Pod | undefined;
    let oldestOld: Pod | undefined;
    for (const pod of running) {
      const isNew = pod.metadata?.labels?.[ControllerRevisionHashLabel] === hash;
      if (isNew && oldestNew === undefined) oldestNew = pod;
      else if (!isNew && oldestOld === undefined) oldestOld = pod;
      else result.podsToDelete.push(pod.metadata?.name ?? '');
    }
    if (oldestNew !== undefined && oldestOld !== undefined) {
      const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
      if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReadySeconds, ctx.nowMs)) {
        result.podsToDelete.push(oldestOld.metadata?.name ?? '');
      }
    }
    return result;
  }
  if (exists) {
    // Not allowed to continue: delete everything that is not already going.
    for (const pod of daemonPods) {
      if (pod.metadata?.deletionTimestamp == null) result.podsToDelete.push(pod.metadata?.name ?? '');
    }
  }
  return result;
}

/** The grouping's node names that are not nodes (any more), sorted; usually there are none. */
export function vanishedNodeNames(
  nodes: readonly Node[],
  nodeToDaemonPods: ReadonlyMap<string, readonly Pod[]>,
): string[] {
  let existing = 0;
  for (const node of nodes) if (nodeToDaemonPods.has(node.metadata?.name ?? '')) existing++;
  if (existing === nodeToDaemonPods.size) return [];
  const known = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  return [...nodeToDaemonPods.keys()].filter((name) => !known.has(name)).sort();
}

/** getUnscheduledPodsWithoutNode: unbound pods pinned to nodes that no longer exist. */
export function unscheduledPodsWithoutNode(
  nodes: readonly Node[],
  nodeToDaemonPods: ReadonlyMap<string, readonly Pod[]>,
): string[] {
  const result: string[] = [];
  for (const nodeName of vanishedNodeNames(nodes, nodeToDaemonPods)) {
    for (const pod of nodeToDaemonPods.get(nodeName) ?? []) {
      if (!pod.spec?.nodeName) result.push(pod.metadata?.name ?? '');
    }
  }
  return result;
}

export function manage(ctx: SyncContext, hash: string): Error[] {
  const nodeToDaemonPods = ctx.nodesToDaemonPods(false);
  const decisions: NodeDecision = { nodesNeedingDaemonPods: [], podsToDelete: [] };
  for (const node of ctx.nodes) podsShouldBeOnNode(ctx, node, nodeToDaemonPods, hash, decisions);
  const { nodesNeedingDaemonPods, podsToDelete } = decisions;
  if (ctx.rules.deleteUnscheduledPodsOfVanishedNodes) {
    podsToDelete.push(...unscheduledPodsWithoutNode(ctx.nodes, nodeToDaemonPods));
  }
  return syncNodes(ctx, podsToDelete, nodesNeedingDaemonPods, hash);
}
