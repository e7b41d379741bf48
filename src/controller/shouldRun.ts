/**
 * Which nodes should run a daemon pod: NodeShouldRunDaemonPod and its `predicates`.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { matchesRequiredNodeAffinity } from '../cluster/nodeAffinity.js';
import type { DaemonSet } from '../cluster/objects.js';
import { deepCopy } from '../cluster/objects.js';
import { findUntoleratedTaint } from '../cluster/taints.js';
import { addOrUpdateDaemonPodTolerations } from './tolerations.js';

export interface ShouldRunResult {
  /** A pod should be created here if none exists. */
  shouldRun: boolean;
  /** An existing pod may stay; false means the controller deletes it. */
  shouldContinueRunning: boolean;
  /** Why not, for people: `nodeName`, `nodeSelector/affinity`, or the untolerated taint. */
  reason?: string;
}

/** NewPod: the hypothetical pod used for the decision, with the default tolerations merged in. */
export function newPod(ds: DaemonSet, nodeName: string): Pod {
  const template = ds.spec?.template ?? {};
  const spec = deepCopy(template.spec ?? { containers: [] });
  spec.nodeName = nodeName;
  addOrUpdateDaemonPodTolerations(spec);
  return {
    metadata: { ...deepCopy(template.metadata ?? {}), namespace: ds.metadata?.namespace ?? 'default' },
    spec,
  };
}

/**
 * NodeShouldRunDaemonPod. NoSchedule and NoExecute taints decide shouldRun; only NoExecute decides
 * shouldContinueRunning; PreferNoSchedule, node conditions, unschedulable and resources play no part.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): ShouldRunResult {
  const nodeName = node.metadata?.name ?? '';
  const templateNodeName = ds.spec?.template?.spec?.nodeName;
  if (templateNodeName && templateNodeName !== nodeName) {
    return { shouldRun: false, shouldContinueRunning: false, reason: `template nodeName is ${templateNodeName}` };
  }
  const pod = newPod(ds, nodeName);
  if (!matchesRequiredNodeAffinity(pod.spec, node)) {
    return { shouldRun: false, shouldContinueRunning: false, reason: 'nodeSelector/affinity does not match' };
  }
  const taints = node.spec?.taints;
  const tolerations = pod.spec?.tolerations;
  const blocking = findUntoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute']);
  if (blocking === undefined) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findUntoleratedTaint(taints, tolerations, ['NoExecute']);
  const taint = evicting ?? blocking;
  return {
    shouldRun: false,
    shouldContinueRunning: evicting === undefined,
    reason: `untolerated taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`,
  };
}
