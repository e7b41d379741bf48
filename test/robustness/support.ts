/**
 * Runs the real `dsconform` command as a user would, and tells whether the processes an
 * implementation started are still running afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds until the command exited. */
  ms: number;
  /** Process ids the fixtures recorded in $DSCONFORM_TEST_PIDFILE. */
  pids: number[];
  reportDir: string;
}

/** `node bin/dsconform.mjs <args>` from the repository root; killed after `limitMs`. */
export function dsconform(args: readonly string[], limitMs = 60_000): Promise<CliRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'dsconform-cli-'));
  const pidFile = join(scratch, 'pids');
  const reportDir = join(scratch, 'reports');
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['bin/dsconform.mjs', ...args.map((a) => a.replace('<report-dir>', reportDir))],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', CI: '1', DSCONFORM_TEST_PIDFILE: pidFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      const pids = existsSync(pidFile)
        ? readFileSync(pidFile, 'utf8')
            .split('\n')
            .filter((l) => /^\d+$/.test(l))
            .map(Number)
        : [];
      resolve({ code, stdout, stderr, ms: performance.now() - started, pids, reportDir });
    });
  });
}

/**
 * Whether a process is still running. A zombie is not: an orphan whose parent died is reparented
 * to PID 1, and in some sandboxes PID 1 never reaps it, although it has long stopped.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

/** Every report.json under `<reportDir>/conformance/`. */
export function reportsUnder(reportDir: string): { path: string; report: Record<string, unknown> }[] {
  const dir = join(reportDir, 'conformance');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((run) => join(dir, run, 'report.json'))
    .filter((path) => existsSync(path))
    .map((path) => ({ path, report: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> }));
}

/** Waits until none of `pids` runs, up to `ms`; returns those still running. */
export async function stillRunningAfter(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  for (;;) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0 || performance.now() > deadline) return alive;
    await new Promise((r) => setTimeout(r, 50));
  }
}
