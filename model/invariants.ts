/**
 * The invariant catalogue: every property dsconform checks, with a stable ID, a one-line
 * statement, the property of the semantics note (§9, P1–P24) and the upstream tests it mirrors,
 * and a check over abstract observations. `docs/invariants.md` is generated from this list.
 *
 * Scopes say when a check applies:
 * - `always`: on any observation;
 * - `step`: on an observation and the one before it (`lastStep` says what happened between);
 * - `quiescent`: on an observation the harness has driven to quiescence.
 * Checks must not throw; each returns the violations it finds (none when it does not apply).
 */

import { BURST_REPLICAS } from './controller.ts';
import { mayBeTaintEvicted } from './deletion.ts';
import { defaultDaemonTolerations, nodeShouldRunDaemonPod, shouldRun } from './eligibility.ts';
import { historySettled, historyWithinLimit } from './history.ts';
import { failedPodsBackoffKey, inBackoff, nextBackoff } from './manage.ts';
import { type ControllerWrites, NO_WRITES, type Observation, writeCount } from './observation.ts';
import { compareWithExpectation, expectedAtQuiescence, type Violation } from './oracle.ts';
import { claimedPods, isPodAvailable, isPodLive, isPodTerminal, isPodUpdatedFor, releasablePods } from './pods.ts';
import { rolloutAccounting, stalledRolloutPods } from './progress.ts';
import { allowsSurge, findUpdatedPodsOnNode, rolloutNodeEntries } from './rollout.ts';
import { computeStatus, STATUS_COUNTERS, statusEquationViolations } from './status.ts';
import type { DaemonSet, Pod } from './types.ts';
import type { BackoffEntry } from './world.ts';

export type { Violation } from './oracle.ts';

export interface CheckContext {
  /** The observation to check (after the step). */
  readonly obs: Observation;
  /** The observation before the step; step invariants need it. */
  readonly prev?: Observation;
  /** Every observation of the run so far, oldest first, ending with `obs` (DS-BACKOFF-01 uses it). */
  readonly history?: readonly Observation[];
}

export type InvariantScope = 'always' | 'step' | 'quiescent';

export type InvariantFamily =
  | 'eligibility'
  | 'placement'
  | 'safety'
  | 'status'
  | 'sync'
  | 'rollout'
  | 'history'
  | 'ownership'
  | 'deletion'
  | 'shape'
  | 'backoff';

export interface Invariant {
  /** Stable ID, `DS-<FAMILY>-<nn>`; never reused for a different property. */
  readonly id: string;
  readonly family: InvariantFamily;
  readonly scope: InvariantScope;
  /** One line, in Kubernetes terms. */
  readonly statement: string;
  /** The properties of the semantics note (§9) it covers, e.g. `['P2']`. */
  readonly properties: readonly string[];
  /** Upstream unit tests, e2e tests (`[Conformance]` marked) or issues it corresponds to. */
  readonly upstream: readonly string[];
  readonly check: (ctx: CheckContext) => readonly Violation[];
}

// --- helpers over observations ---------------------------------------------------------------

const writesOf = (obs: Observation): ControllerWrites => obs.lastStep?.controller ?? NO_WRITES;

/** A pod of the DaemonSet's, or one beside it (released pods and other controllers' pods are still pods). */
const podNamed = (obs: Observation, name: string): Pod | undefined =>
  obs.pods.find((p) => p.name === name) ?? obs.bystanders?.find((p) => p.name === name);

/** Live pods the DaemonSet controls or would adopt (ClaimPods) on `node`. */
function liveOn(obs: Observation, ds: DaemonSet, node: string): Pod[] {
  return claimedPods(obs.pods, ds).filter((p) => p.node === node && isPodLive(p));
}

/** The step's prev/obs pair and the DaemonSet as the controller saw it, when the controller wrote something. */
function controllerStep(ctx: CheckContext): { prev: Observation; ds: DaemonSet; writes: ControllerWrites } | undefined {
  const { prev, obs } = ctx;
  const ds = prev?.daemonSet;
  const writes = writesOf(obs);
  if (!prev || !ds || writeCount(writes) === 0) return undefined;
  return { prev, ds, writes };
}

/** Deleted pods as they were before the step (pods unknown to `prev` are skipped). */
function deletedPods(prev: Observation, writes: ControllerWrites): Pod[] {
  return writes.deletes.flatMap((name) => {
    const pod = podNamed(prev, name);
    return pod ? [pod] : [];
  });
}

function eligibility(obs: Observation, ds: DaemonSet, nodeName: string) {
  const node = obs.nodes.find((n) => n.name === nodeName);
  return node ? nodeShouldRunDaemonPod(node, ds.spec.template) : undefined;
}

/**
 * The nodes a rollout may replace within its budget, each with its available out-of-date pod:
 * the node's only non-terminating pod (findUpdatedPodsOnNode ok, no new pod), on a node where it
 * may continue running (without surge) or where it should run (with surge, which surges there).
 */
function rolloutCandidateNodes(obs: Observation, ds: DaemonSet, surge: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const [node, pods] of rolloutNodeEntries(obs, ds)) {
    const { ok, newPod, oldPod } = findUpdatedPodsOnNode(pods, ds);
    if (!ok || newPod || !oldPod || !isPodAvailable(oldPod, ds.spec.minReadySeconds, obs.time)) continue;
    const e = eligibility(obs, ds, node);
    if (surge ? e?.shouldRun === true : e?.shouldContinueRunning !== false) out.set(node, oldPod.name);
  }
  return out;
}

const violation = (id: string, message: string, extra: { node?: string; pod?: string } = {}): Violation => ({
  id,
  message,
  ...extra,
});

/**
 * Whether a failed pod's deletion can only be the failed-pod rule's (podsShouldBeOnNode's
 * shouldContinueRunning branch, the one that waits out the backoff): its node exists and keeps
 * the pod before and after the step, and the pod is of the current revision (or the strategy is
 * OnDelete), so neither an ineligible node nor a rolling update could have asked for it.
 */
function deletedOnlyForFailing(before: Observation, after: Observation, ds: DaemonSet, pod: Pod): boolean {
  const later = after.daemonSet;
  if (!later || later.uid !== ds.uid || later.generation !== ds.generation) return false;
  for (const obs of [before, after]) {
    if (!eligibility(obs, ds, pod.node)?.shouldContinueRunning) return false;
  }
  return ds.spec.updateStrategy.type === 'OnDelete' || isPodUpdatedFor(pod, ds);
}

/**
 * Convergence, stated declaratively (issue 14): the DaemonSet is settled, so a correct controller
 * has nothing left to do. The oracle's prediction from this cluster is exact and is the cluster
 * itself, every quiescent invariant holds, and nothing is left that a sync acts on although the
 * oracle does not describe it: claimed pods of nodes that no longer exist, terminal pods not yet
 * deleted, ControllerRevisions without a controller (they would be adopted), old revisions that
 * cleanupHistory would still delete.
 */
export function isConverged(obs: Observation): boolean {
  const ds = obs.daemonSet;
  if (!ds || ds.deleting || ds.selectsAll) return false;
  // The cheap conditions first (a conjunction of pure tests: the order changes only the cost).
  const nodes = new Set(obs.nodes.map((n) => n.name));
  for (const pod of claimedPods(obs.pods, ds)) {
    if (!nodes.has(pod.node)) return false;
    if (isPodTerminal(pod) && !pod.terminating) return false;
  }
  if (obs.revisions.some((r) => r.controllerUid === undefined)) return false;
  const expected = expectedAtQuiescence(obs);
  if (!expected.exact || compareWithExpectation(obs, expected).length > 0) return false;
  if (!historySettled(obs.revisions, obs.pods, ds)) return false;
  return checkInvariants({ obs }, ['quiescent']).length === 0;
}

/** A present DaemonSet that is not being deleted, at quiescence. */
function settledDaemonSet(obs: Observation): DaemonSet | undefined {
  const ds = obs.daemonSet;
  return ds && !ds.deleting && !ds.selectsAll ? ds : undefined;
}

// --- the catalogue ---------------------------------------------------------------------------

export const INVARIANTS: readonly Invariant[] = [
  {
    id: 'DS-ELIG-01',
    family: 'eligibility',
    scope: 'step',
    statement: 'The controller creates a pod only on an existing node where shouldRun holds for the current template.',
    properties: ['P1'],
    upstream: [
      'TestNodeShouldRunDaemonPod',
      'TestSelectorDaemonLaunchesPods',
      'TestNodeAffinityDaemonLaunchesPods',
      'TestTaintedNodeDaemonDoesNotLaunchIntolerantPod',
      'TestBadSelectorDaemonDoesNothing',
      'TestInconsistentNameSelectorDaemonSetDoesNothing',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step) return [];
      return step.writes.creates.flatMap((c) => {
        const e = eligibility(step.prev, step.ds, c.node);
        if (!e) return [violation('DS-ELIG-01', `created a pod for missing node ${c.node}`, { node: c.node })];
        return e.shouldRun
          ? []
          : [violation('DS-ELIG-01', `created a pod on ${c.node} where shouldRun is false`, { node: c.node })];
      });
    },
  },
  {
    id: 'DS-ELIG-02',
    family: 'eligibility',
    scope: 'quiescent',
    statement:
      'Node conditions and spec.unschedulable do not matter: every node where shouldRun holds has a DaemonSet pod at quiescence, Ready or not, cordoned or not.',
    properties: ['P1'],
    upstream: [
      'TestNotReadyNodeDaemonDoesLaunchPod',
      'TestNetworkUnavailableNodeDaemonLaunchesPod',
      'TestNodeShouldRunDaemonPod/ShouldRunDaemonPodOnUnschedulableNode',
      'TestNotReadyNodeDaemonLaunchesPod',
      'TestUnreachableNodeDaemonLaunchesPod',
      'TestTaintPressureNodeDaemonLaunchesPod',
    ],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      const mine = claimedPods(obs.pods, ds).filter((p) => !(p.terminating && isPodTerminal(p)));
      return obs.nodes
        .filter((n) => shouldRun(n, ds.spec.template) && !mine.some((p) => p.node === n.name))
        .map((n) => violation('DS-ELIG-02', `node ${n.name} should run a pod but has none`, { node: n.name }));
    },
  },
  {
    id: 'DS-PLACE-01',
    family: 'placement',
    scope: 'quiescent',
    statement: 'Every Ready node where shouldRun holds has exactly one live DaemonSet pod.',
    properties: ['P2'],
    upstream: [
      'TestSimpleDaemonSetLaunchesPods',
      'TestOneNodeDaemonLaunchesPod',
      'TestDealsWithExistingPods',
      'e2e: should run and stop simple daemon [Conformance] (DaemonSet-Creation)',
    ],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      return obs.nodes.flatMap((n) => {
        if (n.ready !== 'True' || !shouldRun(n, ds.spec.template)) return [];
        const count = liveOn(obs, ds, n.name).length;
        return count === 1
          ? []
          : [violation('DS-PLACE-01', `node ${n.name} has ${count} live pods, expected 1`, { node: n.name })];
      });
    },
  },
  {
    id: 'DS-PLACE-02',
    family: 'placement',
    scope: 'quiescent',
    statement: 'No node where shouldContinueRunning is false has a live DaemonSet pod.',
    properties: ['P3'],
    upstream: [
      'TestSelectorDaemonDeletesUnselectedPods',
      'TestNoExecuteTaintedDoesEvicitRunningIntolerantPod',
      'e2e: should run and stop complex daemon [Conformance] (DaemonSet-NodeSelection)',
      'e2e: should run and stop complex daemon with node affinity',
    ],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      return obs.nodes.flatMap((n) => {
        if (nodeShouldRunDaemonPod(n, ds.spec.template).shouldContinueRunning) return [];
        return liveOn(obs, ds, n.name).map((p) =>
          violation('DS-PLACE-02', `pod ${p.name} lives on ${n.name} where shouldContinueRunning is false`, {
            node: n.name,
            pod: p.name,
          }),
        );
      });
    },
  },
  {
    id: 'DS-PLACE-03',
    family: 'placement',
    scope: 'step',
    statement:
      'A live pod on a node with shouldRun false but shouldContinueRunning true (e.g. an untolerated NoSchedule taint) is deleted only as a duplicate or, under RollingUpdate, as out of date.',
    properties: ['P4'],
    upstream: ['TestNoScheduleTaintedDoesntEvicitRunningIntolerantPod', 'kubernetes#31020', 'kubernetes#53556'],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step) return [];
      const { prev, ds } = step;
      return deletedPods(prev, step.writes).flatMap((pod) => {
        const e = eligibility(prev, ds, pod.node);
        if (!e || e.shouldRun || !e.shouldContinueRunning || !isPodLive(pod) || pod.controllerUid !== ds.uid) return [];
        const duplicate = liveOn(prev, ds, pod.node).length > 1;
        const outOfDate = ds.spec.updateStrategy.type === 'RollingUpdate' && !isPodUpdatedFor(pod, ds);
        if (duplicate || outOfDate) return [];
        return [
          violation('DS-PLACE-03', `deleted ${pod.name} although it may continue running on ${pod.node}`, {
            pod: pod.name,
            node: pod.node,
          }),
        ];
      });
    },
  },
  {
    id: 'DS-PLACE-04',
    family: 'placement',
    scope: 'quiescent',
    statement:
      'A quiescent cluster is its own expectedAtQuiescence: per node the live pod count, revision, readiness and availability, and the status block.',
    properties: ['P2', 'P3', 'P7'],
    upstream: [
      'TestDealsWithExistingPods',
      'TestSurgeDealsWithExistingPods',
      'e2e: CheckRunningOnAllNodes, CheckDaemonStatus',
    ],
    check: ({ obs }) =>
      compareWithExpectation(obs, expectedAtQuiescence(obs)).map((v) => ({ ...v, id: 'DS-PLACE-04' })),
  },
  {
    id: 'DS-PLACE-05',
    family: 'placement',
    scope: 'step',
    statement:
      'Of the pods of a node that no longer exists, the controller deletes unbound ones and leaves bound ones to Pod GC; only a RollingUpdate may delete a bound one that is out of date.',
    properties: ['P23'],
    upstream: [
      'TestDeleteUnscheduledPodForNotExistingNode',
      'kubernetes#22545',
      'rollingUpdate (entries of missing nodes)',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step) return [];
      const { prev, ds } = step;
      const nodes = new Set(prev.nodes.map((n) => n.name));
      const rolling = ds.spec.updateStrategy.type === 'RollingUpdate';
      return deletedPods(prev, step.writes)
        .filter((p) => !nodes.has(p.node) && p.bound && p.controllerUid === ds.uid && !isPodTerminal(p))
        .filter((p) => !(rolling && !isPodUpdatedFor(p, ds)))
        .map((p) =>
          violation('DS-PLACE-05', `deleted bound pod ${p.name} of missing node ${p.node}`, {
            pod: p.name,
            node: p.node,
          }),
        );
    },
  },
  {
    id: 'DS-PLACE-06',
    family: 'placement',
    scope: 'quiescent',
    statement:
      'At quiescence no live, unbound DaemonSet pod is pinned to a node that no longer exists: the controller deleted it.',
    properties: ['P23'],
    upstream: ['TestDeleteUnscheduledPodForNotExistingNode', 'getUnscheduledPodsWithoutNode'],
    check: ({ obs }) => {
      const ds = obs.daemonSet;
      // A DaemonSet being deleted writes nothing; the garbage collector owns its pods then.
      if (!ds || ds.deleting || ds.selectsAll) return [];
      const nodes = new Set(obs.nodes.map((n) => n.name));
      return claimedPods(obs.pods, ds)
        .filter((p) => isPodLive(p) && !p.bound && !nodes.has(p.node))
        .map((p) =>
          violation('DS-PLACE-06', `unbound pod ${p.name} is still pinned to missing node ${p.node}`, {
            pod: p.name,
            node: p.node,
          }),
        );
    },
  },
  {
    id: 'DS-PLACE-07',
    family: 'placement',
    scope: 'quiescent',
    statement:
      'A failed pod that a finalizer keeps in the API while it is being deleted does not stand in for its node: at quiescence a node that should run the pod and has such a pod has a live pod too (getNodesToDaemonPods drops terminal pods being deleted, #118587).',
    properties: ['P1'],
    upstream: ['TestNodeDaemonLaunchesToleratingPods', 'getNodesToDaemonPods (includeDeletedTerminal=false)'],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      const mine = claimedPods(obs.pods, ds);
      return obs.nodes.flatMap((n) => {
        const here = mine.filter((p) => p.node === n.name);
        const held = here.filter((p) => p.terminating && isPodTerminal(p));
        if (held.length === 0 || !shouldRun(n, ds.spec.template)) return [];
        // Only terminal Terminating pods there: nothing else may block the replacement.
        if (here.some((p) => !(p.terminating && isPodTerminal(p)))) return [];
        return [
          violation(
            'DS-PLACE-07',
            `node ${n.name} has only ${held.map((p) => p.name).join(', ')} (failed, being deleted) and no live pod`,
            {
              node: n.name,
            },
          ),
        ];
      });
    },
  },
  {
    id: 'DS-SAFE-01',
    family: 'safety',
    scope: 'step',
    statement:
      'The controller never creates a pod on a node that already has one: without surge, no live or still-terminating pod; with surge, no live up-to-date pod and at most one live pod.',
    properties: ['P5', 'P6'],
    upstream: [
      'TestDaemonSetRespectsTermination',
      'TestSurgeCreatesNewPodWhenAtMaxSurgeAndOldPodDeleted',
      'kubernetes#54096',
      'kubernetes#50477',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step) return [];
      const { prev, ds } = step;
      const surge = allowsSurge(ds.spec.updateStrategy);
      return step.writes.creates.flatMap((c) => {
        const mine = prev.pods.filter((p) => p.controllerUid === ds.uid && !p.unmatched && p.node === c.node);
        const live = mine.filter(isPodLive);
        const blocking = surge
          ? live.length > 1 || live.some((p) => p.hash !== undefined && p.hash === ds.currentHash)
          : live.length > 0 || mine.some((p) => p.terminating && !isPodTerminal(p));
        return blocking
          ? [
              violation(
                'DS-SAFE-01',
                `created a pod on ${c.node} which already has ${mine.map((p) => p.name).join(', ')}`,
                { node: c.node },
              ),
            ]
          : [];
      });
    },
  },
  {
    id: 'DS-SAFE-02',
    family: 'safety',
    scope: 'step',
    statement:
      'Without surge, the controller never deletes and creates on the same node in one sync (a failed pod is replaced in a later sync).',
    properties: ['P6'],
    upstream: ['TestDaemonKillFailedPods/1 failed pod (kill 1), 0 normal pod (create 0; will create in the next sync)'],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step || allowsSurge(step.ds.spec.updateStrategy)) return [];
      const deletedOn = new Set(deletedPods(step.prev, step.writes).map((p) => p.node));
      return step.writes.creates
        .filter((c) => deletedOn.has(c.node))
        .map((c) => violation('DS-SAFE-02', `deleted and created on ${c.node} in the same sync`, { node: c.node }));
    },
  },
  {
    id: 'DS-SAFE-03',
    family: 'safety',
    scope: 'quiescent',
    statement:
      'At quiescence no node has more than one live pod of the DaemonSet; only a surge that cannot finish (its new pod unschedulable, or a node not Ready) may leave one up-to-date and one out-of-date pod, and only on a node whose allowed settled outcomes include both.',
    properties: ['P5'],
    upstream: [
      'TestDealsWithExistingPods',
      'TestSurgeDealsWithExistingPods',
      'e2e: should surge pods onto nodes … (≤1 live instance per version per node)',
    ],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      // A surge that cannot finish: only on a node where the oracle allows two pods to stay.
      const surge = allowsSurge(ds.spec.updateStrategy);
      const expected = surge ? expectedAtQuiescence(obs) : undefined;
      // (Where the oracle could not state every outcome, any node may: as DS-EXPECT then judges only in part.)
      const twoMayStay = (node: string) =>
        expected !== undefined &&
        (!expected.complete ||
          expected.nodes.find((x) => x.node === node)?.outcomes.some((o) => o.pods.length === 2) === true);
      return obs.nodes.flatMap((n) => {
        const live = liveOn(obs, ds, n.name);
        if (live.length <= 1) return [];
        const current = live.filter((p) => p.hash !== undefined && p.hash === ds.currentHash).length;
        if (live.length === 2 && current === 1 && twoMayStay(n.name)) return [];
        return [violation('DS-SAFE-03', `node ${n.name} has ${live.length} live pods`, { node: n.name })];
      });
    },
  },
  {
    id: 'DS-SAFE-04',
    family: 'safety',
    scope: 'step',
    statement:
      'Right after a controller sync that created or deleted pods (and did not crash part-way), no existing node has more than one live DaemonSet pod, or with surge more than two (one with the current hash, one without). Over a lagging pod cache, only the pods it could know of count: those it saw as its own or to adopt, and its own it has not seen yet whose create was not answered with an error.',
    properties: ['P5'],
    upstream: [
      'TestDealsWithExistingPods',
      'TestSurgeDealsWithExistingPods',
      'TestSurgePreservesReadyOldPods',
      'kubernetes#54096',
    ],
    check: ({ obs, prev }) => {
      const ds = prev?.daemonSet;
      if (obs.lastStep?.event.type !== 'CONTROLLER_SYNC' || !ds || ds.deleting || ds.selectsAll) return [];
      // Only a sync that got to manage is judged here. A step without writes may not have synced
      // this DaemonSet at all (nothing woke it, e.g. a node that joins already running a pod); one
      // that only claimed objects or wrote revisions may have stopped with an error (syncDaemonSet
      // returns when constructHistory fails); one that wrote only the status may have been waiting
      // for the watch events of its earlier writes (SatisfiedExpectations: a lagging pod informer,
      // or a relist that hid a pod). DS-SAFE-03 judges duplicates that stay.
      const w = writesOf(obs);
      if (w.creates.length === 0 && w.deletes.length === 0) return [];
      // A sync that crashed part-way (CONTROLLER_CRASHES) never sent the rest of its writes; one
      // whose deletes the API server refused (POD_DELETES_FAIL) left the pods it meant to remove.
      if (w.crashed || (w.deleteFailures ?? 0) > 0) return [];
      const after = obs.daemonSet?.uid === ds.uid ? obs.daemonSet : ds;
      const surge = allowsSurge(after.spec.updateStrategy);
      // Over a lagging pod cache, count what the sync could know of: the pods it saw as the
      // DaemonSet's (its own, or orphans to adopt), and its own pods it has not seen yet, unless
      // it was told their create failed (a timeout after the server had made the pod).
      const { seen: view, unacknowledged = [] } = obs.lastStep;
      const seenClaimed = view === undefined ? undefined : new Set(claimedPods(view.pods, ds).map((p) => p.name));
      const seenAny = new Set(view?.pods.map((p) => p.name));
      const known = (p: Pod) =>
        seenClaimed === undefined ||
        seenClaimed.has(p.name) ||
        (!seenAny.has(p.name) && p.controllerUid === after.uid && !unacknowledged.includes(p.name));
      return obs.nodes.flatMap((n) => {
        const live = liveOn(obs, after, n.name).filter(known);
        const current = live.filter((p) => p.hash !== undefined && p.hash === after.currentHash).length;
        const ok = surge ? live.length <= 2 && current <= 1 && live.length - current <= 1 : live.length <= 1;
        return ok
          ? []
          : [violation('DS-SAFE-04', `node ${n.name} has ${live.length} live pods after a sync`, { node: n.name })];
      });
    },
  },
  {
    id: 'DS-STATUS-01',
    family: 'status',
    scope: 'always',
    statement:
      'Status equations: desired ≥ current ≥ ready ≥ available ≥ 0, current ≥ updated, unavailable = desired − available.',
    properties: ['P7'],
    upstream: [
      'TestNumberReadyStatus',
      'TestSimpleDaemonSetUpdatesStatusAfterLaunchingPods',
      'ValidateDaemonSetStatusUpdate',
    ],
    check: ({ obs }) =>
      obs.daemonSet ? statusEquationViolations(obs.daemonSet.status).map((m) => violation('DS-STATUS-01', m)) : [],
  },
  {
    id: 'DS-STATUS-02',
    family: 'status',
    scope: 'quiescent',
    statement:
      'At quiescence the status counts what is there: desired = nodes with shouldRun, misscheduled = other nodes with a pod, per-node oldest pod for ready/available/updated, observedGeneration = generation.',
    properties: ['P7', 'P23'],
    upstream: [
      'TestNumberReadyStatus',
      'TestObservedGeneration',
      'TestSimpleDaemonSetUpdatesStatusAfterLaunchingPods',
      'e2e: CheckDaemonStatus',
    ],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      const want = computeStatus(obs, ds);
      const out = STATUS_COUNTERS.filter((k) => ds.status[k] !== want[k]).map((k) =>
        violation('DS-STATUS-02', `status.${k} is ${ds.status[k]}, the cluster shows ${want[k]}`),
      );
      if (ds.status.observedGeneration !== ds.generation) {
        out.push(
          violation('DS-STATUS-02', `observedGeneration ${ds.status.observedGeneration} ≠ generation ${ds.generation}`),
        );
      }
      return out;
    },
  },
  {
    id: 'DS-STATUS-03',
    family: 'status',
    scope: 'step',
    statement: 'observedGeneration never exceeds generation and never decreases.',
    properties: ['P8'],
    upstream: ['TestObservedGeneration', 'kubernetes#77203'],
    check: ({ obs, prev }) => {
      const ds = obs.daemonSet;
      if (!ds) return [];
      const out: Violation[] = [];
      if (ds.status.observedGeneration > ds.generation) {
        out.push(
          violation('DS-STATUS-03', `observedGeneration ${ds.status.observedGeneration} > generation ${ds.generation}`),
        );
      }
      const before = prev?.daemonSet;
      if (before && before.uid === ds.uid && ds.status.observedGeneration < before.status.observedGeneration) {
        out.push(
          violation(
            'DS-STATUS-03',
            `observedGeneration went from ${before.status.observedGeneration} to ${ds.status.observedGeneration}`,
          ),
        );
      }
      return out;
    },
  },
  {
    id: 'DS-SYNC-01',
    family: 'sync',
    scope: 'step',
    statement:
      'A sync over a converged cluster (every pod where the oracle expects it, up to date, ready and available, the status block right, no orphans, no revisions to adopt or clean up, no failed pods) writes nothing: no pods, revisions or status.',
    properties: ['P9'],
    upstream: ['storeDaemonSetStatus skip rule', 'TestDaemonSetUpdatesNoTemplateChanged'],
    check: ({ obs, prev }) => {
      if (!prev?.daemonSet || obs.lastStep?.event.type !== 'CONTROLLER_SYNC') return [];
      const written = writeCount(writesOf(obs));
      if (written === 0 || !isConverged(prev)) return [];
      return [violation('DS-SYNC-01', `a sync of a converged cluster made ${written} write(s)`)];
    },
  },
  {
    id: 'DS-SYNC-02',
    family: 'sync',
    scope: 'step',
    statement: `One sync issues at most ${BURST_REPLICAS} pod creates and at most ${BURST_REPLICAS} pod deletes (BurstReplicas).`,
    properties: ['P10'],
    upstream: ['TestSimpleDaemonSetPodCreateErrors', 'BurstReplicas'],
    check: ({ obs }) => {
      const w = writesOf(obs);
      const out: Violation[] = [];
      if (w.creates.length > BURST_REPLICAS)
        out.push(violation('DS-SYNC-02', `${w.creates.length} creates in one step`));
      if (w.deletes.length > BURST_REPLICAS)
        out.push(violation('DS-SYNC-02', `${w.deletes.length} deletes in one step`));
      return out;
    },
  },
  {
    id: 'DS-SYNC-03',
    family: 'sync',
    scope: 'step',
    statement:
      'Creates go in slow-start batches of 1, 2, 4, …; after a batch with a failure no further create is attempted in that sync.',
    properties: ['P11'],
    upstream: ['TestSimpleDaemonSetPodCreateErrors', 'TestDaemonSetPodCreateExpectationsError'],
    check: ({ obs }) => {
      const attempts = writesOf(obs).createAttempts;
      if (!attempts) return [];
      const firstFailure = attempts.indexOf(false);
      if (firstFailure < 0) return [];
      // Batch k (from 0) ends after 2^(k+1) − 1 attempts in total.
      let end = 1;
      while (end <= firstFailure) end = end * 2 + 1;
      return attempts.length > end
        ? [
            violation(
              'DS-SYNC-03',
              `${attempts.length} create attempts although the batch ending at ${end} had a failure`,
            ),
          ]
        : [];
    },
  },
  {
    id: 'DS-ROLL-01',
    family: 'rollout',
    scope: 'step',
    statement:
      'Without surge, one sync deletes at most max(0, maxUnavailable − unavailable nodes) available out-of-date pods that are the only live pod on their node.',
    properties: ['P12'],
    upstream: [
      'TestDaemonSetUpdatesPods',
      'TestDaemonSetUpdatesWhenNewPodIsNotReady',
      'TestDaemonSetUpdatesSomeOldPodsNotReady',
      'TestDaemonSetUpdatesSaveOldHealthyPods',
      'TestDaemonSetUpdatesAllOldPodsNotReady',
      'e2e: should update pod when spec was updated and update strategy is RollingUpdate [Conformance] (DaemonSet-RollingUpdate)',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (step?.ds.spec.updateStrategy.type !== 'RollingUpdate' || allowsSurge(step.ds.spec.updateStrategy)) return [];
      const { prev, ds } = step;
      const plan = rolloutAccounting(prev, ds);
      const allowance = Math.max(0, plan.budgets.maxUnavailable - plan.numUnavailable);
      const spent = deletedPods(prev, step.writes).filter(
        (p) =>
          p.controllerUid === ds.uid &&
          isPodLive(p) &&
          !isPodUpdatedFor(p, ds) &&
          isPodAvailable(p, ds.spec.minReadySeconds, prev.time) &&
          liveOn(prev, ds, p.node).length === 1 &&
          eligibility(prev, ds, p.node)?.shouldContinueRunning !== false,
      );
      return spent.length > allowance
        ? [
            violation(
              'DS-ROLL-01',
              `deleted ${spent.length} available old pods; maxUnavailable ${plan.budgets.maxUnavailable}, ${plan.numUnavailable} unavailable`,
            ),
          ]
        : [];
    },
  },
  {
    id: 'DS-ROLL-02',
    family: 'rollout',
    scope: 'step',
    statement:
      'With surge, one sync creates at most max(0, maxSurge − surging nodes) pods on nodes whose only live pod is an available out-of-date one.',
    properties: ['P13'],
    upstream: [
      'TestDaemonSetUpdatesPodsWithMaxSurge',
      'TestDaemonSetUpdatesAllOldPodsNotReadyMaxSurge',
      'e2e: should surge pods onto nodes when spec was updated …',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step || !allowsSurge(step.ds.spec.updateStrategy)) return [];
      const { prev, ds } = step;
      const plan = rolloutAccounting(prev, ds);
      const allowance = Math.max(0, plan.budgets.maxSurge - plan.numSurge);
      const surged = step.writes.creates.filter((c) => {
        const live = liveOn(prev, ds, c.node);
        const only = live[0];
        return (
          live.length === 1 &&
          only !== undefined &&
          !isPodUpdatedFor(only, ds) &&
          isPodAvailable(only, ds.spec.minReadySeconds, prev.time)
        );
      });
      return surged.length > allowance
        ? [
            violation(
              'DS-ROLL-02',
              `surged onto ${surged.length} nodes; maxSurge ${plan.budgets.maxSurge}, ${plan.numSurge} surging`,
            ),
          ]
        : [];
    },
  },
  {
    id: 'DS-ROLL-03',
    family: 'rollout',
    scope: 'step',
    statement:
      "With surge, an available out-of-date pod on a node where shouldRun holds is deleted only once that node's up-to-date pod is available.",
    properties: ['P13'],
    upstream: [
      'TestSurgePreservesReadyOldPods',
      'TestSurgePreservesOldReadyWithUnsatisfiedMinReady',
      'TestSurgeDeletesOldReadyWithUnsatisfiedMinReady',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step || !allowsSurge(step.ds.spec.updateStrategy)) return [];
      const { prev, ds } = step;
      const available = (p: Pod) => isPodAvailable(p, ds.spec.minReadySeconds, prev.time);
      return deletedPods(prev, step.writes).flatMap((p) => {
        if (p.controllerUid !== ds.uid || !isPodLive(p) || isPodUpdatedFor(p, ds) || !available(p)) return [];
        if (eligibility(prev, ds, p.node)?.shouldRun !== true) return [];
        const live = liveOn(prev, ds, p.node);
        if (live.filter((q) => !isPodUpdatedFor(q, ds)).length > 1) return []; // a duplicate old pod
        if (live.some((q) => q.hash === ds.currentHash && available(q))) return [];
        return [
          violation('DS-ROLL-03', `deleted available old pod ${p.name} before a new pod on ${p.node} was available`, {
            pod: p.name,
            node: p.node,
          }),
        ];
      });
    },
  },
  {
    id: 'DS-ROLL-04',
    family: 'rollout',
    scope: 'step',
    statement:
      'With surge, available out-of-date pods on nodes the DaemonSet is leaving (shouldRun false) are deleted only while more nodes are available than desired.',
    properties: ['P14'],
    upstream: ['TestDaemonSetUpdatesPodsNotMatchTainstWithMaxSurge', 'kubernetes#118823'],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step || !allowsSurge(step.ds.spec.updateStrategy)) return [];
      const { prev, ds } = step;
      const plan = rolloutAccounting(prev, ds);
      const allowance = Math.max(0, plan.numAvailable - plan.budgets.desired);
      const leaving = deletedPods(prev, step.writes).filter((p) => {
        const e = eligibility(prev, ds, p.node);
        return (
          p.controllerUid === ds.uid &&
          isPodLive(p) &&
          !isPodUpdatedFor(p, ds) &&
          isPodAvailable(p, ds.spec.minReadySeconds, prev.time) &&
          e?.shouldRun === false &&
          e.shouldContinueRunning &&
          liveOn(prev, ds, p.node).length === 1
        );
      });
      return leaving.length > allowance
        ? [
            violation(
              'DS-ROLL-04',
              `deleted ${leaving.length} available pods on leaving nodes; ${plan.numAvailable} available, ${plan.budgets.desired} desired`,
            ),
          ]
        : [];
    },
  },
  {
    id: 'DS-ROLL-05',
    family: 'rollout',
    scope: 'quiescent',
    statement:
      'A RollingUpdate stops short only where its budget is spent: at quiescence every live out-of-date pod is available, has no available replacement, and its node needs budget that other nodes use up (maxUnavailable, maxSurge, or for a node that no longer qualifies under surge, desired availability); with both budgets 0, maxUnavailable is 1.',
    properties: ['P15'],
    upstream: [
      'TestGetUnavailableNumbers',
      'TestDaemonSetUpdatesPods',
      'TestDaemonSetUpdatesSomeOldPodsNotReady',
      'e2e: RollingUpdate [Conformance] (DaemonSet-RollingUpdate)',
    ],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (ds?.spec.updateStrategy.type !== 'RollingUpdate') return [];
      return stalledRolloutPods(obs, ds).map((s) =>
        violation('DS-ROLL-05', `pod ${s.pod} on ${s.node} is still out of date: ${s.reason}`, {
          pod: s.pod,
          node: s.node,
        }),
      );
    },
  },
  {
    id: 'DS-ROLL-06',
    family: 'rollout',
    scope: 'step',
    statement:
      'With OnDelete the controller never deletes a pod for being out of date: a sole live pod on a node where it may continue running stays.',
    properties: ['P16'],
    upstream: ['e2e: should not update pod when spec was updated and update strategy is OnDelete'],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (step?.ds.spec.updateStrategy.type !== 'OnDelete') return [];
      const { prev, ds } = step;
      return deletedPods(prev, step.writes)
        .filter(
          (p) =>
            p.controllerUid === ds.uid &&
            isPodLive(p) &&
            liveOn(prev, ds, p.node).length === 1 &&
            eligibility(prev, ds, p.node)?.shouldContinueRunning === true,
        )
        .map((p) => violation('DS-ROLL-06', `OnDelete: deleted ${p.name} on ${p.node}`, { pod: p.name, node: p.node }));
    },
  },
  {
    id: 'DS-ROLL-07',
    family: 'rollout',
    scope: 'step',
    statement:
      'No unnecessary restarts: an up-to-date, available pod that is the only live pod on a node where it may continue running is never deleted.',
    properties: ['P19'],
    upstream: [
      'e2e: should rollback without unnecessary restarts [Conformance] (DaemonSet-Rollback)',
      'TestDaemonSetUpdatesSaveOldHealthyPods',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step) return [];
      const { prev, ds } = step;
      return deletedPods(prev, step.writes)
        .filter(
          (p) =>
            p.controllerUid === ds.uid &&
            isPodLive(p) &&
            isPodUpdatedFor(p, ds) &&
            isPodAvailable(p, ds.spec.minReadySeconds, prev.time) &&
            liveOn(prev, ds, p.node).length === 1 &&
            eligibility(prev, ds, p.node)?.shouldContinueRunning === true,
        )
        .map((p) =>
          violation('DS-ROLL-07', `deleted up-to-date available pod ${p.name} on ${p.node}`, {
            pod: p.name,
            node: p.node,
          }),
        );
    },
  },
  {
    id: 'DS-ROLL-08',
    family: 'rollout',
    scope: 'step',
    statement:
      'A rollout that spends its budget spends all of it: a sync that replaces any available out-of-date pod replaces min(candidates, budget left) of them (without surge: deletes within maxUnavailable − unavailable nodes; with surge: creates within maxSurge − surging nodes).',
    properties: ['P12', 'P13'],
    upstream: ['TestDaemonSetUpdatesPods', 'TestDaemonSetUpdatesPodsWithMaxSurge', 'TestGetUnavailableNumbers'],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (step?.ds.spec.updateStrategy.type !== 'RollingUpdate') return [];
      const { prev, writes } = step;
      // A controller that crashed part-way never sent the rest of the sync's writes, and refused
      // deletes are replacements the controller did ask for.
      if (writes.crashed || (writes.deleteFailures ?? 0) > 0) return [];
      // The revision the sync's constructHistory settled on (a new DaemonSet's first sync adopts or
      // creates it): pods carrying its hash are up to date in this sync, not rollout candidates.
      const after = ctx.obs.daemonSet;
      const ds: DaemonSet =
        after?.uid === step.ds.uid && after.currentHash !== undefined
          ? { ...step.ds, currentHash: after.currentHash }
          : step.ds;
      const surge = allowsSurge(ds.spec.updateStrategy);
      // Refused creates (an injected fault) are surges the controller did ask for.
      if (surge && (writes.createFailures ?? 0) > 0) return [];
      const accounting = rolloutAccounting(prev, ds);
      const candidates = rolloutCandidateNodes(prev, ds, surge);
      // rollingUpdate's candidate loop: while budget is left every candidate is taken (update.go).
      const left = surge
        ? Math.max(0, accounting.budgets.maxSurge - accounting.numSurge)
        : Math.max(0, accounting.budgets.maxUnavailable - accounting.numUnavailable);
      const used = surge
        ? writes.creates.filter((c) => candidates.has(c.node)).length
        : deletedPods(prev, writes).filter((p) => candidates.get(p.node) === p.name).length;
      const owed = Math.min(candidates.size, left);
      if (used === 0 || used >= owed) return [];
      const what = surge ? `surged onto ${used} node(s)` : `deleted ${used} available old pod(s)`;
      const budget = surge
        ? `maxSurge ${accounting.budgets.maxSurge}, ${accounting.numSurge} surging`
        : `maxUnavailable ${accounting.budgets.maxUnavailable}, ${accounting.numUnavailable} unavailable`;
      return [violation('DS-ROLL-08', `${what} of ${candidates.size} candidates; ${budget}, so ${owed} were due`)];
    },
  },
  {
    id: 'DS-HIST-01',
    family: 'history',
    scope: 'quiescent',
    statement:
      'Exactly one ControllerRevision of the DaemonSet matches its template, and its revision number is higher than every other one.',
    properties: ['P18'],
    upstream: ['TestControlledHistories', 'e2e: OnDelete and RollingUpdate tests (revision 2, new hash)'],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      const mine = obs.revisions.filter((r) => r.controllerUid === ds.uid);
      const current = mine.filter((r) => r.hash === ds.currentHash);
      if (ds.currentHash === undefined || current.length !== 1) {
        return [
          violation(
            'DS-HIST-01',
            `${current.length} revisions match the template (hash ${ds.currentHash ?? 'unknown'})`,
          ),
        ];
      }
      const top = current[0]?.revision ?? 0;
      return mine
        .filter((r) => r.hash !== ds.currentHash && r.revision >= top)
        .map((r) => violation('DS-HIST-01', `old revision ${r.name} has number ${r.revision} ≥ current ${top}`));
    },
  },
  {
    id: 'DS-HIST-02',
    family: 'history',
    scope: 'quiescent',
    statement:
      'Old revisions number at most revisionHistoryLimit plus those whose hash a pod of the DaemonSet still carries.',
    properties: ['P18'],
    upstream: ['cleanupHistory', 'TestDaemonSetUpdatesPods (revisionHistoryLimit 2 via newDaemonSet)'],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds || ds.currentHash === undefined || historyWithinLimit(obs.revisions, obs.pods, ds)) return [];
      return [
        violation('DS-HIST-02', `more old revisions than revisionHistoryLimit ${ds.spec.revisionHistoryLimit} allows`),
      ];
    },
  },
  {
    id: 'DS-HIST-03',
    family: 'history',
    scope: 'step',
    statement:
      'Returning the template to a stored revision (rollback) creates no new revision: the stored one is renumbered.',
    properties: ['P19'],
    upstream: [
      'e2e: should rollback without unnecessary restarts [Conformance] (DaemonSet-Rollback)',
      'constructHistory',
    ],
    check: ({ obs, prev }) => {
      const ds = obs.daemonSet;
      if (!prev || !ds || ds.currentHash === undefined) return [];
      const before = prev.revisions.filter((r) => r.controllerUid === ds.uid);
      if (!before.some((r) => r.hash === ds.currentHash)) return [];
      // Created: not there before at all (an orphan adopted now, e.g. after a crash part-way
      // through adopting, is not a new revision).
      const known = new Set(prev.revisions.map((r) => r.name));
      return obs.revisions
        .filter((r) => r.controllerUid === ds.uid && !known.has(r.name))
        .map((r) =>
          violation('DS-HIST-03', `created revision ${r.name} although revision ${ds.currentHash} was stored`),
        );
    },
  },
  {
    id: 'DS-OWN-01',
    family: 'ownership',
    scope: 'step',
    statement: 'The controller never deletes a pod controlled by another owner.',
    properties: ['P20'],
    upstream: [
      'TestInsufficientCapacityNodeDaemonDoesNotUnscheduleRunningPod',
      'TestGetNodesToDaemonPods',
      'kubernetes/website#53565',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step) return [];
      return deletedPods(step.prev, step.writes)
        .filter((p) => p.controllerUid !== undefined && p.controllerUid !== step.ds.uid)
        .map((p) => violation('DS-OWN-01', `deleted ${p.name}, which ${p.controllerUid} controls`, { pod: p.name }));
    },
  },
  {
    id: 'DS-OWN-02',
    family: 'ownership',
    scope: 'step',
    statement:
      'An orphan with a deletionTimestamp is never adopted, and nothing is adopted while the DaemonSet is being deleted.',
    properties: ['P20'],
    upstream: ['TestDontDoAnythingIfBeingDeletedRace', 'TestGetNodesToDaemonPods', 'claimObject'],
    check: ({ obs, prev }) => {
      const ds = prev?.daemonSet;
      if (!prev || !ds) return [];
      // Adopted by this step's own patches (a sync over a lagging cache saw an older state).
      const patched = new Set(writesOf(obs).patched ?? []);
      return prev.pods
        .filter((p) => p.controllerUid === undefined && (p.terminating || ds.deleting !== undefined))
        .filter((p) => patched.has(p.name) && podNamed(obs, p.name)?.controllerUid === ds.uid)
        .map((p) =>
          violation('DS-OWN-02', `adopted ${p.name} (${p.terminating ? 'terminating' : 'DaemonSet being deleted'})`, {
            pod: p.name,
          }),
        );
    },
  },
  {
    id: 'DS-OWN-03',
    family: 'ownership',
    scope: 'quiescent',
    statement: 'At quiescence no live orphan matching the selector is left: the DaemonSet has adopted it.',
    properties: ['P20'],
    upstream: ['TestGetNodesToDaemonPods', 'ClaimPods', 'kubernetes#23013'],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      return obs.pods
        .filter((p) => p.controllerUid === undefined && isPodLive(p))
        .map((p) => violation('DS-OWN-03', `orphan ${p.name} was not adopted`, { pod: p.name }));
    },
  },
  {
    id: 'DS-OWN-04',
    family: 'ownership',
    scope: 'step',
    statement:
      'The controller never adopts, patches or deletes a pod that is not its own: a pod another controller controls (even one its selector matches) or a pod it released; and it releases, never deletes, a pod of its own whose labels stopped matching.',
    properties: ['P20'],
    upstream: ['TestPodIsNotDeletedByDaemonsetWithEmptyLabelSelector', 'ClaimPods (controller_ref_manager.go)'],
    check: (ctx) => {
      const step = controllerStep(ctx);
      if (!step) return [];
      const { prev, ds, writes } = step;
      const out: Violation[] = [];
      const touched = [
        ...writes.deletes.map((name) => ({ name, how: 'deleted' })),
        ...(writes.patched ?? []).map((name) => ({ name, how: 'patched' })),
      ];
      for (const { name, how } of touched) {
        const bystander = prev.bystanders?.find((p) => p.name === name);
        if (bystander)
          out.push(
            violation(
              'DS-OWN-04',
              `${how} ${name}, ${bystander.foreign ? 'which another controller controls' : 'which it released (its labels no longer match)'}`,
              { pod: name, node: bystander.node },
            ),
          );
      }
      for (const pod of deletedPods(prev, writes)) {
        if (pod.unmatched && pod.controllerUid === ds.uid)
          out.push(
            violation('DS-OWN-04', `deleted ${pod.name}, whose labels no longer match: it must be released`, {
              pod: pod.name,
              node: pod.node,
            }),
          );
      }
      return out;
    },
  },
  {
    id: 'DS-OWN-05',
    family: 'ownership',
    scope: 'quiescent',
    statement:
      'A pod whose labels stopped matching the selector is released: at quiescence a DaemonSet that is not being deleted controls no such pod.',
    properties: ['P20'],
    upstream: ['ClaimPods (controller_ref_manager.go: release)', 'TestGetNodesToDaemonPods'],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      return releasablePods(obs.pods, ds).map((p) =>
        violation('DS-OWN-05', `still controls ${p.name}, whose labels no longer match its selector`, {
          pod: p.name,
          node: p.node,
        }),
      );
    },
  },
  {
    id: 'DS-DEL-01',
    family: 'deletion',
    scope: 'step',
    statement:
      'While the DaemonSet has a deletionTimestamp the controller writes nothing: no pods, revisions, adoption or status.',
    properties: ['P8', 'P21'],
    upstream: ['TestDontDoAnythingIfBeingDeleted', 'TestDontDoAnythingIfBeingDeletedRace'],
    check: ({ obs, prev }) => {
      if (!prev?.daemonSet?.deleting) return [];
      const n = writeCount(writesOf(obs));
      return n > 0 ? [violation('DS-DEL-01', `${n} controller write(s) while the DaemonSet is being deleted`)] : [];
    },
  },
  {
    id: 'DS-DEL-02',
    family: 'deletion',
    scope: 'quiescent',
    statement:
      'After Background or Foreground deletion settles, no pod or revision references a DaemonSet UID other than the existing DaemonSet (unless stuck terminating on a node that is not Ready, or held by a finalizer).',
    properties: ['P21'],
    upstream: ['e2e: AfterEach waits for no daemon pods', 'garbagecollector attemptToDeleteItem'],
    check: ({ obs }) => {
      const live = obs.daemonSet?.uid;
      const ready = new Set(obs.nodes.filter((n) => n.ready === 'True').map((n) => n.name));
      const existing = new Set(obs.nodes.map((n) => n.name));
      // Stuck Terminating: a kubelet that is down, or a finalizer someone else holds.
      const stuck = (p: Pod) => p.terminating && (p.held || (p.bound && existing.has(p.node) && !ready.has(p.node)));
      return [
        ...obs.pods
          .filter((p) => p.controllerUid !== undefined && p.controllerUid !== live && !stuck(p))
          .map((p) =>
            violation('DS-DEL-02', `pod ${p.name} still references removed owner ${p.controllerUid}`, { pod: p.name }),
          ),
        ...obs.revisions
          .filter((r) => r.controllerUid !== undefined && r.controllerUid !== live)
          .map((r) => violation('DS-DEL-02', `revision ${r.name} still references removed owner ${r.controllerUid}`)),
      ];
    },
  },
  {
    id: 'DS-DEL-03',
    family: 'deletion',
    scope: 'step',
    statement: 'A Foreground-deleted DaemonSet disappears only once no pod or revision references it.',
    properties: ['P21'],
    upstream: ['garbagecollector processDeletingDependentsItem'],
    check: ({ obs, prev }) => {
      const ds = prev?.daemonSet;
      if (ds?.deleting !== 'Foreground' || obs.daemonSet?.uid === ds.uid) return [];
      const left =
        obs.pods.filter((p) => p.controllerUid === ds.uid).length +
        obs.revisions.filter((r) => r.controllerUid === ds.uid).length;
      return left > 0 ? [violation('DS-DEL-03', `the DaemonSet went while ${left} dependents still reference it`)] : [];
    },
  },
  {
    id: 'DS-DEL-04',
    family: 'deletion',
    scope: 'step',
    statement:
      'When an Orphan-deleted DaemonSet disappears its live pods remain, and no pod or revision references it any more.',
    properties: ['P21'],
    upstream: ['garbagecollector orphanDependents', 'e2e: (kubectl delete --cascade=orphan) re-adoption'],
    check: ({ obs, prev }) => {
      const ds = prev?.daemonSet;
      if (ds?.deleting !== 'Orphan' || obs.daemonSet?.uid === ds.uid) return [];
      const out: Violation[] = [];
      const nodes = new Set(obs.nodes.map((n) => n.name));
      for (const p of prev?.pods ?? []) {
        // Pod GC may remove pods bound to a node that is gone in the same pass, and taint eviction
        // pods that do not tolerate a NoExecute taint of their node.
        if (p.controllerUid !== ds.uid || !isPodLive(p) || (p.bound && !nodes.has(p.node))) continue;
        if (prev && mayBeTaintEvicted(prev, p)) continue;
        if (!podNamed(obs, p.name))
          out.push(violation('DS-DEL-04', `pod ${p.name} vanished in an orphan deletion`, { pod: p.name }));
      }
      const still =
        obs.pods.filter((p) => p.controllerUid === ds.uid).length +
        obs.revisions.filter((r) => r.controllerUid === ds.uid).length;
      if (still > 0)
        out.push(violation('DS-DEL-04', `${still} dependents still reference the orphan-deleted DaemonSet`));
      return out;
    },
  },
  {
    id: 'DS-SHAPE-01',
    family: 'shape',
    scope: 'step',
    statement:
      'Every created pod is controlled by the DaemonSet (blockOwnerDeletion), carries the current revision hash and the default tolerations, is pinned by exactly one `metadata.name In [node]` term, and has no nodeName unless the template sets it.',
    properties: ['P16', 'P17'],
    upstream: [
      'TestSimpleDaemonSetScheduleDaemonSetPodsLaunchesPods',
      'TestCreatePodTemplate',
      'TestReplaceDaemonSetPodNodeNameNodeAffinity',
    ],
    check: (ctx) => {
      const step = controllerStep(ctx);
      const ds = ctx.obs.daemonSet;
      if (!step || !ds) return [];
      const out: Violation[] = [];
      const bad = (node: string, what: string) =>
        out.push(violation('DS-SHAPE-01', `pod created for ${node} ${what}`, { node }));
      for (const c of step.writes.creates) {
        const pod = c.pod !== undefined ? podNamed(ctx.obs, c.pod) : undefined;
        const known = c.hash !== undefined || pod !== undefined;
        const hash = c.hash ?? pod?.hash;
        if (known && ds.currentHash !== undefined && hash !== ds.currentHash) {
          bad(c.node, `has hash ${hash ?? 'none'}, not ${ds.currentHash}`);
        }
        if (pod && pod.controllerUid !== ds.uid) bad(c.node, 'is not controlled by the DaemonSet');
        const shape = c.shape;
        if (!shape) continue;
        if (!shape.controllerRef || !shape.blockOwnerDeletion) bad(c.node, 'lacks a blocking controller reference');
        const wantNodeName = ds.spec.template.nodeName;
        if ((shape.nodeName ?? '') !== (wantNodeName ?? '')) bad(c.node, `has nodeName ${shape.nodeName ?? '(none)'}`);
        const pinned =
          shape.requiredTerms.length === 1 && shape.requiredTerms[0]?.join('|') === `metadata.name In ${c.node}`;
        if (!pinned) bad(c.node, `has required terms ${JSON.stringify(shape.requiredTerms)}`);
        for (const d of defaultDaemonTolerations(ds.spec.template.hostNetwork)) {
          const has = shape.tolerations.some(
            (t) =>
              t.key === d.key &&
              t.operator === d.operator &&
              (t.effect ?? '') === d.effect &&
              t.tolerationSeconds === undefined,
          );
          if (!has) bad(c.node, `lacks toleration ${d.key}:${d.effect}`);
        }
      }
      return out;
    },
  },
  {
    id: 'DS-BACKOFF-01',
    family: 'backoff',
    scope: 'step',
    statement:
      'Failed pods on one node (same DaemonSet UID and observedGeneration) are deleted at least 1, 2, 4, … s apart (cap 15 min); a controller restart or 30 idle minutes start over.',
    properties: ['P22'],
    upstream: ['TestDaemonKillFailedPodsBackoff', 'kubernetes#65240', 'kubernetes#51884'],
    check: ({ obs, history }) => {
      if (!history || history.length < 2 || history[history.length - 1] !== obs) return [];
      // Only the last step can be reported: replay the history only when it deletes a failed pod.
      const last = history[history.length - 2];
      if (!last?.daemonSet || !deletedPods(last, writesOf(obs)).some((pod) => pod.phase === 'Failed')) return [];
      const entries = new Map<string, BackoffEntry>();
      const out: Violation[] = [];
      for (let i = 1; i < history.length; i++) {
        const before = history[i - 1];
        const after = history[i];
        if (!before || !after) continue;
        if (after.lastStep?.event.type === 'CONTROLLER_RESTARTED') entries.clear();
        const ds = before.daemonSet;
        if (!ds) continue;
        for (const pod of deletedPods(before, writesOf(after))) {
          if (pod.phase !== 'Failed' || pod.terminating || pod.controllerUid !== ds.uid) continue;
          if (!deletedOnlyForFailing(before, after, ds, pod)) continue;
          const key = failedPodsBackoffKey(ds, pod.node);
          const entry = entries.get(key);
          if (i === history.length - 1 && inBackoff(entry, after.time)) {
            out.push(
              violation(
                'DS-BACKOFF-01',
                `failed pod ${pod.name} deleted ${after.time - (entry?.lastUpdate ?? 0)} s after the previous one; backoff is ${entry?.delay} s`,
                {
                  node: pod.node,
                  pod: pod.name,
                },
              ),
            );
          }
          entries.set(key, nextBackoff(entry, after.time));
        }
        // A crash part-way through a step: what it deleted counted, then its memory is gone.
        if (writesOf(after).crashed) entries.clear();
      }
      return out;
    },
  },
  {
    id: 'DS-BACKOFF-02',
    family: 'backoff',
    scope: 'quiescent',
    statement:
      'Failed pods do not stay: at quiescence no Failed pod of the DaemonSet remains on an existing node, and the node has a replacement.',
    properties: ['P22'],
    upstream: [
      'TestDaemonKillFailedPods',
      'e2e: should retry creating failed daemon pods [Conformance] (DaemonSet-FailedPodCreation)',
      'kubernetes#40330',
    ],
    check: ({ obs }) => {
      const ds = settledDaemonSet(obs);
      if (!ds) return [];
      const nodes = new Set(obs.nodes.map((n) => n.name));
      return obs.pods
        .filter(
          (p) =>
            p.controllerUid === ds.uid && !p.unmatched && p.phase === 'Failed' && !p.terminating && nodes.has(p.node),
        )
        .map((p) =>
          violation('DS-BACKOFF-02', `failed pod ${p.name} is still on ${p.node}`, { pod: p.name, node: p.node }),
        );
    },
  },
];

export function invariantById(id: string): Invariant | undefined {
  return INVARIANTS.find((i) => i.id === id);
}

/** Runs the invariants of the given scopes (all by default) and returns every violation. */
export function checkInvariants(
  ctx: CheckContext,
  scopes: readonly InvariantScope[] = ['always', 'step', 'quiescent'],
): Violation[] {
  return INVARIANTS.filter((i) => scopes.includes(i.scope)).flatMap((i) => i.check(ctx));
}

/** The safety envelope: what must hold after every step (the `always` and `step` invariants). */
export function safetyEnvelope(ctx: CheckContext): Violation[] {
  return checkInvariants(ctx, ['always', 'step']);
}

/** What must hold once the harness has driven the system to quiescence (all invariants). */
export function checkQuiescent(ctx: CheckContext): Violation[] {
  return checkInvariants(ctx);
}
