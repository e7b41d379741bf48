/**
 * Harness throughput: steps (events applied) and runs (cases) per second of the default profile
 * (`all`) at 5 and 50 nodes, against a baseline in the same process: fast-check running the very
 * same generated sequences as model-based commands whose model and real sides do nothing. Both
 * sides include generating the cases; the ratio is what the harness costs on top of fast-check.
 */
import fc from 'fast-check';
import type { DsEvent } from '../model/events.ts';
import { campaignArbitrary, generateCase } from '../src/harness/campaign.js';
import { referenceImplementation } from '../src/harness/implementation.js';
import { runCase } from '../src/harness/runner.js';
import { measureAsync, medianSample, round, type Sample } from './stats.js';

export interface ThroughputFigure {
  nodes: number;
  cases: number;
  /** Events applied across the cases (a failing case stops at its failure). */
  steps: number;
  harness: { runsPerSecond: number; stepsPerSecond: number; msPerRun: number; wallMsPerRun: number };
  baseline: { runsPerSecond: number; stepsPerSecond: number; msPerRun: number; wallMsPerRun: number };
  /** Harness time over baseline time for the same cases. */
  overheadRatio: number;
  /** Cases the reference failed (each still counted up to its failure). */
  failingCases: number;
}

/** A fast-check command that does nothing on either side: the baseline's unit of work. */
class NoopCommand implements fc.AsyncCommand<object, object> {
  constructor(readonly event: DsEvent) {}
  check(): boolean {
    return true;
  }
  async run(): Promise<void> {}
  toString(): string {
    return this.event.type;
  }
}

const SEED = 20261127;

export async function measureThroughput(nodes: number, cases: number, repeats: number): Promise<ThroughputFigure> {
  const implementation = referenceImplementation();
  const options = { profile: 'all' as const, runs: cases, seed: SEED, nodes, maxEvents: 30 };
  const arbitrary = campaignArbitrary(implementation, options);
  let steps = 0;
  let failing = 0;
  const harness = async () => {
    steps = 0;
    failing = 0;
    for (let index = 0; index < cases; index++) {
      const events = generateCase(arbitrary, SEED, index);
      const result = await runCase(events, () => implementation.makeSystem());
      const step = result.failure?.step ?? -1;
      steps += step >= 0 ? step + 1 : events.length;
      if (result.failure) failing++;
    }
  };
  // The same cases, the same number of commands each (up to where the harness stopped).
  const lengths: number[] = [];
  const baseline = async () => {
    for (let index = 0; index < cases; index++) {
      const events = generateCase(arbitrary, SEED, index).slice(0, lengths[index]);
      await fc.asyncModelRun(
        () => ({ model: {}, real: {} }),
        events.map((e) => new NoopCommand(e)),
      );
    }
  };
  // Record how far each case ran, then warm both sides up once.
  for (let index = 0; index < cases; index++) {
    const events = generateCase(arbitrary, SEED, index);
    const result = await runCase(events, () => implementation.makeSystem());
    const step = result.failure?.step ?? -1;
    lengths.push(step >= 0 ? step + 1 : events.length);
  }
  await baseline();
  // The baseline is fast: one sample repeats it until it lasts long enough for the clocks.
  let passes = 1;
  while (
    (
      await measureAsync(async () => {
        for (let i = 0; i < passes; i++) await baseline();
      })
    ).wallMs < 50
  )
    passes *= 2;
  const harnessSamples: Sample[] = [];
  const baselineSamples: Sample[] = [];
  for (let r = 0; r < repeats; r++) {
    harnessSamples.push(await measureAsync(harness));
    const b = await measureAsync(async () => {
      for (let i = 0; i < passes; i++) await baseline();
    });
    baselineSamples.push({ wallMs: b.wallMs / passes, cpuMs: b.cpuMs / passes });
  }
  const h = medianSample(harnessSamples);
  const b = medianSample(baselineSamples);
  const rates = (s: Sample) => ({
    runsPerSecond: round(cases / (s.cpuMs / 1000), 1),
    stepsPerSecond: round(steps / (s.cpuMs / 1000), 0),
    msPerRun: round(s.cpuMs / cases, 3),
    wallMsPerRun: round(s.wallMs / cases, 3),
  });
  return {
    nodes,
    cases,
    steps,
    harness: rates(h),
    baseline: rates(b),
    overheadRatio: round(h.cpuMs / b.cpuMs, 1),
    failingCases: failing,
  };
}
