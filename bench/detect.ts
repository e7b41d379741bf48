/**
 * Time to detect: for each mutant, campaigns over several seeds (its own profile, the default
 * scope, up to 3,000 runs like the mutant self-test), and per seed the runs and seconds until
 * the first failing case, the time fast-check then spends shrinking it, and the length of the
 * shrunk counterexample. Reported as medians over the seeds.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCampaign } from '../src/harness/campaign.js';
import { referenceImplementation } from '../src/harness/implementation.js';
import { MUTANTS, type Mutant, mutantByName, mutantOptionsForStore } from '../src/harness/mutants.js';
import { cpuMs, median, round } from './stats.js';

const MAX_RUNS = 3000;

export interface DetectionSample {
  seed: number;
  /** Cases run up to and including the first failing one; undefined if none failed. */
  runs?: number;
  /** CPU and wall seconds until the first failing case had run. */
  cpuSeconds: number;
  wallSeconds: number;
  /** CPU seconds of the shrink that followed. */
  shrinkCpuSeconds?: number;
  shrunkLength?: number;
  invariant?: string;
}

export interface DetectionFigure {
  mutant: string;
  profile: string;
  seeds: number;
  detected: number;
  /** Medians over the seeds; an undetected seed counts as the worst (runs: MAX_RUNS + 1). */
  medianRuns: number;
  medianSecondsToFailure: number;
  medianWallSecondsToFailure: number;
  medianShrinkSeconds: number;
  medianShrunkLength: number;
  invariants: Record<string, number>;
  samples: DetectionSample[];
}

const cpuSeconds = () => cpuMs() / 1000;

export async function detectOnce(mutant: Mutant, seed: number): Promise<DetectionSample> {
  const implementation = referenceImplementation(`mutant ${mutant.name}`, mutantOptionsForStore(mutant));
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  let lastCpu = cpu0;
  let lastWall = wall0;
  const result = await runCampaign(implementation, {
    profile: mutant.profile,
    runs: MAX_RUNS,
    seed,
    // After every case: the last call before the shrink marks the moment of detection.
    onProgress: () => {
      lastCpu = cpuSeconds();
      lastWall = performance.now();
    },
  });
  const end = cpuSeconds();
  const cx = result.counterexample;
  return {
    seed,
    ...(cx ? { runs: result.runs } : {}),
    cpuSeconds: round(lastCpu - cpu0, 3),
    wallSeconds: round((lastWall - wall0) / 1000, 3),
    ...(cx
      ? { shrinkCpuSeconds: round(end - lastCpu, 3), shrunkLength: cx.events.length, invariant: cx.failure.invariant }
      : {}),
  };
}

/** One (mutant, seed) campaign, as a child process gets it. */
export interface DetectionJob {
  mutant: string;
  seed: number;
}

/**
 * Runs the jobs in `processes` child processes (each measures its own CPU time, which worker
 * threads could not), handing out jobs one at a time; results come back in job order.
 */
async function runJobs(
  jobs: readonly DetectionJob[],
  processes: number,
  onSample: () => void,
): Promise<DetectionSample[]> {
  const results: DetectionSample[] = new Array(jobs.length);
  let next = 0;
  const child = fileURLToPath(new URL('./detectChild.ts', import.meta.url));
  await Promise.all(
    Array.from(
      { length: Math.max(1, Math.min(processes, jobs.length)) },
      () =>
        new Promise<void>((resolve, reject) => {
          const proc = fork(child, [], {
            execArgv: ['--import', 'tsx'],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          let current = -1;
          const give = () => {
            if (next >= jobs.length) {
              proc.send({ type: 'done' });
              return;
            }
            current = next++;
            proc.send({ type: 'job', job: jobs[current] });
          };
          proc.on('message', (message: { type: 'ready' } | { type: 'sample'; sample: DetectionSample }) => {
            if (message.type === 'sample') {
              results[current] = message.sample;
              onSample();
            }
            give();
          });
          proc.on('error', reject);
          proc.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`detection child exited with ${code}`)),
          );
        }),
    ),
  );
  return results;
}

export async function measureDetection(
  seeds: number,
  processes: number,
  onProgress?: (done: number, total: number) => void,
): Promise<DetectionFigure[]> {
  const jobs = MUTANTS.flatMap((m) => Array.from({ length: seeds }, (_, k) => ({ mutant: m.name, seed: 1000 + k })));
  let done = 0;
  const samples = await runJobs(jobs, processes, () => onProgress?.(++done, jobs.length));
  return MUTANTS.map((mutant) => {
    const own = samples.filter((_, i) => jobs[i]?.mutant === mutant.name);
    const found = own.filter((s) => s.runs !== undefined);
    const invariants: Record<string, number> = {};
    for (const s of found) if (s.invariant) invariants[s.invariant] = (invariants[s.invariant] ?? 0) + 1;
    return {
      mutant: mutant.name,
      profile: mutant.profile,
      seeds,
      detected: found.length,
      medianRuns: median(own.map((s) => s.runs ?? MAX_RUNS + 1)),
      medianSecondsToFailure: round(median(own.map((s) => (s.runs ? s.cpuSeconds : Number.POSITIVE_INFINITY))), 3),
      medianWallSecondsToFailure: round(median(own.map((s) => (s.runs ? s.wallSeconds : Number.POSITIVE_INFINITY))), 3),
      medianShrinkSeconds: round(median(found.map((s) => s.shrinkCpuSeconds ?? 0)), 3),
      medianShrunkLength: median(found.map((s) => s.shrunkLength ?? 0)),
      invariants,
      samples: own,
    };
  });
}

/** The mutant a job names. */
export function jobMutant(job: DetectionJob): Mutant {
  const mutant = mutantByName(job.mutant);
  if (mutant === undefined) throw new Error(`unknown mutant ${job.mutant}`);
  return mutant;
}
