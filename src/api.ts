/**
 * dsconform as a library (`import { checkConformance } from 'dsconform'`): the conformance
 * campaign `dsconform check` runs, for a program. The types here are the package's public ones,
 * written out in full so that they stand on their own in the published declarations.
 */

import { runCampaign } from './harness/campaign.js';
import { counterexampleFile, type ImplementationRef, saveCounterexample } from './harness/counterexample.js';
import { type Implementation, processImplementation, referenceImplementation } from './harness/implementation.js';
import { mutantByName, mutantOptionsForStore } from './harness/mutants.js';
import { podTable } from './harness/trace.js';
import { AdapterError } from './protocol/adapterError.js';

export interface ConformanceOptions {
  /** The command that starts your controller, speaking the JSON-lines protocol (docs/protocol.md). */
  controller?: string;
  /** Check a deliberately faulty reference controller instead (to see what a failure looks like). */
  mutant?: string;
  /** Which behaviour to exercise: 'core', 'taints', 'rolling-update', 'deletion', 'all' (default) or 'faults'. */
  profile?: 'core' | 'taints' | 'rolling-update' | 'deletion' | 'all' | 'faults';
  /** Generated cases (default 100). */
  runs?: number;
  /** The campaign's seed (default 1): the same seed runs the same cases. */
  seed?: number;
  /** Nodes in the generated clusters (default 3). */
  nodes?: number;
  /** Longest generated event sequence (default 30). */
  maxEvents?: number;
  /** How long the controller may take to answer one message, in ms (default 10,000). */
  stepTimeout?: number;
  /** Where a counterexample is saved (default `reports`: `reports/counterexamples/*.json`). */
  reportDir?: string;
}

export interface ConformanceResult {
  /** `conforms`, `violation`, `skipped` (the controller lacks a feature the profile needs) or `could-not-check`. */
  verdict: 'conforms' | 'violation' | 'skipped' | 'could-not-check';
  implementation: string;
  profile: string;
  seed: number;
  runs: number;
  events: number;
  checks: number;
  /** Why the campaign was skipped or could not check the controller. */
  reason?: string;
  counterexample?: {
    invariant: string;
    message: string;
    /** The saved counterexample file. */
    file: string;
    /** `npx dsconform replay <file>`. */
    replay: string;
    /** The failing run, one line per event with the pods after it. */
    story: string;
  };
}

async function implementationFor(
  options: ConformanceOptions,
): Promise<{ impl: Implementation; ref: ImplementationRef }> {
  if (options.controller !== undefined && options.mutant !== undefined)
    throw new Error('dsconform: give a controller or a mutant, not both');
  if (options.controller !== undefined) {
    const impl = await processImplementation(options.controller, { stepTimeoutMs: options.stepTimeout ?? 10_000 });
    return { impl, ref: { name: impl.name, kind: 'process', controller: options.controller } };
  }
  if (options.mutant !== undefined) {
    const mutant = mutantByName(options.mutant);
    if (mutant === undefined) throw new Error(`dsconform: no mutant named ${JSON.stringify(options.mutant)}`);
    const name = `mutant ${mutant.name}`;
    return {
      impl: referenceImplementation(name, mutantOptionsForStore(mutant)),
      ref: { name, kind: 'reference', mutant: mutant.name },
    };
  }
  return { impl: referenceImplementation(), ref: { name: 'reference', kind: 'reference' } };
}

/** Runs the conformance campaign against a controller; a violation is saved as a replayable counterexample. */
export async function checkConformance(options: ConformanceOptions = {}): Promise<ConformanceResult> {
  const profile = options.profile ?? 'all';
  const seed = options.seed ?? 1;
  const scope = { nodes: options.nodes ?? 3, maxEvents: options.maxEvents ?? 30 };
  let started: Awaited<ReturnType<typeof implementationFor>>;
  try {
    started = await implementationFor(options);
  } catch (e) {
    if (!(e instanceof AdapterError)) throw e;
    const none = { implementation: options.controller ?? '', profile, seed, runs: 0, events: 0, checks: 0 };
    return { ...none, verdict: 'could-not-check', reason: e.message };
  }
  const { impl, ref } = started;
  try {
    const result = await runCampaign(impl, { profile, runs: options.runs ?? 100, seed, ...scope });
    const base = {
      implementation: impl.name,
      profile,
      seed,
      runs: result.runs,
      events: result.events,
      checks: result.checks,
    };
    if (result.adapterError) return { ...base, verdict: 'could-not-check', reason: result.adapterError.message };
    if (result.skipped)
      return {
        ...base,
        verdict: 'skipped',
        reason: `the controller does not support ${result.skipped.missing.join(', ')}`,
      };
    const cx = result.counterexample;
    if (cx === undefined) return { ...base, verdict: 'conforms' };
    const finalTable =
      cx.failure.step === -1 ? podTable(cx.failure.observation) : (cx.failure.trace.at(-1)?.table ?? []);
    const file = counterexampleFile(ref, profile, scope, cx, finalTable);
    const path = saveCounterexample(options.reportDir ?? 'reports', file);
    const story = [
      ...cx.failure.trace.flatMap((t) => [`${t.index + 1}. ${t.description}`, ...t.table.map((row) => `     ${row}`)]),
      ...(cx.failure.step === -1
        ? ['then the cluster was left to settle:', ...finalTable.map((row) => `     ${row}`)]
        : []),
    ].join('\n');
    return {
      ...base,
      verdict: 'violation',
      counterexample: {
        invariant: cx.failure.invariant,
        message: cx.failure.message,
        file: path,
        replay: `npx dsconform replay ${path}`,
        story,
      },
    };
  } finally {
    await impl.close();
  }
}
