/**
 * A soak (`dsconform soak`): many cases of many seeds on every profile, on worker threads, for as
 * long as asked, without stopping at the first failure. Every case is generated from
 * caseSeed(seed, index) alone, as in a campaign, so a soak's cases are exactly campaign cases:
 * case i of profile P and seed S fails in a soak if and only if `dsconform check --profile P
 * --seed S --case i` fails.
 *
 * A stream is one profile and one seed; its cases run in chunks handed out in index order, round
 * robin over the streams, to whichever worker is free. Each worker shrinks its own failing cases.
 * Whatever the timing, the cases a stream counts are a prefix of its indexes (chunks handed out
 * are always waited for), so the outcome of a soak that ran to its end depends only on its
 * seeds, runs, profiles, scope and shard, and an early stop (duration, signal) leaves a report
 * that says exactly which cases ran.
 */
import { Worker } from 'node:worker_threads';
import { distinctKey } from '../report/soakReport.js';
import type { CounterexampleFile } from './counterexample.js';
import type { ProfileName } from './profiles.js';
import type { ImplementationSpec } from './workers.js';

export interface SoakWorkerData {
  spec: ImplementationSpec;
  scope: { nodes: number; maxEvents: number };
  maxAdvanceSeconds?: number;
}

export type SoakToWorker =
  | { type: 'chunk'; id: number; profile: ProfileName; seed: number; indexes: number[] }
  | { type: 'done' };

export type SoakFromWorker =
  | { type: 'ready'; name: string; skipped: Record<string, string[]> }
  | { type: 'start-error'; message: string; adapter: boolean }
  | {
      type: 'chunk-done';
      id: number;
      events: number;
      checks: number;
      checksById: Record<string, number>;
      failures: { index: number; file: CounterexampleFile }[];
    }
  | { type: 'adapter-error'; id: number; index: number; message: string }
  | { type: 'error'; id: number; index: number; message: string };

export interface SoakOptions {
  spec: ImplementationSpec;
  profiles: readonly ProfileName[];
  seeds: readonly number[];
  /** Cases per profile and seed (indexes 0..runs-1, or this shard's of them); unbounded without. */
  runs?: number;
  /** Stop handing out cases after this long (the chunks already handed out still finish). */
  durationMs?: number;
  shard?: { index: number; count: number };
  workers: number;
  nodes: number;
  maxEvents: number;
  /** Stop handing out cases once this many have failed. */
  maxFailures?: number;
  /** Cases per chunk (default 16, fewer when the soak is small). */
  chunkSize?: number;
  /** Cases that already ran, per stream key `${profile}/${seed}`: the soak goes on after them. */
  resumeAfter?: ReadonlyMap<string, number>;
  /** Called after every chunk. */
  onProgress?: (progress: SoakProgress) => void;
  /** Called for every failing case, as soon as its worker has shrunk it (with its counterexample). */
  onFailure?: (failure: SoakCaseFailure, file: CounterexampleFile) => void;
  /** Called at most every `checkpointMs` (default 30 s) with what ran so far, for a partial report. */
  onCheckpoint?: (outcome: SoakOutcome) => void;
  checkpointMs?: number;
  /** Given, once the soak starts, a function that tells what ran so far (for a report written on a signal). */
  exposeSnapshot?: (snapshot: () => SoakOutcome) => void;
  /** Polled before each chunk is handed out: a reason to stop early. */
  shouldStop?: () => 'interrupted' | undefined;
}

export interface SoakProgress {
  runs: number;
  failures: number;
  /** Cases asked for in all (undefined when unbounded). */
  requested: number | undefined;
  elapsedMs: number;
}

export interface SoakCaseFailure {
  profile: ProfileName;
  seed: number;
  index: number;
  invariant: string;
  nonDeterministic?: true;
  /** Cases with the same key shrank to the same counterexample (soakReport.distinctKey). */
  key: string;
}

export interface SoakStreamResult {
  profile: ProfileName;
  seed: number;
  first: number;
  /** first - stride when nothing ran. */
  last: number;
  stride: number;
  runs: number;
  events: number;
  checks: number;
  failures: SoakCaseFailure[];
  skipped?: string[];
}

export interface SoakOutcome {
  /** The implementation's name, as the workers built it. */
  name: string;
  streams: SoakStreamResult[];
  checksById: Record<string, number>;
  complete: boolean;
  stoppedBecause?: 'duration' | 'max-failures' | 'interrupted' | 'could-not-check';
  error?: string;
  durationMs: number;
}

interface Chunk {
  id: number;
  stream: Stream;
  indexes: number[];
  done?: { events: number; checks: number; failures: SoakCaseFailure[] };
}

interface Stream {
  profile: ProfileName;
  seed: number;
  first: number;
  stride: number;
  /** Next index to hand out, and the last that may be. */
  next: number;
  end: number;
  chunks: Chunk[];
  skipped?: string[];
}

const MAX_INDEX = 0x7fffffff;

export function streamKey(profile: string, seed: number): string {
  return `${profile}/${seed}`;
}

export async function runSoak(options: SoakOptions): Promise<SoakOutcome> {
  const started = performance.now();
  const stride = options.shard?.count ?? 1;
  const offset = options.shard ? options.shard.index - 1 : 0;
  const end = options.runs !== undefined ? options.runs - 1 : MAX_INDEX;
  const streams: Stream[] = options.profiles.flatMap((profile) =>
    options.seeds.map((seed) => {
      const after = options.resumeAfter?.get(streamKey(profile, seed)) ?? 0;
      const first = offset + after * stride;
      return { profile, seed, first, stride, next: first, end, chunks: [] as Chunk[] };
    }),
  );
  const requested =
    options.runs === undefined
      ? undefined
      : streams.reduce((n, s) => n + Math.max(0, Math.floor((s.end - s.first) / s.stride) + 1), 0);
  // Chunks of 16 cases keep messages cheap; a small soak gets smaller ones, to keep every worker busy.
  const chunkSize =
    options.chunkSize ??
    (requested === undefined ? 16 : Math.max(1, Math.min(16, Math.ceil(requested / (options.workers * 8)))));
  const checksById: Record<string, number> = {};
  const chunks = new Map<number, Chunk>();
  let nextId = 0;
  let cursor = 0;
  let runs = 0;
  let failures = 0;
  let stop: SoakOutcome['stoppedBecause'];
  let error: string | undefined;
  let name = options.spec.ref.name;
  let lastCheckpoint = performance.now();

  const stopWith = (reason: NonNullable<SoakOutcome['stoppedBecause']>, message?: string) => {
    if (stop === undefined || (reason === 'could-not-check' && stop !== 'could-not-check')) {
      stop = reason;
      if (message !== undefined) error = message;
    }
  };

  const takeChunk = (): Chunk | undefined => {
    if (stop === undefined) {
      const reason = options.shouldStop?.();
      if (reason) stopWith(reason);
      else if (options.durationMs !== undefined && performance.now() - started >= options.durationMs)
        stopWith('duration');
      else if (options.maxFailures !== undefined && failures >= options.maxFailures) stopWith('max-failures');
    }
    if (stop !== undefined) return undefined;
    for (let tried = 0; tried < streams.length; tried++) {
      const stream = streams[(cursor + tried) % streams.length] as Stream;
      if (stream.skipped || stream.next > stream.end) continue;
      cursor = (cursor + tried + 1) % streams.length;
      const indexes: number[] = [];
      while (indexes.length < chunkSize && stream.next <= stream.end) {
        indexes.push(stream.next);
        stream.next += stream.stride;
      }
      const chunk: Chunk = { id: nextId++, stream, indexes };
      stream.chunks.push(chunk);
      chunks.set(chunk.id, chunk);
      return chunk;
    }
    return undefined;
  };

  const data: SoakWorkerData = {
    spec: options.spec,
    scope: { nodes: options.nodes, maxEvents: options.maxEvents },
  };
  const threads: Worker[] = [];
  let skipsKnown = false;
  options.exposeSnapshot?.(() => outcome(false));
  await Promise.all(
    Array.from(
      { length: Math.max(1, options.workers) },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL('./soakWorker.mjs', import.meta.url), { workerData: data });
          threads.push(worker);
          const send = (message: SoakToWorker) => worker.postMessage(message);
          const next = () => {
            const chunk = takeChunk();
            if (chunk === undefined) send({ type: 'done' });
            else
              send({
                type: 'chunk',
                id: chunk.id,
                profile: chunk.stream.profile,
                seed: chunk.stream.seed,
                indexes: chunk.indexes,
              });
          };
          worker.on('message', (message: SoakFromWorker) => {
            switch (message.type) {
              case 'ready':
                name = message.name;
                if (!skipsKnown) {
                  skipsKnown = true;
                  for (const stream of streams) {
                    const missing = message.skipped[stream.profile];
                    if (missing !== undefined)
                      stream.skipped = missing.map((f) => `implementation does not support ${f}`);
                  }
                }
                next();
                break;
              case 'start-error':
                stopWith('could-not-check', message.message);
                send({ type: 'done' });
                break;
              case 'chunk-done': {
                const chunk = chunks.get(message.id) as Chunk;
                const found = message.failures.map(({ index, file }) => {
                  const failure: SoakCaseFailure = {
                    profile: chunk.stream.profile,
                    seed: chunk.stream.seed,
                    index,
                    invariant: file.invariant,
                    ...(file.nonDeterministic ? { nonDeterministic: true as const } : {}),
                    key: distinctKey(file),
                  };
                  options.onFailure?.(failure, file);
                  return failure;
                });
                chunk.done = { events: message.events, checks: message.checks, failures: found };
                for (const [id, n] of Object.entries(message.checksById)) checksById[id] = (checksById[id] ?? 0) + n;
                runs += chunk.indexes.length;
                failures += found.length;
                options.onProgress?.({ runs, failures, requested, elapsedMs: performance.now() - started });
                if (options.onCheckpoint && performance.now() - lastCheckpoint >= (options.checkpointMs ?? 30_000)) {
                  lastCheckpoint = performance.now();
                  options.onCheckpoint(outcome(false));
                }
                next();
                break;
              }
              case 'adapter-error':
              case 'error': {
                const chunk = chunks.get(message.id) as Chunk;
                const where = `${chunk.stream.profile}, seed ${chunk.stream.seed}, case ${message.index}`;
                stopWith('could-not-check', `${where}: ${message.message}`);
                send({ type: 'done' });
                break;
              }
            }
          });
          worker.on('error', (e) => {
            for (const other of threads) if (other !== worker) void other.terminate();
            reject(new Error(`a soak worker died: ${e.message}`));
          });
          worker.on('exit', () => resolve());
        }),
    ),
  );

  return outcome(true);

  /** What ran so far: each stream counts the prefix of its chunks that finished (at the end, all of them). */
  function outcome(finished: boolean): SoakOutcome {
    const results: SoakStreamResult[] = streams.map((stream) => {
      const result: SoakStreamResult = {
        profile: stream.profile,
        seed: stream.seed,
        first: stream.first,
        last: stream.first - stream.stride,
        stride: stream.stride,
        runs: 0,
        events: 0,
        checks: 0,
        failures: [],
        ...(stream.skipped ? { skipped: stream.skipped } : {}),
      };
      for (const chunk of stream.chunks) {
        if (chunk.done === undefined) break;
        result.last = chunk.indexes.at(-1) as number;
        result.runs += chunk.indexes.length;
        result.events += chunk.done.events;
        result.checks += chunk.done.checks;
        result.failures.push(...chunk.done.failures);
      }
      result.failures.sort((a, b) => a.index - b.index);
      return result;
    });
    const complete = finished && stop === undefined && streams.every((s) => s.skipped !== undefined || s.next > s.end);
    return {
      name,
      streams: results,
      checksById: { ...checksById },
      complete,
      ...(stop !== undefined ? { stoppedBecause: stop } : {}),
      ...(error !== undefined ? { error } : {}),
      durationMs: Math.round(performance.now() - started),
    };
  }
}
