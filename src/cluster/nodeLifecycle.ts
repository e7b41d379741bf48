/**
 * The node lifecycle controller (pkg/controller/nodelifecycle): node conditions become taints
 * (TaintNodesByCondition for NoSchedule, the NoExecute tainting pass for not-ready/unreachable),
 * spec.unschedulable becomes the unschedulable taint, and pods on a node that is not Ready are
 * marked not Ready (MarkPodsNotReady). Heartbeats are not modelled: the node's Ready condition is
 * whatever the environment set it to.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { isApiError } from './apiError.js';
import type { ClusterComponent } from './component.js';
import { isPodTerminal, nodeReadyStatus, setPodCondition } from './kubelet.js';
import { deepCopy, jsonEqual } from './objects.js';
import type { ObjectStore } from './store.js';
import {
  TaintNodeDiskPressure,
  TaintNodeMemoryPressure,
  TaintNodeNetworkUnavailable,
  TaintNodeNotReady,
  TaintNodePIDPressure,
  TaintNodeUnreachable,
  TaintNodeUnschedulable,
} from './taints.js';

/** Condition (type, status) → NoSchedule taint key, as nodeConditionToTaintKeyStatusMap. */
const CONDITION_TAINTS: readonly { type: string; status: string; key: string }[] = [
  { type: 'Ready', status: 'False', key: TaintNodeNotReady },
  { type: 'Ready', status: 'Unknown', key: TaintNodeUnreachable },
  { type: 'MemoryPressure', status: 'True', key: TaintNodeMemoryPressure },
  { type: 'DiskPressure', status: 'True', key: TaintNodeDiskPressure },
  { type: 'NetworkUnavailable', status: 'True', key: TaintNodeNetworkUnavailable },
  { type: 'PIDPressure', status: 'True', key: TaintNodePIDPressure },
];

const sameTaint = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;

/** Every taint this controller owns; any other taint on the node is left alone. */
export function isNodeLifecycleTaint(taint: Taint): boolean {
  if (taint.effect === 'NoSchedule')
    return taint.key === TaintNodeUnschedulable || CONDITION_TAINTS.some((c) => c.key === taint.key);
  if (taint.effect === 'NoExecute') return taint.key === TaintNodeNotReady || taint.key === TaintNodeUnreachable;
  return false;
}

/** The controller-owned taints the node should carry now (NoExecute ones stamped with `now`). */
export function desiredNodeTaints(node: Node, now: string): Taint[] {
  const wanted: Taint[] = [];
  const ready = nodeReadyStatus(node);
  for (const c of CONDITION_TAINTS) {
    const status = c.type === 'Ready' ? ready : node.status?.conditions?.find((x) => x.type === c.type)?.status;
    if (status === c.status) wanted.push({ key: c.key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable === true) wanted.push({ key: TaintNodeUnschedulable, effect: 'NoSchedule' });
  if (ready === 'False') wanted.push({ key: TaintNodeNotReady, effect: 'NoExecute', timeAdded: now });
  if (ready === 'Unknown') wanted.push({ key: TaintNodeUnreachable, effect: 'NoExecute', timeAdded: now });
  return wanted;
}

export class NodeLifecycleController implements ClusterComponent {
  readonly name = 'node-lifecycle';
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  step(): boolean {
    const before = this.#store.resourceVersion;
    for (const node of this.#store.list('Node')) {
      this.#attempt(() => this.#syncTaints(node));
      if (nodeReadyStatus(node) !== 'True') this.#markPodsNotReady(node.metadata?.name ?? '');
    }
    return this.#store.resourceVersion !== before;
  }

  #syncTaints(node: Node): void {
    const now = this.#store.clock.nowTimestamp();
    const current = node.spec?.taints ?? [];
    const wanted = desiredNodeTaints(node, now);
    // Keep everything not ours plus ours that are still wanted (their timeAdded unchanged), then add the rest.
    const next = current.filter((t) => !isNodeLifecycleTaint(t) || wanted.some((w) => sameTaint(w, t)));
    for (const w of wanted) if (!next.some((t) => sameTaint(t, w))) next.push(w);
    if (jsonEqual(next, current)) return;
    const copy = deepCopy(node);
    copy.spec ??= {};
    if (next.length > 0) copy.spec.taints = next;
    else delete copy.spec.taints;
    this.#store.update('Node', copy);
  }

  /** MarkPodsNotReady: every pod bound to the node whose Ready condition is True turns False. */
  #markPodsNotReady(nodeName: string): void {
    const now = this.#store.clock.nowTimestamp();
    for (const pod of this.#store.list('Pod')) {
      if (pod.spec?.nodeName !== nodeName || isPodTerminal(pod)) continue;
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True') continue;
      const status = deepCopy(pod.status ?? {});
      setPodCondition(status, { ...ready, status: 'False' }, now);
      this.#attempt(() => {
        this.#store.updateStatus('Pod', { ...pod, status });
        this.#store.recordEvent({
          involvedObject: {
            kind: 'Pod',
            name: pod.metadata?.name ?? '',
            ...(pod.metadata?.namespace ? { namespace: pod.metadata.namespace } : {}),
            ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
          },
          type: 'Warning',
          reason: 'NodeNotReady',
          message: 'Node is not ready',
        });
      });
    }
  }

  #attempt(work: () => void): void {
    try {
      work();
    } catch (e) {
      if (!isApiError(e)) throw e;
    }
  }
}
