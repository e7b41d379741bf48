/**
 * The default scheduler, reduced to the filters that matter for DaemonSet pods: NodeUnschedulable,
 * TaintToleration (NoSchedule and NoExecute) and NodeAffinity (nodeSelector plus required node
 * affinity). A pod goes to the first feasible node in store order; DaemonSet pods are pinned to a
 * single node by a matchFields term, so scoring never matters for them.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isApiError } from './apiError.js';
import type { ClusterComponent } from './component.js';
import { isPodTerminal } from './kubelet.js';
import { matchesRequiredNodeAffinity } from './nodeAffinity.js';
import type { ObjectStore } from './store.js';
import { findUntoleratedTaint, TaintNodeUnschedulable, taintIsTolerated } from './taints.js';

/** Pods naming another scheduler are left for it. */
const DefaultSchedulerName = 'default-scheduler';

/** Why `pod` cannot go to `node` (the first failing filter, in the default plugin order), or undefined if it fits. */
export function unfitReason(pod: Pod, node: Node): string | undefined {
  if (
    node.spec?.unschedulable === true &&
    !taintIsTolerated({ key: TaintNodeUnschedulable, effect: 'NoSchedule' }, pod.spec?.tolerations)
  ) {
    return 'node(s) were unschedulable';
  }
  const taint = findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, ['NoSchedule', 'NoExecute']);
  if (taint !== undefined) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  if (!matchesRequiredNodeAffinity(pod.spec, node)) return "node(s) didn't match Pod's node affinity/selector";
  return undefined;
}

/** The FailedScheduling message, shaped like the scheduler's FitError. */
export function failedSchedulingMessage(reasons: readonly string[]): string {
  if (reasons.length === 0) return 'no nodes available to schedule pods';
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${reasons.length} nodes are available: ${parts.join(', ')}.`;
}

export class Scheduler implements ClusterComponent {
  readonly name = 'scheduler';
  readonly #store: ObjectStore;
  /** Uids of pods already given a FailedScheduling event (one per pod keeps the event log short). */
  readonly #reported = new Set<string>();

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  step(): boolean {
    const before = this.#store.resourceVersion;
    const nodes = this.#store.list('Node');
    const pending = new Set<string>();
    for (const pod of this.#store.list('Pod')) {
      if (!this.#wants(pod)) continue;
      const uid = pod.metadata?.uid ?? '';
      const reasons: string[] = [];
      let chosen: Node | undefined;
      for (const node of nodes) {
        const reason = unfitReason(pod, node);
        if (reason === undefined) {
          chosen = node;
          break;
        }
        reasons.push(reason);
      }
      if (chosen !== undefined && this.#bind(pod, chosen.metadata?.name ?? '')) continue;
      pending.add(uid);
      if (chosen === undefined && !this.#reported.has(uid)) {
        this.#reported.add(uid);
        this.#store.recordEvent({
          involvedObject: {
            kind: 'Pod',
            name: pod.metadata?.name ?? '',
            ...(pod.metadata?.namespace ? { namespace: pod.metadata.namespace } : {}),
            ...(uid ? { uid } : {}),
          },
          type: 'Warning',
          reason: 'FailedScheduling',
          message: failedSchedulingMessage(reasons),
        });
      }
    }
    for (const uid of [...this.#reported]) if (!pending.has(uid)) this.#reported.delete(uid);
    return this.#store.resourceVersion !== before;
  }

  /** Pending, unbound, not being deleted, and addressed to this scheduler. */
  #wants(pod: Pod): boolean {
    if (pod.spec === undefined || pod.spec.nodeName) return false;
    if (pod.metadata?.deletionTimestamp != null || isPodTerminal(pod)) return false;
    const schedulerName = pod.spec.schedulerName;
    return !schedulerName || schedulerName === DefaultSchedulerName;
  }

  /** Binding: sets spec.nodeName, guarded by the pod's uid and resourceVersion. */
  #bind(pod: Pod, nodeName: string): boolean {
    try {
      this.#store.update('Pod', { ...pod, spec: { ...(pod.spec ?? { containers: [] }), nodeName } });
      return true;
    } catch (e) {
      if (!isApiError(e)) throw e;
      return false;
    }
  }
}
