/**
 * A campaign: fast-check generates event sequences for one profile, each runs as a case against
 * the implementation, and the first failure is shrunk to a minimal counterexample. The same seed
 * gives the same cases, the same failure and the same counterexample.
 */
import fc from 'fast-check';
import type { DsEvent, DsEventType } from '../../model/events.ts';
import { AdapterError } from '../protocol/adapterError.js';
import { eventSequence, type Scope } from './arbitraries.js';
import type { Implementation } from './implementation.js';
import { type Features, missingFeatures, PROFILES, type ProfileName, weightsFor } from './profiles.js';
import { type CaseFailure, type CaseResult, type RunOptions, runCase } from './runner.js';
import type { SystemUnderTest } from './systemUnderTest.js';

export interface CampaignOptions {
  profile: ProfileName;
  runs: number;
  seed: number;
  /** Scope of generated cases: nodes and sequence length. */
  nodes?: number;
  maxEvents?: number;
  /** Weight changes on top of the profile's (properties that focus on one family use it). */
  weights?: Partial<Record<DsEventType, number>>;
  /** Run only this case index (0-based), e.g. to reproduce a failure. */
  caseIndex?: number;
  /** fast-check shrink path within the case (with caseIndex): replays the shrunk case directly. */
  path?: string;
  /** false: the failing case as generated is the counterexample, not shrunk (a quicker verdict). */
  shrink?: boolean;
  /** Run only the case indexes i with i mod count = index - 1 (shard "index/count"). */
  shard?: { index: number; count: number };
  run?: RunOptions;
  /** Called after every case with the running totals (progress lines). */
  onProgress?: (progress: CampaignProgress) => void;
  /** Called after every case that ran to its end, in index order, with its own counts (reports). */
  onCase?: (index: number, counts: Pick<CaseResult, 'events' | 'checks' | 'checksById'>) => void;
}

export interface CampaignProgress {
  runs: number;
  checks: number;
  events: number;
}

export interface Counterexample {
  /** The campaign seed and the index of the failing case in it. */
  seed: number;
  caseIndex: number;
  /** The seed fast-check generated the case from (derived from seed and index). */
  caseSeed: number;
  /** fast-check's path to the shrunk case within that seed. */
  path: string;
  shrinks: number;
  events: DsEvent[];
  failure: CaseFailure;
  /**
   * The case failed when first run but passed when it was run again with the very same events:
   * the implementation is non-deterministic. `events` and `failure` are what was observed the
   * first time (not shrunk: a shrink needs a case that keeps failing).
   */
  nonDeterministic?: true;
}

/** A case as it failed the first time it ran: what a non-deterministic verdict reports. */
export interface ObservedFailure {
  events: DsEvent[];
  failure: CaseFailure;
}

/** The counterexample of a case that failed once and passed when run again (not shrunk). */
export function nonDeterministicCounterexample(seed: number, index: number, observed: ObservedFailure): Counterexample {
  return {
    seed,
    caseIndex: index,
    caseSeed: caseSeed(seed, index),
    path: '',
    shrinks: 0,
    events: observed.events,
    failure: observed.failure,
    nonDeterministic: true,
  };
}

export interface CampaignResult {
  profile: ProfileName;
  seed: number;
  scope: Pick<Scope, 'nodes' | 'maxEvents'>;
  /** Cases run (shrinking replays not counted). */
  runs: number;
  /** The case indexes run, in order (lets shards be merged exactly). */
  caseIndexes?: { first: number; last: number; stride: number };
  checks: number;
  events: number;
  /** Checks evaluated per invariant ID. */
  checksById: Record<string, number>;
  skipped?: { missing: (keyof Features)[] };
  counterexample?: Counterexample;
  /** The implementation could not be checked (it crashed, hung, broke the protocol). */
  adapterError?: AdapterError;
  /**
   * The case index the campaign stopped at before its end: the failing case (it counts as run),
   * or the one on which the implementation broke down (it does not).
   */
  stoppedAt?: number;
}

class CaseFailed extends Error {
  constructor(readonly failure: CaseFailure) {
    super(`${failure.invariant}: ${failure.message}`);
  }
}

/**
 * The seed of case `index` of a campaign: cases are independent of each other, so a campaign can
 * be split into shards or across workers and still run exactly the same cases.
 */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) | 0;
}

/** The events of case `index` of the campaign with this seed (the same on every machine and worker). */
export function generateCase(arbitrary: fc.Arbitrary<DsEvent[]>, seed: number, index: number): DsEvent[] {
  return fc.sample(arbitrary, { seed: caseSeed(seed, index), numRuns: 1 })[0] as DsEvent[];
}

export function campaignArbitrary(
  implementation: Pick<Implementation<SystemUnderTest>, 'features'>,
  options: CampaignOptions,
): fc.Arbitrary<DsEvent[]> {
  const profile = PROFILES[options.profile];
  const features = implementation.features;
  return eventSequence({
    nodes: options.nodes ?? 3,
    maxEvents: options.maxEvents ?? 30,
    weights: weightsFor({ ...profile, weights: { ...profile.weights, ...(options.weights ?? {}) } }, features),
    features: { taints: features.taints, rollingUpdate: features.rollingUpdate, surge: features.surge },
  });
}

export async function runCampaign(
  implementation: Implementation<SystemUnderTest>,
  options: CampaignOptions,
): Promise<CampaignResult> {
  const profile = PROFILES[options.profile];
  const scope = { nodes: options.nodes ?? 3, maxEvents: options.maxEvents ?? 30 };
  const base: CampaignResult = {
    profile: profile.name,
    seed: options.seed,
    scope,
    runs: 0,
    checks: 0,
    events: 0,
    checksById: {},
  };
  const missing = missingFeatures(profile, implementation.features);
  if (missing.length > 0) return { ...base, skipped: { missing } };

  const arbitrary = campaignArbitrary(implementation, options);
  const totals: CampaignProgress = { runs: 0, checks: 0, events: 0 };
  const checksById: Record<string, number> = {};
  const runOne = (events: readonly DsEvent[]) => runCase(events, () => implementation.makeSystem(), options.run ?? {});

  const stride = options.shard?.count ?? 1;
  const first = options.caseIndex ?? (options.shard ? options.shard.index - 1 : 0);
  const last = options.caseIndex ?? options.runs - 1;
  let failedAt: number | undefined;
  let observed: ObservedFailure | undefined;
  let stoppedAt: number | undefined;
  let adapterError: AdapterError | undefined;
  let lastRun = first - stride;
  for (let index = first; index <= last; index += stride) {
    const events = generateCase(arbitrary, options.seed, index);
    let result: Awaited<ReturnType<typeof runCase>>;
    try {
      result = await runOne(events);
    } catch (e) {
      if (e instanceof AdapterError) {
        adapterError = e;
        stoppedAt = index;
        break;
      }
      throw e;
    }
    lastRun = index;
    totals.runs++;
    totals.checks += result.checks;
    totals.events += result.events;
    for (const [id, n] of Object.entries(result.checksById ?? {})) checksById[id] = (checksById[id] ?? 0) + n;
    options.onCase?.(index, result);
    options.onProgress?.(totals);
    if (result.failure) {
      failedAt = index;
      observed = { events: [...events], failure: result.failure };
      stoppedAt = index;
      break;
    }
  }
  const result: CampaignResult = {
    ...base,
    runs: totals.runs,
    caseIndexes: { first, last: lastRun, stride },
    checks: totals.checks,
    events: totals.events,
    checksById,
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
  };
  if (adapterError) return { ...result, adapterError };
  if (failedAt === undefined) return result;
  return withShrunkCounterexample(result, () =>
    shrinkCase(arbitrary, runOne, options.seed, failedAt, options.path, observed, options.shrink ?? true),
  );
}

/**
 * A stopped campaign's result with its shrunk counterexample, or with the adapter error that broke
 * the shrink off (the implementation crashed or hung while a shrink step ran).
 */
export async function withShrunkCounterexample<
  R extends { counterexample?: Counterexample; adapterError?: AdapterError },
>(result: R, shrink: () => Promise<Counterexample>): Promise<R> {
  try {
    return { ...result, counterexample: await shrink() };
  } catch (e) {
    if (e instanceof AdapterError) return { ...result, adapterError: e };
    throw e;
  }
}

/**
 * Regenerates the failing case from its seed and lets fast-check shrink it. When the regenerated
 * case passes although `observed` saw it fail, the implementation is non-deterministic: that is a
 * finding (the observed failure, not shrunk), not an internal error.
 */
export async function shrinkCase(
  arbitrary: fc.Arbitrary<DsEvent[]>,
  runOne: (events: readonly DsEvent[]) => ReturnType<typeof runCase>,
  seed: number,
  index: number,
  path: string | undefined,
  observed?: ObservedFailure,
  shrink = true,
): Promise<Counterexample> {
  let adapterError: AdapterError | undefined;
  const property = fc.asyncProperty(arbitrary, async (events) => {
    if (adapterError) return true;
    try {
      const result = await runOne(events);
      if (result.failure) throw new CaseFailed(result.failure);
    } catch (e) {
      if (e instanceof AdapterError) {
        adapterError = e;
        return true;
      }
      throw e;
    }
    return true;
  });
  const details = await fc.check(property, {
    seed: caseSeed(seed, index),
    numRuns: 1,
    ...(path !== undefined ? { path } : {}),
    // A path replays its case directly; without shrinking, the generated case is the answer.
    ...(path !== undefined || !shrink ? { endOnFailure: true } : {}),
  });
  if (adapterError) throw adapterError;
  const error = details.errorInstance;
  // The case failed, but the case at the shrink path given (--path) passes: the path was not one
  // of this case's failing shrinks here (another implementation's, another version's). Shrink the
  // case afresh rather than report nothing; the counterexample says its own path.
  if (!details.failed && observed !== undefined && path !== undefined) {
    return shrinkCase(arbitrary, runOne, seed, index, undefined, observed, shrink);
  }
  // Not failing again: the implementation does not give the same answer to the same events.
  if (!details.failed && observed !== undefined && path === undefined) {
    return nonDeterministicCounterexample(seed, index, observed);
  }
  if (!details.failed || !(error instanceof CaseFailed) || details.counterexample === null) {
    throw error instanceof Error
      ? error
      : new Error(`case ${index} of seed ${seed} failed once but not when regenerated`);
  }
  // The shrunk case must fail on its own too (what replay will do); a flaky implementation may
  // have failed each shrink step by chance.
  if (observed !== undefined && path === undefined) {
    const again = await runOne(details.counterexample[0]);
    if (!again.failure) return nonDeterministicCounterexample(seed, index, observed);
  }
  const minimal = shrink
    ? await removeEventsOneByOne(details.counterexample[0], error.failure, runOne)
    : { events: details.counterexample[0], failure: error.failure, removed: 0 };
  return {
    seed,
    caseIndex: index,
    caseSeed: caseSeed(seed, index),
    path: details.counterexamplePath ?? '',
    shrinks: details.numShrinks + minimal.removed,
    events: minimal.events,
    failure: minimal.failure,
  };
}

/**
 * fast-check shrinks a case through its generator, which cannot take apart what one draw stands
 * for (a crash loop, a settle, a delete-and-recreate: arbitraries.ts). This last pass drops
 * single events, first to last, while the case still fails the same invariant, so the
 * counterexample keeps only events that matter. Deterministic: the same case gives the same result.
 */
async function removeEventsOneByOne(
  events: readonly DsEvent[],
  failure: CaseFailure,
  runOne: (events: readonly DsEvent[]) => ReturnType<typeof runCase>,
): Promise<{ events: DsEvent[]; failure: CaseFailure; removed: number }> {
  let current = [...events];
  let last = failure;
  let removed = 0;
  for (let i = 0; i < current.length; ) {
    const candidate = [...current.slice(0, i), ...current.slice(i + 1)];
    const result = await runOne(candidate);
    if (result.failure?.invariant === failure.invariant) {
      current = candidate;
      last = result.failure;
      removed++;
    } else {
      i++;
    }
  }
  return { events: current, failure: last, removed };
}
