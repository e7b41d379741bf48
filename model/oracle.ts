/**
 * The oracle: what a correct implementation must show. `expectedAtQuiescence` predicts the
 * settled state from any observation; `compareWithExpectation` lists the differences. The
 * per-step safety envelope and the invariant catalogue are in `invariants.ts`.
 */
import { type DeletionExpectation, expectedAfterDeletion } from './deletion.ts';
import type { Observation } from './observation.ts';
import { expectedPlacement, type NodeExpectation } from './placement.ts';
import { claimedPods, isPodAvailable, isPodLive, isPodUpdatedFor } from './pods.ts';
import type { Cluster, DaemonSetStatus, PodTemplate } from './types.ts';
import type { World } from './world.ts';

export interface Violation {
  /** Invariant ID (e.g. `DS-PLACE-01`), or `DS-EXPECT` for a difference from an expectation. */
  readonly id: string;
  readonly message: string;
  readonly node?: string;
  readonly pod?: string;
}

export interface QuiescenceExpectation {
  /**
   * The DaemonSet object: still there (`present`), gone, stuck with a deletionTimestamp, or
   * either of the last two (a race the environment decides, see `expectedAfterDeletion`).
   */
  readonly daemonSet: 'present' | 'absent' | 'deleting' | 'absent-or-deleting';
  /** Every part of the expectation holds (see `reasons` when not). */
  readonly exact: boolean;
  readonly reasons: readonly string[];
  /** Per existing node, in name order; empty when no DaemonSet will exist. */
  readonly nodes: readonly NodeExpectation[];
  /** The status the controller must have written (present and exact only). */
  readonly status?: DaemonSetStatus;
  /** For a deletion in progress (or a removed DaemonSet whose dependents remain): what it leaves. */
  readonly deletion?: DeletionExpectation;
}

/** The status block a quiescent cluster shows when the per-node expectations hold. */
export function statusFromPlacement(nodes: readonly NodeExpectation[], generation: number): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let misscheduled = 0;
  for (const n of nodes) {
    if (!n.shouldRun) {
      if (n.pods > 0) misscheduled++;
      continue;
    }
    desired++;
    if (n.pods === 0) continue;
    current++;
    if (n.ready) ready++;
    if (n.available) available++;
    if (n.updated) updated++;
  }
  return {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    numberAvailable: available,
    updatedNumberScheduled: updated,
    numberUnavailable: desired - available,
    observedGeneration: generation,
  };
}

/**
 * What the cluster settles to from `cluster` if only the controller, scheduler, kubelets and
 * garbage collector act, started pods on Ready nodes pass readiness and time passes.
 */
export function expectedAtQuiescence(cluster: Cluster): QuiescenceExpectation {
  const ds = cluster.daemonSet;
  if (!ds) {
    // Every controlled pod belongs to a vanished owner: the garbage collector removes it.
    const uids = [...new Set(cluster.pods.flatMap((p) => (p.controllerUid ? [p.controllerUid] : [])))];
    const outcomes = uids.map((uid) => expectedAfterDeletion(cluster, uid, 'Background'));
    const reasons = outcomes.flatMap((o) => o.reasons);
    return {
      daemonSet: 'absent',
      exact: reasons.length === 0,
      reasons,
      nodes: [],
      deletion: {
        daemonSetRemoved: true,
        orphanedPods: [],
        orphanedRevisions: [],
        exact: reasons.length === 0,
        reasons,
      },
    };
  }
  if (ds.deleting) {
    const deletion = expectedAfterDeletion(cluster, ds.uid, ds.deleting);
    return {
      daemonSet:
        deletion.daemonSetRemoved === 'maybe'
          ? 'absent-or-deleting'
          : deletion.daemonSetRemoved
            ? 'absent'
            : 'deleting',
      exact: deletion.exact,
      reasons: deletion.reasons,
      nodes: [],
      deletion,
    };
  }
  const placement = expectedPlacement(cluster, ds);
  return {
    daemonSet: 'present',
    exact: placement.exact,
    reasons: placement.reasons,
    nodes: placement.nodes,
    ...(placement.exact ? { status: statusFromPlacement(placement.nodes, ds.generation) } : {}),
  };
}

/**
 * Differences between a (supposedly quiescent) observation and an expectation, computed from
 * this observation or an earlier one. Only exact expectations are compared node by node.
 */
export function compareWithExpectation(obs: Observation, expected: QuiescenceExpectation): Violation[] {
  const v: Violation[] = [];
  const add = (message: string, node?: string) => v.push({ id: 'DS-EXPECT', message, ...(node ? { node } : {}) });
  const ds = obs.daemonSet;
  if (expected.daemonSet === 'absent' && ds && expected.deletion) add('the DaemonSet object should be gone');
  if ((expected.daemonSet === 'present' || expected.daemonSet === 'deleting') && !ds)
    add('the DaemonSet object should still exist');
  if (expected.deletion && expected.exact) {
    for (const name of expected.deletion.orphanedPods) {
      const pod = obs.pods.find((p) => p.name === name);
      if (!pod) add(`orphaned pod ${name} should still exist`);
      else if (pod.controllerUid !== undefined && pod.controllerUid !== ds?.uid)
        add(`pod ${name} should have lost its controller`);
    }
  }
  if (expected.daemonSet !== 'present' || !ds || !expected.exact) return v;
  const live = claimedPods(obs.pods, ds).filter(isPodLive);
  for (const n of expected.nodes) {
    const here = live.filter((p) => p.node === n.node);
    if (here.length !== n.pods) {
      add(`expected ${n.pods} live pod(s), found ${here.length} (${here.map((p) => p.name).join(', ')})`, n.node);
      continue;
    }
    const pod = here[0];
    if (!pod) continue;
    if (n.keeps !== undefined && pod.name !== n.keeps)
      add(`expected pod ${n.keeps} to survive, found ${pod.name}`, n.node);
    if (isPodUpdatedFor(pod, ds) !== n.updated)
      add(`pod ${pod.name} should ${n.updated ? '' : 'not '}be up to date`, n.node);
    if (pod.ready !== n.ready) add(`pod ${pod.name} should ${n.ready ? '' : 'not '}be ready`, n.node);
    const available = isPodAvailable(pod, ds.spec.minReadySeconds, obs.time);
    if (available !== n.available) add(`pod ${pod.name} should ${n.available ? '' : 'not '}be available`, n.node);
  }
  if (expected.status) {
    const s = ds.status;
    for (const [k, want] of Object.entries(expected.status) as [keyof DaemonSetStatus, number][]) {
      if (s[k] !== want) add(`status.${k} is ${s[k]}, expected ${want}`);
    }
  }
  return v;
}

/**
 * A world for the model's own rules, built from any observation (no controller memory; the
 * templates the observation's revisions carry).
 */
export function asWorld(obs: Observation): World {
  const templates: Record<string, PodTemplate> = {};
  for (const r of obs.revisions) if (r.template) templates[r.hash] = r.template;
  const ds = obs.daemonSet;
  if (ds?.currentHash !== undefined) templates[ds.currentHash] = ds.spec.template;
  const { lastStep: _step, ...cluster } = obs;
  return { ...cluster, controller: { backoff: {} }, templates, serial: 0 };
}
