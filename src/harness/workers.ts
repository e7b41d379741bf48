/**
 * One campaign on several worker threads (`dsconform check --workers N`), with exactly the result
 * of a single-process run: the same verdict, the same counterexample and the same totals.
 *
 * Cases are independent (each is generated from caseSeed(seed, index)), so workers take chunks
 * of case indexes in increasing order. A single run stops at its first failure, so the lowest
 * failing index found so far is shared (a SharedArrayBuffer): workers skip indexes above it,
 * every index below it still runs, and only cases up to it are counted, in index order. The
 * failing case is then shrunk on the main thread, by the same code a single run uses.
 */
import { Worker } from 'node:worker_threads';
import { AdapterError, type AdapterFailure } from '../protocol/adapterError.js';
import {
  type CampaignOptions,
  type CampaignResult,
  nonDeterministicCounterexample,
  type ObservedFailure,
  runCampaign,
} from './campaign.js';
import type { ImplementationRef } from './counterexample.js';
import { type Implementation, processImplementation, referenceImplementation } from './implementation.js';
import { mutantByName, mutantOptionsForStore } from './mutants.js';
import { missingFeatures, PROFILES } from './profiles.js';

/** Whatever runCampaign runs against. */
type CampaignImplementation = Parameters<typeof runCampaign>[0];

/** How a worker builds its own copy of the implementation (functions cannot cross threads). */
export interface ImplementationSpec {
  ref: ImplementationRef;
  /** For a process implementation: how long it may take to answer one message. */
  stepTimeoutMs?: number;
}

/** Builds the implementation a spec names (in a worker, or anywhere else). */
export async function implementationFromSpec(spec: ImplementationSpec): Promise<Implementation> {
  const { ref } = spec;
  if (ref.controller !== undefined) {
    return processImplementation(ref.controller, {
      ...(spec.stepTimeoutMs !== undefined ? { stepTimeoutMs: spec.stepTimeoutMs } : {}),
      onLog: (chunk) => {
        if (process.env.DSCONFORM_SHOW_CONTROLLER_LOG) process.stderr.write(chunk);
      },
    });
  }
  if (ref.mutant !== undefined) {
    const mutant = mutantByName(ref.mutant);
    if (mutant === undefined) throw new Error(`unknown mutant "${ref.mutant}"`);
    return referenceImplementation(`mutant ${mutant.name}`, mutantOptionsForStore(mutant));
  }
  return referenceImplementation();
}

/** The campaign options a worker gets: everything but callbacks and custom invariant lists. */
export type WorkerCampaignOptions = Omit<CampaignOptions, 'onProgress' | 'onCase' | 'run' | 'caseIndex' | 'path'> & {
  maxAdvanceSeconds?: number;
};

/** Messages from the main thread to a worker. */
export type ToWorker = { type: 'chunk'; indexes: number[] } | { type: 'done' };

/** Messages from a worker to the main thread. */
export type FromWorker =
  | { type: 'ready' }
  | {
      type: 'case';
      index: number;
      events: number;
      checks: number;
      checksById: Record<string, number>;
      failed: boolean;
      /** The failing case's events and failure, as the worker saw them. */
      observed?: ObservedFailure;
    }
  | { type: 'adapter-error'; index: number; failure: AdapterFailure; message: string }
  | { type: 'error'; index: number; message: string }
  | { type: 'chunk-done' };

export interface WorkerData {
  spec: ImplementationSpec;
  options: WorkerCampaignOptions;
  /** Int32Array over a SharedArrayBuffer: [0] is the highest index still worth running. */
  limit: SharedArrayBuffer;
}

/** Where the campaign stopped early, and why. */
type Stop =
  | { index: number; kind: 'failure'; observed?: ObservedFailure }
  | { index: number; kind: 'adapter'; failure: AdapterFailure; message: string }
  | { index: number; kind: 'error'; message: string };

const NO_LIMIT = 0x7fffffff;

/** The case indexes a campaign (or its shard) runs, in order. */
export function campaignIndexes(options: Pick<CampaignOptions, 'runs' | 'shard'>): number[] {
  const stride = options.shard?.count ?? 1;
  const first = options.shard ? options.shard.index - 1 : 0;
  const indexes: number[] = [];
  for (let index = first; index <= options.runs - 1; index += stride) indexes.push(index);
  return indexes;
}

export interface ParallelOptions {
  /** Worker threads (at least 1; each builds its own implementation). */
  workers: number;
  /** Builds each worker's implementation; the main thread's own is used for the shrink. */
  spec: ImplementationSpec;
}

/**
 * runCampaign on worker threads. `implementation` (the main thread's) only shrinks the failing
 * case; `onCase` is called in index order for the cases that count, once all have run.
 */
export async function runCampaignInWorkers(
  implementation: CampaignImplementation,
  options: CampaignOptions,
  parallel: ParallelOptions,
): Promise<CampaignResult> {
  // Nothing to spread out: one case, a shrink path, or a profile that is skipped anyway.
  const profile = PROFILES[options.profile];
  if (
    options.caseIndex !== undefined ||
    options.path !== undefined ||
    missingFeatures(profile, implementation.features).length > 0
  ) {
    return runCampaign(implementation, options);
  }
  if (options.run?.invariants !== undefined) {
    throw new Error('runCampaignInWorkers: a custom invariant list cannot be sent to worker threads');
  }
  const indexes = campaignIndexes(options);
  const results = await runIndexesInWorkers(indexes, options, parallel);
  return assemble(implementation, options, indexes, results);
}

interface CaseOutcome {
  events: number;
  checks: number;
  checksById: Record<string, number>;
  failed: boolean;
}

interface WorkerResults {
  cases: Map<number, CaseOutcome>;
  stop: Stop | undefined;
}

async function runIndexesInWorkers(
  indexes: readonly number[],
  options: CampaignOptions,
  parallel: ParallelOptions,
): Promise<WorkerResults> {
  const limitBuffer = new SharedArrayBuffer(4);
  const limit = new Int32Array(limitBuffer);
  Atomics.store(limit, 0, NO_LIMIT);
  const cases = new Map<number, CaseOutcome>();
  let stop: Stop | undefined;
  const lower = (next: Stop) => {
    if (stop !== undefined && stop.index <= next.index) return;
    stop = next;
    Atomics.store(limit, 0, next.index);
  };
  // Small chunks balance the load and keep the work done past a failure short; large enough
  // that messages stay cheap next to running the cases.
  const workers = Math.max(1, Math.min(parallel.workers, indexes.length));
  const chunkSize = Math.max(1, Math.min(8, Math.ceil(indexes.length / (workers * 8))));
  let nextChunk = 0;
  const takeChunk = (): number[] | undefined => {
    if (nextChunk >= indexes.length) return undefined;
    const chunk = indexes.slice(nextChunk, nextChunk + chunkSize);
    if ((chunk[0] as number) > Atomics.load(limit, 0)) return undefined;
    nextChunk += chunkSize;
    return chunk;
  };
  const totals = { runs: 0, checks: 0, events: 0 };
  const { onProgress, onCase: _onCase, run, caseIndex: _c, path: _p, ...rest } = options;
  const workerOptions: WorkerCampaignOptions = {
    ...rest,
    ...(run?.maxAdvanceSeconds !== undefined ? { maxAdvanceSeconds: run.maxAdvanceSeconds } : {}),
  };
  const data: WorkerData = { spec: parallel.spec, options: workerOptions, limit: limitBuffer };

  const threads: Worker[] = [];
  await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL('./campaignWorker.mjs', import.meta.url), { workerData: data });
          threads.push(worker);
          let current: number[] = [];
          const send = (message: ToWorker) => worker.postMessage(message);
          const next = () => {
            const chunk = takeChunk();
            if (chunk === undefined) send({ type: 'done' });
            else {
              current = chunk;
              send({ type: 'chunk', indexes: chunk });
            }
          };
          worker.on('message', (message: FromWorker) => {
            switch (message.type) {
              case 'ready':
              case 'chunk-done':
                next();
                break;
              case 'case': {
                const { index, events, checks, checksById, failed, observed } = message;
                cases.set(index, { events, checks, checksById, failed });
                if (failed) lower({ index, kind: 'failure', ...(observed ? { observed } : {}) });
                totals.runs++;
                totals.checks += checks;
                totals.events += events;
                onProgress?.(totals);
                break;
              }
              case 'adapter-error':
                lower({ index: message.index, kind: 'adapter', failure: message.failure, message: message.message });
                break;
              case 'error':
                lower({ index: message.index, kind: 'error', message: message.message });
                break;
            }
          });
          worker.on('error', (error) => {
            // A worker thread died (not a case failing: those are reported as messages). The run
            // cannot be completed faithfully: stop the others and give up.
            for (const other of threads) if (other !== worker) void other.terminate();
            reject(new Error(`a campaign worker died while running cases ${current.join(', ')}: ${error.message}`));
          });
          worker.on('exit', () => resolve());
        }),
    ),
  );
  return { cases, stop };
}

/** The single-run result from the cases that count: every index below the stop, and a failing stop. */
async function assemble(
  implementation: CampaignImplementation,
  options: CampaignOptions,
  indexes: readonly number[],
  { cases, stop }: WorkerResults,
): Promise<CampaignResult> {
  if (stop?.kind === 'error') throw new Error(`case ${stop.index} of seed ${options.seed}: ${stop.message}`);
  const stride = options.shard?.count ?? 1;
  const first = options.shard ? options.shard.index - 1 : 0;
  const checksById: Record<string, number> = {};
  let runs = 0;
  let checks = 0;
  let events = 0;
  let last = first - stride;
  for (const index of indexes) {
    if (stop !== undefined && (index > stop.index || (index === stop.index && stop.kind === 'adapter'))) break;
    const outcome = cases.get(index);
    if (outcome === undefined) throw new Error(`internal error: case ${index} below the first failure did not run`);
    runs++;
    checks += outcome.checks;
    events += outcome.events;
    for (const [id, n] of Object.entries(outcome.checksById)) checksById[id] = (checksById[id] ?? 0) + n;
    options.onCase?.(index, { events: outcome.events, checks: outcome.checks, checksById: outcome.checksById });
    last = index;
  }
  const result: CampaignResult = {
    profile: options.profile,
    seed: options.seed,
    scope: { nodes: options.nodes ?? 3, maxEvents: options.maxEvents ?? 30 },
    runs,
    checks,
    events,
    checksById,
    caseIndexes: { first, last, stride },
    ...(stop !== undefined ? { stoppedAt: stop.index } : {}),
  };
  if (stop === undefined) return result;
  if (stop.kind === 'adapter') return { ...result, adapterError: new AdapterError(stop.failure, stop.message) };
  // Shrink exactly as a single run does: the same case, regenerated and shrunk by fast-check.
  const { onProgress: _p, onCase: _c, ...single } = options;
  const shrunk = await runCampaign(implementation, { ...single, caseIndex: stop.index });
  if (shrunk.adapterError) return { ...result, adapterError: shrunk.adapterError };
  if (!shrunk.counterexample) {
    // It failed in a worker and passed here with the same events: a non-deterministic implementation.
    if (stop.observed === undefined) {
      throw new Error(`case ${stop.index} of seed ${options.seed} failed in a worker but not when run again`);
    }
    return { ...result, counterexample: nonDeterministicCounterexample(options.seed, stop.index, stop.observed) };
  }
  return { ...result, counterexample: shrunk.counterexample };
}
