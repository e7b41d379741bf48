/**
 * The rule catalogue (issue 21): every rule of the semantics note §1–§7 that a campaign can
 * reach, each with an ID, the note's section, one line in Kubernetes terms, and the
 * precondition that says a case *reached* it: the situation in which the rule decides what a
 * controller (or the API server) must do. A campaign counts, per rule, the cases that reached
 * it; a rule no case reached is a blind spot of the generators, whatever the verdict says.
 *
 * Preconditions are stated on what the controller faced: a `sync` rule on the observation just
 * before a controller step (the cluster it synced), an `event` rule on a user or environment
 * event and the observations around it. They read observations only, so any implementation's
 * run can be measured, and they never say what the right answer is: that is the invariants' job.
 */

import { BURST_REPLICAS } from './controller.ts';
import {
  daemonPodTolerations,
  defaultDaemonTolerations,
  findUntoleratedTaint,
  fitsNodeAffinity,
  matchesNodeSelector,
  nodeShouldRunDaemonPod,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  toleratesTaint,
} from './eligibility.ts';
import type { DsEvent, DsEventType } from './events.ts';
import { inBackoff, nextBackoff } from './manage.ts';
import { type ControllerWrites, type Observation, writeCount } from './observation.ts';
import { claimedPods, isPodAvailable, isPodLive, isPodTerminal, isPodUpdatedFor, releasablePods } from './pods.ts';
import { type RolloutAccounting, rolloutAccounting } from './progress.ts';
import { allowsSurge, findUpdatedPodsOnNode, rolloutNodeEntries } from './rollout.ts';
import type { DaemonSet, Node, Pod, PodTemplate, Toleration } from './types.ts';
import type { BackoffEntry } from './world.ts';

/** One node as the controller saw it in a sync. */
export interface SyncedNode {
  readonly node: Node;
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
  /** Claimed pods mapped to the node, terminal-and-terminating ones left out (getNodesToDaemonPods(false)). */
  readonly pods: readonly Pod[];
  readonly live: readonly Pod[];
}

/** What a sync faced: the DaemonSet (present) and every node, with the pods on it. */
export interface SyncContext {
  readonly before: Observation;
  readonly ds: DaemonSet;
  readonly template: PodTemplate;
  /** The template's tolerations with the defaults merged in (what its pods tolerate). */
  readonly tolerations: readonly Toleration[];
  readonly nodes: readonly SyncedNode[];
  /** Claimed pods whose node does not exist. */
  readonly onVanishedNodes: readonly Pod[];
  readonly memory: RuleMemory;
  /** The rollout's budget accounting and its candidates, worked out once for the rules that need them. */
  readonly rollout: () => { readonly accounting: RolloutAccounting; readonly candidates: number };
}

export interface EventContext {
  readonly event: DsEvent;
  readonly before: Observation;
  readonly after: Observation;
  /** The API refused the event (invalid spec, AlreadyExists, NotFound). */
  readonly rejected: boolean;
  readonly memory: RuleMemory;
}

/** What the rules remember across one case's steps (nothing here judges the implementation). */
export interface RuleMemory {
  /** Every template a user set on a DaemonSet of this case, by DaemonSet UID, oldest first. */
  readonly templates: Map<string, PodTemplate[]>;
  /** Failed-pod backoff per node, advanced whenever a controller step deleted a failed pod there. */
  readonly failedPodBackoff: Map<string, BackoffEntry>;
  /** UIDs of DaemonSets seen in this case. */
  readonly uids: Set<string>;
}

export type RuleSection = '§1' | '§2' | '§3' | '§4' | '§5' | '§6' | '§7';

interface RuleBase {
  /** Stable ID, `R-<AREA>-<NAME>`; never reused for another rule. */
  readonly id: string;
  /** Reachable only in clusters of at least this many nodes (`--nodes`); out of scope below. */
  readonly minNodes?: number;
  /** Reachable only in campaigns that draw this event (a fault only the `faults` profile draws). */
  readonly needs?: DsEventType;
  /** The section of the semantics note, e.g. `§3.6`. */
  readonly section: `${RuleSection}${string}`;
  readonly statement: string;
}
export interface SyncRule extends RuleBase {
  readonly at: 'sync';
  readonly reached: (ctx: SyncContext) => boolean;
}
export interface EventRule extends RuleBase {
  readonly at: 'event';
  readonly reached: (ctx: EventContext) => boolean;
}
/** Reached by what a sync wrote (its outcome), not by the situation before it. */
export interface WriteRule extends RuleBase {
  readonly at: 'write';
  readonly reached: (writes: ControllerWrites) => boolean;
}
export type Rule = SyncRule | EventRule | WriteRule;

// --- helpers over what a sync faced ---------------------------------------------------------

const anyNode = (ctx: SyncContext, test: (n: SyncedNode) => boolean) => ctx.nodes.some(test);
const withLive = (n: SyncedNode) => n.live.length > 0;
const terms = (t: PodTemplate) => t.requiredNodeAffinity ?? [];
const usesOperator = (t: PodTemplate, op: string) =>
  terms(t).some((term) => (term.matchExpressions ?? []).some((r) => r.operator === op));
const outOfDate = (ctx: SyncContext) =>
  ctx.nodes.flatMap((n) => n.live).filter((p) => !isPodUpdatedFor(p, ctx.ds)) as Pod[];
const rolling = (ctx: SyncContext, surge: boolean) =>
  ctx.ds.spec.updateStrategy.type === 'RollingUpdate' && allowsSurge(ctx.ds.spec.updateStrategy) === surge;
const available = (ctx: SyncContext, p: Pod) => isPodAvailable(p, ctx.ds.spec.minReadySeconds, ctx.before.time);

/** A node's taint that the pod tolerates only with a finite tolerationSeconds (the taint manager evicts it later). */
function toleratedForAWhile(node: Node, tolerations: readonly Toleration[]): boolean {
  return node.taints.some((taint) => {
    if (taint.effect !== 'NoExecute') return false;
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    return matching.length > 0 && matching.some((t) => t.tolerationSeconds != null);
  });
}

/** A template toleration that AddOrUpdateTolerationInPodSpec replaces by a default one (same key, effect, operator, value). */
function replacedByDefault(template: PodTemplate): boolean {
  return template.tolerations.some((t) =>
    defaultDaemonTolerations(template.hostNetwork).some(
      (d) =>
        (t.key ?? '') === d.key &&
        (t.effect ?? '') === d.effect &&
        (t.operator ?? 'Equal') === d.operator &&
        (t.value ?? '') === (d.value ?? '') &&
        t.tolerationSeconds != null,
    ),
  );
}

/** The event was accepted while live pods of the DaemonSet were out of date. */
function acceptedWithOutOfDatePods(ctx: EventContext): boolean {
  const ds = ctx.before.daemonSet;
  if (ctx.rejected || !ds) return false;
  return claimedPods(ctx.before.pods, ds).some((p) => isPodLive(p) && !isPodUpdatedFor(p, ds));
}

const sameTemplate = (a: PodTemplate, b: PodTemplate) => a === b || JSON.stringify(a) === JSON.stringify(b);
const placementOf = ({ image: _image, ...rest }: PodTemplate) => JSON.stringify(rest);

/** Percent budgets that do not divide the desired count evenly (GetScaledValueFromIntOrPercent rounds up). */
function percentRounds(ctx: SyncContext): boolean {
  const s = ctx.ds.spec.updateStrategy;
  if (s.type !== 'RollingUpdate') return false;
  const desired = ctx.nodes.filter((n) => n.shouldRun).length;
  return [s.maxSurge, s.maxUnavailable].some(
    (v) => typeof v === 'string' && v !== '0%' && (Number.parseInt(v, 10) * desired) % 100 !== 0,
  );
}

/** A rollout (with or without surge) whose budget left and candidates both exceed one. */
function roomForSeveral(ctx: SyncContext, surge: boolean): boolean {
  if (!rolling(ctx, surge)) return false;
  const { accounting, candidates } = ctx.rollout();
  const left = surge
    ? accounting.budgets.maxSurge - accounting.numSurge
    : accounting.budgets.maxUnavailable - accounting.numUnavailable;
  return candidates > 1 && left > 1;
}

/** Old available pods on desired nodes with no new pod: the candidates a rollout replaces within its budget. */
function rolloutCandidates(ctx: SyncContext): number {
  let n = 0;
  for (const [name, pods] of rolloutNodeEntries(ctx.before, ctx.ds)) {
    const synced = ctx.nodes.find((s) => s.node.name === name);
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, ctx.ds);
    if (ok && oldPod && !newPod && available(ctx, oldPod) && (synced?.shouldRun ?? false)) n++;
  }
  return n;
}

// --- the catalogue ---------------------------------------------------------------------------

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;

export const RULES: readonly Rule[] = [
  // §1 which nodes should run a daemon pod
  {
    id: 'R-ELIG-FITS',
    section: '§1.1',
    at: 'sync',
    statement: 'a node that fits (selector, affinity, taints) should run a daemon pod',
    reached: (ctx) => anyNode(ctx, (n) => n.shouldRun),
  },
  {
    id: 'R-ELIG-NODENAME',
    section: '§1.1',
    at: 'sync',
    statement: 'a template pinned to one node (spec.nodeName) runs nowhere else',
    reached: (ctx) => ctx.template.nodeName !== undefined && anyNode(ctx, (n) => n.node.name !== ctx.template.nodeName),
  },
  {
    id: 'R-ELIG-NODESELECTOR',
    section: '§1.2',
    at: 'sync',
    statement: 'a node whose labels miss the nodeSelector does not run the pod',
    reached: (ctx) =>
      Object.keys(ctx.template.nodeSelector).length > 0 &&
      anyNode(ctx, (n) => !matchesNodeSelector(ctx.template.nodeSelector, n.node)),
  },
  {
    id: 'R-ELIG-AFFINITY',
    section: '§1.2',
    at: 'sync',
    statement: 'a node that matches no required node-affinity term does not run the pod',
    reached: (ctx) =>
      terms(ctx.template).length > 0 &&
      anyNode(
        ctx,
        (n) => matchesNodeSelector(ctx.template.nodeSelector, n.node) && !fitsNodeAffinity(ctx.template, n.node),
      ),
  },
  {
    id: 'R-ELIG-AFFINITY-OR',
    section: '§1.2',
    at: 'sync',
    statement: 'required node-affinity terms are ORed: a node matching one of several terms runs the pod',
    reached: (ctx) => terms(ctx.template).length > 1 && anyNode(ctx, (n) => fitsNodeAffinity(ctx.template, n.node)),
  },
  ...OPERATORS.map(
    (op): SyncRule => ({
      id: `R-ELIG-OP-${op.toUpperCase()}`,
      section: '§1.2',
      at: 'sync',
      statement: `a matchExpressions requirement with operator ${op} is evaluated against node labels`,
      reached: (ctx) => usesOperator(ctx.template, op) && ctx.nodes.length > 0,
    }),
  ),
  {
    id: 'R-ELIG-MATCHFIELDS',
    section: '§1.2',
    at: 'sync',
    statement: 'a matchFields requirement on metadata.name is evaluated against node names',
    reached: (ctx) => terms(ctx.template).some((t) => (t.matchFields ?? []).length > 0) && ctx.nodes.length > 0,
  },
  {
    id: 'R-ELIG-LABELS-EVICT',
    section: '§1.2',
    at: 'sync',
    statement:
      'a daemon pod on a node whose labels stopped matching is deleted (IgnoredDuringExecution is not honoured)',
    reached: (ctx) =>
      anyNode(
        ctx,
        (n) =>
          withLive(n) &&
          (!matchesNodeSelector(ctx.template.nodeSelector, n.node) || !fitsNodeAffinity(ctx.template, n.node)),
      ),
  },
  {
    id: 'R-ELIG-NOSCHEDULE-STAYS',
    section: '§1.1',
    at: 'sync',
    statement: 'an untolerated NoSchedule taint stops new pods but lets a running daemon pod stay',
    reached: (ctx) => anyNode(ctx, (n) => withLive(n) && !n.shouldRun && n.shouldContinueRunning),
  },
  {
    id: 'R-ELIG-NOEXECUTE-EVICTS',
    section: '§1.1',
    at: 'sync',
    statement: 'an untolerated NoExecute taint makes the daemon pod on the node go',
    reached: (ctx) =>
      anyNode(
        ctx,
        (n) => withLive(n) && findUntoleratedTaint(n.node.taints, ctx.tolerations, ['NoExecute']) !== undefined,
      ),
  },
  {
    id: 'R-ELIG-NOEXECUTE-TOLERATED',
    section: '§1.3',
    at: 'sync',
    statement: 'a NoExecute taint the pod tolerates does not keep it off the node',
    reached: (ctx) => anyNode(ctx, (n) => n.shouldRun && n.node.taints.some((t) => t.effect === 'NoExecute')),
  },
  {
    id: 'R-ELIG-PREFERNOSCHEDULE',
    section: '§1.3',
    at: 'sync',
    statement: 'a PreferNoSchedule taint is ignored by eligibility',
    reached: (ctx) =>
      anyNode(
        ctx,
        (n) => n.shouldRun && findUntoleratedTaint(n.node.taints, ctx.tolerations, ['PreferNoSchedule']) !== undefined,
      ),
  },
  {
    id: 'R-ELIG-CORDONED',
    section: '§1.1',
    at: 'sync',
    statement: 'a cordoned node still runs the daemon pod (the unschedulable taint is tolerated by default)',
    reached: (ctx) => anyNode(ctx, (n) => n.node.unschedulable && n.shouldRun),
  },
  {
    id: 'R-ELIG-NOT-READY',
    section: '§1.1',
    at: 'sync',
    statement: 'a NotReady node keeps its daemon pod but gets no new one (not-ready:NoSchedule is not tolerated)',
    reached: (ctx) =>
      anyNode(ctx, (n) => n.node.ready === 'False' && n.node.taints.some((t) => t.key === TAINT_NOT_READY)),
  },
  {
    id: 'R-ELIG-UNREACHABLE',
    section: '§1.1',
    at: 'sync',
    statement: 'an unreachable node (Ready Unknown) keeps its daemon pod but gets no new one',
    reached: (ctx) =>
      anyNode(ctx, (n) => n.node.ready === 'Unknown' && n.node.taints.some((t) => t.key === TAINT_UNREACHABLE)),
  },
  {
    id: 'R-TOL-EMPTY-KEY',
    section: '§1.3',
    at: 'sync',
    statement: 'a toleration with an empty key and Exists tolerates every taint (of its effect)',
    reached: (ctx) =>
      ctx.template.tolerations.some((t) => !t.key && t.operator === 'Exists') &&
      anyNode(ctx, (n) => n.node.taints.length > 0),
  },
  {
    id: 'R-TOL-EQUAL',
    section: '§1.3',
    at: 'sync',
    statement: 'an Equal toleration tolerates a taint of its key only when the values are equal',
    reached: (ctx) =>
      anyNode(ctx, (n) =>
        n.node.taints.some((taint) =>
          ctx.template.tolerations.some((t) => (t.operator ?? 'Equal') === 'Equal' && t.key === taint.key),
        ),
      ),
  },
  {
    id: 'R-TOL-SECONDS',
    section: '§1.3',
    at: 'sync',
    statement:
      'a NoExecute taint tolerated only for tolerationSeconds: the pod may run, and the taint manager evicts it later',
    reached: (ctx) => anyNode(ctx, (n) => toleratedForAWhile(n.node, ctx.tolerations)),
  },
  // §2 default tolerations and the pod template
  {
    id: 'R-TOL-DEFAULT-MERGE',
    section: '§2.1',
    at: 'sync',
    statement:
      'a user toleration equal to a default one but with tolerationSeconds is replaced by the default (never evicted)',
    reached: (ctx) =>
      replacedByDefault(ctx.template) &&
      anyNode(ctx, (n) => n.node.taints.some((t) => t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE)),
  },
  {
    id: 'R-TPL-HOSTNETWORK',
    section: '§2.1',
    at: 'sync',
    statement: 'a hostNetwork template also tolerates network-unavailable:NoSchedule',
    reached: (ctx) => ctx.template.hostNetwork && anyNode(ctx, (n) => n.shouldRun && n.pods.length === 0),
  },
  {
    id: 'R-TPL-PIN-AFFINITY',
    section: '§2.2',
    at: 'sync',
    statement: "a created pod's required node affinity is replaced by one term pinning it to its node",
    reached: (ctx) => terms(ctx.template).length > 0 && anyNode(ctx, (n) => n.shouldRun && n.pods.length === 0),
  },
  // §3 the reconcile loop
  {
    id: 'R-MANAGE-CREATE',
    section: '§3.4',
    at: 'sync',
    statement: 'a node that should run the pod and has none gets one',
    reached: (ctx) => anyNode(ctx, (n) => n.shouldRun && n.pods.length === 0),
  },
  {
    id: 'R-MANAGE-SLOW-START',
    section: '§3.7',
    at: 'sync',
    statement: 'several nodes need pods at once: creates go out in slow-start batches (1, 2, 4, ...)',
    reached: (ctx) => ctx.nodes.filter((n) => n.shouldRun && n.pods.length === 0).length >= 3,
  },
  {
    id: 'R-MANAGE-SLOW-START-FAILED',
    section: '§3.7',
    at: 'write',
    needs: 'POD_CREATES_FAIL',
    statement:
      'a create fails part-way through the slow-start batches: the rest of the batch is tried, later batches are not (seen where a controller writes one by one)',
    reached: (writes) => writes.createAttempts?.includes(false) === true,
  },
  {
    id: 'R-MANAGE-BURST',
    section: '§3.7',
    at: 'sync',
    minNodes: BURST_REPLICAS + 1,
    statement: `more than ${BURST_REPLICAS} nodes need pods at once: one sync creates ${BURST_REPLICAS} (BurstReplicas), a later one the rest`,
    reached: (ctx) => ctx.nodes.filter((n) => n.shouldRun && n.pods.length === 0).length > BURST_REPLICAS,
  },
  {
    id: 'R-MANAGE-DUPLICATES',
    section: '§3.4',
    at: 'sync',
    statement: 'without surge, a node with more than one running pod keeps only the oldest',
    reached: (ctx) => !allowsSurge(ctx.ds.spec.updateStrategy) && anyNode(ctx, (n) => n.live.length > 1),
  },
  {
    id: 'R-MANAGE-SURGE-DUPLICATES',
    section: '§3.4',
    at: 'sync',
    statement: 'with surge, a node keeps at most the oldest new and the oldest old pod',
    reached: (ctx) => allowsSurge(ctx.ds.spec.updateStrategy) && anyNode(ctx, (n) => n.live.length > 1),
  },
  {
    id: 'R-MANAGE-FAILED',
    section: '§3.6',
    at: 'sync',
    statement: 'a failed daemon pod on a node that may keep it is deleted (and replaced)',
    reached: (ctx) =>
      anyNode(ctx, (n) => n.shouldContinueRunning && n.pods.some((p) => p.phase === 'Failed' && !p.terminating)),
  },
  {
    id: 'R-MANAGE-FAILED-BACKOFF',
    section: '§3.6',
    at: 'sync',
    statement: 'a failed pod on a node already in failed-pod backoff waits out the backoff',
    reached: (ctx) =>
      anyNode(
        ctx,
        (n) =>
          n.shouldContinueRunning &&
          n.pods.some((p) => p.phase === 'Failed' && !p.terminating) &&
          inBackoff(ctx.memory.failedPodBackoff.get(`${ctx.ds.uid}/${n.node.name}`), ctx.before.time),
      ),
  },
  {
    id: 'R-MANAGE-FAILED-REPEAT',
    section: '§3.6',
    at: 'sync',
    statement: 'a node fails its daemon pods again and again (a crash-looping node, upstream #65240)',
    reached: (ctx) =>
      anyNode(
        ctx,
        (n) =>
          n.pods.some((p) => p.phase === 'Failed' && !p.terminating) &&
          (ctx.memory.failedPodBackoff.get(`${ctx.ds.uid}/${n.node.name}`)?.delay ?? 0) >= 2,
      ),
  },
  {
    id: 'R-MANAGE-TERMINATING',
    section: '§3.4',
    at: 'sync',
    statement: 'a node whose only daemon pods are terminating gets its replacement later (at once with surge)',
    reached: (ctx) => anyNode(ctx, (n) => n.shouldRun && n.pods.length > 0 && n.pods.every((p) => p.terminating)),
  },
  {
    id: 'R-MANAGE-HELD-TERMINAL',
    section: '§3.3',
    at: 'sync',
    statement:
      'a failed pod that a finalizer keeps while it is being deleted does not block its node: the replacement comes at once (#118587)',
    reached: (ctx) => {
      const held = claimedPods(ctx.before.pods, ctx.ds).filter((p) => p.terminating && isPodTerminal(p));
      return anyNode(ctx, (n) => n.shouldRun && n.pods.length === 0 && held.some((p) => p.node === n.node.name));
    },
  },
  {
    id: 'R-MANAGE-UNBOUND-VANISHED',
    section: '§3.4',
    at: 'sync',
    statement: 'an unbound daemon pod pinned to a node that no longer exists is deleted',
    reached: (ctx) => ctx.onVanishedNodes.some((p) => !p.bound && isPodLive(p)),
  },
  {
    id: 'R-MANAGE-BOUND-VANISHED',
    section: '§3.4',
    at: 'sync',
    statement: 'a daemon pod bound to a node that no longer exists is left to Pod GC',
    reached: (ctx) => ctx.onVanishedNodes.some((p) => p.bound && !p.terminating),
  },
  {
    id: 'R-CLAIM-ADOPT',
    section: '§3.3',
    at: 'sync',
    statement: 'an orphan pod matching the selector is adopted',
    reached: (ctx) => ctx.before.pods.some((p) => p.controllerUid === undefined && !p.terminating),
  },
  {
    id: 'R-CLAIM-TERMINATING-ORPHAN',
    section: '§3.3',
    at: 'sync',
    statement: 'a terminating orphan is never adopted',
    reached: (ctx) => ctx.before.pods.some((p) => p.controllerUid === undefined && p.terminating),
  },
  {
    id: 'R-CLAIM-FOREIGN',
    section: '§3.3',
    at: 'sync',
    statement:
      'a pod of another controller (a ReplicaSet) that the selector matches is neither counted, adopted nor touched',
    reached: (ctx) => (ctx.before.bystanders ?? []).some((p) => p.foreign),
  },
  {
    id: 'R-CLAIM-RELEASE',
    section: '§3.3',
    at: 'sync',
    statement: 'a pod of the DaemonSet whose labels stopped matching is released (not deleted) and replaced',
    reached: (ctx) => releasablePods(ctx.before.pods, ctx.ds).length > 0,
  },
  {
    id: 'R-CLAIM-READOPT',
    section: '§3.3',
    at: 'event',
    statement: 'a released pod whose labels match again is adopted again (and, being older, wins over a newer pod)',
    reached: (ctx) => {
      const { event } = ctx;
      if (event.type !== 'POD_RELABELED' || !event.matches || ctx.rejected || !ctx.after.daemonSet) return false;
      const released = (ctx.before.bystanders ?? []).filter((p) => p.unmatched && p.node === event.node);
      return released.some((p) => ctx.after.pods.some((q) => q.name === p.name));
    },
  },
  {
    id: 'R-CLAIM-OTHER-OWNER',
    section: '§3.9',
    at: 'sync',
    statement: 'a pod controlled by another DaemonSet (an earlier one of the same name) is ignored',
    reached: (ctx) => ctx.before.pods.some((p) => p.controllerUid !== undefined && p.controllerUid !== ctx.ds.uid),
  },
  {
    id: 'R-SYNC-RESTART',
    section: '§3.8',
    at: 'event',
    statement: 'the controller restarts with pods on the cluster: expectations and backoff start empty',
    reached: (ctx) =>
      ctx.event.type === 'CONTROLLER_RESTARTED' && ctx.before.daemonSet !== undefined && ctx.before.pods.length > 0,
  },
  {
    id: 'R-SYNC-CRASH',
    section: '§3.8',
    at: 'write',
    needs: 'CONTROLLER_CRASHES',
    statement:
      "the controller crashes part-way through a sync's writes: what it sent stands, the rest is never sent, and it restarts with nothing in memory and a fresh LIST",
    reached: (writes) => writes.crashed === true && writeCount(writes) > 0,
  },
  // §4 status
  {
    id: 'R-STATUS-MISSCHEDULED',
    section: '§4.1',
    at: 'sync',
    statement: 'a daemon pod on a node that should not run it counts as misscheduled',
    reached: (ctx) => anyNode(ctx, (n) => !n.shouldRun && n.pods.length > 0),
  },
  {
    id: 'R-STATUS-MIN-READY',
    section: '§4.3',
    at: 'sync',
    statement: 'a ready pod is not available until minReadySeconds have passed',
    reached: (ctx) => anyNode(ctx, (n) => n.live.some((p) => p.ready && !available(ctx, p))),
  },
  {
    id: 'R-STATUS-OLDEST-COUNTS',
    section: '§4.1',
    at: 'sync',
    statement: 'a node with several pods is counted once, by its oldest pod',
    reached: (ctx) => anyNode(ctx, (n) => n.shouldRun && n.pods.length > 1),
  },
  {
    id: 'R-STATUS-OBSERVED-GENERATION',
    section: '§4.1',
    at: 'sync',
    statement: 'a sync after a spec change moves observedGeneration to the new generation',
    reached: (ctx) => ctx.ds.status.observedGeneration < ctx.ds.generation && ctx.before.pods.length > 0,
  },
  // §5 update strategies
  {
    id: 'R-ONDELETE-OUTDATED',
    section: '§5.2',
    at: 'sync',
    statement: 'under OnDelete an out-of-date pod is not replaced until someone deletes it',
    reached: (ctx) => ctx.ds.spec.updateStrategy.type === 'OnDelete' && outOfDate(ctx).length > 0,
  },
  {
    id: 'R-ROLL-PERCENT-ROUNDS',
    section: '§5.3',
    at: 'sync',
    statement: 'a percent budget that does not divide the desired nodes rounds up',
    reached: (ctx) => percentRounds(ctx) && outOfDate(ctx).length > 0,
  },
  {
    id: 'R-ROLL-UNAVAILABLE-OLD',
    section: '§5.4',
    at: 'sync',
    statement: 'without surge, an out-of-date pod that is not available is replaced whatever the budget',
    reached: (ctx) => rolling(ctx, false) && outOfDate(ctx).some((p) => !available(ctx, p)),
  },
  {
    id: 'R-ROLL-BUDGET-BITES',
    section: '§5.4',
    at: 'sync',
    statement: 'without surge, more available out-of-date pods than maxUnavailable allows: some wait',
    reached: (ctx) => {
      if (!rolling(ctx, false)) return false;
      const { accounting, candidates } = ctx.rollout();
      return candidates > Math.max(0, accounting.budgets.maxUnavailable - accounting.numUnavailable);
    },
  },
  {
    id: 'R-ROLL-BUDGET-SPENT-ELSEWHERE',
    section: '§5.4',
    at: 'sync',
    statement: 'a desired node without an available pod spends maxUnavailable, so the rollout pauses (#117204)',
    reached: (ctx) => {
      if (!rolling(ctx, false)) return false;
      const { accounting, candidates } = ctx.rollout();
      if (candidates === 0) return false;
      const { budgets, numUnavailable } = accounting;
      return numUnavailable >= budgets.maxUnavailable;
    },
  },
  {
    id: 'R-ROLL-SURGE-BUDGET-BITES',
    section: '§5.5',
    at: 'sync',
    statement: 'with surge, more out-of-date available pods than maxSurge allows: some wait',
    reached: (ctx) => {
      if (!rolling(ctx, true)) return false;
      const { accounting, candidates } = ctx.rollout();
      return candidates > Math.max(0, accounting.budgets.maxSurge - accounting.numSurge);
    },
  },
  {
    id: 'R-ROLL-BUDGET-SEVERAL',
    section: '§5.4',
    at: 'sync',
    statement:
      'without surge, maxUnavailable leaves room for several available out-of-date pods: one sync replaces them all',
    reached: (ctx) => roomForSeveral(ctx, false),
  },
  {
    id: 'R-ROLL-SURGE-SEVERAL',
    section: '§5.5',
    at: 'sync',
    statement:
      'with surge, maxSurge leaves room for several nodes with available out-of-date pods: one sync surges onto them all',
    reached: (ctx) => roomForSeveral(ctx, true),
  },
  {
    id: 'R-ROLL-SURGE-HANDOVER',
    section: '§5.5',
    at: 'sync',
    statement: 'with surge, once the new pod is available the old one on its node is deleted',
    reached: (ctx) =>
      rolling(ctx, true) &&
      anyNode(ctx, (n) => {
        const { newPod, oldPod } = findUpdatedPodsOnNode(n.pods, ctx.ds);
        return newPod !== undefined && oldPod !== undefined && available(ctx, newPod);
      }),
  },
  {
    id: 'R-ROLL-SURGE-UNAVAILABLE-OLD',
    section: '§5.5',
    at: 'sync',
    statement: 'with surge, a node whose old pod is not available gets a new pod whatever the surge budget',
    reached: (ctx) =>
      rolling(ctx, true) &&
      anyNode(ctx, (n) => {
        const { newPod, oldPod } = findUpdatedPodsOnNode(n.pods, ctx.ds);
        return n.shouldRun && newPod === undefined && oldPod !== undefined && !available(ctx, oldPod);
      }),
  },
  {
    id: 'R-ROLL-SURGE-NOT-DESIRED',
    section: '§5.5',
    at: 'sync',
    statement: 'with surge, an old pod on a node that should not run it goes only while enough others are available',
    reached: (ctx) =>
      rolling(ctx, true) &&
      anyNode(ctx, (n) => !n.shouldRun && n.shouldContinueRunning && n.live.some((p) => !isPodUpdatedFor(p, ctx.ds))),
  },
  {
    id: 'R-ROLL-IMAGE-ONLY',
    section: '§5.4',
    at: 'event',
    statement: 'a template change of the image alone rolls several available pods over in place',
    reached: (ctx) => {
      const before = ctx.before.daemonSet;
      if (ctx.event.type !== 'TEMPLATE_UPDATED' || ctx.rejected || !before) return false;
      const template = ctx.after.daemonSet?.spec.template;
      if (!template) return false;
      const changed = template.image !== before.spec.template.image;
      const availablePods = claimedPods(ctx.before.pods, before).filter(
        (p) => isPodLive(p) && isPodAvailable(p, before.spec.minReadySeconds, ctx.before.time),
      );
      return changed && placementOf(template) === placementOf(before.spec.template) && availablePods.length > 1;
    },
  },
  {
    id: 'R-ROLL-UPDATE-MID-ROLLOUT',
    section: '§5.4',
    at: 'event',
    statement: 'the template changes again while out-of-date pods remain',
    reached: (ctx) => ctx.event.type === 'TEMPLATE_UPDATED' && acceptedWithOutOfDatePods(ctx),
  },
  {
    id: 'R-ROLL-STRATEGY-CHANGED',
    section: '§5.1',
    at: 'event',
    statement: 'the update strategy or its budget changes while out-of-date pods remain',
    reached: (ctx) => ctx.event.type === 'STRATEGY_CHANGED' && acceptedWithOutOfDatePods(ctx),
  },
  {
    id: 'R-HIST-ROLLBACK',
    section: '§5.8',
    at: 'event',
    statement: 'the template goes back to an earlier one: its revision becomes current again, with a new number',
    reached: (ctx) => {
      const ds = ctx.before.daemonSet;
      const template = ctx.after.daemonSet?.spec.template;
      if (ctx.event.type !== 'TEMPLATE_UPDATED' || ctx.rejected || !ds || !template) return false;
      const earlier = ctx.memory.templates.get(ds.uid) ?? [];
      return !sameTemplate(template, ds.spec.template) && earlier.some((t) => sameTemplate(t, template));
    },
  },
  {
    id: 'R-HIST-ROLLBACK-NO-RESTART',
    section: '§5.8',
    at: 'event',
    statement: 'after a rollback, pods of the restored revision are up to date and must not restart',
    reached: (ctx) => {
      const after = ctx.after.daemonSet;
      const before = ctx.before.daemonSet;
      if (ctx.event.type !== 'TEMPLATE_UPDATED' || ctx.rejected || !before || !after) return false;
      const earlier = ctx.memory.templates.get(before.uid) ?? [];
      const template = after.spec.template;
      if (sameTemplate(template, before.spec.template) || !earlier.some((t) => sameTemplate(t, template))) return false;
      // Some live pod was made from the restored template (its revision's template).
      const hashes = new Set(
        ctx.before.revisions.filter((r) => r.template && sameTemplate(r.template, template)).map((r) => r.hash),
      );
      return claimedPods(ctx.before.pods, before).some(
        (p) => isPodLive(p) && p.hash !== undefined && hashes.has(p.hash),
      );
    },
  },
  {
    id: 'R-HIST-CLEANUP',
    section: '§5.7',
    at: 'sync',
    statement: 'more old revisions than revisionHistoryLimit: the oldest unused ones are deleted',
    reached: (ctx) => {
      const old = ctx.before.revisions.filter((r) => r.controllerUid === ctx.ds.uid && r.hash !== ctx.ds.currentHash);
      return old.length > ctx.ds.spec.revisionHistoryLimit;
    },
  },
  {
    id: 'R-HIST-IN-USE',
    section: '§5.7',
    at: 'sync',
    statement: 'an old revision beyond the limit that a live pod still uses is kept',
    reached: (ctx) => {
      const old = ctx.before.revisions.filter((r) => r.controllerUid === ctx.ds.uid && r.hash !== ctx.ds.currentHash);
      const used = new Set(ctx.before.pods.flatMap((p) => (p.hash !== undefined && isPodLive(p) ? [p.hash] : [])));
      return old.length > ctx.ds.spec.revisionHistoryLimit && old.some((r) => used.has(r.hash));
    },
  },
  // §6 deleting a DaemonSet
  ...(['Background', 'Foreground', 'Orphan'] as const).map(
    (policy): EventRule => ({
      id: `R-DEL-${policy.toUpperCase()}`,
      section: '§6.1',
      at: 'event',
      statement: `a ${policy} delete of a DaemonSet that has pods`,
      reached: (ctx) =>
        ctx.event.type === 'DS_DELETED' &&
        ctx.event.policy === policy &&
        !ctx.rejected &&
        ctx.before.daemonSet !== undefined &&
        ctx.before.daemonSet.deleting === undefined &&
        claimedPods(ctx.before.pods, ctx.before.daemonSet).some(isPodLive),
    }),
  ),
  {
    id: 'R-DEL-FOREGROUND-HELD',
    section: '§6.1',
    at: 'sync',
    statement: 'a Foreground deletion waits for a pod that a finalizer keeps in the API',
    reached: (ctx) =>
      ctx.ds.deleting === 'Foreground' && ctx.before.pods.some((p) => p.controllerUid === ctx.ds.uid && p.held),
  },
  {
    id: 'R-DEL-NO-WRITES',
    section: '§6.2',
    at: 'sync',
    statement: 'while the DaemonSet is being deleted the controller writes nothing, even where a pod is missing',
    reached: (ctx) => ctx.ds.deleting !== undefined && anyNode(ctx, (n) => n.shouldRun && n.live.length === 0),
  },
  {
    id: 'R-DEL-READOPT',
    section: '§6.1',
    at: 'event',
    statement: 'a DaemonSet created over orphaned pods of an earlier one adopts them',
    reached: (ctx) =>
      ctx.event.type === 'DS_CREATED' &&
      !ctx.rejected &&
      ctx.before.pods.some((p) => p.controllerUid === undefined && isPodLive(p)) &&
      ctx.memory.uids.size > 0,
  },
  {
    id: 'R-DEL-READOPT-SAME-TEMPLATE',
    section: '§6.1',
    at: 'event',
    statement: 'a DaemonSet re-created with the same template adopts orphans as up to date (no restarts)',
    reached: (ctx) => {
      const template = ctx.after.daemonSet?.spec.template;
      if (ctx.event.type !== 'DS_CREATED' || ctx.rejected || !template) return false;
      const hashes = new Set(
        ctx.before.revisions.filter((r) => r.template && sameTemplate(r.template, template)).map((r) => r.hash),
      );
      return ctx.before.pods.some(
        (p) => p.controllerUid === undefined && isPodLive(p) && p.hash !== undefined && hashes.has(p.hash),
      );
    },
  },
  {
    id: 'R-DEL-RECREATE',
    section: '§6.3',
    at: 'event',
    statement: 'a DaemonSet re-created with the same name while pods of the old one (old UID) remain',
    reached: (ctx) =>
      ctx.event.type === 'DS_CREATED' &&
      !ctx.rejected &&
      ctx.before.pods.some((p) => p.controllerUid !== undefined && !ctx.before.daemonSet),
  },
  // §7 validation and generation
  {
    id: 'R-VAL-ALREADY-EXISTS',
    section: '§7',
    at: 'event',
    statement: 'creating a DaemonSet whose name exists is refused',
    reached: (ctx) => ctx.event.type === 'DS_CREATED' && ctx.before.daemonSet !== undefined && ctx.rejected,
  },
  {
    id: 'R-VAL-STRATEGY',
    section: '§7.8',
    at: 'event',
    statement: 'an invalid update strategy (both budgets zero, both non-zero, over 100%) is refused',
    reached: (ctx) => ctx.event.type === 'STRATEGY_CHANGED' && ctx.before.daemonSet !== undefined && ctx.rejected,
  },
  {
    id: 'R-VAL-TEMPLATE-GENERATION',
    section: '§5.9',
    at: 'event',
    statement: 'a template change bumps generation and the template generation',
    reached: (ctx) =>
      ctx.event.type === 'TEMPLATE_UPDATED' &&
      !ctx.rejected &&
      ctx.before.daemonSet !== undefined &&
      ctx.after.daemonSet !== undefined &&
      !sameTemplate(ctx.after.daemonSet.spec.template, ctx.before.daemonSet.spec.template),
  },
  {
    id: 'R-VAL-SPEC-GENERATION',
    section: '§5.9',
    at: 'event',
    statement: 'a change outside the template bumps generation only',
    reached: (ctx) => ctx.event.type === 'STRATEGY_CHANGED' && !ctx.rejected && ctx.before.daemonSet !== undefined,
  },
];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);

const SYNC_RULES = RULES.filter((r): r is SyncRule => r.at === 'sync');
const EVENT_RULES = RULES.filter((r): r is EventRule => r.at === 'event');
const WRITE_RULES = RULES.filter((r): r is WriteRule => r.at === 'write');

/** What a sync context reads of one observation (and its DaemonSet) alone; observations are immutable, so it is kept per observation. */
interface ObservedSyncFacts {
  readonly tolerations: readonly Toleration[];
  readonly nodes: readonly SyncedNode[];
  readonly onVanishedNodes: readonly Pod[];
}

const syncFactsOf = new WeakMap<Observation, ObservedSyncFacts>();

function syncFacts(before: Observation, ds: DaemonSet): ObservedSyncFacts {
  const known = syncFactsOf.get(before);
  if (known !== undefined) return known;
  const claimed = claimedPods(before.pods, ds);
  // Claimed pods by node in one pass (getNodesToDaemonPods(false): terminal-and-terminating left out).
  const byNode = new Map<string, Pod[]>();
  for (const p of claimed) {
    if (p.terminating && (p.phase === 'Failed' || p.phase === 'Succeeded')) continue;
    const list = byNode.get(p.node);
    if (list) list.push(p);
    else byNode.set(p.node, [p]);
  }
  const names = new Set(before.nodes.map((n) => n.name));
  const nodes = before.nodes.map((node): SyncedNode => {
    const pods = byNode.get(node.name) ?? [];
    return { node, ...nodeShouldRunDaemonPod(node, ds.spec.template), pods, live: pods.filter(isPodLive) };
  });
  const facts: ObservedSyncFacts = {
    tolerations: daemonPodTolerations(ds.spec.template),
    nodes,
    onVanishedNodes: claimed.filter((p) => !names.has(p.node)),
  };
  syncFactsOf.set(before, facts);
  return facts;
}

function syncContext(before: Observation, memory: RuleMemory): SyncContext | undefined {
  const ds = before.daemonSet;
  if (!ds) return undefined;
  const facts = syncFacts(before, ds);
  let rollout: ReturnType<SyncContext['rollout']> | undefined;
  const ctx: SyncContext = {
    before,
    ds,
    template: ds.spec.template,
    tolerations: facts.tolerations,
    nodes: facts.nodes,
    onVanishedNodes: facts.onVanishedNodes,
    memory,
    rollout: () => {
      rollout ??= { accounting: rolloutAccounting(before, ds), candidates: rolloutCandidates(ctx) };
      return rollout;
    },
  };
  return ctx;
}

/**
 * Follows one case step by step and records which rules it reached. Feed it every step
 * (events and controller steps, also those while settling) with the observations around it.
 */
export class RuleTracker {
  readonly #reached = new Set<string>();
  readonly #memory: RuleMemory = { templates: new Map(), failedPodBackoff: new Map(), uids: new Set() };

  /** Rules reached so far, in catalogue order. */
  get reached(): string[] {
    return RULE_IDS.filter((id) => this.#reached.has(id));
  }

  /**
   * A settled cluster: the controller has synced over it (the informers' resync at least), so
   * the sync rules whose situation it shows were reached. Where steps are not visible one by one
   * (a real cluster's controller acts on its own), this is how they are reached at all.
   */
  settled(obs: Observation): void {
    if (this.#allSyncRulesReached()) return;
    const ctx = syncContext(obs, this.#memory);
    if (ctx)
      for (const rule of SYNC_RULES) if (!this.#reached.has(rule.id) && rule.reached(ctx)) this.#reached.add(rule.id);
  }

  step(before: Observation, after: Observation): void {
    const step = after.lastStep;
    if (!step) return;
    const event = step.event;
    if (event.type === 'CONTROLLER_SYNC') {
      const ctx = this.#allSyncRulesReached() ? undefined : syncContext(before, this.#memory);
      if (ctx)
        for (const rule of SYNC_RULES) if (!this.#reached.has(rule.id) && rule.reached(ctx)) this.#reached.add(rule.id);
      for (const rule of WRITE_RULES)
        if (!this.#reached.has(rule.id) && rule.reached(step.controller)) this.#reached.add(rule.id);
    } else {
      const ctx: EventContext = { event, before, after, rejected: step.rejected !== undefined, memory: this.#memory };
      for (const rule of EVENT_RULES) if (!this.#reached.has(rule.id) && rule.reached(ctx)) this.#reached.add(rule.id);
    }
    this.#remember(before, after);
  }

  #allSyncRulesReached(): boolean {
    for (const rule of SYNC_RULES) if (!this.#reached.has(rule.id)) return false;
    return true;
  }

  #remember(before: Observation, after: Observation): void {
    const ds = after.daemonSet;
    if (ds) {
      this.#memory.uids.add(ds.uid);
      const seen = this.#memory.templates.get(ds.uid) ?? [];
      if (!seen.some((t) => sameTemplate(t, ds.spec.template)))
        this.#memory.templates.set(ds.uid, [...seen, ds.spec.template]);
    }
    // Failed pods the controller deleted in this step advance that node's backoff (as upstream's would).
    const deleted = after.lastStep?.controller.deletes ?? [];
    if (deleted.length === 0 || !before.daemonSet) return;
    for (const name of deleted) {
      const pod = before.pods.find((p) => p.name === name && p.phase === 'Failed');
      if (pod === undefined) continue;
      const key = `${before.daemonSet.uid}/${pod.node}`;
      this.#memory.failedPodBackoff.set(key, nextBackoff(this.#memory.failedPodBackoff.get(key), before.time));
    }
  }
}

/**
 * The rules whose precondition is the situation an invariant judges: a campaign exercised the
 * invariant only if one of its cases reached one of them. An invariant checked on every step of
 * cases that never reach its situation passes vacuously, so reports say "not exercised" then.
 * DS-SYNC-03 needs injected create failures (the faults profile) and a controller that writes one
 * by one; DS-SYNC-02 needs a campaign of more than 250 nodes (`--nodes 300`).
 */
export const INVARIANT_RULES: Readonly<Record<string, readonly string[]>> = {
  'DS-ELIG-01': ['R-MANAGE-CREATE'],
  'DS-ELIG-02': ['R-ELIG-CORDONED', 'R-ELIG-NOT-READY', 'R-ELIG-UNREACHABLE'],
  'DS-PLACE-01': ['R-MANAGE-CREATE'],
  'DS-PLACE-02': ['R-ELIG-LABELS-EVICT', 'R-ELIG-NOEXECUTE-EVICTS'],
  'DS-PLACE-03': ['R-ELIG-NOSCHEDULE-STAYS'],
  'DS-PLACE-04': ['R-ELIG-FITS'],
  'DS-PLACE-05': ['R-MANAGE-UNBOUND-VANISHED', 'R-MANAGE-BOUND-VANISHED'],
  'DS-PLACE-06': ['R-MANAGE-UNBOUND-VANISHED'],
  'DS-PLACE-07': ['R-MANAGE-HELD-TERMINAL'],
  'DS-SAFE-01': ['R-MANAGE-CREATE'],
  'DS-SAFE-02': ['R-MANAGE-FAILED'],
  'DS-SAFE-03': ['R-MANAGE-DUPLICATES', 'R-MANAGE-SURGE-DUPLICATES'],
  'DS-SAFE-04': ['R-MANAGE-DUPLICATES', 'R-MANAGE-SURGE-DUPLICATES'],
  'DS-STATUS-01': ['R-ELIG-FITS'],
  'DS-STATUS-02': ['R-STATUS-MISSCHEDULED', 'R-STATUS-MIN-READY', 'R-STATUS-OLDEST-COUNTS'],
  'DS-STATUS-03': ['R-STATUS-OBSERVED-GENERATION'],
  'DS-SYNC-01': ['R-ELIG-FITS'],
  'DS-SYNC-02': ['R-MANAGE-BURST'],
  'DS-SYNC-03': ['R-MANAGE-SLOW-START-FAILED'],
  'DS-ROLL-01': ['R-ROLL-BUDGET-BITES', 'R-ROLL-BUDGET-SPENT-ELSEWHERE'],
  'DS-ROLL-02': ['R-ROLL-SURGE-BUDGET-BITES'],
  'DS-ROLL-03': ['R-ROLL-SURGE-HANDOVER'],
  'DS-ROLL-04': ['R-ROLL-SURGE-NOT-DESIRED'],
  'DS-ROLL-05': ['R-ROLL-BUDGET-BITES', 'R-ROLL-SURGE-BUDGET-BITES', 'R-ROLL-UNAVAILABLE-OLD'],
  'DS-ROLL-06': ['R-ONDELETE-OUTDATED'],
  'DS-ROLL-07': ['R-HIST-ROLLBACK-NO-RESTART', 'R-ROLL-UPDATE-MID-ROLLOUT'],
  'DS-ROLL-08': ['R-ROLL-BUDGET-SEVERAL', 'R-ROLL-SURGE-SEVERAL'],
  'DS-HIST-01': ['R-VAL-TEMPLATE-GENERATION'],
  'DS-HIST-02': ['R-HIST-CLEANUP', 'R-HIST-IN-USE'],
  'DS-HIST-03': ['R-HIST-ROLLBACK'],
  'DS-OWN-01': ['R-CLAIM-OTHER-OWNER'],
  'DS-OWN-02': ['R-CLAIM-TERMINATING-ORPHAN', 'R-DEL-NO-WRITES'],
  'DS-OWN-03': ['R-CLAIM-ADOPT'],
  'DS-OWN-04': ['R-CLAIM-FOREIGN', 'R-CLAIM-RELEASE'],
  'DS-OWN-05': ['R-CLAIM-RELEASE'],
  'DS-DEL-01': ['R-DEL-NO-WRITES'],
  'DS-DEL-02': ['R-DEL-BACKGROUND', 'R-DEL-FOREGROUND'],
  'DS-DEL-03': ['R-DEL-FOREGROUND'],
  'DS-DEL-04': ['R-DEL-ORPHAN'],
  'DS-SHAPE-01': ['R-MANAGE-CREATE'],
  'DS-BACKOFF-01': ['R-MANAGE-FAILED-BACKOFF'],
  'DS-BACKOFF-02': ['R-MANAGE-FAILED'],
  'DS-EXPECT': ['R-ELIG-FITS'],
  'DS-LIVE-01': ['R-ELIG-FITS'],
};
