/**
 * `dsconform diff`, the lock-step differential (src/harness/differential.ts, src/cli/diff.ts):
 * the reference against itself must agree (the normalisation makes no false divergences), a
 * mutant must be told apart with a short shrunk case that `replay` reproduces, the same seed must
 * print the same output byte for byte, and the reference against upstream 1.37 runs where Go is.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dsconform, lastLine } from './robustness/support.js';

let goMissing: string | undefined;
try {
  execFileSync('go', ['env', 'GOVERSION'], { stdio: 'ignore' });
} catch {
  goMissing = 'the Go toolchain (`go`) is not on PATH: the upstream adapter cannot be built';
  console.log(`test/diff.test.ts (upstream part) skipped: ${goMissing}`);
}

function savedFiles(reportDir: string): string[] {
  const dir = join(reportDir, 'counterexamples');
  return readdirSync(dir).map((f) => join(dir, f));
}

describe('dsconform diff', () => {
  it('the reference against itself agrees on every profile (no false divergences)', async () => {
    for (const profile of ['core', 'taints', 'rolling-update', 'deletion', 'all']) {
      const run = await dsconform(
        [
          'diff',
          '--right-reference',
          '--profile',
          profile,
          '--runs',
          '40',
          '--seed',
          '11',
          '--report-dir',
          '<report-dir>',
        ],
        120_000,
      );
      expect(run.stderr.replace(/^dsconform diff: \d+ runs in .*\n/m, '')).toBe('');
      expect(run.code, run.stdout).toBe(0);
      expect(lastLine(run.stdout)).toMatch(/^Verdict: no divergence \(40 runs, /);
    }
  }, 600_000);

  it('the reference behind the protocol answers what the in-process reference does (an object deleted in the same sync is gone, a stale revision update conflicts)', async () => {
    // Deletion seed 13 case 18: the first sync of a DaemonSet re-created over its orphans adopts a
    // revision, then renumbers it with an Update of the pre-adoption copy (409 Conflict in process).
    // The protocol reference once answered that Update as a success and never renumbered it.
    const run = await dsconform(
      [
        'diff',
        '--right-controller',
        'node bin/dsconform.mjs reference-controller',
        '--profile',
        'deletion',
        '--seed',
        '13',
        '--runs',
        '40',
        '--report-dir',
        '<report-dir>',
      ],
      120_000,
    );
    expect(run.code, run.stdout).toBe(0);
    expect(lastLine(run.stdout)).toMatch(/^Verdict: no divergence \(40 runs, /);
  }, 180_000);

  it('finds a mutant on the right with a short shrunk case, saves it for replay, and prints the same output for the same seed', async () => {
    const args = ['diff', '--right-mutant', 'duplicate-pods', '--profile', 'core', '--runs', '100', '--seed', '1'];
    const run = await dsconform([...args, '--report-dir', '<report-dir>'], 120_000);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^Divergence \(shrunk \d+ times to [1-6] events\):$/m);
    expect(run.stdout).toContain("Divergence: the controllers' writes differ");
    expect(run.stdout).toMatch(/ ! create n\d r1$/m);
    expect(run.stdout).toMatch(
      /^Rerun the case: npx dsconform diff --right-mutant duplicate-pods --profile core --seed 1 --case \d+$/m,
    );
    const [file] = savedFiles(run.reportDir);
    expect(file).toMatch(/DS-DIFF-core-seed1-reference-vs-mutant-duplicate-pods\.json$/);
    const saved = JSON.parse(readFileSync(file as string, 'utf8')) as Record<string, unknown>;
    expect(saved.format).toBe('dsconform/counterexample@1');
    expect(saved.invariant).toBe('DS-DIFF');
    expect(saved.differential).toEqual({
      left: { name: 'reference', kind: 'reference' },
      right: { name: 'mutant duplicate-pods', kind: 'reference', mutant: 'duplicate-pods' },
    });
    expect((saved.events as unknown[]).length).toBeLessThanOrEqual(6);

    const replay = await dsconform(['replay', file as string]);
    expect(replay.code, replay.stderr).toBe(1);
    expect(lastLine(replay.stdout)).toMatch(/^Result: diverges again: /);
    // The left side replaced by the mutant itself: both sides agree.
    const same = await dsconform(['replay', file as string, '--mutant', 'duplicate-pods']);
    expect(same.code, same.stderr).toBe(0);
    expect(lastLine(same.stdout)).toMatch(/^Result: the two agree now/);

    const again = await dsconform([...args, '--report-dir', run.reportDir], 120_000);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe(run.stdout);
  }, 300_000);

  it('tells rounds-percent-down from the reference on rolling updates', async () => {
    const run = await dsconform(
      [
        'diff',
        '--right-mutant',
        'rounds-percent-down',
        '--profile',
        'rolling-update',
        '--runs',
        '300',
        '--seed',
        '2',
        '--report-dir',
        '<report-dir>',
      ],
      300_000,
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^Divergence \(shrunk \d+ times to ([1-9]|1[0-2]) events\):$/m);
  }, 300_000);

  it('refuses bad input with one line and exit 2', async () => {
    const none = await dsconform(['diff', '--runs', '1']);
    expect(none.code).toBe(2);
    expect(lastLine(none.stderr)).toMatch(/diff needs a right side/);
    const two = await dsconform(['diff', '--upstream', '1.37', '--right-reference', '--runs', '1']);
    expect(two.code).toBe(2);
    expect(lastLine(two.stderr)).toMatch(/one right side only/);
    const unknown = await dsconform(['diff', '--right-mutant', 'no-such', '--runs', '1']);
    expect(unknown.code).toBe(2);
    expect(lastLine(unknown.stderr)).toMatch(/unknown mutant "no-such"/);
    const broken = await dsconform([
      'diff',
      '--right-controller',
      'false',
      '--runs',
      '1',
      '--report-dir',
      '<report-dir>',
    ]);
    expect(broken.code).toBe(2);
    expect(lastLine(broken.stderr)).toMatch(/could not start an implementation: .*before answering init/);
    // --reruns (how often a divergent case runs again; test/diffInProcess.test.ts tests what it does)
    const reruns = await dsconform(['diff', '--right-reference', '--reruns', '-1', '--runs', '1']);
    expect(reruns.code).toBe(2);
    expect(lastLine(reruns.stderr)).toMatch(/--reruns/);
    const version = await dsconform(['diff', '--upstream', '0.9', '--runs', '1']);
    expect(version.code).toBe(2);
    expect(lastLine(version.stderr)).toMatch(/unknown upstream version/);
  }, 120_000);

  it.skipIf(goMissing !== undefined)(
    'runs the reference against upstream 1.37 in lock step',
    async () => {
      const run = await dsconform(
        [
          'diff',
          '--upstream',
          '1.37',
          '--profile',
          'core',
          '--runs',
          '30',
          '--seed',
          '1',
          '--report-dir',
          '<report-dir>',
        ],
        40 * 60_000,
      );
      expect(run.stdout).toMatch(
        /^dsconform diff: reference \(left\) vs upstream 1\.37 \(right\), profile core, seed 1, 30 runs$/m,
      );
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(lastLine(run.stdout)).toMatch(/^Verdict: no divergence \(30 runs, /);
    },
    40 * 60_000,
  );
});
