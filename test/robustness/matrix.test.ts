/**
 * `dsconform matrix` (issue 6, part 5): the same seeded cases against several implementations,
 * one table. Checked with the reference (first column), a mutant served as a process, and a
 * process that declares it does not support rolling updates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MatrixReport } from '../../src/cli/matrix.js';
import { dsconform, lastLine, ROOT, stillRunningAfter } from './support.js';

const MUTANT = 'node bin/dsconform.mjs reference-controller --mutant rounds-percent-down';
const NO_ROLLING = 'node test/robustness/fixtures/relay.mjs no-rolling-update';

function matrixJson(reportDir: string, dir: string): MatrixReport {
  return JSON.parse(readFileSync(join(reportDir, 'matrix', dir, 'matrix.json'), 'utf8')) as MatrixReport;
}

describe('dsconform matrix', () => {
  it('reference, a mutant process and a process without rolling updates: pass / FAIL / skipped, exit 1', async () => {
    // Seed 7: the reference passes these 30 cases; the mutant fails within them.
    const run = await dsconform([
      'matrix',
      '--controller',
      MUTANT,
      '--controller',
      NO_ROLLING,
      '--profile',
      'rolling-update',
      '--seed',
      '7',
      '--runs',
      '30',
      '--report-dir',
      '<report-dir>',
    ]);
    const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.code, context).toBe(1);
    expect(run.stdout).toContain('  A  reference  (in-process)\n');
    expect(run.stdout).toContain(`  B  dsconform-reference (mutant rounds-percent-down)  (--controller "${MUTANT}")\n`);
    expect(run.stdout).toContain(`  C  relay-without-rolling-update  (--controller "${NO_ROLLING}")\n`);
    expect(run.stdout).toMatch(/^INVARIANT +A +B +C$/m);
    expect(run.stdout).toMatch(/^DS-ROLL-01 +pass +\S+ +skipped$/m);
    expect(run.stdout).toMatch(/^ {2}C: skipped \(implementation does not support rollingUpdate\)$/m);
    expect(run.stdout).toMatch(/^Verdict: violations in B$/m);

    const report = matrixJson(run.reportDir, 'rolling-update-seed7');
    expect(report.schema).toBe('dsconform/matrix@1');
    expect(report.columns.map((c) => c.verdict)).toEqual(['conforms', 'violation', 'skipped']);
    const [reference, mutant, noRolling] = report.columns;
    expect(
      Object.values(reference?.cells ?? {}).every(
        (c) => c.cell === 'pass' || c.cell === 'not-run' || c.cell === 'not-exercised',
      ),
    ).toBe(true);
    expect(Object.values(noRolling?.cells ?? {}).every((c) => c.cell === 'skipped')).toBe(true);
    const failed = Object.entries(mutant?.cells ?? {}).filter(([, c]) => c.cell === 'FAIL');
    expect(failed.map(([id]) => id)).toEqual([mutant?.violation?.invariant]);
    // The FAIL row of the text table names the same invariant, and the counterexample is on disk.
    expect(run.stdout).toMatch(new RegExp(`^${mutant?.violation?.invariant} +pass +FAIL +skipped$`, 'm'));
    expect(run.stdout).toContain(`counterexample: ${mutant?.violation?.file}`);
    // The path as dsconform printed it: relative to the current directory, or absolute outside it.
    const counterexample = JSON.parse(readFileSync(resolve(ROOT, mutant?.violation?.file ?? ''), 'utf8'));
    expect(counterexample.implementation.controller).toBe(MUTANT);
    const html = readFileSync(join(run.reportDir, 'matrix', 'rolling-update-seed7', 'matrix.html'), 'utf8');
    expect(html).toContain('<td class="FAIL">FAIL <code>');
    expect(html).toContain('B: dsconform-reference (mutant rounds-percent-down)</th>');
  });

  it('only skipped columns conform (exit 0), and the same seed writes the same matrix.json', async () => {
    const args = [
      'matrix',
      '--no-reference',
      '--controller',
      NO_ROLLING,
      '--profile',
      'rolling-update',
      '--seed',
      '3',
      '--runs',
      '5',
      '--report-dir',
      '<report-dir>',
    ];
    const [first, second] = await Promise.all([dsconform(args), dsconform(args)]);
    expect(first?.code, first?.stderr).toBe(0);
    expect(first?.stdout).toMatch(/^Verdict: every implementation conforms$/m);
    const a = readFileSync(join(first?.reportDir ?? '', 'matrix', 'rolling-update-seed3', 'matrix.json'), 'utf8');
    const b = readFileSync(join(second?.reportDir ?? '', 'matrix', 'rolling-update-seed3', 'matrix.json'), 'utf8');
    expect(a).toBe(b);
  });

  it('an implementation that cannot be checked makes the matrix exit 2, after checking the others', async () => {
    const run = await dsconform([
      'matrix',
      '--no-reference',
      '--controller',
      'sh test/robustness/fixtures/exit-at-start.sh',
      '--controller',
      NO_ROLLING,
      '--profile',
      'rolling-update',
      '--seed',
      '3',
      '--runs',
      '5',
      '--report-dir',
      '<report-dir>',
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(lastLine(run.stderr)).toBe(
      'dsconform: could not check A (sh test/robustness/fixtures/exit-at-start.sh): implementation exited with code 3 before answering init; its last stderr line: "controller: cannot read /etc/my-controller.conf"',
    );
    expect(run.stdout).toMatch(/^DS-ROLL-01 +error +skipped$/m);
    const report = matrixJson(run.reportDir, 'rolling-update-seed3');
    expect(report.verdict).toBe('could-not-check');
    expect(report.columns.map((c) => c.verdict)).toEqual(['could-not-check', 'skipped']);
    expect(existsSync(join(run.reportDir, 'matrix', 'rolling-update-seed3', 'matrix.html'))).toBe(true);
    expect(await stillRunningAfter(run.pids, 1000)).toEqual([]);
  });
});
