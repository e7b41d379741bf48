/**
 * The tolerations every daemon pod gets (util.AddOrUpdateDaemonPodTolerations), and the merge
 * rule that puts them into a pod spec (v1helper.AddOrUpdateTolerationInPodSpec).
 */
import type { PodSpec, Toleration } from 'kubernetes-types/core/v1.js';
import {
  TaintNodeDiskPressure,
  TaintNodeMemoryPressure,
  TaintNodeNetworkUnavailable,
  TaintNodeNotReady,
  TaintNodePIDPressure,
  TaintNodeUnreachable,
  TaintNodeUnschedulable,
} from '../cluster/taints.js';

function exists(key: string, effect: 'NoSchedule' | 'NoExecute'): Toleration {
  return { key, operator: 'Exists', effect };
}

/** In upstream order: not-ready and unreachable (NoExecute, no tolerationSeconds: never evicted), then the NoSchedule ones. */
export function defaultDaemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const tolerations = [
    exists(TaintNodeNotReady, 'NoExecute'),
    exists(TaintNodeUnreachable, 'NoExecute'),
    exists(TaintNodeDiskPressure, 'NoSchedule'),
    exists(TaintNodeMemoryPressure, 'NoSchedule'),
    exists(TaintNodePIDPressure, 'NoSchedule'),
    exists(TaintNodeUnschedulable, 'NoSchedule'),
  ];
  if (hostNetwork) tolerations.push(exists(TaintNodeNetworkUnavailable, 'NoSchedule'));
  return tolerations;
}

/** Toleration.MatchToleration: same key, operator, value and effect (tolerationSeconds may differ). */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? '') === (b.operator ?? '') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '')
  );
}

/**
 * Merges the defaults into `spec.tolerations` in place. A user toleration that matches a default
 * is replaced by it, so a finite tolerationSeconds on not-ready/unreachable becomes infinite
 * (kubernetes#92960); upstream's "unchanged if equal" branch never fires (see semantics note §13.3).
 */
export function addOrUpdateDaemonPodTolerations(spec: PodSpec): void {
  const tolerations = [...(spec.tolerations ?? [])];
  for (const wanted of defaultDaemonPodTolerations(spec.hostNetwork === true)) {
    let replaced = false;
    for (let i = 0; i < tolerations.length; i++) {
      if (sameToleration(tolerations[i] as Toleration, wanted)) {
        tolerations[i] = { ...wanted };
        replaced = true;
      }
    }
    if (!replaced) tolerations.push({ ...wanted });
  }
  spec.tolerations = tolerations;
}
