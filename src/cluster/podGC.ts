/**
 * Pod garbage collection (pkg/controller/podgc): force-deletes (grace 0) pods that no kubelet will
 * ever finish: pods bound to nodes that no longer exist (after a quarantine), terminating pods
 * that were never bound, terminating pods on out-of-service nodes, and terminated pods beyond a
 * threshold. Each is first marked Failed, since no kubelet will report a terminal phase for it.
 */
import type { PodCondition } from 'kubernetes-types/core/v1.js';
import { isApiError } from './apiError.js';
import { parseTimestamp } from './clock.js';
import type { ClusterComponent } from './component.js';
import { isPodTerminal, nodeReadyStatus, setPodCondition } from './kubelet.js';
import { deepCopy, type Pod } from './objects.js';
import type { ObjectStore } from './store.js';

export const TaintNodeOutOfService = 'node.kubernetes.io/out-of-service';

export interface PodGCOptions {
  /** How long a node must stay missing before its pods are deleted (upstream: 40 s). Default 0. */
  quarantineSeconds?: number;
  /** Terminated pods beyond this many are deleted, oldest first; 0 disables (upstream default 12500). */
  terminatedPodThreshold?: number;
}

export class PodGCController implements ClusterComponent {
  readonly name = 'pod-gc';
  quarantineSeconds: number;
  terminatedPodThreshold: number;
  readonly #store: ObjectStore;
  /** Missing node name → when this controller first saw a pod bound to it. */
  readonly #missingSince = new Map<string, number>();

  constructor(store: ObjectStore, options: PodGCOptions = {}) {
    this.#store = store;
    this.quarantineSeconds = options.quarantineSeconds ?? 0;
    this.terminatedPodThreshold = options.terminatedPodThreshold ?? 0;
  }

  step(): boolean {
    const before = this.#store.resourceVersion;
    const pods = this.#store.list('Pod');
    if (this.terminatedPodThreshold > 0) this.#gcTerminated(pods);
    this.#gcTerminating(pods);
    this.#gcOrphaned(pods);
    this.#gcUnscheduledTerminating(pods);
    return this.#store.resourceVersion !== before;
  }

  #gcTerminated(pods: readonly Pod[]): void {
    const terminated = pods.filter(isPodTerminal);
    const excess = terminated.length - this.terminatedPodThreshold;
    if (excess <= 0) return;
    // byEvictionAndCreationTimestamp: evicted pods first, then oldest, then by name.
    const evicted = (p: Pod) => p.status?.phase === 'Failed' && p.status.reason === 'Evicted';
    const sorted = [...terminated].sort((a, b) => {
      if (evicted(a) !== evicted(b)) return evicted(a) ? -1 : 1;
      const ta = parseTimestamp(a.metadata?.creationTimestamp) ?? 0;
      const tb = parseTimestamp(b.metadata?.creationTimestamp) ?? 0;
      if (ta !== tb) return ta - tb;
      return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
    });
    for (const pod of sorted.slice(0, excess)) this.#markFailedAndDelete(pod, undefined);
  }

  /** Terminating pods on a NotReady node carrying the out-of-service taint (non-graceful shutdown). */
  #gcTerminating(pods: readonly Pod[]): void {
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp == null || !pod.spec?.nodeName) continue;
      const node = this.#store.get('Node', undefined, pod.spec.nodeName);
      if (node === undefined || nodeReadyStatus(node) === 'True') continue;
      if ((node.spec?.taints ?? []).some((t) => t.key === TaintNodeOutOfService))
        this.#markFailedAndDelete(pod, undefined);
    }
  }

  #gcOrphaned(pods: readonly Pod[]): void {
    const nowMs = this.#store.clock.nowMs();
    const missing = new Set<string>();
    for (const pod of pods) {
      const nodeName = pod.spec?.nodeName;
      if (nodeName && this.#store.get('Node', undefined, nodeName) === undefined) missing.add(nodeName);
    }
    for (const name of [...this.#missingSince.keys()]) if (!missing.has(name)) this.#missingSince.delete(name);
    for (const name of missing) if (!this.#missingSince.has(name)) this.#missingSince.set(name, nowMs);
    for (const pod of pods) {
      const since = this.#missingSince.get(pod.spec?.nodeName ?? '');
      if (since === undefined || nowMs < since + this.quarantineSeconds * 1000) continue;
      this.#markFailedAndDelete(pod, {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByPodGC',
        message: 'PodGC: node no longer exists',
      });
    }
  }

  #gcUnscheduledTerminating(pods: readonly Pod[]): void {
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp != null && !pod.spec?.nodeName) this.#markFailedAndDelete(pod, undefined);
    }
  }

  /** markFailedAndDeletePodWithCondition: phase Failed (plus the condition), then delete with grace 0. */
  #markFailedAndDelete(pod: Pod, condition: PodCondition | undefined): void {
    const meta = pod.metadata ?? {};
    try {
      const latest = this.#store.get('Pod', meta.namespace, meta.name ?? '');
      if (latest === undefined || latest.metadata?.uid !== meta.uid) return;
      if (!isPodTerminal(latest)) {
        const status = deepCopy(latest.status ?? {});
        status.phase = 'Failed';
        if (condition !== undefined) setPodCondition(status, condition, this.#store.clock.nowTimestamp());
        this.#store.updateStatus('Pod', { ...latest, status });
      }
      // A pod held by finalizers is already at grace 0 after the first pass: nothing more to ask.
      if (latest.metadata?.deletionGracePeriodSeconds === 0) return;
      this.#store.delete('Pod', meta.namespace, meta.name ?? '', {
        gracePeriodSeconds: 0,
        ...(meta.uid ? { preconditions: { uid: meta.uid } } : {}),
      });
    } catch (e) {
      if (!isApiError(e)) throw e;
    }
  }
}
