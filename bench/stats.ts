/**
 * Timing helpers. Every figure is the median of repeated measurements, so one GC pause or a
 * scheduler hiccup does not move it. Each measurement records both wall time and CPU time: on a
 * shared machine other processes stretch wall time, not CPU time, so the figures reported are CPU
 * time, with wall time kept alongside in results.json. Samples last tens of milliseconds at least.
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Sample {
  wallMs: number;
  cpuMs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Medians of the wall and CPU times of the samples, each divided by `per`. */
export function medianSample(samples: readonly Sample[], per = 1): Sample {
  return { wallMs: median(samples.map((s) => s.wallMs)) / per, cpuMs: median(samples.map((s) => s.cpuMs)) / per };
}

/**
 * CPU milliseconds of this process so far (user + system, from getrusage: precise to the
 * microsecond). It counts every thread, so V8's GC helpers working beside the main thread add to
 * it: as a measure of one thread's work it errs on the high side. (Linux's per-thread schedstat
 * would exclude them but only moves at scheduler ticks, too coarse for these samples.)
 */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** What the CPU times are, for the report. */
export const CPU_CLOCK = 'process CPU time, user + system, all threads';

const cpuNowMs = cpuMs;

/** Times one call. */
export function measure(fn: () => void): Sample {
  const cpu = cpuNowMs();
  const wall = performance.now();
  fn();
  return { wallMs: performance.now() - wall, cpuMs: cpuNowMs() - cpu };
}

export async function measureAsync(fn: () => Promise<void>): Promise<Sample> {
  const cpu = cpuNowMs();
  const wall = performance.now();
  await fn();
  return { wallMs: performance.now() - wall, cpuMs: cpuNowMs() - cpu };
}

/** `repeats` samples of `fn`, after `warmup` unmeasured calls. */
export function timeRepeated(fn: () => void, repeats: number, warmup = 1): Sample[] {
  for (let i = 0; i < warmup; i++) fn();
  return Array.from({ length: repeats }, () => measure(fn));
}

/**
 * Per-call times of a fast function: after a warm-up (V8 tiers a hot function up over many calls)
 * it runs `fn` often enough that one sample lasts at least `minMs`, so timer resolution stops
 * mattering, and returns `repeats` samples of milliseconds per call.
 */
export function timePerCall(fn: () => void, repeats: number, minMs = 50, warmupMs = 300): Sample[] {
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd) fn();
  let iterations = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    const elapsed = performance.now() - start;
    if (elapsed >= minMs) break;
    iterations *= elapsed <= 0 ? 10 : Math.min(10, Math.ceil((minMs * 1.2) / elapsed));
  }
  const samples: Sample[] = [];
  for (let r = 0; r < repeats; r++) {
    const s = measure(() => {
      for (let i = 0; i < iterations; i++) fn();
    });
    samples.push({ wallMs: s.wallMs / iterations, cpuMs: s.cpuMs / iterations });
  }
  return samples;
}

let gcFn: (() => void) | undefined;

/** A full garbage collection, without needing node --expose-gc on the command line. */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

/** Heap in use after a full collection, in bytes. */
export function retainedHeapBytes(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface TimedChild {
  /** User + system CPU seconds of the process tree the shell waited for. */
  cpuSeconds: number;
  stdout: string;
  stderr: string;
  status: number | null;
}

/**
 * Runs `program args` from a shell that then prints `times`: its second line is the CPU time of
 * the shell's children, that is of the program and of every process the program waited for.
 */
export function timeChild(
  program: string,
  args: readonly string[],
  options: Pick<SpawnSyncOptions, 'cwd' | 'env'> = {},
): TimedChild {
  const run = spawnSync('sh', ['-c', '"$0" "$@"; s=$?; echo @@times; times; exit $s', program, ...args], {
    ...options,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const out = run.stdout ?? '';
  const at = out.lastIndexOf('@@times');
  const values = [...out.slice(Math.max(at, 0)).matchAll(/(\d+)m([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 60 + Number(m[2]),
  );
  return {
    cpuSeconds: at >= 0 && values.length >= 4 ? (values[2] ?? 0) + (values[3] ?? 0) : Number.NaN,
    stdout: at >= 0 ? out.slice(0, at) : out,
    stderr: run.stderr ?? '',
    status: run.status,
  };
}
