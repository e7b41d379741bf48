/**
 * Expected per-node state at quiescence, stated declaratively (note §3.4, §5): given the
 * cluster now, which live pods each node may end up with once the controller, scheduler,
 * kubelets, taint eviction and garbage collector have run to a fixpoint, every started pod on a
 * Ready node has become ready and enough time has passed (minReadySeconds, failed-pod backoff),
 * with no further user or environment events. `quiescence.ts` reaches one such state by running
 * the model's actors; a test checks that it is always among the allowed ones.
 *
 * Where the environment's timing decides (the scheduler binds a pod before or after the
 * controller prunes duplicates; an out-of-date pod becomes available before a sync or not; taint
 * eviction removes a pod that may lack the default tolerations; a pod whose template is unknown
 * is admitted or not), a node has several allowed outcomes. A node that is not Ready is stated
 * exactly too: its kubelet does nothing (pods neither start, become ready nor finish
 * terminating), the node-lifecycle controller marks its pods not ready, and its
 * `not-ready`/`unreachable` NoSchedule taint keeps new pods away unless the template tolerates it.
 * A RollingUpdate whose budget such nodes spend stalls on the Ready nodes: an out-of-date pod the
 * rollout replaces only within its budget may stay, and `oracle.ts` then requires that the
 * settled cluster shows the budget spent (`progress.ts`' stalledRolloutPods); when nodes that can
 * never become available already spend all of maxUnavailable, it must stay.
 */
import { evictionOutlookOn, podTemplate, taintEvictionOutlook } from './deletion.ts';
import { kubeletAdmits, nodeShouldRunDaemonPod, schedulerFits } from './eligibility.ts';
import { claimedPods, isPodAvailable, isPodLive, isPodTerminal, isPodUpdatedFor, olderPodFirst } from './pods.ts';
import { allowsSurge, desiredNodes, rolloutBudgets } from './rollout.ts';
import type { Cluster, DaemonSet, Node, Pod } from './types.ts';

/** One live pod a node shows at quiescence. */
export interface PodOutcome {
  /** The existing pod it must be; absent for a pod the controller creates later. */
  readonly name?: string;
  /** IsPodUpdated against the current revision. */
  readonly updated: boolean;
  readonly ready: boolean;
  readonly available: boolean;
}

/** One allowed state of a node at quiescence: its live DaemonSet pods. */
export interface NodeOutcome {
  /** 0 or 1 pods; 2 (out of date, then up to date) only for a surge whose new pod never becomes available. */
  readonly pods: readonly PodOutcome[];
  /**
   * An out-of-date pod that a RollingUpdate replaces only within its budget stays: allowed only
   * if the settled cluster shows that budget spent (the oracle checks stalledRolloutPods).
   */
  readonly withinBudget?: boolean;
}

export interface NodeExpectation {
  readonly node: string;
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
  /** The node's Ready condition is True (its kubelet works). */
  readonly kubeletUp: boolean;
  /** Every allowed outcome (at least one; several where a race decides). */
  readonly outcomes: readonly NodeOutcome[];
}

export interface Placement {
  /**
   * True when the healthy environment settles the cluster to a single state: every node Ready,
   * every unbound pod schedulable, and one outcome per node. Otherwise `reasons` says why; the
   * per-node outcomes are still complete (see `unstated`).
   */
  readonly exact: boolean;
  readonly reasons: readonly string[];
  /** What the expectation could not state (empty: every allowed outcome is listed). */
  readonly unstated: readonly string[];
  readonly nodes: readonly NodeExpectation[];
}

/** Why a healthy environment would not settle this cluster to a single state (empty when it would). */
export function inexactReasons(cluster: Cluster, ds: DaemonSet): string[] {
  const reasons: string[] = [];
  for (const node of cluster.nodes) {
    if (node.ready !== 'True') reasons.push(`node ${node.name} is not Ready: its kubelet does not move pods`);
  }
  for (const pod of claimedPods(cluster.pods, ds)) {
    if (pod.bound || !isPodLive(pod)) continue;
    const node = cluster.nodes.find((n) => n.name === pod.node);
    if (!node) continue;
    const template = podTemplate(cluster, pod);
    if (template === undefined) reasons.push(`unbound pod ${pod.name}: its template is unknown`);
    else if (!schedulerFits(node, template))
      reasons.push(`unbound pod ${pod.name} can never be scheduled to ${node.name}`);
  }
  return reasons;
}

/** More combinations of per-pod races on one node than this are not enumerated (never seen in practice). */
const MAX_VARIANTS = 512;

/** How one pod of a node fares in one resolution of the races. */
interface Variant {
  readonly pod: Pod;
  /** Taint eviction or the kubelet's admission removes it. */
  readonly removed: boolean;
  /** Bound at quiescence (the scheduler bound it, or it was). */
  readonly bound: boolean;
  /** For a pod bound later: bound before the controller compares ages (bound pods count as older). */
  readonly boundEarly: boolean;
}

/** Whether some (or every) pod the controller deletes stays Terminating on the node forever. */
type Blocking = 'no' | 'maybe' | 'yes';
const worse = (a: Blocking, b: Blocking): Blocking =>
  a === 'yes' || b === 'yes' ? 'yes' : a === 'maybe' || b === 'maybe' ? 'maybe' : 'no';

interface NodeContext {
  readonly cluster: Cluster;
  readonly ds: DaemonSet;
  readonly node: Node;
  readonly shouldRun: boolean;
  readonly kubeletUp: boolean;
  /** manage's branch: util.AllowsSurge. */
  readonly surgeManage: boolean;
  /** rollingUpdate's branch: maxSurge scaled against desired > 0. */
  readonly surgeRollout: boolean;
  readonly rolling: boolean;
  /** Nodes that can never become available already spend all of maxUnavailable. */
  readonly budgetSpent: boolean;
  /** No node can spend the budget for good: every out-of-date pod the rollout replaces goes. */
  readonly mustRoll: boolean;
}

/** The per-pod alternatives the environment leaves open. */
function variantsOf(ctx: NodeContext, pod: Pod): Variant[] {
  const { cluster, node, kubeletUp } = ctx;
  const template = podTemplate(cluster, pod);
  const out: Variant[] = [];
  const binds: boolean[] = pod.bound
    ? [true]
    : template === undefined
      ? [false, true]
      : [schedulerFits(node, template)];
  for (const bound of binds) {
    const removals = new Set<boolean>();
    if (!bound) removals.add(false);
    else {
      // Once bound, taint eviction looks at it too (a pod the scheduler binds later as well).
      const eviction = pod.bound
        ? taintEvictionOutlook(cluster, pod)
        : evictionOutlookOn(node, template, pod.templateGeneration !== undefined);
      // A bound pod that has not started fails the kubelet's own admission on a Ready node.
      const started = pod.phase !== 'Pending' || !kubeletUp;
      const admission = started
        ? 'yes'
        : template === undefined
          ? 'maybe'
          : kubeletAdmits(node, template)
            ? 'yes'
            : 'no';
      if (eviction === 'always' || admission === 'no') removals.add(true);
      else {
        removals.add(false);
        if (eviction === 'maybe' || admission === 'maybe') removals.add(true);
      }
    }
    for (const removed of removals) {
      const early = !pod.bound && bound ? [false, true] : [pod.bound];
      for (const boundEarly of early) out.push({ pod, removed, bound, boundEarly });
    }
  }
  return out;
}

/** The pods manage keeps among `pods` (podsShouldBeOnNode): the oldest, or with surge the oldest of each hash kind. */
function survivors(ctx: NodeContext, pods: readonly Variant[]): Variant[] {
  const sorted = [...pods].sort((a, b) =>
    olderPodFirst({ ...a.pod, bound: a.boundEarly }, { ...b.pod, bound: b.boundEarly }),
  );
  if (sorted.length <= 1 || !ctx.surgeManage) return sorted.slice(0, 1);
  // The surge handover tells pods apart by the hash label only. Before the current revision
  // exists (no currentHash yet) no pod carries the hash the controller will give it.
  const hash = ctx.ds.currentHash;
  const isCurrent = (v: Variant) => hash !== undefined && v.pod.hash === hash;
  const current = sorted.find(isCurrent);
  const other = sorted.find((v) => !isCurrent(v));
  return [other, current].filter((v): v is Variant => v !== undefined);
}

/**
 * Whether a pod the rollout deletes stays Terminating: only a bound pod on a node whose kubelet
 * is down does (an unbound one goes at once); one the scheduler binds later may be deleted before
 * or after.
 */
function staysTerminating(ctx: NodeContext, v: Variant): Blocking {
  if (ctx.kubeletUp || !v.bound) return 'no';
  return v.pod.bound ? 'yes' : 'maybe';
}

function outcome(ctx: NodeContext, v: Variant): PodOutcome {
  const ready = ctx.kubeletUp && v.bound;
  return { name: v.pod.name, updated: isPodUpdatedFor(v.pod, ctx.ds), ready, available: ready };
}

/**
 * A pod the controller creates on the node (it should run one there). It fits (shouldRun implies
 * schedulerFits and kubeletAdmits) and starts only on a Ready node; but the default tolerations
 * do not override a template's own earlier toleration of a NoExecute taint, so taint eviction may
 * still remove it: on a node whose kubelet is down it then stays Terminating, elsewhere the
 * controller creates the next one (an evict-and-recreate cycle that never settles).
 */
function created(ctx: NodeContext): NodeOutcome[] {
  const pod: NodeOutcome = { pods: [{ updated: true, ready: ctx.kubeletUp, available: ctx.kubeletUp }] };
  const none: NodeOutcome = { pods: [] };
  const eviction = evictionOutlookOn(ctx.node, ctx.ds.spec.template, true);
  if (eviction === 'never') return [pod];
  return !ctx.kubeletUp && !ctx.surgeManage && eviction === 'always' ? [none] : [pod, none];
}

/** Nothing of the existing pods is left: the controller creates a pod if the node should run one. */
function fresh(ctx: NodeContext, blocking: Blocking): NodeOutcome[] {
  const none: NodeOutcome = { pods: [] };
  if (!ctx.shouldRun) return [none];
  // Without surge, manage waits until no pod (terminating ones included) is left on the node.
  if (ctx.surgeManage || ctx.kubeletUp || blocking === 'no') return created(ctx);
  return blocking === 'yes' ? [none] : [none, ...created(ctx)];
}

/** The survivor is deleted (and replaced if the node should run a pod). */
function replaced(ctx: NodeContext, v: Variant, blocking: Blocking): NodeOutcome[] {
  return fresh(ctx, worse(blocking, staysTerminating(ctx, v)));
}

/** What becomes of the pods manage keeps: the rollout and the surge handover (rollingUpdate, manage). */
function settleSurvivors(ctx: NodeContext, kept: readonly Variant[], blocking: Blocking): NodeOutcome[] {
  const { ds } = ctx;
  const [first, second] = kept;
  if (!first) return fresh(ctx, blocking);
  const availableEnd = (v: Variant) => ctx.kubeletUp && v.bound;
  const availableNow = (v: Variant) => isPodAvailable(v.pod, ds.spec.minReadySeconds, ctx.cluster.time);
  if (second) {
    // Surge handover: the old pod goes once the new one is available, or whenever it is not ready.
    if (availableEnd(second)) return [{ pods: [outcome(ctx, second)] }];
    const out: NodeOutcome[] = [];
    if (availableEnd(first)) out.push({ pods: [outcome(ctx, first), outcome(ctx, second)] });
    if (!availableEnd(first) || !first.pod.ready) out.push({ pods: [outcome(ctx, second)] });
    return out;
  }
  const keep: NodeOutcome = { pods: [outcome(ctx, first)] };
  if (!ctx.rolling || isPodUpdatedFor(first.pod, ds)) return [keep];
  if (!ctx.surgeRollout) {
    const out: NodeOutcome[] = [];
    // An out-of-date pod that is not available is replaced whatever the budget; an available one
    // only within maxUnavailable.
    if (!availableEnd(first)) return replaced(ctx, first, blocking);
    if (!availableNow(first) || !ctx.budgetSpent) out.push(...replaced(ctx, first, blocking));
    if (!ctx.mustRoll) out.push({ ...keep, withinBudget: true });
    return out;
  }
  // With surge a new pod comes first where the node should run one; elsewhere the old pod goes
  // (if available, only while more nodes are available than desired: #118823).
  const handover: NodeOutcome[] = ctx.shouldRun ? created(ctx) : [{ pods: [] }];
  if (!availableEnd(first) || ctx.mustRoll) return handover;
  return [...handover, { ...keep, withinBudget: true }];
}

const outcomeKey = (o: NodeOutcome) => JSON.stringify(o);

/** Every allowed outcome of a node where pods may continue running. */
function nodeOutcomes(ctx: NodeContext, live: readonly Pod[], unstated: string[]): NodeOutcome[] {
  const { cluster, ds, node } = ctx;
  // Claimed pods of this DaemonSet already Terminating on a node whose kubelet is down stay there.
  const stuck = cluster.pods.some(
    (p) =>
      p.controllerUid === ds.uid &&
      !p.unmatched &&
      p.node === node.name &&
      p.bound &&
      p.terminating &&
      !isPodTerminal(p),
  );
  const initial: Blocking = stuck && !ctx.kubeletUp ? 'yes' : 'no';
  let combos: Variant[][] = [[]];
  for (const pod of live) {
    const options = variantsOf(ctx, pod);
    combos = combos.flatMap((c) => options.map((v) => [...c, v]));
    if (combos.length > MAX_VARIANTS) {
      unstated.push(`node ${node.name}: more than ${MAX_VARIANTS} combinations of races`);
      return [];
    }
  }
  const found = new Map<string, NodeOutcome>();
  const add = (list: readonly NodeOutcome[]) => {
    for (const o of list) found.set(outcomeKey(o), o);
  };
  for (const combo of combos) {
    const remaining = combo.filter((v) => !v.removed);
    // A pod the environment removes goes before the controller looks, or after it kept that pod
    // and deleted the others.
    const timings: Variant[][] = [survivors(ctx, remaining)];
    const all = survivors(ctx, combo);
    if (all.some((v) => v.removed)) timings.push(all.filter((v) => !v.removed));
    timings.forEach((kept, late) => {
      let blocking: Blocking = initial;
      for (const v of combo) {
        if (kept.includes(v) || ctx.kubeletUp || !v.bound) continue;
        if (!v.removed) {
          // Pruned by the controller: Terminating if it was bound by then (an unbound pod goes at once).
          blocking = worse(blocking, v.pod.bound || v.boundEarly ? 'yes' : 'no');
          continue;
        }
        // Evicted (bound by then). A pod the controller kept was claimed (adopted) first; an evicted
        // orphan may have gone before the controller adopted it, and then no longer counts.
        const owned = v.pod.controllerUid === ds.uid || (late === 1 && all.includes(v));
        blocking = worse(blocking, owned ? 'yes' : 'maybe');
      }
      add(settleSurvivors(ctx, kept, blocking));
    });
  }
  return [...found.values()];
}

/**
 * Nodes whose rollout entry counts as unavailable at every sync from now on: a node that is not
 * Ready, where nothing is ready now, and that the DaemonSet either should run on or already has
 * a bound pod of its own on (a pod there never leaves the API: its kubelet does not finish it).
 */
function neverAvailableNodes(cluster: Cluster, ds: DaemonSet): number {
  const pods = claimedPods(cluster.pods, ds);
  let count = 0;
  for (const node of cluster.nodes) {
    if (node.ready === 'True') continue;
    const here = pods.filter((p) => p.node === node.name && !(p.terminating && isPodTerminal(p)));
    if (here.some((p) => p.ready)) continue;
    const entry =
      nodeShouldRunDaemonPod(node, ds.spec.template).shouldRun ||
      here.some((p) => p.controllerUid === ds.uid && !p.unmatched && p.bound && !isPodTerminal(p));
    if (entry) count++;
  }
  return count;
}

/**
 * Nodes that may still spend rollout budget once everything settled. `down`: nodes that are not
 * Ready and that the DaemonSet should run on or has pods on (their entry never becomes available);
 * `desiredDown`: those the DaemonSet should run on; `stuck`: Ready nodes with a pod the scheduler
 * may never bind (it may stay beside an old pod, a surge that cannot finish).
 */
function budgetSpenders(cluster: Cluster, ds: DaemonSet): { down: number; desiredDown: number; stuck: number } {
  const pods = claimedPods(cluster.pods, ds).filter((p) => !(p.terminating && isPodTerminal(p)));
  let down = 0;
  let desiredDown = 0;
  let stuck = 0;
  for (const node of cluster.nodes) {
    const here = pods.filter((p) => p.node === node.name);
    if (node.ready !== 'True') {
      const run = nodeShouldRunDaemonPod(node, ds.spec.template).shouldRun;
      if (run) desiredDown++;
      if (here.length > 0 || run) down++;
      continue;
    }
    const unbindable = here.some((p) => {
      if (p.bound || !isPodLive(p)) return false;
      const template = podTemplate(cluster, p);
      return template === undefined || !schedulerFits(node, template);
    });
    if (unbindable) stuck++;
  }
  return { down, desiredDown, stuck };
}

/** Per-node expectations for one reading of the DaemonSet (its current hash). */
function nodesFor(cluster: Cluster, ds: DaemonSet, unstated: string[]): NodeExpectation[] {
  const live = claimedPods(cluster.pods, ds).filter(isPodLive);
  const strategy = ds.spec.updateStrategy;
  const budgets = rolloutBudgets(strategy, desiredNodes(cluster, ds).length);
  const rolling = strategy.type === 'RollingUpdate';
  const surgeRollout = rolling && budgets.maxSurge > 0;
  // updatedDesiredNodeCounts / rollingUpdate: without surge, an available out-of-date pod is
  // replaced only while fewer than maxUnavailable nodes count as unavailable.
  const budgetSpent = !surgeRollout && neverAvailableNodes(cluster, ds) >= budgets.maxUnavailable;
  // Where no node can spend the budget for good, every pod the rollout replaces must go: without
  // surge fewer such nodes than maxUnavailable; with surge fewer stuck surges than maxSurge, and
  // for a node the DaemonSet is leaving, every desired node available in the end (#118823).
  const spenders = budgetSpenders(cluster, ds);
  const mustRollRun = surgeRollout
    ? spenders.stuck < budgets.maxSurge
    : spenders.down + spenders.stuck < budgets.maxUnavailable;
  const mustRollLeaving = surgeRollout ? spenders.desiredDown === 0 && spenders.stuck === 0 : mustRollRun;
  const nodes = [...cluster.nodes]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((node): NodeExpectation => {
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds.spec.template);
      const kubeletUp = node.ready === 'True';
      const base = { node: node.name, shouldRun, shouldContinueRunning, kubeletUp };
      if (!shouldContinueRunning) return { ...base, outcomes: [{ pods: [] }] };
      const ctx: NodeContext = {
        cluster,
        ds,
        node,
        shouldRun,
        kubeletUp,
        surgeManage: allowsSurge(strategy),
        surgeRollout,
        rolling,
        budgetSpent,
        mustRoll: shouldRun ? mustRollRun : mustRollLeaving,
      };
      const outcomes = nodeOutcomes(
        ctx,
        live.filter((p) => p.node === node.name),
        unstated,
      );
      return { ...base, outcomes };
    });
  return nodes;
}

/** Expected placement at quiescence of an existing DaemonSet that is not being deleted. */
export function expectedPlacement(cluster: Cluster, ds: DaemonSet): Placement {
  const reasons = inexactReasons(cluster, ds);
  const unstated: string[] = [];
  // The observation names the current revision only once one exists. Until the controller writes
  // it, a pod whose own revision is gone may carry the very hash it will get (the hash is a
  // function of the template): each such hash, or a new one, may turn out to be the current one.
  let readings: DaemonSet[] = [ds];
  if (ds.currentHash === undefined) {
    const recorded = new Set(cluster.revisions.map((r) => r.hash));
    const unrecorded = new Set(
      claimedPods(cluster.pods, ds).flatMap((p) => (p.hash !== undefined && !recorded.has(p.hash) ? [p.hash] : [])),
    );
    readings = [ds, ...[...unrecorded].map((currentHash) => ({ ...ds, currentHash }))];
  }
  const perReading = readings.map((reading) => nodesFor(cluster, reading, unstated));
  const nodes = (perReading[0] ?? []).map((first, i): NodeExpectation => {
    const found = new Map<string, NodeOutcome>();
    for (const list of perReading) for (const o of list[i]?.outcomes ?? []) found.set(outcomeKey(o), o);
    const outcomes = [...found.values()];
    if (outcomes.length > 1) reasons.push(`node ${first.node} has ${outcomes.length} allowed outcomes`);
    return { ...first, outcomes };
  });
  return { exact: reasons.length === 0, reasons, unstated: [...new Set(unstated)], nodes };
}
