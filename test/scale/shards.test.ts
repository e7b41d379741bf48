/**
 * Scale-out keeps the result: a campaign split with --shard i/n and merged with `dsconform merge`,
 * or run with --workers N, reports what the single-process run with the same seed reports — the
 * same verdicts, the same total of runs, the same counterexample (the lowest failing case).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../../src/report/conformanceReport.js';
import { runMain } from '../support/inProcessCli.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function dsconform(...args: string[]): Promise<Run> {
  return runMain(args);
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'dsconform-scale-'));
}

/** The one conformance report.json under a --report-dir. */
function reportIn(reportDir: string): ConformanceReport {
  const runs = readdirSync(join(reportDir, 'conformance'));
  expect(runs).toHaveLength(1);
  return JSON.parse(readFileSync(join(reportDir, 'conformance', runs[0] as string, 'report.json'), 'utf8'));
}

/** What must be equal: everything but the wall-clock duration and where the files were written. */
function comparable(report: ConformanceReport): unknown {
  const { replay: _replay, ...rest } = report;
  return {
    ...rest,
    profiles: report.profiles.map(({ durationMs: _d, counterexampleFile: _f, ...p }) => p),
  };
}

async function unsharded(args: string[]): Promise<{ run: Run; report: ConformanceReport }> {
  const dir = scratch();
  const run = await dsconform('check', ...args, '--report-dir', dir);
  return { run, report: reportIn(dir) };
}

async function shardedAndMerged(args: string[], count: number): Promise<{ run: Run; report: ConformanceReport }> {
  const dirs: string[] = [];
  for (let index = 1; index <= count; index++) {
    const dir = scratch();
    const shard = await dsconform('check', ...args, '--shard', `${index}/${count}`, '--report-dir', dir);
    expect(shard.code, shard.stderr).toBeLessThan(2);
    expect(reportIn(dir).shard).toEqual({ index, count });
    dirs.push(dir);
  }
  const out = scratch();
  const run = await dsconform('merge', ...dirs, '--report-dir', out);
  return { run, report: reportIn(out) };
}

// The reference on a profile it passes with this seed, and a mutant whose first failure is a few
// dozen cases in (case 28 when this was written), so that other shards run on past it: those
// extra cases must not count.
const CONFORMING = ['--profile', 'taints', '--seed', '2', '--runs', '24'];
const FAILING = ['--mutant', 'keeps-failed-pods', '--profile', 'core', '--seed', '4', '--runs', '60'];

describe('--shard i/n merged by dsconform merge', () => {
  for (const [name, args] of [
    ['a conforming campaign', CONFORMING],
    ['a mutant campaign', FAILING],
  ] as const) {
    it(`gives the unsharded verdicts and total runs: ${name}`, async () => {
      const single = await unsharded([...args]);
      const merged = await shardedAndMerged([...args], 2);
      expect(merged.run.code, merged.run.stderr).toBe(single.run.code);
      expect(merged.report.verdict).toBe(single.report.verdict);
      expect(merged.report.profiles.map((p) => p.runs)).toEqual(single.report.profiles.map((p) => p.runs));
      expect(merged.report.profiles[0]?.invariants).toEqual(single.report.profiles[0]?.invariants);
      // And everything else too: counts, counterexample, per-case log.
      expect(comparable(merged.report)).toEqual(comparable(single.report));
    });
  }

  it('finds the same lowest failing case with three shards', async () => {
    const single = await unsharded([...FAILING]);
    const merged = await shardedAndMerged([...FAILING], 3);
    expect(single.report.profiles[0]?.counterexample?.caseIndex).toBeDefined();
    expect(merged.report.profiles[0]?.counterexample?.caseIndex).toBe(
      single.report.profiles[0]?.counterexample?.caseIndex,
    );
    expect(comparable(merged.report)).toEqual(comparable(single.report));
  });

  it('refuses to merge an incomplete set of shards', async () => {
    const dir = scratch();
    await dsconform('check', ...CONFORMING, '--shard', '1/3', '--report-dir', dir);
    const merged = await dsconform('merge', dir, '--report-dir', scratch());
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/^dsconform: merge: shards 2\/3, 3\/3 of reference-taints-seed2 missing/);
  });

  it('rejects a malformed --shard', async () => {
    const run = await dsconform('check', ...CONFORMING, '--shard', '3/2', '--report-dir', scratch());
    expect(run.code).toBe(2);
  });
});

describe('--workers N', () => {
  for (const [name, args] of [
    ['a conforming campaign', CONFORMING],
    ['a mutant campaign', FAILING],
  ] as const) {
    it(`--workers 2 reports what --workers 1 does: ${name}`, async () => {
      const one = await unsharded([...args, '--workers', '1']);
      const two = await unsharded([...args, '--workers', '2']);
      expect(two.run.code, two.run.stderr).toBe(one.run.code);
      expect(comparable(two.report)).toEqual(comparable(one.report));
    });
  }

  it('combines with --shard', async () => {
    const single = await unsharded([...FAILING, '--shard', '2/2']);
    const workers = await unsharded([...FAILING, '--shard', '2/2', '--workers', '2']);
    expect(comparable(workers.report)).toEqual(comparable(single.report));
  });
});
