/**
 * Issue 18, item 6: hostile input never crashes, hangs, lies or runs code. Every case of
 * hostileCases.ts (options, unwritable folders, scenario files, manifests, cluster descriptions,
 * counterexample files, report files: by command and input kind) must end with exit code 2 and
 * exactly one stderr line `dsconform: ...` naming the problem and where, no stack trace, nothing
 * left running, within its time limit and a memory bound.
 *
 * The cases run in one child process (fixtures/batch.mjs: main() with captured output), so that
 * Node and the TypeScript loader start once, not once per case; the child has a heap limit, and
 * is killed if the whole batch outlives its budget (the case it was running is then named).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type HostileCase, hostileCases } from './hostileCases.js';
import { ROOT } from './support.js';

const scratch = mkdtempSync(join(tmpdir(), 'dsconform-hostile-'));
const CASES = hostileCases(scratch);
/** The whole batch; far more than it takes (a few seconds), far less than a hang. */
const BATCH_BUDGET_MS = 100_000;
/** Resident memory of the batch process after any case. */
const MAX_RSS_MB = 700;

interface Result {
  id: string;
  code: number | string;
  stdout: string;
  stderr: string;
  ms: number;
  rssMB: number;
  groups: number[];
}

const results = new Map<string, Result>();
let batchProblem: string | undefined;
let batchMs = 0;

beforeAll(async () => {
  const casesFile = join(scratch, 'cases.json');
  const resultsFile = join(scratch, 'results.jsonl');
  writeFileSync(
    casesFile,
    JSON.stringify(CASES.map((c) => ({ id: c.id, args: c.args, limitMs: (c.limitMs ?? 5_000) + 5_000 }))),
  );
  const started = performance.now();
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=512', 'test/robustness/fixtures/batch.mjs', casesFile, resultsFile],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), BATCH_BUDGET_MS);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stderr });
    });
  });
  batchMs = performance.now() - started;
  const lines = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8').trim().split('\n') : [];
  let running: string | undefined;
  for (const line of lines) {
    const record = JSON.parse(line) as Partial<Result> & { start?: string; done?: boolean };
    if (record.start !== undefined) running = record.start;
    else if (record.id !== undefined) {
      results.set(record.id, record as Result);
      running = undefined;
    }
  }
  if (exit.code !== 0 || running !== undefined)
    batchProblem = `the batch ended with ${exit.signal ?? `code ${exit.code}`} while running "${running}"; stderr: ${exit.stderr.slice(-2000)}`;
}, BATCH_BUDGET_MS + 20_000);

const byCommand = new Map<string, HostileCase[]>();
for (const c of CASES) byCommand.set(c.command, [...(byCommand.get(c.command) ?? []), c]);

describe('hostile input (issue 18): exit 2, one line naming the problem and where, nothing left behind', () => {
  it(`has at least 150 cases (${CASES.length}) and the batch ran them all`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    expect(batchProblem).toBeUndefined();
    expect(results.size).toBe(CASES.length);
    // The whole catalogue in one process start: a few seconds.
    expect(batchMs).toBeLessThan(BATCH_BUDGET_MS);
  });

  for (const [command, cases] of byCommand) {
    describe(command, () => {
      it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
        const r = results.get(c.id);
        expect(r, batchProblem).toBeDefined();
        if (r === undefined) return;
        const context = `${c.id}\nstderr: ${r.stderr}\nstdout: ${r.stdout.slice(-500)}`;
        expect(r.code, context).toBe(c.code ?? 2);
        // Exactly one line, ours, with no stack trace and no "internal error".
        expect(r.stderr, context).toMatch(/^dsconform: [^\n]+\n$/);
        expect(r.stderr, context).not.toMatch(/internal error|\n\s+at |^\s+at /);
        expect(r.stderr.slice('dsconform: '.length), context).toMatch(c.line);
        // Bounded: quick, small, and nothing the command started still recorded as running.
        expect(r.ms, context).toBeLessThan(c.limitMs ?? 5_000);
        expect(r.rssMB, context).toBeLessThan(MAX_RSS_MB);
        expect(r.groups, context).toEqual([]);
      });
    });
  }

  it('never ran the command recorded in a counterexample file', () => {
    expect(existsSync(join(scratch, 'PWNED'))).toBe(false);
    expect(existsSync(join(scratch, 'never.yaml'))).toBe(false);
  });
});
