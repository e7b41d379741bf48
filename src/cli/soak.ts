/**
 * `dsconform soak`: run the reference (or --controller, --mutant) on every profile, many seeds, as
 * many cases as asked or for as long as asked, on worker threads, without stopping at the first
 * failure; shrink and save every failing case and report the failure rate (on the reference:
 * the false-alarm rate). Exit 0 = no failure, 1 = some case failed, 2 = could not check,
 * 130/143 = interrupted (the report of what ran is written first; --resume goes on from it).
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CounterexampleFile, ImplementationRef } from '../harness/counterexample.js';
import { MUTANTS, mutantByName } from '../harness/mutants.js';
import { PROFILE_NAMES, type ProfileName } from '../harness/profiles.js';
import {
  runSoak,
  type SoakCaseFailure,
  type SoakOutcome,
  type SoakProgress,
  type SoakStreamResult,
  streamKey,
} from '../harness/soak.js';
import { displayPath } from '../manifests/inputError.js';
import {
  distinctKey,
  renderSoakText,
  SOAK_SCHEMA,
  type SoakDistinct,
  type SoakReport,
  type SoakStream,
  summarize,
} from '../report/soakReport.js';
import { ExitCode } from './exitCodes.js';
import type { CliContext, CliIO, RegisterCommand } from './main.js';
import { caseOptions, positiveInt, shardValue } from './options.js';

export interface SoakCliOptions {
  controller?: string;
  mutant?: string;
  profiles: ProfileName[];
  seeds: number[];
  runs?: number;
  durationMs?: number;
  shard?: { index: number; count: number };
  workers: number;
  reportDir: string;
  nodes: number;
  maxEvents: number;
  stepTimeout: number;
  maxFailures?: number;
  progressEverySeconds: number;
  resume: boolean;
}

/** `90s`, `30m`, `2h`, `1.5h`, `500ms`; a bare number is seconds. */
export function durationValue(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms'] : Number.NaN;
  if (!m || !(ms > 0)) throw new InvalidArgumentError('--duration must be a positive time, e.g. 90s, 30m or 2h');
  return ms;
}

function intValue(name: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value) || Math.abs(Number(value)) > 0x7fffffff)
      throw new InvalidArgumentError(`${name} must be a whole number (32-bit)`);
    return Number(value);
  };
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'implementation'
  );
}

function who(ref: ImplementationRef): string {
  return ref.mutant
    ? `mutant-${ref.mutant}`
    : ref.kind === 'reference'
      ? 'reference'
      : slug(ref.controller ?? ref.name);
}

/** The run id: implementation, seeds, runs, shard. The same soak (or its resumption) writes the same folder. */
export function soakRunId(ref: ImplementationRef, options: Pick<SoakCliOptions, 'seeds' | 'runs' | 'shard'>): string {
  const seeds = options.seeds;
  const contiguous = seeds.every((s, i) => i === 0 || s === (seeds[i - 1] as number) + 1);
  const seedPart =
    seeds.length === 1
      ? `seed${seeds[0]}`
      : contiguous
        ? `seeds${seeds[0]}-${seeds.at(-1)}`
        : `seeds${seeds[0]}-and-${seeds.length - 1}-more`;
  const runsPart = options.runs !== undefined ? `runs${options.runs}` : 'timed';
  const shard = options.shard ? `-shard${options.shard.index}of${options.shard.count}` : '';
  return `${who(ref)}-${seedPart}-${runsPart}${shard}`;
}

function shortTime(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A progress line on stderr at most every `everySeconds` (whole lines: they go to logs too). */
function progressPrinter(io: CliIO, everySeconds: number, durationMs: number | undefined, resumed: number) {
  let last = performance.now();
  return (p: SoakProgress) => {
    const now = performance.now();
    const finished = p.requested !== undefined && p.runs >= p.requested;
    if (everySeconds <= 0 || finished || now - last < everySeconds * 1000) return;
    last = now;
    const perSecond = p.runs / Math.max(0.001, p.elapsedMs / 1000);
    const left =
      p.requested !== undefined
        ? (p.requested - p.runs) / Math.max(0.001, perSecond)
        : durationMs !== undefined
          ? (durationMs - p.elapsedMs) / 1000
          : undefined;
    const of = p.requested !== undefined ? `/${p.requested} (${((100 * p.runs) / p.requested).toFixed(1)}%)` : '';
    io.stderr(
      `dsconform soak: ${p.runs}${of} runs${resumed > 0 ? ` (+${resumed} before resuming)` : ''}, ${perSecond.toFixed(1)} runs/s, ${p.failures} failing, ${shortTime(p.elapsedMs)} elapsed${left !== undefined ? `, about ${shortTime(Math.max(0, left) * 1000)} left` : ''}\n`,
    );
  };
}

/**
 * Creates `dir` and its missing parents one level at a time: Node's recursive mkdir loops forever
 * (deaf to signals) on a path under /proc, where mkdir fails with ENOENT although the parent exists.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.push(at);
      if (dirname(at) === at) break;
      at = dirname(at);
    }
  }
  for (const path of missing.reverse()) mkdirSync(path);
}

/** Writes a file whole or not at all (a checkpoint interrupted half-way must not destroy the last one). */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

interface DistinctEntry {
  order: [number, number, number];
  first: { profile: string; seed: number; index: number };
  file: CounterexampleFile;
  cases: number;
}

/** Orders failures as the report lists them: profile order, then seed order, then case index. */
function orderOf(
  options: Pick<SoakCliOptions, 'profiles' | 'seeds'>,
  f: { profile: string; seed: number; index: number },
) {
  return [options.profiles.indexOf(f.profile as ProfileName), options.seeds.indexOf(f.seed), f.index] as [
    number,
    number,
    number,
  ];
}

function before(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return false;
}

function counterexampleName(file: CounterexampleFile, first: DistinctEntry['first']): string {
  return `${file.nonDeterministic ? 'NONDET-' : ''}${file.invariant}-${first.profile}-seed${first.seed}-case${first.index}.json`;
}

/** Builds soak.json from the distinct counterexamples and the streams (previous ones first, when resumed). */
function buildReport(
  runId: string,
  ref: ImplementationRef,
  options: SoakCliOptions,
  outcome: SoakOutcome,
  previous: SoakReport | undefined,
  distinctByKey: Map<string, DistinctEntry>,
  runDir: string,
): SoakReport {
  // Distinct counterexamples in report order; ids are positions.
  const entries = [...distinctByKey].sort(([, a], [, b]) => (before(a.order, b.order) ? -1 : 1));
  const idOf = new Map(entries.map(([key], id) => [key, id]));
  const distinct: SoakDistinct[] = entries.map(([, e], id) => {
    const path = join(runDir, 'counterexamples', counterexampleName(e.file, e.first));
    return {
      id,
      invariant: e.file.invariant,
      message: e.file.message,
      ...(e.file.nonDeterministic ? { nonDeterministic: true as const } : {}),
      cases: e.cases,
      first: e.first,
      file: displayPath(path),
      counterexample: e.file,
    };
  });
  const toStream = (s: SoakStreamResult, failures: SoakStream['failures']): SoakStream => ({
    profile: s.profile,
    seed: s.seed,
    first: s.first,
    last: s.last,
    stride: s.stride,
    runs: s.runs,
    events: s.events,
    checks: s.checks,
    failures,
    ...(s.skipped ? { skipped: s.skipped } : {}),
  });
  const lightFailures = (failures: readonly SoakCaseFailure[]) =>
    failures.map((f) => ({
      index: f.index,
      invariant: f.invariant,
      ...(f.nonDeterministic ? { nonDeterministic: true as const } : {}),
      distinct: idOf.get(f.key) as number,
    }));
  const previousKeys = new Map((previous?.distinct ?? []).map((d) => [d.id, distinctKey(d.counterexample)]));
  const streams = outcome.streams.map((s) => {
    const now = toStream(s, lightFailures(s.failures));
    const before = previous?.streams.find((p) => p.profile === s.profile && p.seed === s.seed);
    if (before === undefined || before.runs === 0) return now;
    // Resumed: the earlier cases, then these (which start right after them).
    return {
      ...now,
      first: before.first,
      last: s.runs > 0 ? s.last : before.last,
      runs: before.runs + s.runs,
      events: before.events + s.events,
      checks: before.checks + s.checks,
      failures: [
        ...before.failures.map((f) => ({
          ...f,
          distinct: idOf.get(previousKeys.get(f.distinct) as string) as number,
        })),
        ...now.failures,
      ],
    };
  });
  const checksById: Record<string, number> = { ...(previous?.checksById ?? {}) };
  for (const [id, n] of Object.entries(outcome.checksById)) checksById[id] = (checksById[id] ?? 0) + n;
  const couldNotCheck = outcome.stoppedBecause === 'could-not-check';
  const durationMs = (previous?.durationMs ?? 0) + outcome.durationMs;
  const summary = summarize(streams, options.profiles, distinct, couldNotCheck);
  return {
    schema: SOAK_SCHEMA,
    runId,
    implementation: { ...ref, name: outcome.name },
    scope: { nodes: options.nodes, maxEvents: options.maxEvents },
    profiles: [...options.profiles],
    seeds: [...options.seeds],
    runsPerStream: options.runs ?? null,
    ...(options.shard ? { shard: options.shard } : {}),
    complete: outcome.complete,
    ...(outcome.stoppedBecause ? { stoppedBecause: outcome.stoppedBecause } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    verdict: summary.verdict,
    totals: summary.totals,
    byProfile: summary.byProfile,
    bySeed: summary.bySeed,
    checksById,
    streams,
    distinct,
    durationMs,
    runsPerSecond: summary.totals.runs / Math.max(0.001, durationMs / 1000),
    workers: options.workers,
  };
}

/** Writes soak.json and the distinct counterexamples (one file each); removes files of earlier writes no longer listed. */
function writeSoak(runDir: string, report: SoakReport): void {
  const dir = join(runDir, 'counterexamples');
  makeDirs(dir);
  const keep = new Set<string>();
  for (const d of report.distinct) {
    const name = counterexampleName(d.counterexample, d.first);
    keep.add(name);
    const path = join(dir, name);
    if (!existsSync(path)) writeAtomically(path, `${JSON.stringify(d.counterexample, null, 2)}\n`);
  }
  for (const name of readdirSync(dir)) if (name.endsWith('.json') && !keep.has(name)) rmSync(join(dir, name));
  writeAtomically(join(runDir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
}

function readSoak(path: string): SoakReport | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { schema?: unknown };
    return parsed.schema === SOAK_SCHEMA ? (parsed as SoakReport) : undefined;
  } catch {
    return undefined;
  }
}

export async function runSoakCommand(options: SoakCliOptions, context: CliContext): Promise<ExitCode> {
  const { io } = context;
  let ref: ImplementationRef;
  if (options.controller !== undefined) {
    ref = { name: options.controller, kind: 'process', controller: options.controller };
  } else if (options.mutant !== undefined) {
    const mutant = mutantByName(options.mutant);
    if (mutant === undefined) {
      io.stderr(`dsconform: unknown mutant "${options.mutant}"; known: ${MUTANTS.map((m) => m.name).join(', ')}\n`);
      return ExitCode.CouldNotCheck;
    }
    ref = { name: `mutant ${mutant.name}`, kind: 'reference', mutant: mutant.name };
  } else {
    ref = { name: 'reference', kind: 'reference' };
  }
  const runId = soakRunId(ref, options);
  const runDir = join(options.reportDir, 'soak', runId);
  const reportPath = displayPath(join(runDir, 'soak.json'));

  let previous: SoakReport | undefined;
  const existing = options.resume ? undefined : readSoak(join(runDir, 'soak.json'));
  if (existing !== undefined && !existing.complete && existing.totals.runs > 0) {
    // Starting over would throw away hours of a long soak for a forgotten flag.
    io.stderr(
      `dsconform: ${reportPath} holds an unfinished soak of ${existing.totals.runs} runs: add --resume to go on from it, or remove ${displayPath(runDir)} to start over\n`,
    );
    return ExitCode.CouldNotCheck;
  }
  if (options.resume) {
    previous = readSoak(join(runDir, 'soak.json'));
    if (previous === undefined) {
      io.stderr(`dsconform: --resume: no soak report at ${reportPath} (run the same soak without --resume first)\n`);
      return ExitCode.CouldNotCheck;
    }
    const same =
      previous.implementation.kind === ref.kind &&
      previous.implementation.mutant === ref.mutant &&
      previous.implementation.controller === ref.controller &&
      isDeepStrictEqual(previous.scope, { nodes: options.nodes, maxEvents: options.maxEvents }) &&
      isDeepStrictEqual(previous.profiles, options.profiles) &&
      isDeepStrictEqual(previous.seeds, options.seeds) &&
      isDeepStrictEqual(previous.shard, options.shard) &&
      previous.streams.every((s) => s.stride === (options.shard?.count ?? 1));
    if (!same) {
      io.stderr(
        `dsconform: --resume: ${reportPath} is another soak (implementation, profiles, seeds, shard, --nodes and --max-events must be the same)\n`,
      );
      return ExitCode.CouldNotCheck;
    }
  }
  const resumeAfter = new Map((previous?.streams ?? []).map((s) => [streamKey(s.profile, s.seed), s.runs]));
  const resumed = previous?.totals.runs ?? 0;

  const distinctByKey = new Map<string, DistinctEntry>();
  for (const d of previous?.distinct ?? []) {
    distinctByKey.set(distinctKey(d.counterexample), {
      order: orderOf(options, d.first),
      first: d.first,
      file: d.counterexample,
      cases: d.cases,
    });
  }
  const onFailure = (f: SoakCaseFailure, file: CounterexampleFile) => {
    const order = orderOf(options, f);
    const known = distinctByKey.get(f.key);
    const first = { profile: f.profile, seed: f.seed, index: f.index };
    if (known === undefined) distinctByKey.set(f.key, { order, first, file, cases: 1 });
    else {
      known.cases++;
      if (before(order, known.order)) Object.assign(known, { order, first, file });
    }
    io.stderr(
      `dsconform soak: ${f.nonDeterministic ? 'NON-DETERMINISTIC ' : ''}${f.invariant} in ${f.profile}, seed ${f.seed}, case ${f.index} (${file.events.length} events after shrinking)\n`,
    );
  };

  try {
    makeDirs(runDir);
    writeAtomically(join(runDir, '.writable'), '');
    rmSync(join(runDir, '.writable'));
  } catch (e) {
    io.stderr(
      `dsconform: --report-dir: cannot write ${runDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
    );
    return ExitCode.CouldNotCheck;
  }
  const seedText =
    options.seeds.length <= 4 ? options.seeds.join(', ') : `${options.seeds[0]}..${options.seeds.at(-1)}`;
  io.stdout(
    `dsconform soak: ${ref.name}, profiles ${options.profiles.join(', ')}, seed${options.seeds.length > 1 ? 's' : ''} ${seedText}, ${
      options.runs !== undefined ? `${options.runs} runs per profile and seed` : 'no run limit'
    }${options.durationMs !== undefined ? `, at most ${shortTime(options.durationMs)}` : ''}${
      options.shard ? `, shard ${options.shard.index}/${options.shard.count}` : ''
    }, ${options.workers} worker${options.workers > 1 ? 's' : ''}${resumed > 0 ? `, resuming after ${resumed} runs` : ''}\n`,
  );

  let interrupted: NodeJS.Signals | undefined;
  let snapshot: (() => SoakOutcome) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== undefined) {
      // A second signal: the command's process handlers (lifecycle.ts), when installed, end it.
      if (process.listenerCount(signal) > 1) return;
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }
    interrupted = signal;
    // What ran so far, written at once (the process may not live until the cases started finish).
    if (snapshot !== undefined) {
      const partial: SoakOutcome = { ...snapshot(), stoppedBecause: 'interrupted' };
      writeSoak(runDir, buildReport(runId, ref, options, partial, previous, distinctByKey, runDir));
    }
    io.stderr(
      `\ndsconform soak: ${signal}: report of the cases done written to ${reportPath}; finishing the cases already started (again to stop now)\n`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: SoakOutcome;
  try {
    outcome = await runSoak({
      spec: { ref, stepTimeoutMs: options.stepTimeout },
      profiles: options.profiles,
      seeds: options.seeds,
      ...(options.runs !== undefined ? { runs: options.runs } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      ...(options.shard ? { shard: options.shard } : {}),
      ...(options.maxFailures !== undefined ? { maxFailures: options.maxFailures } : {}),
      workers: options.workers,
      nodes: options.nodes,
      maxEvents: options.maxEvents,
      resumeAfter,
      onFailure,
      onProgress: progressPrinter(io, options.progressEverySeconds, options.durationMs, resumed),
      onCheckpoint: (partial) =>
        writeSoak(runDir, buildReport(runId, ref, options, partial, previous, distinctByKey, runDir)),
      shouldStop: () => (interrupted !== undefined ? 'interrupted' : undefined),
      exposeSnapshot: (s) => {
        snapshot = s;
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const report = buildReport(runId, ref, options, outcome, previous, distinctByKey, runDir);
  writeSoak(runDir, report);
  io.stdout(`\n${renderSoakText(report, reportPath)}`);
  if (report.verdict === 'could-not-check') {
    io.stderr(`dsconform: could not check ${ref.name}: ${(report.error ?? 'unknown failure').split('\n')[0]}\n`);
    return ExitCode.CouldNotCheck;
  }
  if (interrupted !== undefined) {
    io.stderr(`dsconform soak: interrupted; go on with the same command and --resume\n`);
    return (interrupted === 'SIGTERM' ? 143 : 130) as unknown as ExitCode;
  }
  return report.verdict === 'failures' ? ExitCode.Violation : ExitCode.Ok;
}

/** Does two arithmetic progressions of case indexes share a case? (Shards have small strides.) */
function overlaps(a: SoakStream, b: SoakStream): boolean {
  if (a.runs === 0 || b.runs === 0) return false;
  const lo = Math.max(a.first, b.first);
  const hi = Math.min(a.last, b.last);
  if (lo > hi) return false;
  let x = a.first + Math.ceil((lo - a.first) / a.stride) * a.stride;
  for (let i = 0; i <= Math.min(b.stride, 1_000_000) && x <= hi; i++, x += a.stride) {
    if ((x - b.first) % b.stride === 0) return true;
  }
  return false;
}

/** Finds every soak.json under `dirs`. */
function findSoaks(dirs: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    if (statSync(at).isFile()) {
      if (at.endsWith('soak.json')) found.push(at);
      return;
    }
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'soak.json') found.push(path);
    }
  };
  for (const dir of dirs) if (existsSync(dir)) walk(dir);
  return found;
}

export class SoakMergeError extends Error {}

/** One report from soak parts (other seeds, other shards, other sessions) of one implementation and scope. */
export function mergeSoakReports(parts: readonly { report: SoakReport; source: string }[]): SoakReport {
  const head = parts[0];
  if (head === undefined) throw new SoakMergeError('no soak reports to merge');
  for (const p of parts) {
    const same =
      p.report.implementation.kind === head.report.implementation.kind &&
      p.report.implementation.mutant === head.report.implementation.mutant &&
      p.report.implementation.controller === head.report.implementation.controller &&
      isDeepStrictEqual(p.report.scope, head.report.scope);
    if (!same)
      throw new SoakMergeError(
        `${p.source} soaked another implementation or scope than ${head.source} (implementation, --nodes and --max-events must match)`,
      );
  }
  const streams: SoakStream[] = [];
  const fromPart: { stream: SoakStream; part: (typeof parts)[number] }[] = [];
  for (const part of parts) {
    for (const s of part.report.streams) {
      const clash = fromPart.find(
        (o) => o.stream.profile === s.profile && o.stream.seed === s.seed && overlaps(o.stream, s),
      );
      if (clash)
        throw new SoakMergeError(
          `${part.source} and ${clash.part.source} both ran cases of ${s.profile}, seed ${s.seed}: a case would count twice`,
        );
      fromPart.push({ stream: s, part });
    }
  }
  const profiles = [...new Set(parts.flatMap((p) => p.report.profiles))].sort(
    (a, b) => PROFILE_NAMES.indexOf(a as ProfileName) - PROFILE_NAMES.indexOf(b as ProfileName),
  );
  const seeds = [...new Set(parts.flatMap((p) => p.report.seeds))].sort((a, b) => a - b);
  const order = (f: { profile: string; seed: number; index: number }) => [
    profiles.indexOf(f.profile),
    seeds.indexOf(f.seed),
    f.index,
  ];
  const byKey = new Map<string, { d: SoakDistinct; cases: number }>();
  for (const part of parts) {
    for (const d of part.report.distinct) {
      const key = distinctKey(d.counterexample);
      const known = byKey.get(key);
      if (known === undefined) byKey.set(key, { d, cases: d.cases });
      else {
        known.cases += d.cases;
        if (before(order(d.first), order(known.d.first))) known.d = d;
      }
    }
  }
  const keys = [...byKey].sort(([, a], [, b]) => (before(order(a.d.first), order(b.d.first)) ? -1 : 1));
  const idOf = new Map(keys.map(([key], id) => [key, id]));
  const distinct: SoakDistinct[] = keys.map(([, { d, cases }], id) => ({ ...d, id, cases }));
  for (const { stream, part } of fromPart.sort((a, b) =>
    before(order({ ...a.stream, index: a.stream.first }), order({ ...b.stream, index: b.stream.first })) ? -1 : 1,
  )) {
    const keyOf = new Map(part.report.distinct.map((d) => [d.id, distinctKey(d.counterexample)]));
    streams.push({
      ...stream,
      failures: stream.failures.map((f) => ({ ...f, distinct: idOf.get(keyOf.get(f.distinct) as string) as number })),
    });
  }
  const checksById: Record<string, number> = {};
  for (const p of parts)
    for (const [id, n] of Object.entries(p.report.checksById)) checksById[id] = (checksById[id] ?? 0) + n;
  const couldNotCheck = parts.some((p) => p.report.verdict === 'could-not-check');
  const summary = summarize(streams, profiles, distinct, couldNotCheck);
  const durationMs = parts.reduce((n, p) => n + p.report.durationMs, 0);
  const runsPerStream = parts.every((p) => p.report.runsPerStream === head.report.runsPerStream)
    ? head.report.runsPerStream
    : null;
  const incomplete = parts.find((p) => !p.report.complete);
  const error = parts.find((p) => p.report.error !== undefined)?.report.error;
  return {
    schema: SOAK_SCHEMA,
    runId: `merged-${who(head.report.implementation)}`,
    implementation: head.report.implementation,
    scope: head.report.scope,
    profiles,
    seeds,
    runsPerStream,
    complete: incomplete === undefined,
    ...(incomplete?.report.stoppedBecause ? { stoppedBecause: incomplete.report.stoppedBecause } : {}),
    ...(error !== undefined ? { error } : {}),
    verdict: summary.verdict,
    totals: summary.totals,
    byProfile: summary.byProfile,
    bySeed: summary.bySeed,
    checksById,
    streams,
    distinct,
    durationMs,
    runsPerSecond: summary.totals.runs / Math.max(0.001, durationMs / 1000),
    workers: Math.max(...parts.map((p) => p.report.workers)),
    mergedFrom: parts.map((p) => p.source),
  };
}

/**
 * `dsconform merge` on folders holding soak reports: one merged soak.json (and its counterexamples)
 * under OUT/soak/merged-<implementation>/. Returns undefined when there is no soak report there.
 */
export function mergeSoaksIn(dirs: readonly string[], reportDir: string, io: CliIO): ExitCode | undefined {
  const sources = findSoaks(dirs);
  const parts = sources.flatMap((source) => {
    const report = readSoak(source);
    return report ? [{ report, source }] : [];
  });
  if (parts.length === 0) return undefined;
  try {
    const merged = mergeSoakReports(parts);
    const runDir = join(reportDir, 'soak', merged.runId);
    // The counterexamples are in the reports: written again beside the merged one.
    const withFiles: SoakReport = {
      ...merged,
      distinct: merged.distinct.map((d) => {
        const path = join(runDir, 'counterexamples', counterexampleName(d.counterexample, d.first));
        return { ...d, file: displayPath(path) };
      }),
    };
    makeDirs(runDir);
    writeSoak(runDir, withFiles);
    const reportPath = displayPath(join(runDir, 'soak.json'));
    io.stdout(
      `soak: ${parts.length} report${parts.length > 1 ? 's' : ''} merged\n${renderSoakText(withFiles, reportPath)}`,
    );
    return withFiles.verdict === 'could-not-check'
      ? ExitCode.CouldNotCheck
      : withFiles.verdict === 'failures'
        ? ExitCode.Violation
        : ExitCode.Ok;
  } catch (e) {
    if (!(e instanceof SoakMergeError)) throw e;
    io.stderr(`dsconform: merge: ${e.message}\n`);
    return ExitCode.CouldNotCheck;
  }
}

export const registerSoak: RegisterCommand = (program: Command, context: CliContext) => {
  caseOptions(program.command('soak'), {
    stepTimeout: 'how long a --controller may take to answer one message',
    reportDir: 'where soak/<run id>/soak.json and its counterexamples are written',
  })
    .description(
      'run many cases of many seeds on every profile (the reference by default) on worker threads, without stopping at a failure; shrink and save every failing case and report the failure (false-alarm) rate',
    )
    .option(
      '--runs <n>',
      'cases per profile and seed (default 2000; without it, --duration alone bounds the soak)',
      positiveInt('--runs'),
    )
    .option(
      '--duration <time>',
      'stop starting cases after this long, e.g. 90s, 30m, 2h (the report says what ran)',
      durationValue,
    )
    .option('--seeds <k>', 'how many seeds: --seed-start, --seed-start + 1, ... (default 1)', positiveInt('--seeds'))
    .option('--seed-start <n>', 'the first seed (default 1)', intValue('--seed-start'))
    .option('--seed <n>', 'one seed only (instead of --seeds / --seed-start)', intValue('--seed'))
    .addOption(
      new Option('--profile <name...>', 'profiles to soak (default: every profile)').choices(PROFILE_NAMES as string[]),
    )
    .option('--workers <n>', 'worker threads (default: the cores this machine has)', positiveInt('--workers'))
    .option(
      '--shard <i/n>',
      'run only the cases i-1 mod n of every profile and seed (merge the parts with dsconform merge)',
      shardValue,
    )
    .option(
      '--resume',
      'go on from the report an earlier run of the same soak left (stopped by --duration, a signal, or killed)',
    )
    .option('--max-failures <n>', 'stop starting cases once this many have failed', positiveInt('--max-failures'))
    .option(
      '--progress-every <s>',
      'seconds between progress lines on stderr (0: none)',
      intValue('--progress-every'),
      10,
    )
    .option('--controller <command>', 'an implementation speaking the controller protocol (one process per worker)')
    .option('--mutant <name>', 'a deliberately faulty reference controller (see dsconform check --help)')
    .action(
      async (raw: {
        runs?: number;
        duration?: number;
        seeds?: number;
        seedStart?: number;
        seed?: number;
        profile?: string[];
        workers?: number;
        shard?: { index: number; count: number };
        resume?: boolean;
        maxFailures?: number;
        progressEvery: number;
        controller?: string;
        mutant?: string;
        stepTimeout: number;
        reportDir: string;
        nodes: number;
        maxEvents: number;
      }) => {
        const fail = (message: string) => {
          context.io.stderr(`dsconform: ${message}\n`);
          context.exit(ExitCode.CouldNotCheck);
        };
        if (raw.seed !== undefined && (raw.seeds !== undefined || raw.seedStart !== undefined))
          return fail('--seed is one seed; --seeds and --seed-start choose several: give one or the other');
        if (raw.controller !== undefined && raw.mutant !== undefined)
          return fail('--mutant applies to the reference implementation, not to --controller');
        const start = raw.seed ?? raw.seedStart ?? 1;
        const count = raw.seed !== undefined ? 1 : (raw.seeds ?? 1);
        if (start + count - 1 > 0x7fffffff) return fail('--seed-start + --seeds goes past the largest seed (2^31 - 1)');
        const profiles = PROFILE_NAMES.filter((p) => (raw.profile ?? PROFILE_NAMES).includes(p));
        const options: SoakCliOptions = {
          profiles,
          seeds: Array.from({ length: count }, (_, i) => start + i),
          ...(raw.runs !== undefined ? { runs: raw.runs } : raw.duration === undefined ? { runs: 2000 } : {}),
          ...(raw.duration !== undefined ? { durationMs: raw.duration } : {}),
          ...(raw.shard ? { shard: raw.shard } : {}),
          workers: raw.workers ?? Math.max(1, availableParallelism()),
          reportDir: raw.reportDir,
          nodes: raw.nodes,
          maxEvents: raw.maxEvents,
          stepTimeout: raw.stepTimeout,
          ...(raw.maxFailures !== undefined ? { maxFailures: raw.maxFailures } : {}),
          progressEverySeconds: Math.max(0, raw.progressEvery),
          resume: raw.resume === true,
          ...(raw.controller !== undefined ? { controller: raw.controller } : {}),
          ...(raw.mutant !== undefined ? { mutant: raw.mutant } : {}),
        };
        context.exit(await runSoakCommand(options, context));
      },
    );
};
