/**
 * Merging the reports of a campaign's shards (`dsconform check --shard i/n` on n machines) into
 * the report a single run with the same seed would have written: the same verdicts, the same
 * totals, the same counterexample. A single run stops at its first failing case, so the merged
 * campaign stops at the lowest case any shard stopped at: cases below it count (every shard ran
 * all of its own up to where it stopped), cases above it do not, whichever shard ran them.
 */

import { isDeepStrictEqual } from 'node:util';
import type { CounterexampleFile } from '../harness/counterexample.js';
import { isCaseCount } from '../harness/ruleCoverage.js';
import { type CaseCounts, CaseLogBuilder, caseCounts } from './caseLog.js';
import {
  type CampaignOutcome,
  type ConformanceReport,
  overallVerdict,
  type ProfileReport,
  profileReport,
} from './conformanceReport.js';

/** The shards cannot be merged (missing, duplicated, from different campaigns, or too old). */
export class MergeError extends Error {
  override name = 'MergeError';
}

export interface ShardReport {
  report: ConformanceReport;
  /** Where it was read from, for error messages. */
  source: string;
}

/** Writes the merged counterexample somewhere and returns the path the report should name. */
export type SaveCounterexample = (file: CounterexampleFile) => string;

interface Stop {
  index: number;
  /** Whether the stopping case itself counts as run (a failure does; a breakdown does not). */
  counted: boolean;
  profile: ProfileReport;
}

function describeShard(s: ShardReport): string {
  const shard = s.report.shard;
  return shard ? `shard ${shard.index}/${shard.count} (${s.source})` : s.source;
}

/** Checks that the shards are exactly 1..n of one campaign; returns them in shard order. */
function checkShards(shards: readonly ShardReport[]): ShardReport[] {
  const first = shards[0];
  if (first === undefined) throw new MergeError('no reports to merge');
  for (const s of shards) {
    const r = s.report;
    const same =
      r.schema === first.report.schema &&
      r.runId === first.report.runId &&
      r.seed === first.report.seed &&
      r.runsRequested === first.report.runsRequested &&
      isDeepStrictEqual(r.implementation, first.report.implementation);
    if (!same) {
      throw new MergeError(
        `${s.source} is not a shard of the same campaign as ${first.source} (run ids ${r.runId} and ${first.report.runId}; implementation, seed and runs must match)`,
      );
    }
  }
  const count = first.report.shard?.count ?? 1;
  const byIndex = new Map<number, ShardReport>();
  for (const s of shards) {
    const shard = s.report.shard ?? { index: 1, count: 1 };
    if (shard.count !== count) {
      throw new MergeError(
        `${describeShard(s)} splits the campaign in ${shard.count}, ${describeShard(first)} in ${count}`,
      );
    }
    const twin = byIndex.get(shard.index);
    if (twin !== undefined) throw new MergeError(`${describeShard(s)} and ${twin.source} are the same shard`);
    byIndex.set(shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new MergeError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} of ${first.report.runId} missing: a merged report needs every shard`,
    );
  }
  return Array.from({ length: count }, (_, i) => byIndex.get(i + 1) as ShardReport);
}

/** Where one shard's profile stopped early, if it did. */
function stopOf(profile: ProfileReport, shardIndex: number): Stop | undefined {
  if (profile.verdict === 'violation' || profile.verdict === 'non-deterministic') {
    const index = profile.counterexample?.caseIndex ?? profile.stoppedAt;
    if (index === undefined) throw new MergeError(`profile ${profile.profile}: a violation without its case index`);
    return { index, counted: true, profile };
  }
  if (profile.verdict !== 'could-not-check') return undefined;
  // Broke down on a case (not counted), or while shrinking a failure it had counted; or never
  // started at all: then nothing of this shard ran, from its first case on.
  const index = profile.stoppedAt ?? shardIndex - 1;
  const last = profile.caseIndexes?.last ?? index - 1;
  return { index, counted: index <= last, profile };
}

/** The cases a shard's profile ran, with their counts, by case index. */
function casesOf(profile: ProfileReport, source: string): Map<number, Required<CaseCounts>> {
  const cases = new Map<number, Required<CaseCounts>>();
  const log = profile.caseLog;
  const range = profile.caseIndexes;
  if (log === undefined || (range === undefined && log.cases.length > 0)) {
    throw new MergeError(
      `${source}: profile ${profile.profile} has no per-case counts (written by an older dsconform?): it cannot be merged exactly`,
    );
  }
  log.cases.forEach((_, position) => {
    cases.set((range?.first ?? 0) + position * (range?.stride ?? 1), caseCounts(log, position));
  });
  return cases;
}

function mergeProfile(
  name: string,
  shards: readonly ShardReport[],
  runsRequested: number,
  save: SaveCounterexample,
): ProfileReport {
  const parts = shards.map((s) => {
    const profile = s.report.profiles.find((p) => p.profile === name);
    if (profile === undefined) throw new MergeError(`${describeShard(s)} has no profile ${name}`);
    return { shard: s, profile };
  });
  const head = parts[0]?.profile as ProfileReport;
  for (const { shard, profile } of parts) {
    if (!isDeepStrictEqual(profile.scope, head.scope)) {
      throw new MergeError(`${describeShard(shard)} generated cases of another scope (--nodes, --max-events)`);
    }
  }
  const durationMs = Math.max(...parts.map((p) => p.profile.durationMs));
  if (parts.every((p) => p.profile.verdict === 'skipped')) return { ...head, durationMs };

  let stop: Stop | undefined;
  const cases = new Map<number, Required<CaseCounts>>();
  for (const { shard, profile } of parts) {
    const own = stopOf(profile, shard.report.shard?.index ?? 1);
    if (own !== undefined && (stop === undefined || own.index < stop.index)) stop = own;
    for (const [index, counts] of casesOf(profile, shard.source)) cases.set(index, counts);
  }
  // The single run: every case up to the stop (or to the end), in order, none missing.
  const end = stop === undefined ? runsRequested - 1 : stop.counted ? stop.index : stop.index - 1;
  const log = new CaseLogBuilder();
  const checksById: Record<string, number> = {};
  let checks = 0;
  let events = 0;
  for (let index = 0; index <= end; index++) {
    const counts = cases.get(index);
    if (counts === undefined) throw new MergeError(`case ${index} of profile ${name} was run by no shard`);
    log.add(counts);
    events += counts.events;
    for (const [id, n] of Object.entries(counts.checksById)) {
      checksById[id] = (checksById[id] ?? 0) + n;
      // Rule coverage rides along as `rule:<ID>` counts; it is not an invariant check.
      if (!isCaseCount(id)) checks += n;
    }
  }
  const outcome: CampaignOutcome = {
    profile: head.profile as CampaignOutcome['profile'],
    runs: end + 1,
    checks,
    events,
    checksById,
    caseIndexes: { first: 0, last: end, stride: 1 },
    ...(head.scope ? { scope: head.scope } : {}),
    ...(stop !== undefined ? { stoppedAt: stop.index } : {}),
  };
  const from = stop?.profile;
  if ((from?.verdict === 'violation' || from?.verdict === 'non-deterministic') && from.counterexample) {
    const file = from.counterexample;
    const merged = profileReport(
      {
        ...outcome,
        counterexample: {
          failure: { invariant: file.invariant },
          ...(file.nonDeterministic ? { nonDeterministic: true as const } : {}),
        },
      },
      durationMs,
      { file, path: save(file) },
      log.build(),
    );
    return merged;
  }
  if (from?.verdict === 'could-not-check') {
    const merged = profileReport(
      { ...outcome, adapterError: { message: from.error ?? 'could not check' } },
      durationMs,
      undefined,
      log.build(),
    );
    return merged;
  }
  return profileReport(outcome, durationMs, undefined, log.build());
}

/** The report one unsharded run would have written, from the reports of all of its shards. */
export function mergeReports(shards: readonly ShardReport[], save: SaveCounterexample): ConformanceReport {
  const ordered = checkShards(shards);
  const first = (ordered[0] as ShardReport).report;
  const profiles = first.profiles.map((p) => mergeProfile(p.profile, ordered, first.runsRequested, save));
  const withCounterexample = profiles.find((p) => p.counterexampleFile !== undefined);
  return {
    schema: first.schema,
    runId: first.runId,
    implementation: first.implementation,
    seed: first.seed,
    runsRequested: first.runsRequested,
    verdict: overallVerdict(profiles),
    profiles,
    ...(withCounterexample ? { replay: `npx dsconform replay ${withCounterexample.counterexampleFile}` } : {}),
  };
}
