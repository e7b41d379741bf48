/**
 * The oracle: what a correct implementation must show. `expectedAtQuiescence` predicts the
 * settled state from any observation; `compareWithExpectation` lists the differences. The
 * per-step safety envelope and the invariant catalogue are in `invariants.ts`.
 */
import { type DeletionExpectation, expectedAfterDeletion } from './deletion.ts';
import type { Observation } from './observation.ts';
import { expectedPlacement, type NodeExpectation, type NodeOutcome, type PodOutcome } from './placement.ts';
import { claimedPods, isPodAvailable, isPodLive, isPodUpdatedFor, olderPodFirst } from './pods.ts';
import { stalledRolloutPods } from './progress.ts';
import { computeStatus } from './status.ts';
import type { Cluster, DaemonSetStatus, Pod, PodTemplate } from './types.ts';
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
  /**
   * Every allowed outcome is listed (`unstated` is empty), so `compareWithExpectation` judges the
   * settled cluster node by node. See `oracleIsComplete`.
   */
  readonly complete: boolean;
  /** What the oracle could not state (empty when complete). */
  readonly unstated: readonly string[];
  /**
   * Narrower than `complete`: the healthy environment settles the cluster to a single state (every
   * node Ready, every unbound pod schedulable, one outcome per node, no dependent stuck on a node
   * whose kubelet is down); `reasons` says why not. The oracle is complete either way; the
   * invariants use this to recognise clusters that cannot reach the DaemonSet's goal.
   */
  readonly exact: boolean;
  readonly reasons: readonly string[];
  /** Per existing node, in name order; empty when no DaemonSet will exist. */
  readonly nodes: readonly NodeExpectation[];
  /** The status the controller must have written, when one outcome per node is allowed (exact). */
  readonly status?: DaemonSetStatus;
  /** For a deletion in progress (or a removed DaemonSet whose dependents remain): what it leaves. */
  readonly deletion?: DeletionExpectation;
}

/**
 * The oracle stated every allowed outcome of this case: the harness counts the cases where it
 * could not (issue 14: zero on every profile).
 */
export function oracleIsComplete(expected: QuiescenceExpectation): boolean {
  return expected.complete;
}

/** The status block a quiescent cluster shows when each node has its single expected outcome. */
export function statusFromPlacement(nodes: readonly NodeExpectation[], generation: number): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let misscheduled = 0;
  for (const n of nodes) {
    // The oldest pod counts: the out-of-date one of a surge that cannot finish.
    const pod = n.outcomes[0]?.pods[0];
    if (!n.shouldRun) {
      if (pod) misscheduled++;
      continue;
    }
    desired++;
    if (!pod) continue;
    current++;
    if (pod.ready) ready++;
    if (pod.available) available++;
    if (pod.updated) updated++;
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
 * What the cluster settles to from `cluster` if only the controller, scheduler, kubelets, taint
 * eviction and garbage collector act, started pods on Ready nodes pass readiness and time passes.
 * Nodes that are not Ready stay so: their kubelets do nothing.
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
      complete: true,
      unstated: [],
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
      complete: true,
      unstated: [],
      exact: deletion.exact,
      reasons: deletion.reasons,
      nodes: [],
      deletion,
    };
  }
  const placement = expectedPlacement(cluster, ds);
  return {
    daemonSet: 'present',
    complete: placement.unstated.length === 0,
    unstated: placement.unstated,
    exact: placement.exact && placement.unstated.length === 0,
    reasons: [...placement.reasons, ...placement.unstated],
    nodes: placement.nodes,
    ...(placement.exact ? { status: statusFromPlacement(placement.nodes, ds.generation) } : {}),
  };
}

function describePod(p: PodOutcome): string {
  const state = [p.updated ? 'up to date' : 'out of date', p.ready ? 'ready' : 'not ready'];
  if (p.ready) state.push(p.available ? 'available' : 'not available');
  return `${p.name ?? 'a new pod'} (${state.join(', ')})`;
}

function describeOutcome(o: NodeOutcome): string {
  return o.pods.length === 0 ? 'no live pod' : o.pods.map(describePod).join(' + ');
}

/**
 * Differences between a (supposedly quiescent) observation and an expectation, computed from
 * this observation or an earlier one. A complete expectation is compared node by node: each
 * node must show one of its allowed outcomes; a RollingUpdate may stop short only where its
 * budget is spent (stalledRolloutPods); the status block counts what is there.
 */
export function compareWithExpectation(obs: Observation, expected: QuiescenceExpectation): Violation[] {
  const v: Violation[] = [];
  const add = (message: string, node?: string) => v.push({ id: 'DS-EXPECT', message, ...(node ? { node } : {}) });
  const ds = obs.daemonSet;
  if (expected.daemonSet === 'absent' && ds && expected.deletion) add('the DaemonSet object should be gone');
  if ((expected.daemonSet === 'present' || expected.daemonSet === 'deleting') && !ds)
    add('the DaemonSet object should still exist');
  if (expected.deletion && expected.complete) {
    for (const name of expected.deletion.orphanedPods) {
      // An orphaned pod whose labels no longer match is one beside the DaemonSet now.
      const pod = obs.pods.find((p) => p.name === name) ?? obs.bystanders?.find((p) => p.name === name);
      if (!pod) add(`orphaned pod ${name} should still exist`);
      else if (pod.controllerUid !== undefined && pod.controllerUid !== ds?.uid)
        add(`pod ${name} should have lost its controller`);
    }
  }
  if (expected.daemonSet !== 'present' || !ds || !expected.complete) return v;
  const live = claimedPods(obs.pods, ds).filter(isPodLive);
  const matches = (want: PodOutcome, pod: Pod) =>
    (want.name === undefined || want.name === pod.name) &&
    want.updated === isPodUpdatedFor(pod, ds) &&
    want.ready === pod.ready &&
    want.available === isPodAvailable(pod, ds.spec.minReadySeconds, obs.time);
  const shows = (o: NodeOutcome, here: readonly Pod[]) => {
    if (o.pods.length !== here.length) return false;
    const [a, b] = o.pods;
    const [x, y] = here;
    if (!a || !x) return true;
    if (!b || !y) return matches(a, x);
    return (matches(a, x) && matches(b, y)) || (matches(a, y) && matches(b, x));
  };
  for (const n of expected.nodes) {
    const here = live.filter((p) => p.node === n.node).sort(olderPodFirst);
    if (n.outcomes.some((o) => shows(o, here))) continue;
    const found = here.length === 0 ? 'no live pod' : here.map((p) => p.name).join(', ');
    const allowed = n.outcomes.map(describeOutcome);
    add(`expected ${allowed.length > 1 ? `one of: ${allowed.join(' | ')}` : allowed[0]}; found ${found}`, n.node);
  }
  if (ds.spec.updateStrategy.type === 'RollingUpdate') {
    for (const s of stalledRolloutPods(obs, ds))
      add(`out-of-date pod ${s.pod} should have been replaced: ${s.reason}`, s.node);
  }
  const want: DaemonSetStatus = expected.status ?? { ...computeStatus(obs, ds), observedGeneration: ds.generation };
  const s = ds.status;
  for (const [k, value] of Object.entries(want) as [keyof DaemonSetStatus, number][]) {
    if (s[k] !== value) add(`status.${k} is ${s[k]}, expected ${value}`);
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
