/**
 * Issue 6, part 6: an implementation that misbehaves never leaves dsconform hanging or its
 * processes running. Each case runs the real command as a new user would:
 *
 *   dsconform check --controller "<fixture>" --runs 20 --seed 1 --step-timeout 1000
 *
 * and expects exit code 2 within a time limit, one clear line on stderr naming the problem, the
 * report written so far on disk, and no process of the fixture's left running.
 *
 * The mid-campaign fixtures relay to dsconform's own reference controller (so they conform until
 * the fault) and misbehave at the 40th sync: several cases have passed by then.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dsconform, lastLine, ROOT, reportsUnder, stillRunningAfter } from './support.js';

const RELAY = 'node test/robustness/fixtures/relay.mjs';

interface Case {
  name: string;
  controller: string;
  /** The one stderr line dsconform ends with. */
  message: RegExp;
  /** Whole cases checked before the fault (0: the implementation never got going). */
  runsBefore: 'none' | 'some';
  /** Longest acceptable wall-clock time, start-up of the fixture included. */
  limitMs: number;
  /** --step-timeout for this case; 1000 ms unless the misbehaviour needs time to show. */
  stepTimeout?: string;
  /** The fixture writes its process ids down (a command that does not exist cannot). */
  recordsPids?: false;
}

const CASES: Case[] = [
  {
    name: 'exits at start',
    controller: 'sh test/robustness/fixtures/exit-at-start.sh',
    message:
      /^dsconform: could not start the implementation: implementation exited with code 3 before answering init; its last stderr line: "controller: cannot read \/etc\/my-controller.conf"$/,
    runsBefore: 'none',
    limitMs: 10_000,
  },
  {
    name: 'is not a command at all',
    controller: 'no-such-controller --serve',
    message:
      /^dsconform: could not start the implementation: implementation exited with code 127 \(command not found\?\) before answering init; its last stderr line: ".*no-such-controller: not found"$/,
    runsBefore: 'none',
    limitMs: 10_000,
    recordsPids: false,
  },
  {
    name: 'speaks another protocol version',
    controller: `${RELAY} version`,
    message:
      /^dsconform: could not start the implementation: implementation speaks protocol "dsconform\/v0", dsconform speaks "dsconform\/v1" \(docs\/protocol.md\)$/,
    runsBefore: 'none',
    limitMs: 10_000,
  },
  {
    name: 'exits mid-campaign',
    controller: `${RELAY} exit 40`,
    message:
      /^dsconform: could not check .*: implementation exited with code 1 while dsconform waited for the reply to sync #\d+; its last stderr line: "relay: crashing on purpose"$/,
    runsBefore: 'some',
    limitMs: 20_000,
  },
  {
    name: 'hangs (and ignores SIGTERM)',
    controller: `${RELAY} hang 40`,
    message:
      /^dsconform: could not check .*: no reply to sync #\d+ within 1000 ms \(the step timeout, --step-timeout\)$/,
    runsBefore: 'some',
    limitMs: 20_000,
  },
  {
    name: 'writes garbage',
    controller: `${RELAY} garbage 40`,
    message:
      /^dsconform: could not check .*: stdout line is not JSON while dsconform waited for the reply to sync #\d+: "Reconciling daemonsets... done" \(stdout is for protocol messages only; log to stderr\)$/,
    runsBefore: 'some',
    limitMs: 20_000,
  },
  {
    name: 'writes half a line, then stalls',
    controller: `${RELAY} half-line 40`,
    message:
      /^dsconform: could not check .*: no reply to sync #\d+ within 1000 ms \(the step timeout, --step-timeout\); stdout holds \d+ bytes of a line without its newline: "\{\\"type\\":.*" \(every message must end with "\\n"\)$/,
    runsBefore: 'some',
    limitMs: 20_000,
  },
  {
    name: 'writes megabytes on one line',
    controller: `${RELAY} megabytes 40`,
    // Writing 16 MiB through a pipe can take more than a second on a loaded machine (coverage, CI).
    stepTimeout: '15000',
    message:
      /^dsconform: could not check .*: stdout line longer than the 8388608-byte limit and still without a newline while dsconform waited for the reply to sync #\d+$/,
    runsBefore: 'some',
    limitMs: 20_000,
  },
  {
    name: 'ignores a reset (never answers it)',
    controller: `${RELAY} ignore-reset 3`,
    message:
      /^dsconform: could not check .*: no reply to reset #\d+ within 1000 ms \(the step timeout, --step-timeout\)$/,
    runsBefore: 'some',
    limitMs: 20_000,
  },
  {
    name: 'replies to the wrong id',
    controller: `${RELAY} wrong-id 40`,
    message:
      /^dsconform: could not check .*: reply to the wrong request: got sync_ok with "re": \d+ while dsconform waited for the reply to sync #\d+ \(a reply's "re" must be its request's "id"\)$/,
    runsBefore: 'some',
    limitMs: 20_000,
  },
];

describe('an implementation that misbehaves: exit 2, one line, report kept, no process left', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const run = await dsconform(
        [
          'check',
          '--controller',
          c.controller,
          '--runs',
          '20',
          '--seed',
          '1',
          '--step-timeout',
          c.stepTimeout ?? '1000',
          '--report-dir',
          '<report-dir>',
        ],
        c.limitMs + 10_000,
      );
      const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.code, context).toBe(2);
      expect(run.ms, `took ${Math.round(run.ms)} ms`).toBeLessThan(c.limitMs);
      // The message is the whole of stderr (the implementation's own log is hidden by default).
      expect(run.stderr.trimEnd().split('\n'), context).toHaveLength(1);
      expect(lastLine(run.stderr)).toMatch(c.message);

      const reports = reportsUnder(run.reportDir);
      expect(reports, context).toHaveLength(1);
      const report = reports[0]?.report as {
        verdict: string;
        profiles: { verdict: string; runs: number; error?: string }[];
      };
      expect(report.verdict).toBe('could-not-check');
      expect(report.profiles[0]?.verdict).toBe('could-not-check');
      expect(lastLine(run.stderr)).toContain(report.profiles[0]?.error?.slice(0, 60) ?? '(no error in the report)');
      if (c.runsBefore === 'some') expect(report.profiles[0]?.runs).toBeGreaterThan(0);
      else expect(report.profiles[0]?.runs).toBe(0);
      expect(run.stdout).toMatch(/^Report: .*report\.json$/m);

      if (c.recordsPids !== false) expect(run.pids.length, 'the fixture records its processes').toBeGreaterThan(0);
      // dsconform has exited; give the kernel a moment to finish delivering its signals.
      expect(await stillRunningAfter(run.pids, 1000), 'processes left running').toEqual([]);
    });
  }
});

describe('Ctrl-C during a check', () => {
  it('stops the implementation and exits 130, leaving no process behind', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'dsconform-sigint-'));
    const pidFile = join(scratch, 'pids');
    const child = spawn(
      process.execPath,
      [
        'bin/dsconform.mjs',
        'check',
        '--controller',
        `${RELAY} none`,
        '--runs',
        '100000',
        '--seed',
        '1',
        '--report-dir',
        join(scratch, 'reports'),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, CI: '1', DSCONFORM_TEST_PIDFILE: pidFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    // Interrupt once the campaign is under way (the header is printed after the handshake).
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(lastLine(stderr)).toMatch(/^dsconform: interrupted \(SIGINT\); stopping .*relay\.mjs none\)$/);
    const pids = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
    expect(pids).toHaveLength(2);
    expect(await stillRunningAfter(pids, 1000)).toEqual([]);
  });
});
