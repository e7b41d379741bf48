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
import { type CaseFailure, type RunOptions, runCase } from './runner.js';

export interface CampaignOptions {
  profile: ProfileName;
  runs: number;
  seed: number;
  /** Scope of generated cases: nodes and sequence length. */
  nodes?: number;
  maxEvents?: number;
  /** Weight changes on top of the profile's (properties that focus on one family use it). */
  weights?: Partial<Record<DsEventType, number>>;
  /** fast-check replay path (with the same seed) to rerun one case directly. */
  path?: string;
  run?: RunOptions;
  /** Called after every case with the running totals (progress lines). */
  onProgress?: (progress: CampaignProgress) => void;
}

export interface CampaignProgress {
  runs: number;
  checks: number;
  events: number;
}

export interface Counterexample {
  seed: number;
  /** fast-check's path to the shrunk case: `--seed S --path P` replays it. */
  path: string;
  shrinks: number;
  events: DsEvent[];
  failure: CaseFailure;
}

export interface CampaignResult {
  profile: ProfileName;
  seed: number;
  scope: Pick<Scope, 'nodes' | 'maxEvents'>;
  /** Cases run, counting the ones replayed while shrinking only once. */
  runs: number;
  checks: number;
  events: number;
  /** Checks evaluated per invariant ID. */
  checksById: Record<string, number>;
  skipped?: { missing: (keyof Features)[] };
  counterexample?: Counterexample;
  /** The implementation could not be checked (it crashed, hung, broke the protocol). */
  adapterError?: AdapterError;
}

class CaseFailed extends Error {
  constructor(readonly failure: CaseFailure) {
    super(`${failure.invariant}: ${failure.message}`);
  }
}

export async function runCampaign(implementation: Implementation, options: CampaignOptions): Promise<CampaignResult> {
  const profile = PROFILES[options.profile];
  const features = implementation.features;
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
  const missing = missingFeatures(profile, features);
  if (missing.length > 0) return { ...base, skipped: { missing } };

  const arbitrary = eventSequence({
    ...scope,
    weights: weightsFor({ ...profile, weights: { ...profile.weights, ...(options.weights ?? {}) } }, features),
    features: { taints: features.taints, rollingUpdate: features.rollingUpdate, surge: features.surge },
  });
  const totals: CampaignProgress = { runs: 0, checks: 0, events: 0 };
  const checksById: Record<string, number> = {};
  let adapterError: AdapterError | undefined;
  let shrinking = false;

  const property = fc.asyncProperty(arbitrary, async (events) => {
    if (adapterError) return true; // nothing more can be learnt from a broken implementation
    let result: Awaited<ReturnType<typeof runCase>>;
    try {
      result = await runCase(events, () => implementation.makeSystem(), options.run ?? {});
    } catch (e) {
      if (e instanceof AdapterError) {
        adapterError = e;
        return true;
      }
      throw e;
    }
    if (!shrinking) {
      totals.runs++;
      totals.checks += result.checks;
      totals.events += result.events;
      for (const [id, n] of Object.entries(result.checksById ?? {})) checksById[id] = (checksById[id] ?? 0) + n;
      options.onProgress?.(totals);
    }
    if (result.failure) {
      shrinking = true;
      throw new CaseFailed(result.failure);
    }
    return true;
  });

  const details = await fc.check(property, {
    numRuns: options.runs,
    seed: options.seed,
    ...(options.path !== undefined ? { path: options.path, endOnFailure: true } : {}),
  });
  const result: CampaignResult = {
    ...base,
    runs: totals.runs,
    checks: totals.checks,
    events: totals.events,
    checksById,
  };
  if (adapterError) return { ...result, adapterError };
  if (!details.failed) return result;
  const error = details.errorInstance;
  if (!(error instanceof CaseFailed) || details.counterexample === null) {
    throw error instanceof Error ? error : new Error(String(error));
  }
  return {
    ...result,
    counterexample: {
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      shrinks: details.numShrinks,
      events: details.counterexample[0],
      failure: error.failure,
    },
  };
}
