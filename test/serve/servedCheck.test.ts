/**
 * `dsconform check --serve`: the genuine upstream DaemonSet controller, built as a client-go
 * program (adapters/upstream-served: real informers over HTTP, as kube-controller-manager runs
 * it), reconciles the served cluster and conforms; the same program with a mutant transport (its
 * status writes never take effect) is caught. Skipped where Go is missing.
 */
import { describe, expect, it } from 'vitest';
import { goMissingReason } from '../../src/upstream/apiSemantics.js';
import { ensureGoProgram, UPSTREAM_SERVED_PROGRAM } from '../../src/upstream/goProgram.js';
import { type InProcessRun, runMain } from '../support/inProcessCli.js';

const goMissing = await goMissingReason();
if (goMissing) console.warn(`test/serve/servedCheck.test.ts skipped: ${goMissing}`);

function check(...args: string[]): Promise<InProcessRun> {
  return runMain(['check', '--report-dir', 'reports/test-serve', ...args]);
}

describe.skipIf(goMissing !== undefined)('check --serve', () => {
  it('the upstream controller over HTTP conforms', async () => {
    const run = await check('--serve', '--upstream', '1.37', '--runs', '2', '--seed', '11');
    expect(run.stderr).toContain('is watching http://127.0.0.1:');
    expect(run.stdout).toContain('Verdict: conforms (2 runs');
    expect(run.code).toBe(0);
  });

  it("takes check's options after the controller command, as `check --serve -- <binary> --runs 200` writes them", async () => {
    const { binary } = await ensureGoProgram(UPSTREAM_SERVED_PROGRAM);
    const run = await check('--serve', '--', binary, '--runs', '1', '--seed', '11');
    expect(run.stderr).toContain("--runs 1 --seed 11 after the controller command: check's own options");
    expect(run.stdout).toContain('Verdict: conforms (1 runs');
    expect(run.code).toBe(0);
  });

  it('catches a controller whose status writes never take effect, and says how to rerun the case', async () => {
    const { binary } = await ensureGoProgram(UPSTREAM_SERVED_PROGRAM);
    // The campaign (--runs 1 --seed 6) shrinks it to one event, DS_CREATED, in some 21 served cases
    // (three minutes); the test replays that case. Its outcome does not depend on timing: the status
    // is never written, whatever the controller does when. (The drops-pod-deletes mutant's shrunk
    // case did: under load its replay could pass.) If the generators change, run the campaign again
    // and take the case and path it prints.
    const run = await check(
      '--seed',
      '6',
      '--case',
      '0',
      '--path',
      '0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0',
      '--serve',
      '--',
      binary,
      '--mutant',
      'skips-status',
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/Verdict: VIOLATION of DS-[A-Z]+-?\d*/);
    expect(run.stdout).toContain('status.observedGeneration is 0, expected 1');
    expect(run.stdout).toContain(`--serve -- ${binary} --mutant skips-status`);
    // The counterexample replays on the served controller it was found on, and only when asked to
    // run the command it records.
    const file = /Counterexample: (\S+\.json)/.exec(run.stdout)?.[1] as string;
    const refused = await runMain(['replay', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('found on the served controller');
    const replayed = await runMain(['replay', '--trust-command', file, '--report-dir', 'reports/test-serve']);
    expect(replayed.stdout).toContain('Result: fails again: DS-EXPECT');
    expect(replayed.code).toBe(1);
  });

  it('says what went wrong when the controller does not start', async () => {
    const run = await check('--runs', '1', '--serve', '--', 'sh', '-c', 'echo no kubeconfig for me >&2; exit 3');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'the controller exited (exit code 3) before it watched DaemonSets; its log: no kubeconfig for me',
    );
    const none = await check('--runs', '1', '--serve');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--serve needs the controller command after --');
    const stray = await check('--runs', '1', '--', 'x');
    expect(stray.stderr).toContain('unexpected argument "x"');
  });
});
