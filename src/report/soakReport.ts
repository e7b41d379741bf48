/**
 * The report of `dsconform soak`: how many cases ran on each profile and seed, which failed, and
 * the failure rate (on the reference implementation, every failure is a false alarm of the model
 * or a bug of the reference). `soak.json` is cumulative and mergeable: parts run on other machines
 * or in other sessions (other seeds, other shards) merge into one report with `dsconform merge`.
 */
import type { CounterexampleFile, ImplementationRef } from '../harness/counterexample.js';

export const SOAK_SCHEMA = 'dsconform/soak-report@1';

/** One failing case of a stream. */
export interface SoakFailure {
  index: number;
  invariant: string;
  /** The case failed once and passed when run again (a non-deterministic implementation). */
  nonDeterministic?: true;
  /** Which distinct counterexample (SoakReport.distinct[].id) it shrank to. */
  distinct: number;
}

/** The cases of one profile and seed that ran: first, first + stride, ... last. */
export interface SoakStream {
  profile: string;
  seed: number;
  first: number;
  /** first - stride when no case ran. */
  last: number;
  stride: number;
  runs: number;
  events: number;
  checks: number;
  failures: SoakFailure[];
  /** The implementation does not support what the profile exercises. */
  skipped?: string[];
}

/** Failing cases that shrank to the same counterexample (same invariant, same events) count once here. */
export interface SoakDistinct {
  id: number;
  invariant: string;
  message: string;
  nonDeterministic?: true;
  /** How many failing cases shrank to it, and the first of them (profile order, seed, index). */
  cases: number;
  first: { profile: string; seed: number; index: number };
  /** Where the counterexample was saved (relative to the current folder when written). */
  file: string;
  counterexample: CounterexampleFile;
}

export interface SoakRate {
  runs: number;
  failures: number;
  /** failures / runs (0 when nothing ran). */
  rate: number;
}

export interface SoakReport {
  schema: typeof SOAK_SCHEMA;
  runId: string;
  implementation: ImplementationRef;
  scope: { nodes: number; maxEvents: number };
  profiles: string[];
  seeds: number[];
  /** Cases asked per profile and seed (null: as many as --duration allowed). */
  runsPerStream: number | null;
  shard?: { index: number; count: number };
  /** Every case asked for ran. */
  complete: boolean;
  /** Why the soak ended before its end, if it did. */
  stoppedBecause?: 'duration' | 'max-failures' | 'interrupted' | 'could-not-check';
  error?: string;
  verdict: 'no-failures' | 'failures' | 'could-not-check';
  totals: SoakRate & { nonDeterministic: number; distinct: number; events: number; checks: number };
  byProfile: (SoakRate & { profile: string })[];
  bySeed: (SoakRate & { seed: number })[];
  /** Checks evaluated per invariant ID, over every case. */
  checksById: Record<string, number>;
  streams: SoakStream[];
  distinct: SoakDistinct[];
  /** Wall-clock; with runsPerSecond the only fields two runs of the same soak differ in. */
  durationMs: number;
  runsPerSecond: number;
  workers: number;
  /** Set on a merged report: the parts it was made from. */
  mergedFrom?: string[];
}

export function rate(runs: number, failures: number): SoakRate {
  return { runs, failures, rate: runs === 0 ? 0 : failures / runs };
}

/** The key two failing cases share when they shrank to the same counterexample. */
export function distinctKey(file: Pick<CounterexampleFile, 'invariant' | 'events' | 'nonDeterministic'>): string {
  return `${file.nonDeterministic ? 'nd:' : ''}${file.invariant}|${JSON.stringify(file.events)}`;
}

/** Totals, per profile, per seed and the verdict, from the streams (and the distinct list). */
export function summarize(
  streams: readonly SoakStream[],
  profiles: readonly string[],
  distinct: readonly SoakDistinct[],
  couldNotCheck: boolean,
): Pick<SoakReport, 'totals' | 'byProfile' | 'bySeed' | 'verdict'> {
  let runs = 0;
  let failures = 0;
  let nonDeterministic = 0;
  let events = 0;
  let checks = 0;
  const profileTotals = new Map<string, [number, number]>(profiles.map((p) => [p, [0, 0]]));
  const seedTotals = new Map<number, [number, number]>();
  for (const s of streams) {
    const f = s.failures.length;
    runs += s.runs;
    failures += f;
    nonDeterministic += s.failures.filter((x) => x.nonDeterministic).length;
    events += s.events;
    checks += s.checks;
    const p = profileTotals.get(s.profile) ?? [0, 0];
    profileTotals.set(s.profile, [p[0] + s.runs, p[1] + f]);
    const k = seedTotals.get(s.seed) ?? [0, 0];
    seedTotals.set(s.seed, [k[0] + s.runs, k[1] + f]);
  }
  return {
    verdict: couldNotCheck ? 'could-not-check' : failures > 0 ? 'failures' : 'no-failures',
    totals: { ...rate(runs, failures), nonDeterministic, distinct: distinct.length, events, checks },
    byProfile: [...profileTotals].map(([profile, [r, f]]) => ({ profile, ...rate(r, f) })),
    bySeed: [...seedTotals].sort(([a], [b]) => a - b).map(([seed, [r, f]]) => ({ seed, ...rate(r, f) })),
  };
}

function percent(value: number): string {
  if (value === 0) return '0';
  return value >= 0.001 ? `${(value * 100).toFixed(2)}%` : `${(value * 1e6).toFixed(1)} per million`;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 120
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The human summary printed at the end of a soak (and of a merge of soaks). */
export function renderSoakText(report: SoakReport, reportPath: string): string {
  const reference = report.implementation.kind === 'reference' && report.implementation.mutant === undefined;
  const what = reference ? 'false alarms' : 'failures';
  const lines: string[] = [];
  lines.push(
    `${'PROFILE'.padEnd(16)} ${'RUNS'.padStart(10)} ${what.toUpperCase().padStart(12)}  RATE`,
    ...report.byProfile.map((p) => {
      const skipped = report.streams.find((s) => s.profile === p.profile && s.skipped)?.skipped;
      return skipped
        ? `${p.profile.padEnd(16)} ${'skipped'.padStart(10)}  (${skipped.join('; ')})`
        : `${p.profile.padEnd(16)} ${String(p.runs).padStart(10)} ${String(p.failures).padStart(12)}  ${percent(p.rate)}`;
    }),
    `${'total'.padEnd(16)} ${String(report.totals.runs).padStart(10)} ${String(report.totals.failures).padStart(12)}  ${percent(report.totals.rate)}`,
    '',
  );
  const seedsWithFailures = report.bySeed.filter((s) => s.failures > 0);
  const seedList =
    report.seeds.length <= 8
      ? report.seeds.join(', ')
      : `${report.seeds.length} seeds (${report.seeds[0]}..${report.seeds.at(-1)})`;
  lines.push(
    `Seeds: ${seedList}${seedsWithFailures.length > 0 ? `; with ${what}: ${seedsWithFailures.map((s) => `${s.seed} (${s.failures}/${s.runs})`).join(', ')}` : ''}`,
  );
  if (report.shard) lines.push(`Shard: ${report.shard.index}/${report.shard.count} of every profile and seed`);
  for (const d of report.distinct) {
    lines.push(
      `${d.nonDeterministic ? 'NON-DETERMINISTIC ' : ''}${d.invariant} in ${d.cases} case${d.cases > 1 ? 's' : ''} (first: ${d.first.profile}, seed ${d.first.seed}, case ${d.first.index}): ${d.message.replace(/\s*[\r\n]+\s*/g, ' ')}`,
      `  ${d.counterexample.events.length} events; replay: npx dsconform replay ${d.file}`,
    );
  }
  if (report.distinct.length > 0) lines.push('');
  lines.push(
    `${report.totals.runs} runs in ${seconds(report.durationMs)} (${report.runsPerSecond.toFixed(1)} runs/s on ${report.workers} worker${report.workers > 1 ? 's' : ''})${report.complete ? '' : `, stopped early (${report.stoppedBecause ?? 'incomplete'})`}`,
  );
  const verdict =
    report.verdict === 'could-not-check'
      ? `could not check: ${report.error ?? 'the implementation broke down'}`
      : report.verdict === 'failures'
        ? `${report.totals.failures} ${report.totals.failures === 1 ? what.replace(/s$/, '') : what} in ${report.totals.runs} runs (${report.totals.distinct} distinct${report.totals.nonDeterministic > 0 ? `, ${report.totals.nonDeterministic} non-deterministic` : ''}), rate ${percent(report.totals.rate)}`
        : `no ${what} in ${report.totals.runs} runs`;
  lines.push(`Verdict: ${verdict}`, `Report: ${reportPath}`);
  return `${lines.join('\n')}\n`;
}
