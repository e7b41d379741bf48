/**
 * A non-deterministic implementation is a finding, not a crash: when a failing case passes when
 * it is run again with the same events, `check` (one process or --workers), `matrix` and `merge`
 * report the failure as observed, with its trace, under the verdict "non-deterministic", exit 1.
 *
 * The implementation is the `flaky-duplicate-pods` mutant (src/harness/mutants.ts): it creates
 * one pod twice, once in its lifetime, from its third controller instance on (in-process, the
 * third case; as a `reference-controller` process, the second), so the failing case always passes
 * when it runs again. Without the handling these runs end in "internal error ... failed once but
 * not when regenerated", exit 2.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MatrixReport } from '../src/cli/matrix.js';
import { campaignArbitrary, generateCase, shrinkCase } from '../src/harness/campaign.js';
import type { CounterexampleFile } from '../src/harness/counterexample.js';
import { referenceImplementation } from '../src/harness/implementation.js';
import type { CaseFailure, CaseResult } from '../src/harness/runner.js';
import type { ConformanceReport } from '../src/report/conformanceReport.js';
import { runMain } from './support/inProcessCli.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  dir: string;
}

async function dsconform(...args: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-flaky-'));
  return { ...(await runMain([...args, '--report-dir', dir])), dir };
}

const FLAKY = ['--profile', 'core', '--seed', '1', '--runs', '20'];
const FLAKY_PROCESS = 'node bin/dsconform.mjs reference-controller --mutant flaky-duplicate-pods';

function conformanceReport(dir: string): { report: ConformanceReport; runDir: string } {
  const runs = readdirSync(join(dir, 'conformance'));
  expect(runs).toHaveLength(1);
  const runDir = join(dir, 'conformance', runs[0] as string);
  return { report: JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')), runDir };
}

/** Everything a non-deterministic verdict must leave behind: stdout, report.json, junit, html, the file. */
function expectNonDeterministic(run: Run): void {
  expect(run.stderr).not.toMatch(/internal error|regenerated|\n\s+at /);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stdout).toMatch(/Verdict: NON-DETERMINISTIC implementation: DS-SAFE-0\d failed in run \d+ of 20/);
  expect(run.stdout).toContain('Observed failing run (');
  const { report, runDir } = conformanceReport(run.dir);
  expect(report.verdict).toBe('non-deterministic');
  const profile = report.profiles[0];
  expect(profile?.verdict).toBe('non-deterministic');
  expect(profile?.counterexample?.nonDeterministic).toBe(true);
  expect(profile?.counterexample?.trace.length).toBeGreaterThan(0);
  expect(profile?.invariants.filter((i) => i.verdict === 'fail').map((i) => i.id)).toEqual([
    profile?.counterexample?.invariant,
  ]);
  const file = profile?.counterexampleFile as string;
  expect(existsSync(file)).toBe(true);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as CounterexampleFile;
  expect(saved.nonDeterministic).toBe(true);
  // The trace runs up to the event after which the violation showed (or, found while settling,
  // through every event and the settle); the events are the whole case.
  if (saved.step >= 0) {
    expect(saved.trace).toHaveLength(saved.step + 1);
    expect(saved.events.length).toBeGreaterThan(saved.step);
  } else {
    expect(saved.step).toBe(-1);
    expect(saved.trace.length).toBeGreaterThanOrEqual(saved.events.length);
  }
  expect(readFileSync(join(runDir, 'junit.xml'), 'utf8')).toMatch(
    /<failure message="non-deterministic implementation: DS-SAFE-0\d: [^"]*" type="non-deterministic">/,
  );
  expect(readFileSync(join(runDir, 'index.html'), 'utf8')).toContain(
    '<h2 id="non-deterministic">Non-deterministic implementation</h2>',
  );
}

describe('a non-deterministic implementation', () => {
  it('check: the reference still conforms on the same cases', async () => {
    const run = await dsconform('check', ...FLAKY);
    expect(run.code, run.stderr).toBe(0);
  });

  it('check --mutant (in-process): verdict non-deterministic, exit 1, the observed trace saved', async () => {
    expectNonDeterministic(await dsconform('check', '--mutant', 'flaky-duplicate-pods', ...FLAKY));
  });

  it('replay of the observed run: a pass is not called a fix', async () => {
    const run = await dsconform('check', '--mutant', 'flaky-duplicate-pods', ...FLAKY);
    const file = conformanceReport(run.dir).report.profiles[0]?.counterexampleFile as string;
    const { code, stdout } = await runMain(['replay', file]);
    expect(code).toBe(0);
    expect(stdout).toContain('Result: passes now');
    expect(stdout).toContain('recorded from a non-deterministic implementation');
  });

  it('check --workers 2: the case failed in a worker and passes on the main thread', async () => {
    expectNonDeterministic(await dsconform('check', '--mutant', 'flaky-duplicate-pods', ...FLAKY, '--workers', '2'));
  });

  it('check --controller (a process that misbehaves once in its lifetime)', async () => {
    expectNonDeterministic(await dsconform('check', '--controller', FLAKY_PROCESS, ...FLAKY));
  });

  it('check --workers 2 --controller', async () => {
    expectNonDeterministic(await dsconform('check', '--controller', FLAKY_PROCESS, ...FLAKY, '--workers', '2'));
  });

  it('matrix: the column is non-deterministic, its cell FLAKY, exit 1', async () => {
    const run = await dsconform('matrix', '--controller', FLAKY_PROCESS, ...FLAKY);
    expect(run.stderr).not.toMatch(/internal error|regenerated/);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/B: NON-DETERMINISTIC: DS-SAFE-0\d failed in run \d+/);
    const report = JSON.parse(
      readFileSync(join(run.dir, 'matrix', 'core-seed1', 'matrix.json'), 'utf8'),
    ) as MatrixReport;
    expect(report.verdict).toBe('non-deterministic');
    expect(report.columns.map((c) => c.verdict)).toEqual(['conforms', 'non-deterministic']);
    const column = report.columns[1];
    expect(column?.cells[column.violation?.invariant as string]?.cell).toBe('FLAKY');
    expect(existsSync(column?.violation?.file as string)).toBe(true);
  });

  it('merge: shards that found it merge into a non-deterministic verdict, exit 1', async () => {
    const args = ['--mutant', 'flaky-duplicate-pods', '--profile', 'core', '--seed', '1', '--runs', '40'];
    const one = await dsconform('check', ...args, '--shard', '1/2');
    const two = await dsconform('check', ...args, '--shard', '2/2');
    expect([one.code, two.code]).toEqual([1, 1]);
    const merged = await dsconform('merge', one.dir, two.dir);
    expect(merged.code, merged.stderr).toBe(1);
    const { report } = conformanceReport(merged.dir);
    expect(report.verdict).toBe('non-deterministic');
    expect(report.profiles[0]?.counterexample?.nonDeterministic).toBe(true);
  });
});

describe('shrinkCase with an observed failure', () => {
  const arbitrary = campaignArbitrary(referenceImplementation(), { profile: 'core', runs: 1, seed: 0 });
  const seed = 11;
  const events = generateCase(arbitrary, seed, 0);
  const failure = { invariant: 'DS-SAFE-01', message: 'seen once', step: 0, trace: [] } as unknown as CaseFailure;
  /** An implementation that fails its first `failing` runs, then passes (or always fails: Infinity). */
  const flaky = (failing: number) => {
    let calls = 0;
    return async (): Promise<CaseResult> => {
      calls++;
      return calls <= failing ? { failure, checks: 1, events: 1 } : { checks: 1, events: 1 };
    };
  };

  it('a case that passes when regenerated: the observed failure, flagged non-deterministic', async () => {
    const cx = await shrinkCase(arbitrary, flaky(0), seed, 0, undefined, { events, failure });
    expect(cx.nonDeterministic).toBe(true);
    expect(cx.events).toEqual(events);
    expect(cx.failure.message).toBe('seen once');
    expect(cx.shrinks).toBe(0);
  });

  it('a shrunk case that passes when replayed on its own: non-deterministic too', async () => {
    // Fails when regenerated (and on the first shrink attempts), passes from then on.
    const cx = await shrinkCase(arbitrary, flaky(3), seed, 0, undefined, { events, failure });
    expect(cx.nonDeterministic).toBe(true);
    expect(cx.events).toEqual(events);
  });

  it('a shrink path (--path) whose case passes: the case is shrunk afresh, not an internal error', async () => {
    // Deterministic: exactly the generated case fails; the path "5:3:1" leads fast-check to no failing case (a path from another run).
    const onlyTheCase = async (tried: readonly unknown[]): Promise<CaseResult> =>
      JSON.stringify(tried) === JSON.stringify(events) ? { failure, checks: 1, events: 1 } : { checks: 1, events: 1 };
    const cx = await shrinkCase(arbitrary, onlyTheCase, seed, 0, '5:3:1', { events, failure });
    expect(cx.nonDeterministic).toBeUndefined();
    expect(cx.events).toEqual(events);
    expect(cx.failure.message).toBe('seen once');
  });

  it('a deterministic failure is shrunk as before, not flagged', async () => {
    const cx = await shrinkCase(arbitrary, flaky(Number.POSITIVE_INFINITY), seed, 0, undefined, { events, failure });
    expect(cx.nonDeterministic).toBeUndefined();
    expect(cx.events.length).toBeLessThanOrEqual(events.length);
  });
});
