/**
 * The status block (note §4.1–§4.2): what updateDaemonSetStatus computes, and the equations any
 * written status satisfies. Counts are per node, not per pod, and only existing nodes count.
 */
import { nodeShouldRunDaemonPod } from './eligibility.ts';
import { isPodAvailable, isPodUpdatedFor, nodesToDaemonPods, oldestPod } from './pods.ts';
import type { Cluster, DaemonSet, DaemonSetStatus } from './types.ts';

export type StatusCounters = Omit<DaemonSetStatus, 'observedGeneration'>;

export const STATUS_COUNTERS = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'numberAvailable',
  'updatedNumberScheduled',
  'numberUnavailable',
] as const satisfies readonly (keyof StatusCounters)[];

export const EMPTY_STATUS: DaemonSetStatus = {
  currentNumberScheduled: 0,
  numberMisscheduled: 0,
  desiredNumberScheduled: 0,
  numberReady: 0,
  numberAvailable: 0,
  updatedNumberScheduled: 0,
  numberUnavailable: 0,
  observedGeneration: 0,
};

/**
 * updateDaemonSetStatus' counters. For a node that should run a pod, the oldest mapped pod
 * (terminating and failed ones included) decides ready/available/updated; a node that should
 * not run one but has a mapped pod is misscheduled, even if the pod may stay there.
 */
export function computeStatus(cluster: Cluster, ds: DaemonSet): StatusCounters {
  const byNode = nodesToDaemonPods(cluster.pods, ds);
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of cluster.nodes) {
    const pods = byNode.get(node.name) ?? [];
    if (!nodeShouldRunDaemonPod(node, ds.spec.template).shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    const pod = oldestPod(pods);
    if (!pod) continue;
    current++;
    if (pod.ready) {
      ready++;
      if (isPodAvailable(pod, ds.spec.minReadySeconds, cluster.time)) available++;
    }
    if (isPodUpdatedFor(pod, ds)) updated++;
  }
  return {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    numberAvailable: available,
    updatedNumberScheduled: updated,
    numberUnavailable: desired - available,
  };
}

/** The counters differ (storeDaemonSetStatus writes only then, or when observedGeneration lags). */
export function countersDiffer(a: StatusCounters, b: StatusCounters): boolean {
  return STATUS_COUNTERS.some((k) => a[k] !== b[k]);
}

/**
 * Equations every written status satisfies, whatever the cluster looks like now: returns the
 * ones that fail, as readable strings.
 */
export function statusEquationViolations(status: DaemonSetStatus): string[] {
  const s = status;
  const failures: string[] = [];
  const check = (ok: boolean, text: string) => {
    if (!ok) failures.push(text);
  };
  for (const k of [...STATUS_COUNTERS, 'observedGeneration'] as const) check(s[k] >= 0, `${k} ≥ 0 (is ${s[k]})`);
  check(
    s.desiredNumberScheduled >= s.currentNumberScheduled,
    `desired ≥ current (${s.desiredNumberScheduled} < ${s.currentNumberScheduled})`,
  );
  check(s.currentNumberScheduled >= s.numberReady, `current ≥ ready (${s.currentNumberScheduled} < ${s.numberReady})`);
  check(s.numberReady >= s.numberAvailable, `ready ≥ available (${s.numberReady} < ${s.numberAvailable})`);
  check(
    s.currentNumberScheduled >= s.updatedNumberScheduled,
    `current ≥ updated (${s.currentNumberScheduled} < ${s.updatedNumberScheduled})`,
  );
  check(
    s.numberUnavailable === s.desiredNumberScheduled - s.numberAvailable,
    `unavailable = desired − available (${s.numberUnavailable} ≠ ${s.desiredNumberScheduled} − ${s.numberAvailable})`,
  );
  return failures;
}
