/**
 * The kubelets of every node, as one component. A kubelet starts the pods bound to its node
 * (Pending → Running, then Ready), re-asserts readiness, and finishes graceful deletion with the
 * final grace-0 delete. A kubelet whose node is missing, NotReady or Unknown does nothing: that is
 * how a partitioned node looks from the API server.
 */
import type { Node, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { isApiError } from './apiError.js';
import { parseTimestamp } from './clock.js';
import type { ClusterComponent } from './component.js';
import { matchesRequiredNodeAffinity } from './nodeAffinity.js';
import { deepCopy } from './objects.js';
import type { ObjectStore } from './store.js';
import { findUntoleratedTaint } from './taints.js';

/** A pod carrying this annotation with value "true" never becomes Ready on its own (a wedged daemon). */
export const NeverReadyAnnotation = 'dsconform.io/never-ready';

export interface KubeletOptions {
  /** Seconds from the pod's start until it reports Ready (a readiness probe's delay). Default 0. */
  readyAfterSeconds?: number;
  /** Seconds a deleted pod takes to shut down, capped by its grace period. Default 0. */
  terminationSeconds?: number;
  /**
   * 'auto' (default): pods become Ready readyAfterSeconds after starting, and Ready again when their
   * node recovers. 'events': the kubelet never makes a pod Ready by itself; only setPodReady does
   * (for harnesses whose model treats readiness as an explicit event).
   */
  readiness?: 'auto' | 'events';
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** The node's Ready condition status; a node that reports no Ready condition counts as Ready. */
export function nodeReadyStatus(node: Node): ConditionStatus {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready === undefined) return 'True';
  return ready.status === 'True' || ready.status === 'False' ? ready.status : 'Unknown';
}

export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
}

const CONDITION_FIELDS = ['type', 'status', 'reason', 'message', 'lastTransitionTime', 'lastProbeTime'] as const;

/**
 * Sets one pod condition the way UpdatePodCondition does: lastTransitionTime moves only when the
 * status changes. Returns whether anything changed.
 */
export function setPodCondition(status: PodStatus, condition: PodCondition, now: string): boolean {
  const conditions = status.conditions ?? [];
  const at = conditions.findIndex((c) => c.type === condition.type);
  const old = at >= 0 ? conditions[at] : undefined;
  const kept = old !== undefined && old.status === condition.status ? old.lastTransitionTime : now;
  const next: PodCondition = { ...condition };
  if (kept === undefined) delete next.lastTransitionTime;
  else next.lastTransitionTime = kept;
  if (old !== undefined && CONDITION_FIELDS.every((f) => old[f] === next[f])) return false;
  if (at >= 0) conditions[at] = next;
  else conditions.push(next);
  status.conditions = conditions;
  return true;
}

export class Kubelet implements ClusterComponent {
  readonly name = 'kubelet';
  readyAfterSeconds: number;
  terminationSeconds: number;
  readiness: 'auto' | 'events';
  readonly #store: ObjectStore;
  /** pod uid → readiness forced by setPodReady (fault injection), overriding the normal rule. */
  readonly #forcedReady = new Map<string, boolean>();

  constructor(store: ObjectStore, options: KubeletOptions = {}) {
    this.#store = store;
    this.readyAfterSeconds = options.readyAfterSeconds ?? 0;
    this.terminationSeconds = options.terminationSeconds ?? 0;
    this.readiness = options.readiness ?? 'auto';
  }

  step(): boolean {
    const before = this.#store.resourceVersion;
    const pods = this.#store.list('Pod');
    for (const pod of pods) {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName) continue;
      const node = this.#store.get('Node', undefined, nodeName);
      if (node === undefined || nodeReadyStatus(node) !== 'True') continue;
      this.#attempt(() => {
        if (pod.metadata?.deletionTimestamp != null) this.#finishTermination(pod);
        else if (!pod.status?.phase || pod.status.phase === 'Pending') this.#start(pod, node);
        else if (pod.status.phase === 'Running' && this.readiness === 'auto') this.#syncReadiness(pod);
      });
    }
    const live = new Set(pods.map((p) => p.metadata?.uid));
    for (const uid of [...this.#forcedReady.keys()]) if (!live.has(uid)) this.#forcedReady.delete(uid);
    return this.#store.resourceVersion !== before;
  }

  // --- fault injection -------------------------------------------------------------------------

  /** The pod's containers fail for good: phase Failed, not Ready. */
  failPod(namespace: string, name: string, reason?: string): Pod {
    return this.#terminate(namespace, name, 'Failed', reason);
  }

  /** The pod's containers exit successfully: phase Succeeded, not Ready. */
  succeedPod(namespace: string, name: string): Pod {
    return this.#terminate(namespace, name, 'Succeeded', undefined);
  }

  /**
   * Forces the pod's readiness (a probe that starts failing or passing). A running pod is updated
   * at once; a pending one takes the value when it starts. In 'auto' mode the kubelet keeps
   * re-asserting it until the pod is gone; in 'events' mode it is never re-asserted, so
   * MarkPodsNotReady sticks until the next setPodReady.
   */
  setPodReady(namespace: string, name: string, ready: boolean): void {
    const pod = this.#store.get('Pod', namespace, name);
    const uid = pod?.metadata?.uid;
    if (pod === undefined || uid === undefined) return;
    this.#forcedReady.set(uid, ready);
    if (pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp == null) this.#syncReadiness(pod);
  }

  /**
   * Quiescence's readiness probes: every running, not-ready, non-terminating pod of the namespace
   * on a Ready node passes its probe now (setPodReady). True if any did.
   */
  passReadinessProbes(namespace: string): boolean {
    let changed = false;
    for (const pod of this.#store.list('Pod', namespace)) {
      if (!this.awaitsReadinessProbe(pod)) continue;
      this.setPodReady(namespace, pod.metadata?.name ?? '', true);
      changed = true;
    }
    return changed;
  }

  /** A running, not-ready, non-terminating pod on an existing Ready node: its readiness probe can pass now. */
  awaitsReadinessProbe(pod: Pod): boolean {
    if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp != null) return false;
    if (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true) return false;
    const node = pod.spec?.nodeName ? this.#store.get('Node', undefined, pod.spec.nodeName) : undefined;
    return node !== undefined && nodeReadyStatus(node) === 'True';
  }

  // --- internals -------------------------------------------------------------------------------

  #now(): string {
    return this.#store.clock.nowTimestamp();
  }

  #wantsReady(pod: Pod): boolean {
    const forced = this.#forcedReady.get(pod.metadata?.uid ?? '');
    if (forced !== undefined) return forced;
    if (this.readiness === 'events') return false;
    if (pod.metadata?.annotations?.[NeverReadyAnnotation] === 'true') return false;
    const started = parseTimestamp(pod.status?.startTime) ?? this.#store.clock.nowMs();
    return this.#store.clock.nowMs() >= started + this.readyAfterSeconds * 1000;
  }

  /** Pod admission (lifecycle.generalFilter), then the containers start. */
  #start(pod: Pod, node: Node): void {
    const status = deepCopy(pod.status ?? {});
    const rejection = admissionFailure(pod, node);
    if (rejection !== undefined) {
      status.phase = 'Failed';
      status.reason = rejection.reason;
      status.message = rejection.message;
    } else {
      const now = this.#now();
      status.phase = 'Running';
      status.startTime ??= now;
      const ready = this.#wantsReady({ ...pod, status });
      setPodCondition(status, { type: 'Initialized', status: 'True' }, now);
      setPodCondition(status, readyCondition('Ready', ready), now);
      setPodCondition(status, readyCondition('ContainersReady', ready), now);
      setPodCondition(status, { type: 'PodScheduled', status: 'True' }, now);
    }
    this.#store.updateStatus('Pod', { ...pod, status });
  }

  #syncReadiness(pod: Pod): void {
    const status = deepCopy(pod.status ?? {});
    const ready = this.#wantsReady(pod);
    const now = this.#now();
    const a = setPodCondition(status, readyCondition('Ready', ready), now);
    const b = setPodCondition(status, readyCondition('ContainersReady', ready), now);
    if (a || b) this.#store.updateStatus('Pod', { ...pod, status });
  }

  /**
   * Shutdown takes `terminationSeconds` from the start of deletion but never outlasts the grace
   * period. The kubelet then reports a terminal phase and removes the pod with a grace-0 delete
   * (finalizers, if any, keep it in the API until they are removed).
   */
  #finishTermination(pod: Pod): void {
    const meta = pod.metadata ?? {};
    const deadline = parseTimestamp(meta.deletionTimestamp) ?? 0;
    const started = deadline - (meta.deletionGracePeriodSeconds ?? 0) * 1000;
    const finish = Math.min(started + this.terminationSeconds * 1000, deadline);
    if (this.#store.clock.nowMs() < finish) return;
    if (!isPodTerminal(pod)) {
      const status = deepCopy(pod.status ?? {});
      const now = this.#now();
      // Containers killed on deletion end the pod as Failed (kubelet >= 1.27 sets a terminal phase).
      status.phase = 'Failed';
      setPodCondition(status, readyCondition('Ready', false), now);
      setPodCondition(status, readyCondition('ContainersReady', false), now);
      this.#store.updateStatus('Pod', { ...pod, status });
    }
    if (meta.deletionGracePeriodSeconds !== 0) {
      this.#store.delete('Pod', meta.namespace, meta.name ?? '', {
        gracePeriodSeconds: 0,
        ...(meta.uid ? { preconditions: { uid: meta.uid } } : {}),
      });
    }
  }

  #terminate(namespace: string, name: string, phase: 'Failed' | 'Succeeded', reason: string | undefined): Pod {
    const now = this.#now();
    return this.#store.modify(
      'Pod',
      namespace,
      name,
      (pod) => {
        const status = deepCopy(pod.status ?? {});
        status.phase = phase;
        if (reason !== undefined) status.reason = reason;
        const why = phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed';
        setPodCondition(status, { type: 'Ready', status: 'False', reason: why }, now);
        setPodCondition(status, { type: 'ContainersReady', status: 'False', reason: why }, now);
        (pod as { status?: PodStatus }).status = status;
      },
      'status',
    );
  }

  #attempt(work: () => void): void {
    try {
      work();
    } catch (e) {
      // Conflicts, vanished pods and injected faults: the kubelet tries again next step.
      if (!isApiError(e)) throw e;
    }
  }
}

function readyCondition(type: 'Ready' | 'ContainersReady', ready: boolean): PodCondition {
  return ready ? { type, status: 'True' } : { type, status: 'False', reason: 'ContainersNotReady' };
}

/** The kubelet's own admission: required node affinity, and NoExecute taints it does not tolerate. */
function admissionFailure(pod: Pod, node: Node): { reason: string; message: string } | undefined {
  if (!matchesRequiredNodeAffinity(pod.spec, node)) {
    return {
      reason: 'NodeAffinity',
      message: "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
    };
  }
  if (findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, ['NoExecute']) !== undefined) {
    return {
      reason: 'Taint',
      message: 'Pod was rejected: Predicate TaintToleration failed: node(s) had untolerated taint',
    };
  }
  return undefined;
}
