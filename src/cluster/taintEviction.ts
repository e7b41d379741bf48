/**
 * The taint eviction controller (pkg/controller/tainteviction): pods bound to a node with NoExecute
 * taints they do not tolerate are deleted; pods that tolerate them only for a while are deleted
 * once that while is over.
 *
 * As upstream, the clock for a finite toleration starts when the controller first sees the pod on
 * the tainted node (its scheduled eviction's createdAt), not at the taint's timeAdded; a scheduled
 * eviction keeps its fire time while the pod stays tolerated on the same node, and is cancelled
 * when the taints go or become tolerated forever.
 */
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { isApiError } from './apiError.js';
import type { ClusterComponent } from './component.js';
import { setPodCondition } from './kubelet.js';
import { deepCopy } from './objects.js';
import type { ObjectStore } from './store.js';
import { toleratesTaint } from './taints.js';

interface ScheduledEviction {
  uid: string;
  nodeName: string;
  createdAtMs: number;
  fireAtMs: number;
}

export type EvictionDecision =
  | { kind: 'none' }
  | { kind: 'now' }
  /** Tolerated for `seconds` more, counted from when the eviction is scheduled. */
  | { kind: 'later'; seconds: number };

/**
 * What the NoExecute taints mean for a pod with these tolerations. Each taint is matched by the
 * first toleration that tolerates it (GetMatchingTolerations); the shortest finite
 * tolerationSeconds among those wins, and zero or negative means at once (getMinTolerationTime).
 */
export function evictionDecision(
  noExecuteTaints: readonly Taint[],
  tolerations: readonly Toleration[] | undefined,
): EvictionDecision {
  if (noExecuteTaints.length === 0) return { kind: 'none' };
  const used: Toleration[] = [];
  for (const taint of noExecuteTaints) {
    const match = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (match === undefined) return { kind: 'now' };
    used.push(match);
  }
  let min = Number.POSITIVE_INFINITY;
  for (const t of used) {
    if (t.tolerationSeconds == null) continue;
    if (t.tolerationSeconds <= 0) return { kind: 'now' };
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Number.POSITIVE_INFINITY ? { kind: 'none' } : { kind: 'later', seconds: min };
}

export class TaintEvictionController implements ClusterComponent {
  readonly name = 'taint-eviction';
  readonly #store: ObjectStore;
  /** namespace/name → the pending eviction of that pod. */
  readonly #scheduled = new Map<string, ScheduledEviction>();

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /** Fire times of pending evictions (virtual ms), for tests and traces. */
  scheduledEvictions(): ReadonlyMap<string, { nodeName: string; fireAtMs: number }> {
    return new Map([...this.#scheduled].map(([key, s]) => [key, { nodeName: s.nodeName, fireAtMs: s.fireAtMs }]));
  }

  step(): boolean {
    const before = this.#store.resourceVersion;
    const nowMs = this.#store.clock.nowMs();
    const seen = new Set<string>();
    for (const pod of this.#store.list('Pod')) {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName || pod.metadata?.deletionTimestamp != null) continue;
      const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
      const uid = pod.metadata?.uid ?? '';
      const node = this.#store.get('Node', undefined, nodeName);
      const taints = (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
      const decision = evictionDecision(taints, pod.spec?.tolerations);
      if (decision.kind === 'none') continue;
      if (decision.kind === 'now') {
        this.#evict(pod);
        continue;
      }
      let scheduled = this.#scheduled.get(key);
      if (scheduled === undefined || scheduled.uid !== uid || scheduled.nodeName !== nodeName) {
        scheduled = { uid, nodeName, createdAtMs: nowMs, fireAtMs: nowMs + decision.seconds * 1000 };
        this.#scheduled.set(key, scheduled);
      }
      seen.add(key);
      if (nowMs >= scheduled.fireAtMs) this.#evict(pod);
    }
    // Whatever was not re-confirmed this step is cancelled (pod gone, moved, or now tolerated forever).
    for (const key of [...this.#scheduled.keys()]) if (!seen.has(key)) this.#scheduled.delete(key);
    return this.#store.resourceVersion !== before;
  }

  /** addConditionAndDeletePod: DisruptionTarget first, then an ordinary (graceful) delete. */
  #evict(pod: Pod): void {
    const meta = pod.metadata ?? {};
    const now = this.#store.clock.nowTimestamp();
    try {
      const status = deepCopy(pod.status ?? {});
      const changed = setPodCondition(
        status,
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
        },
        now,
      );
      if (changed) this.#store.updateStatus('Pod', { ...pod, status });
      this.#store.recordEvent({
        involvedObject: {
          kind: 'Pod',
          name: meta.name ?? '',
          ...(meta.namespace ? { namespace: meta.namespace } : {}),
          ...(meta.uid ? { uid: meta.uid } : {}),
        },
        type: 'Normal',
        reason: 'TaintManagerEviction',
        message: `Marking for deletion Pod ${meta.namespace ?? ''}/${meta.name ?? ''}`,
      });
      this.#store.delete('Pod', meta.namespace, meta.name ?? '', meta.uid ? { preconditions: { uid: meta.uid } } : {});
    } catch (e) {
      if (!isApiError(e)) throw e;
    }
  }
}
