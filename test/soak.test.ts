/**
 * `dsconform soak`: many seeds on every profile, on worker threads, without stopping at the first
 * failure; every failing case shrunk and saved; the failure rate per profile and seed; the same
 * result however it is split (workers, shards merged, a resumed run).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CounterexampleFile } from '../src/harness/counterexample.js';
import type { SoakReport } from '../src/report/soakReport.js';
import { runMain } from './support/inProcessCli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  dir: string;
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'dsconform-soak-'));
}

async function dsconform(args: string[], dir = scratch()): Promise<Run> {
  return { ...(await runMain([...args, '--report-dir', dir])), dir };
}

function soakReport(dir: string): SoakReport {
  const runs = readdirSync(join(dir, 'soak'));
  expect(runs).toHaveLength(1);
  return JSON.parse(readFileSync(join(dir, 'soak', runs[0] as string, 'soak.json'), 'utf8'));
}

/** What two runs of the same soak must agree on: all but timing, workers, and where files went. */
function comparable(report: SoakReport): unknown {
  const {
    durationMs: _d,
    runsPerSecond: _r,
    workers: _w,
    runId: _id,
    mergedFrom: _m,
    shard: _s,
    distinct,
    ...rest
  } = report;
  return { ...rest, distinct: distinct.map(({ file: _f, ...d }) => d) };
}

// A mutant that fails in about half of the core cases: a soak must go on past every failure.
const FAILING = ['soak', '--mutant', 'duplicate-pods', '--profile', 'core', '--seed', '3', '--runs', '16'];

describe('dsconform soak', () => {
  it('runs every profile and seed asked for and reports the rate per profile and seed (reference: exit 0)', async () => {
    const run = await dsconform([
      'soak',
      '--profile',
      'core',
      'deletion',
      '--seeds',
      '2',
      '--seed-start',
      '5',
      '--runs',
      '8',
      '--workers',
      '2',
      '--progress-every',
      '0',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = soakReport(run.dir);
    expect(report.verdict).toBe('no-failures');
    expect(report.complete).toBe(true);
    expect(report.totals).toMatchObject({ runs: 32, failures: 0, rate: 0 });
    expect(report.byProfile).toEqual([
      { profile: 'core', runs: 16, failures: 0, rate: 0 },
      { profile: 'deletion', runs: 16, failures: 0, rate: 0 },
    ]);
    expect(report.bySeed.map((s) => [s.seed, s.runs])).toEqual([
      [5, 16],
      [6, 16],
    ]);
    expect(report.streams.map((s) => [s.profile, s.seed, s.first, s.last, s.runs])).toEqual([
      ['core', 5, 0, 7, 8],
      ['core', 6, 0, 7, 8],
      ['deletion', 5, 0, 7, 8],
      ['deletion', 6, 0, 7, 8],
    ]);
    expect(run.stdout).toMatch(/Verdict: no false alarms in 32 runs/);
  });

  it('does not stop at a failure: every failing case is shrunk, saved once per distinct counterexample, exit 1', async () => {
    const run = await dsconform([...FAILING, '--workers', '2', '--progress-every', '0']);
    expect(run.code, run.stderr).toBe(1);
    const report = soakReport(run.dir);
    expect(report.verdict).toBe('failures');
    expect(report.totals.runs).toBe(16);
    const failures = report.streams.flatMap((s) => s.failures);
    expect(failures.length).toBeGreaterThan(1);
    expect(report.totals.failures).toBe(failures.length);
    expect(report.totals.rate).toBeCloseTo(failures.length / 16);
    expect(report.distinct.length).toBeGreaterThan(0);
    expect(report.distinct.reduce((n, d) => n + d.cases, 0)).toBe(failures.length);
    for (const d of report.distinct) {
      expect(existsSync(d.file)).toBe(true);
      const file = JSON.parse(readFileSync(d.file, 'utf8')) as CounterexampleFile;
      expect(file.invariant).toBe(d.invariant);
      expect(file.caseIndex).toBe(d.first.index);
      expect(file.implementation.mutant).toBe('duplicate-pods');
    }
    // Each failing case is a campaign case: `check --case` finds it too.
    const first = failures[0];
    const check = await dsconform([
      'check',
      '--mutant',
      'duplicate-pods',
      '--profile',
      'core',
      '--seed',
      '3',
      '--case',
      String(first?.index),
    ]);
    expect(check.code).toBe(1);
    expect(run.stdout).toMatch(/Verdict: \d+ failures in 16 runs \(\d+ distinct\)/);
  });

  it('gives the same report with one worker or two', async () => {
    const one = await dsconform([...FAILING, '--workers', '1', '--progress-every', '0']);
    const two = await dsconform([...FAILING, '--workers', '2', '--progress-every', '0']);
    expect(comparable(soakReport(two.dir))).toEqual(comparable(soakReport(one.dir)));
  });

  it('shards merged with dsconform merge give the unsharded report', async () => {
    const whole = await dsconform([...FAILING, '--workers', '2', '--progress-every', '0']);
    const a = await dsconform([...FAILING, '--shard', '1/2', '--workers', '1', '--progress-every', '0']);
    const b = await dsconform([...FAILING, '--shard', '2/2', '--workers', '1', '--progress-every', '0']);
    expect(soakReport(a.dir).totals.runs).toBe(8);
    const merged = await dsconform(['merge', a.dir, b.dir]);
    expect(merged.code, merged.stderr).toBe(1);
    const report = soakReport(merged.dir);
    expect(report.mergedFrom).toHaveLength(2);
    const wholeReport = soakReport(whole.dir);
    expect(report.totals).toEqual(wholeReport.totals);
    expect(report.byProfile).toEqual(wholeReport.byProfile);
    expect(report.bySeed).toEqual(wholeReport.bySeed);
    expect(report.checksById).toEqual(wholeReport.checksById);
    const { streams: _s, ...mergedRest } = comparable(report) as SoakReport;
    const { streams: _w, ...wholeRest } = comparable(wholeReport) as SoakReport;
    expect(mergedRest).toEqual(wholeRest);
    for (const d of report.distinct) expect(existsSync(d.file)).toBe(true);
    // The same part twice would count its cases twice.
    const twice = await dsconform(['merge', a.dir, a.dir]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^dsconform: merge: .* both ran cases of core, seed 3/);
  });

  it('--resume goes on after a soak that stopped early, to the report of one that did not stop', async () => {
    const whole = await dsconform([...FAILING, '--workers', '2', '--progress-every', '0']);
    const dir = scratch();
    const stopped = await dsconform(
      [...FAILING, '--workers', '1', '--max-failures', '1', '--progress-every', '0'],
      dir,
    );
    expect(stopped.code).toBe(1);
    const partial = soakReport(dir);
    expect(partial.complete).toBe(false);
    expect(partial.stoppedBecause).toBe('max-failures');
    expect(partial.totals.runs).toBeLessThan(16);
    // Without --resume, an unfinished soak is not thrown away.
    const again = await dsconform([...FAILING, '--workers', '1', '--progress-every', '0'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/holds an unfinished soak of \d+ runs: add --resume/);
    const resumed = await dsconform([...FAILING, '--workers', '2', '--resume', '--progress-every', '0'], dir);
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(comparable(soakReport(dir))).toEqual(comparable(soakReport(whole.dir)));
  });

  it('SIGINT: exit 130, after writing the report of the cases done (complete: false, interrupted)', async () => {
    const dir = scratch();
    const args = ['soak', '--profile', 'core', '--seed', '9', '--runs', '400', '--workers', '1', '--report-dir', dir];
    const child = spawn(process.execPath, ['bin/dsconform.mjs', ...args, '--progress-every', '1'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Interrupt once some cases have run (the first progress line).
    await new Promise<void>((resolve) => {
      void closed.then(() => resolve());
      const poll = setInterval(() => {
        if (/dsconform soak: \d+\/400/.test(stderr)) {
          clearInterval(poll);
          resolve();
        }
      }, 100);
    });
    child.kill('SIGINT');
    const code = await closed;
    expect(code, stderr).toBe(130);
    const partial = soakReport(dir);
    expect(partial.complete).toBe(false);
    expect(partial.stoppedBecause).toBe('interrupted');
    expect(partial.totals.runs).toBeGreaterThan(0);
    expect(partial.totals.runs).toBeLessThan(400);
  });

  it('a non-deterministic implementation: its failing case is reported as such', async () => {
    const run = await dsconform([
      'soak',
      '--mutant',
      'flaky-duplicate-pods',
      '--profile',
      'core',
      '--seed',
      '1',
      '--runs',
      '12',
      '--workers',
      '1',
      '--progress-every',
      '0',
    ]);
    expect(run.code, run.stderr).toBe(1);
    const report = soakReport(run.dir);
    expect(report.totals).toMatchObject({ failures: 1, nonDeterministic: 1 });
    expect(report.distinct[0]?.nonDeterministic).toBe(true);
    expect(report.distinct[0]?.counterexample.nonDeterministic).toBe(true);
    expect(run.stdout).toContain('NON-DETERMINISTIC');
  });

  it('refuses conflicting or missing input with one line and exit 2', async () => {
    for (const args of [
      ['soak', '--seed', '1', '--seeds', '3'],
      ['soak', '--mutant', 'no-such-mutant'],
      ['soak', '--mutant', 'duplicate-pods', '--controller', 'true'],
      ['soak', '--duration', 'soon'],
      ['soak', '--runs', '5', '--resume'],
    ]) {
      const run = await dsconform(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^dsconform: /);
    }
    // A --report-dir that cannot be written: one line, before anything runs (and no endless mkdir under /proc).
    for (const dir of ['/dev/null/soak', '/proc/no-such-dir/soak']) {
      const run = await dsconform(['soak', '--runs', '1'], dir);
      expect(run.code, dir).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^dsconform: --report-dir: cannot write .*: (ENOTDIR|ENOENT)\n$/);
    }
  });
});
