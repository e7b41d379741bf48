/**
 * The body of one soak worker thread (see soak.ts): it builds its own implementation, runs the
 * chunks of cases it is given (a profile, a seed, case indexes), shrinks every failing case
 * itself, and answers each chunk with its counts and counterexamples.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type fc from 'fast-check';
import type { DsEvent } from '../../model/events.ts';
import { AdapterError } from '../protocol/adapterError.js';
import { campaignArbitrary, generateCase, shrinkCase } from './campaign.js';
import { counterexampleFile } from './counterexample.js';
import type { Implementation } from './implementation.js';
import { missingFeatures, PROFILES, type ProfileName } from './profiles.js';
import { runCase } from './runner.js';
import type { SoakFromWorker, SoakToWorker, SoakWorkerData } from './soak.js';
import { podTable } from './trace.js';
import { implementationFromSpec } from './workers.js';

const port = parentPort;
if (port === null) throw new Error('soakWorker.ts runs as a worker thread only');
const { spec, scope, maxAdvanceSeconds } = workerData as SoakWorkerData;
const post = (message: SoakFromWorker) => port.postMessage(message);
const runOptions = maxAdvanceSeconds !== undefined ? { maxAdvanceSeconds } : {};

let implementation: Implementation | undefined;
try {
  implementation = await implementationFromSpec(spec);
} catch (e) {
  post({
    type: 'start-error',
    message: e instanceof Error ? e.message : String(e),
    adapter: e instanceof AdapterError,
  });
}

const arbitraries = new Map<string, fc.Arbitrary<DsEvent[]>>();
function arbitraryFor(impl: Implementation, profile: ProfileName): fc.Arbitrary<DsEvent[]> {
  let arbitrary = arbitraries.get(profile);
  if (arbitrary === undefined) {
    arbitrary = campaignArbitrary(impl, { profile, runs: 0, seed: 0, ...scope });
    arbitraries.set(profile, arbitrary);
  }
  return arbitrary;
}

async function runChunk(impl: Implementation, message: Extract<SoakToWorker, { type: 'chunk' }>): Promise<void> {
  const { id, profile, seed, indexes } = message;
  const arbitrary = arbitraryFor(impl, profile);
  const runOne = (events: readonly DsEvent[]) => runCase(events, () => impl.makeSystem(), runOptions);
  const ref = { ...spec.ref, name: impl.name };
  const result: Extract<SoakFromWorker, { type: 'chunk-done' }> = {
    type: 'chunk-done',
    id,
    events: 0,
    checks: 0,
    checksById: {},
    failures: [],
  };
  let index = -1;
  try {
    for (index of indexes) {
      const events = generateCase(arbitrary, seed, index);
      const outcome = await runOne(events);
      result.events += outcome.events;
      result.checks += outcome.checks;
      for (const [key, n] of Object.entries(outcome.checksById ?? {})) {
        result.checksById[key] = (result.checksById[key] ?? 0) + n;
      }
      if (outcome.failure === undefined) continue;
      const cx = await shrinkCase(arbitrary, runOne, seed, index, undefined, {
        events: [...events],
        failure: outcome.failure,
      });
      const { failure } = cx;
      const finalTable = failure.step === -1 ? podTable(failure.observation) : (failure.trace.at(-1)?.table ?? []);
      result.failures.push({ index, file: counterexampleFile(ref, profile, scope, cx, finalTable) });
    }
    post(result);
  } catch (e) {
    if (e instanceof AdapterError) post({ type: 'adapter-error', id, index, message: e.message });
    else post({ type: 'error', id, index, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}

port.on('message', async (message: SoakToWorker) => {
  if (message.type === 'chunk' && implementation !== undefined) {
    await runChunk(implementation, message);
    return;
  }
  await implementation?.close();
  port.close();
});
if (implementation !== undefined) {
  const impl = implementation;
  post({
    type: 'ready',
    name: impl.name,
    skipped: Object.fromEntries(
      Object.values(PROFILES)
        .map((p) => [p.name, missingFeatures(p, impl.features)] as const)
        .filter(([, missing]) => missing.length > 0),
    ),
  });
}
