/**
 * Shared plumbing for the property files: run a campaign against the reference implementation
 * and, on failure, throw an error that carries the whole story (trace, invariant, seed, path and
 * the replay command), with the counterexample saved under reports/counterexamples/.
 */
import type { DsEventType } from '../model/events.ts';
import { INVARIANTS, type InvariantFamily } from '../model/invariants.ts';
import { INVARIANT_RULES } from '../model/rules.ts';
import { formatCounterexample } from '../src/cli/check.js';
import { type CampaignResult, runCampaign } from '../src/harness/campaign.js';
import { counterexampleFile, saveCounterexample } from '../src/harness/counterexample.js';
import { type Implementation, referenceImplementation } from '../src/harness/implementation.js';
import type { ProfileName } from '../src/harness/profiles.js';
import { podTable } from '../src/harness/trace.js';
import { profileReport } from '../src/report/conformanceReport.js';
import { seed } from './seed.js';

export { runs, seed } from './seed.js';

export interface PropertyCampaign {
  profile: ProfileName;
  runs: number;
  /** Only these invariant families (plus the quiescence comparison) are checked. */
  families?: readonly InvariantFamily[];
  /** Weight changes on top of the profile's. */
  weights?: Partial<Record<DsEventType, number>>;
  nodes?: number;
  maxEvents?: number;
  implementation?: Implementation;
  seed?: number;
  /** Invariants this property exists for: a passing campaign must have exercised each (issue 14). */
  exercises?: readonly string[];
}

export async function campaign(options: PropertyCampaign): Promise<CampaignResult> {
  const implementation = options.implementation ?? referenceImplementation();
  const invariants = options.families ? INVARIANTS.filter((i) => options.families?.includes(i.family)) : INVARIANTS;
  try {
    return await runCampaign(implementation, {
      profile: options.profile,
      runs: options.runs,
      seed: options.seed ?? seed(),
      nodes: options.nodes ?? 3,
      maxEvents: options.maxEvents ?? 30,
      run: { invariants },
      ...(options.weights ? { weights: options.weights } : {}),
    });
  } finally {
    await implementation.close();
  }
}

/** Fails the test with a readable, replayable counterexample when the campaign found one. */
export async function expectConforms(options: PropertyCampaign): Promise<CampaignResult> {
  const result = await campaign(options);
  if (result.adapterError) throw result.adapterError;
  const cx = result.counterexample;
  if (cx) {
    const scope = { nodes: options.nodes ?? 3, maxEvents: options.maxEvents ?? 30 };
    const finalTable =
      cx.failure.step === -1 ? podTable(cx.failure.observation) : (cx.failure.trace.at(-1)?.table ?? []);
    const file = counterexampleFile({ name: 'reference', kind: 'reference' }, options.profile, scope, cx, finalTable);
    const path = saveCounterexample('reports', file);
    const replay = `npx dsconform replay ${path}`;
    const report = profileReport(result, 0, { file, path });
    throw new Error(
      [
        `${cx.failure.invariant}: ${cx.failure.message}`,
        ...formatCounterexample(report, replay),
        `Rerun the campaign: DSCONFORM_SEED=${cx.seed} npm test`,
      ].join('\n'),
    );
  }
  expectDidWork(options, result);
  return result;
}

/** Below this many runs a property campaign is a smoke run (DSCONFORM_RUNS): it is not asked to have exercised everything. */
const FULL_CAMPAIGN_RUNS = 100;

/**
 * A passing campaign must have done its work (issue 14): every case ran and applied events, and
 * every invariant the property exists for was exercised, i.e. some case reached the situation it
 * judges (model/rules.ts INVARIANT_RULES). A generator that broke so that, say, no rollout ever
 * happens would otherwise pass quietly.
 */
function expectDidWork(options: PropertyCampaign, result: CampaignResult): void {
  if (result.runs !== options.runs || result.events < result.runs) {
    throw new Error(
      `the campaign did not do its work: ${result.runs} of ${options.runs} runs, ${result.events} events`,
    );
  }
  if (options.runs < FULL_CAMPAIGN_RUNS) return;
  const wanted = new Set(options.exercises ?? []);
  const idle = profileReport(result, 0)
    .invariants.filter((i) => wanted.has(i.id) && i.verdict !== 'pass')
    .map((i) => `${i.id} (no case reached ${(INVARIANT_RULES[i.id] ?? []).join(' or ')})`);
  if (idle.length > 0) {
    throw new Error(`the ${options.profile} campaign passed without exercising ${idle.join(', ')}`);
  }
}
