/**
 * The lock-step differential (issue 13, item 3): the same generated events drive two
 * implementations, each on its own fresh simulated cluster, and after every event their
 * controllers' writes of that step and the clusters they leave are compared; after the events
 * both are left to settle and the settled states are compared. The first divergence is a failure
 * of the case, shrunk by fast-check like any counterexample (campaign.ts's shrinkCase).
 *
 * What is normalised, and nothing else: pod names and uids (pods are compared per node by their
 * role: revision, phase, readiness, terminating, owner, bound, template generation), timestamps
 * (not compared), and revision hash strings, which each side maps one to one onto labels r1, r2,
 * ... in the order they first appear (revisions by number and stored template, then pods).
 */
import type fc from 'fast-check';
import type { DsEvent } from '../../model/events.ts';
import type { ControllerWrites, Observation } from '../../model/observation.ts';
import type { Pod } from '../../model/types.ts';
import { AdapterError } from '../protocol/adapterError.js';
import {
  type CampaignOptions,
  type CampaignProgress,
  type Counterexample,
  campaignArbitrary,
  generateCase,
  type ObservedFailure,
  shrinkCase,
  withShrunkCounterexample,
} from './campaign.js';
import type { Implementation } from './implementation.js';
import { type Features, missingFeatures, PROFILES, type ProfileName } from './profiles.js';
import type { CaseFailure, CaseResult, TraceEntry } from './runner.js';
import type { SimulatedSystem } from './system.js';
import { timelineSnapshot } from './timelineSnapshot.js';
import { describeEvent } from './trace.js';

/** The "invariant" a divergence is reported under. */
export const DIFF_INVARIANT = 'DS-DIFF';

/** One side's step, normalised: its controller's writes and its cluster, as lines. */
export interface SideView {
  writes: string[];
  cluster: string[];
  /** The side after the step, for the report's timeline. */
  observation?: Observation;
}

export interface DiffStep {
  /** Event index (0-based); events.length for the settled state. */
  index: number;
  description: string;
  left: SideView;
  right: SideView;
  /** Which part differs first, if any. */
  differs?: 'writes' | 'cluster' | 'settled';
}

export interface DiffDetail {
  left: string;
  right: string;
  /** What differed: the writes of a step, the cluster after it, or the settled state. */
  part: 'writes' | 'cluster' | 'settled';
  /** Every step up to and including the divergent one. */
  steps: DiffStep[];
}

export interface DiffCaseFailure extends CaseFailure {
  diff: DiffDetail;
}

export function isDiffFailure(failure: CaseFailure | undefined): failure is DiffCaseFailure {
  return failure !== undefined && (failure as Partial<DiffCaseFailure>).diff !== undefined;
}

/** One side's one-to-one naming of revision hashes, kept over a whole case. */
class HashLabels {
  readonly #labels = new Map<string, string>();
  label(hash: string): string {
    let label = this.#labels.get(hash);
    if (label === undefined) {
      label = `r${this.#labels.size + 1}`;
      this.#labels.set(hash, label);
    }
    return label;
  }
  /** Names the hashes of an observation in a side-independent order: revisions by number and template, then pods. */
  learn(obs: Observation): void {
    const revisions = [...obs.revisions].sort(
      (a, b) =>
        a.revision - b.revision ||
        cmp(JSON.stringify(a.template ?? null), JSON.stringify(b.template ?? null)) ||
        cmp(a.hash, b.hash),
    );
    for (const r of revisions) this.label(r.hash);
    const pods = [...obs.pods].sort((a, b) => cmp(a.node, b.node) || a.createdAt - b.createdAt);
    for (const p of pods) if (p.hash !== undefined) this.label(p.hash);
  }
}

/** FNV-1a, 24 bits in hex: a short name for a stored template (the same on both sides when the templates are). */
function digest(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return (h & 0xffffff).toString(16).padStart(6, '0');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function podRole(pod: Pod, obs: Observation, labels: HashLabels): string {
  const ds = obs.daemonSet;
  const revision =
    pod.hash === undefined ? 'no-hash' : `${labels.label(pod.hash)}${pod.hash === ds?.currentHash ? '(current)' : ''}`;
  const owner = pod.controllerUid === undefined ? ',orphan' : pod.controllerUid !== ds?.uid ? ',other-owner' : '';
  const phase = pod.terminating ? `${pod.phase}/terminating` : pod.phase;
  const gen = pod.templateGeneration === undefined ? '' : `,g${pod.templateGeneration}`;
  return `${revision},${phase},${pod.ready ? 'ready' : 'unready'}${pod.bound ? '' : ',unbound'}${gen}${owner}`;
}

/** The cluster as lines: pods per node (by role, sorted), the DaemonSet and its status, the revisions. */
function clusterLines(obs: Observation, labels: HashLabels): string[] {
  labels.learn(obs);
  const nodes = obs.nodes.map((n) => n.name);
  for (const pod of obs.pods) if (!nodes.includes(pod.node)) nodes.push(pod.node);
  const lines = nodes.map((name) => {
    const roles = obs.pods
      .filter((p) => p.node === name)
      .map((p) => podRole(p, obs, labels))
      .sort(cmp);
    return `${name}${obs.nodes.some((n) => n.name === name) ? '' : '(gone)'}: ${roles.length > 0 ? roles.join(' ') : '-'}`;
  });
  const ds = obs.daemonSet;
  if (ds === undefined) lines.push('no DaemonSet');
  else {
    const s = ds.status;
    lines.push(
      `status desired=${s.desiredNumberScheduled} current=${s.currentNumberScheduled} ready=${s.numberReady} available=${s.numberAvailable}`,
      `  updated=${s.updatedNumberScheduled} misscheduled=${s.numberMisscheduled} unavailable=${s.numberUnavailable} observedGen=${s.observedGeneration}`,
      `ds generation=${ds.generation} templateGeneration=${ds.templateGeneration} current=${ds.currentHash === undefined ? '-' : labels.label(ds.currentHash)}${ds.deleting ? ` deleting(${ds.deleting})` : ''}`,
    );
  }
  const revisions = [...obs.revisions]
    .map(
      (r) =>
        `${labels.label(r.hash)}#${r.revision}:t${digest(JSON.stringify(r.template ?? null))}${r.controllerUid === undefined ? '(orphan)' : r.controllerUid !== ds?.uid ? '(other-owner)' : ''}`,
    )
    .sort(cmp);
  lines.push(`revisions ${revisions.length > 0 ? revisions.join(' ') : '-'}`);
  return lines;
}

interface NormalisedWrites {
  creates: { node: string; revision: string; shape: string }[];
  deletes: string[];
  status: boolean;
  revisionWrites: number;
  podPatches: number;
}

function normaliseWrites(
  writes: ControllerWrites | undefined,
  before: Observation,
  after: Observation,
  labels: HashLabels,
): NormalisedWrites {
  if (writes === undefined) return { creates: [], deletes: [], status: false, revisionWrites: 0, podPatches: 0 };
  const creates = writes.creates
    .map((c) => ({
      node: c.node,
      revision: c.hash === undefined ? 'no-hash' : labels.label(c.hash),
      shape: JSON.stringify(c.shape ?? null),
    }))
    .sort((a, b) => cmp(a.node, b.node) || cmp(a.revision, b.revision) || cmp(a.shape, b.shape));
  const deletes = writes.deletes
    .map((name) => {
      const pod = before.pods.find((p) => p.name === name) ?? after.pods.find((p) => p.name === name);
      return pod === undefined ? 'a pod not of this DaemonSet' : `${pod.node} ${podRole(pod, before, labels)}`;
    })
    .sort(cmp);
  return {
    creates,
    deletes,
    status: writes.statusWritten,
    revisionWrites: writes.revisionWrites,
    podPatches: writes.podPatches,
  };
}

/** A created pod's shape in one line: tolerations, required terms, nodeName, owner reference. */
function shapeLine(shape: string): string {
  const s = JSON.parse(shape) as NonNullable<ControllerWrites['creates'][number]['shape']> | null;
  if (s === null) return 'no shape';
  const tolerations = s.tolerations
    .map(
      (t) =>
        `${t.key ?? ''}:${t.operator ?? ''}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}${t.tolerationSeconds !== undefined ? `/${t.tolerationSeconds}s` : ''}`,
    )
    .join(',');
  const terms = s.requiredTerms.map((t) => `(${t.join(' & ')})`).join('|');
  return `tolerations=[${tolerations}] terms=${terms || '-'}${s.nodeName ? ` nodeName=${s.nodeName}` : ''}${s.controllerRef ? '' : ' no-controllerRef'}${s.blockOwnerDeletion ? '' : ' no-blockOwnerDeletion'}`;
}

function writeLines(w: NormalisedWrites, other: NormalisedWrites): string[] {
  // Shapes are compared always, shown only when the two sides' differ (they are long).
  const where = (x: NormalisedWrites) => JSON.stringify(x.creates.map((c) => [c.node, c.revision]));
  const showShapes =
    where(w) === where(other) &&
    JSON.stringify(w.creates.map((c) => c.shape)) !== JSON.stringify(other.creates.map((c) => c.shape));
  const lines = [
    ...w.creates.flatMap((c) => [
      `create ${c.node} ${c.revision}`,
      ...(showShapes ? [`  shape ${shapeLine(c.shape)}`] : []),
    ]),
    ...w.deletes.map((d) => `delete ${d}`),
  ];
  if (w.status) lines.push('status update');
  if (w.revisionWrites > 0) lines.push(`revision writes x${w.revisionWrites}`);
  if (w.podPatches > 0) lines.push(`pod patches x${w.podPatches}`);
  return lines.length > 0 ? lines : ['(no writes)'];
}

/** The first line pair that differs, for the one-line message. */
function firstDifference(a: readonly string[], b: readonly string[]): { left: string; right: string } | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { left: a[i] ?? '(nothing)', right: b[i] ?? '(nothing)' };
  }
  return undefined;
}

/** Two columns, `|` between lines that agree and `!` between lines that do not. */
export function sideBySide(left: readonly string[], right: readonly string[], width = 58): string[] {
  const rows: string[] = [];
  const n = Math.max(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const l = left[i] ?? '';
    const r = right[i] ?? '';
    rows.push(`${l.padEnd(width)} ${l === r ? '|' : '!'} ${r}`);
  }
  return rows;
}

/** A step's writes, then its cluster, side by side. */
export function stepTable(step: DiffStep | undefined): string[] {
  if (step === undefined) return [];
  return [...sideBySide(step.left.writes, step.right.writes), ...sideBySide(step.left.cluster, step.right.cluster)];
}

export interface DiffRunOptions {
  /** Virtual seconds quiescence may run the clock forward (as the runner's). */
  maxAdvanceSeconds?: number;
  /**
   * The side (an in-process reference built with `follower.order`) that resolves a rollout's free
   * choices the way the other side did: the other side steps first, and the nodes it wrote on come
   * first in the follower's rollout order. Upstream ranges over a Go map there, so which of several
   * equally good candidates a limited budget takes is arbitrary; counts and budgets stay the reference's own.
   */
  follow?: { side: 'left' | 'right'; follower: ChoiceFollower };
}

/** The rollout order of a following reference: the nodes the other side just wrote on first. */
export class ChoiceFollower {
  #preferred = new Set<string>();
  /** The nodes the other side created pods on, in its order. */
  #created: string[] = [];

  /** ControllerRules.orderRolloutNodes: a stable partition, preferred nodes first. */
  readonly order = <T>(entries: readonly [string, T][]): [string, T][] => [
    ...entries.filter(([node]) => this.#preferred.has(node)),
    ...entries.filter(([node]) => !this.#preferred.has(node)),
  ];

  /**
   * ControllerRules.orderCreates: the other side's create order first (dsconform's API server
   * names pods in create order, so the same order gives the same names; see cause H in
   * docs/upstream-differences.md), then the rest in the follower's own order.
   */
  readonly orderCreates = (nodes: readonly string[]): string[] => {
    const rank = (node: string) => {
      const at = this.#created.indexOf(node);
      return at < 0 ? this.#created.length : at;
    };
    return [...nodes].sort((a, b) => rank(a) - rank(b));
  };

  /** The nodes `writes` touched (created on, or deleted a pod of, in `before`), preferred until `clear`. */
  prefer(writes: ControllerWrites | undefined, before: Observation): void {
    this.#created = (writes?.creates ?? []).map((c) => c.node);
    this.#preferred = new Set([
      ...(writes?.creates ?? []).map((c) => c.node),
      ...(writes?.deletes ?? []).flatMap((name) => before.pods.filter((p) => p.name === name).map((p) => p.node)),
    ]);
  }

  clear(): void {
    this.#preferred = new Set();
    this.#created = [];
  }
}

/**
 * Runs one case on both sides in lock step. A divergence comes back as a failure (invariant
 * DS-DIFF) whose trace holds every step side by side, so the campaign machinery shrinks it.
 */
export async function runDiffCase(
  events: readonly DsEvent[],
  makeLeft: () => SimulatedSystem | Promise<SimulatedSystem>,
  makeRight: () => SimulatedSystem | Promise<SimulatedSystem>,
  names: { left: string; right: string },
  options: DiffRunOptions = {},
): Promise<CaseResult> {
  const left = await makeLeft();
  let right: SimulatedSystem | undefined;
  const steps: DiffStep[] = [];
  const trace: TraceEntry[] = [];
  let checks = 0;
  try {
    right = await makeRight();
    const labels = { left: new HashLabels(), right: new HashLabels() };
    let before = { left: left.observe(), right: right.observe() };
    const fail = (step: DiffStep, part: DiffDetail['part'], observation: Observation): CaseResult => {
      step.differs = part;
      const [a, b] =
        part === 'writes' ? [step.left.writes, step.right.writes] : [step.left.cluster, step.right.cluster];
      const first = firstDifference(a, b);
      const node = first ? /^([^ :(]+)[:( ]/.exec(first.left)?.[1] : undefined;
      const where =
        part === 'settled'
          ? 'the settled states differ'
          : `the ${part === 'writes' ? "controllers' writes" : 'clusters'} differ after event ${step.index + 1} (${step.description})`;
      const message = `${where}: ${names.left} ${JSON.stringify(first?.left ?? '')} vs ${names.right} ${JSON.stringify(first?.right ?? '')}`;
      const failure: DiffCaseFailure = {
        invariant: DIFF_INVARIANT,
        message,
        ...(node !== undefined && observation.nodes.some((n) => n.name === node) ? { node } : {}),
        step: part === 'settled' ? -1 : step.index,
        trace,
        observation,
        diff: { left: names.left, right: names.right, part, steps },
      };
      return { failure, checks, events: events.length };
    };
    const follow = options.follow;
    for (const [index, event] of events.entries()) {
      let outcomeLeft: Awaited<ReturnType<SimulatedSystem['apply']>>;
      let outcomeRight: Awaited<ReturnType<SimulatedSystem['apply']>>;
      if (follow?.side === 'left') {
        outcomeRight = await right.apply(event);
        follow.follower.prefer(right.lastStep?.controller, before.right);
        outcomeLeft = await left.apply(event);
      } else {
        outcomeLeft = await left.apply(event);
        if (follow) follow.follower.prefer(left.lastStep?.controller, before.left);
        outcomeRight = await right.apply(event);
      }
      follow?.follower.clear();
      const after = { left: left.observe(), right: right.observe() };
      const wl = normaliseWrites(left.lastStep?.controller, before.left, after.left, labels.left);
      const wr = normaliseWrites(right.lastStep?.controller, before.right, after.right, labels.right);
      const step: DiffStep = {
        index,
        description: describeEvent(event),
        left: { writes: writeLines(wl, wr), cluster: clusterLines(after.left, labels.left), observation: after.left },
        right: {
          writes: writeLines(wr, wl),
          cluster: clusterLines(after.right, labels.right),
          observation: after.right,
        },
      };
      steps.push(step);
      trace.push(diffTraceEntry(step, event, outcomeLeft.applied && outcomeRight.applied));
      checks += 2;
      if (JSON.stringify(wl) !== JSON.stringify(wr)) return fail(step, 'writes', after.left);
      if (JSON.stringify(step.left.cluster) !== JSON.stringify(step.right.cluster))
        return fail(step, 'cluster', after.left);
      before = after;
    }
    const maxAdvanceSeconds = options.maxAdvanceSeconds ?? 3600;
    const settledLeft = await left.quiesce({ maxAdvanceSeconds });
    const settledRight = await right.quiesce({ maxAdvanceSeconds });
    const after = { left: left.observe(), right: right.observe() };
    const converged = (s: { converged: boolean }) => (s.converged ? 'settled' : 'never settled');
    const step: DiffStep = {
      index: events.length,
      description: 'quiescence (both left to settle)',
      left: {
        writes: [converged(settledLeft)],
        cluster: clusterLines(after.left, labels.left),
        observation: after.left,
      },
      right: {
        writes: [converged(settledRight)],
        cluster: clusterLines(after.right, labels.right),
        observation: after.right,
      },
    };
    steps.push(step);
    trace.push(diffTraceEntry(step, { type: 'CONTROLLER_SYNC' }, true));
    checks++;
    if (
      settledLeft.converged !== settledRight.converged ||
      JSON.stringify(step.left.cluster) !== JSON.stringify(step.right.cluster)
    ) {
      if (settledLeft.converged !== settledRight.converged) {
        step.left.cluster = [...step.left.writes, ...step.left.cluster];
        step.right.cluster = [...step.right.writes, ...step.right.cluster];
      }
      return fail(step, 'settled', after.left);
    }
    return { checks, events: events.length };
  } finally {
    await left.dispose();
    await right?.dispose();
  }
}

function diffTraceEntry(step: DiffStep, event: DsEvent, applied: boolean): TraceEntry {
  const snapshot = (side: SideView) =>
    side.observation === undefined ? undefined : timelineSnapshot(side.observation);
  return {
    index: step.index,
    event,
    description: step.description,
    outcome: { applied },
    get table(): string[] {
      return stepTable(step);
    },
    // The left side's timeline, and the right side's beside it (the report draws one above the other).
    get timeline() {
      return snapshot(step.left);
    },
    get rightTimeline() {
      return snapshot(step.right);
    },
  } as TraceEntry;
}

/** The side-by-side story of a divergence: every step, then what differed. */
export function formatDivergence(failure: DiffCaseFailure): string[] {
  const { diff } = failure;
  const lines = [`        ${`left: ${diff.left}`.padEnd(58)}   right: ${diff.right}`];
  for (const step of diff.steps) {
    const label = step.description.startsWith('quiescence') ? '  --' : String(step.index + 1).padStart(4);
    lines.push(
      `${label}. ${step.description}${step.differs ? `   <== ${step.differs === 'settled' ? 'settled states differ' : `${step.differs} differ`}` : ''}`,
    );
    for (const row of stepTable(step)) lines.push(`        ${row}`);
  }
  return lines;
}

export interface DiffCampaignOptions extends Omit<CampaignOptions, 'run' | 'onCase'> {
  run?: DiffRunOptions;
  /**
   * How many times a divergent case is run again (fresh sides, the same events) before it is
   * reported. A side that chooses arbitrarily among equivalent pods (upstream iterates Go maps:
   * docs/upstream-differences.md, cause C) agrees on some run when the other side's choice is one
   * it can make; a deterministic divergence diverges on every run. 0 (the default): report the
   * first divergence.
   */
  reruns?: number;
}

/** A case that diverged and then agreed when run again. */
export interface AgreedOnRerun {
  caseIndex: number;
  /** The run that agreed: 1 is the first rerun. */
  rerun: number;
  /** The first run's divergence. */
  first: string;
}

export interface DiffCampaignResult {
  profile: ProfileName;
  seed: number;
  scope: { nodes: number; maxEvents: number };
  runs: number;
  events: number;
  /** Steps compared (writes and cluster after each event, and the settled state). */
  checks: number;
  skipped?: { missing: (keyof Features)[] };
  counterexample?: Counterexample;
  adapterError?: AdapterError;
  stoppedAt?: number;
  /** Cases that diverged and agreed when run again (options.reruns), in case order. */
  agreedOnRerun?: AgreedOnRerun[];
}

/** Features both sides support: the generator draws only what both can be checked for. */
export function commonFeatures(a: Features, b: Features): Features {
  return {
    taints: a.taints && b.taints,
    rollingUpdate: a.rollingUpdate && b.rollingUpdate,
    surge: a.surge && b.surge,
    revisions: a.revisions && b.revisions,
  };
}

/**
 * A differential campaign: case i is the campaign's case i (generateCase with caseSeed), run on
 * both sides; the first divergent case is shrunk with shrinkCase, as an invariant failure is.
 */
export async function runDiffCampaign(
  left: Implementation,
  right: Implementation,
  options: DiffCampaignOptions,
): Promise<DiffCampaignResult> {
  const profile = PROFILES[options.profile];
  const scope = { nodes: options.nodes ?? 3, maxEvents: options.maxEvents ?? 30 };
  const features = commonFeatures(left.features, right.features);
  const base: DiffCampaignResult = { profile: profile.name, seed: options.seed, scope, runs: 0, events: 0, checks: 0 };
  const missing = missingFeatures(profile, features);
  if (missing.length > 0) return { ...base, skipped: { missing } };
  const arbitrary: fc.Arbitrary<DsEvent[]> = campaignArbitrary({ features }, options);
  const names = { left: left.name, right: right.name };
  const runOne = (events: readonly DsEvent[]) =>
    runDiffCase(
      events,
      () => left.makeSystem(),
      () => right.makeSystem(),
      names,
      options.run ?? {},
    );
  const agreedOnRerun: AgreedOnRerun[] = [];
  /** runOne, and while it diverges up to options.reruns more runs; one that agrees is recorded and returned. */
  const runWithReruns = async (events: readonly DsEvent[], caseIndex: number): Promise<CaseResult> => {
    const result = await runOne(events);
    for (let rerun = 1; result.failure !== undefined && rerun <= (options.reruns ?? 0); rerun++) {
      const again = await runOne(events);
      if (again.failure === undefined) {
        // One entry per case: replaying a shrink path runs the case's ancestors too.
        const entry = { caseIndex, rerun, first: result.failure.message };
        const at = agreedOnRerun.findIndex((x) => x.caseIndex === caseIndex);
        if (at >= 0) agreedOnRerun[at] = entry;
        else agreedOnRerun.push(entry);
        return again;
      }
    }
    return result;
  };
  const totals: CampaignProgress = { runs: 0, checks: 0, events: 0 };
  if (options.path !== undefined && options.caseIndex !== undefined) {
    // The shrunk case itself: fast-check replays the path directly (the whole case may not diverge).
    const caseIndex = options.caseIndex;
    try {
      const counterexample = await shrinkCase(
        arbitrary,
        (events) => runWithReruns(events, caseIndex),
        options.seed,
        caseIndex,
        options.path,
      );
      return { ...base, runs: 1, stoppedAt: options.caseIndex, counterexample };
    } catch (e) {
      if (e instanceof AdapterError) return { ...base, adapterError: e, stoppedAt: options.caseIndex };
      if (e instanceof Error && /failed once but not when regenerated/.test(e.message))
        return { ...base, runs: 1, ...(agreedOnRerun.length > 0 ? { agreedOnRerun } : {}) };
      throw e;
    }
  }
  const first = options.caseIndex ?? 0;
  const last = options.caseIndex ?? options.runs - 1;
  let observed: ObservedFailure | undefined;
  let failedAt: number | undefined;
  for (let index = first; index <= last; index++) {
    const events = generateCase(arbitrary, options.seed, index);
    let result: CaseResult;
    try {
      result = await runWithReruns(events, index);
    } catch (e) {
      if (e instanceof AdapterError)
        return {
          ...base,
          ...totals,
          adapterError: e,
          stoppedAt: index,
          ...(agreedOnRerun.length > 0 ? { agreedOnRerun } : {}),
        };
      throw e;
    }
    totals.runs++;
    totals.checks += result.checks;
    totals.events += result.events;
    options.onProgress?.(totals);
    if (result.failure) {
      failedAt = index;
      observed = { events: [...events], failure: result.failure };
      break;
    }
    // Let a signal or a closed stdout in between cases (the in-process sides never yield).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const result: DiffCampaignResult = {
    ...base,
    ...totals,
    ...(failedAt !== undefined ? { stoppedAt: failedAt } : {}),
    ...(agreedOnRerun.length > 0 ? { agreedOnRerun } : {}),
  };
  if (failedAt === undefined) return result;
  return withShrunkCounterexample(result, () =>
    shrinkCase(arbitrary, runOne, options.seed, failedAt, options.path, observed),
  );
}
