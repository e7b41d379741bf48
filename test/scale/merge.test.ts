/**
 * mergeReports on hand-made shard reports: where the merged campaign stops (a failure counts its
 * case, a breakdown does not), what it drops (cases past the stop), and which sets of reports it
 * refuses to merge.
 */
import { describe, expect, it } from 'vitest';
import type { CounterexampleFile } from '../../src/harness/counterexample.js';
import { CaseLogBuilder } from '../../src/report/caseLog.js';
import {
  type CampaignOutcome,
  type ConformanceReport,
  overallVerdict,
  profileReport,
  REPORT_SCHEMA,
} from '../../src/report/conformanceReport.js';
import { MergeError, mergeReports, type ShardReport } from '../../src/report/merge.js';

const RUNS = 6;

/** Case i has i + 1 events and checks DS-SAFE-01 i + 1 times (so totals tell which cases counted). */
const countsOf = (index: number) => ({ events: index + 1, checks: index + 1, checksById: { 'DS-SAFE-01': index + 1 } });

interface ShardSpec {
  index: number;
  count: number;
  /** The case this shard stopped at, and how. */
  stop?: { at: number; how: 'violation' | 'breakdown' };
  seed?: number;
}

function shard(spec: ShardSpec): ShardReport {
  const log = new CaseLogBuilder();
  const checksById: Record<string, number> = {};
  let runs = 0;
  let checks = 0;
  let events = 0;
  let last = spec.index - 1 - spec.count;
  for (let i = spec.index - 1; i < RUNS; i += spec.count) {
    if (spec.stop && (i > spec.stop.at || (i === spec.stop.at && spec.stop.how === 'breakdown'))) break;
    const c = countsOf(i);
    log.add(c);
    runs++;
    checks += c.checks;
    events += c.events;
    checksById['DS-SAFE-01'] = (checksById['DS-SAFE-01'] ?? 0) + c.checks;
    last = i;
  }
  const outcome: CampaignOutcome = {
    profile: 'core',
    runs,
    checks,
    events,
    checksById,
    scope: { nodes: 3, maxEvents: 30 },
    caseIndexes: { first: spec.index - 1, last, stride: spec.count },
    ...(spec.stop ? { stoppedAt: spec.stop.at } : {}),
    ...(spec.stop?.how === 'violation' ? { counterexample: { failure: { invariant: 'DS-SAFE-01' } } } : {}),
    ...(spec.stop?.how === 'breakdown' ? { adapterError: { message: 'the controller exited' } } : {}),
  };
  const cx =
    spec.stop?.how === 'violation'
      ? { file: { invariant: 'DS-SAFE-01', caseIndex: spec.stop.at } as CounterexampleFile, path: 'shard/cx.json' }
      : undefined;
  const profile = profileReport(outcome, 10 * spec.index, cx, log.build());
  const report: ConformanceReport = {
    schema: REPORT_SCHEMA,
    runId: 'reference-core-seed1',
    implementation: { name: 'reference', kind: 'reference' },
    seed: spec.seed ?? 1,
    runsRequested: RUNS,
    verdict: overallVerdict([profile]),
    profiles: [profile],
    shard: { index: spec.index, count: spec.count },
  };
  return { report, source: `shard-${spec.index}` };
}

const saved: CounterexampleFile[] = [];
const save = (file: CounterexampleFile) => {
  saved.push(file);
  return 'merged/cx.json';
};

describe('mergeReports', () => {
  it('adds up shards that ran to the end', () => {
    const merged = mergeReports([shard({ index: 2, count: 2 }), shard({ index: 1, count: 2 })], save);
    const p = merged.profiles[0];
    expect(merged.verdict).toBe('conforms');
    expect(merged.shard).toBeUndefined();
    expect(p?.runs).toBe(RUNS);
    expect(p?.events).toBe(21); // 1 + 2 + ... + 6
    expect(p?.caseIndexes).toEqual({ first: 0, last: 5, stride: 1 });
    expect(p?.durationMs).toBe(20); // the longest shard
  });

  it('stops at the lowest failing case and drops what other shards ran past it', () => {
    // Shard 1 fails at case 2; shard 2 ran 1, 3 and 5: cases 3 and 5 must not count.
    const merged = mergeReports(
      [shard({ index: 1, count: 2, stop: { at: 2, how: 'violation' } }), shard({ index: 2, count: 2 })],
      save,
    );
    const p = merged.profiles[0];
    expect(merged.verdict).toBe('violation');
    expect(p?.runs).toBe(3);
    expect(p?.checks).toBe(6); // cases 0, 1, 2
    expect(p?.stoppedAt).toBe(2);
    expect(p?.counterexample?.caseIndex).toBe(2);
    expect(p?.counterexampleFile).toBe('merged/cx.json');
    expect(merged.replay).toBe('npx dsconform replay merged/cx.json');
    expect(p?.invariants.find((i) => i.id === 'DS-SAFE-01')?.verdict).toBe('fail');
  });

  it('does not count the case an implementation broke down on, and reports could-not-check', () => {
    const merged = mergeReports(
      [
        shard({ index: 1, count: 2, stop: { at: 4, how: 'violation' } }),
        shard({ index: 2, count: 2, stop: { at: 3, how: 'breakdown' } }),
      ],
      save,
    );
    const p = merged.profiles[0];
    expect(merged.verdict).toBe('could-not-check');
    expect(p?.runs).toBe(3); // cases 0, 1, 2; case 3 broke down; shard 1's failure at 4 never reached
    expect(p?.error).toBe('the controller exited');
    expect(p?.counterexample).toBeUndefined();
  });

  it('refuses a missing shard, a shard twice, and shards of another campaign', () => {
    expect(() => mergeReports([shard({ index: 1, count: 3 }), shard({ index: 3, count: 3 })], save)).toThrow(
      /shard 2\/3 of reference-core-seed1 missing/,
    );
    expect(() => mergeReports([shard({ index: 1, count: 2 }), shard({ index: 1, count: 2 })], save)).toThrow(
      MergeError,
    );
    expect(() => mergeReports([shard({ index: 1, count: 2 }), shard({ index: 2, count: 2, seed: 2 })], save)).toThrow(
      /not a shard of the same campaign/,
    );
    expect(() => mergeReports([shard({ index: 1, count: 2 }), shard({ index: 2, count: 3 })], save)).toThrow(
      /splits the campaign in 3/,
    );
  });
});
