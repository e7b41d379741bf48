/**
 * Issue 18, item 4: the real command, stopped from outside. Ctrl-C (SIGINT) and SIGTERM during a
 * run against the user's controller end with exit 130 / 143 and leave no process of the
 * controller's group running (fixtures/stubborn.mjs ignores SIGTERM and starts a grandchild, so
 * only a SIGKILL to the whole group ends it); with --workers, every worker's controller too. A
 * reader that closes stdout (`dsconform check | head`) ends the run quietly with 141.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { counterexample } from './hostileCases.js';
import { lastLine, ROOT, stillRunningAfter } from './support.js';

const STUBBORN = 'node test/robustness/fixtures/stubborn.mjs';
const scratch = mkdtempSync(join(tmpdir(), 'dsconform-signals-'));
const SCENARIO = join(scratch, 'one.yaml');
writeFileSync(
  SCENARIO,
  `description: one node\ncluster: { nodes: [ { name: node-0 } ] }\nmanifests: [${join(ROOT, 'scenarios/manifests/simple-daemon.yaml')}]\nsteps:\n  - settle\n`,
);
const CX = join(scratch, 'cx.json');
writeFileSync(CX, JSON.stringify(counterexample()));

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
  pids: () => number[];
  readyCount: () => number;
}

function start(args: string[], name: string): Started {
  const dir = mkdtempSync(join(scratch, `${name}-`));
  const pidFile = join(dir, 'pids');
  const readyFile = join(dir, 'ready');
  const reports = ['check', 'scenario'].includes(args[0] ?? '') ? ['--report-dir', join(dir, 'reports')] : [];
  const child = spawn(process.execPath, ['bin/dsconform.mjs', ...args, ...reports], {
    cwd: ROOT,
    env: {
      ...process.env,
      NO_COLOR: '1',
      CI: '1',
      DSCONFORM_TEST_PIDFILE: pidFile,
      DSCONFORM_TEST_READYFILE: readyFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  child.stdout?.resume();
  const lines = (file: string) =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => /^\d+$/.test(l))
      : [];
  return {
    child,
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))),
    stderr: () => stderr,
    pids: () => lines(pidFile).map(Number),
    readyCount: () => lines(readyFile).length,
  };
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

const CASES: { name: string; args: string[]; signal: 'SIGINT' | 'SIGTERM'; controllers: number }[] = [
  { name: 'check --controller, SIGTERM', args: ['check', '--runs', '5'], signal: 'SIGTERM', controllers: 1 },
  { name: 'scenario --controller, SIGINT', args: ['scenario', SCENARIO], signal: 'SIGINT', controllers: 1 },
  { name: 'replay --controller, SIGTERM', args: ['replay', CX], signal: 'SIGTERM', controllers: 1 },
  // The main thread's controller (it shrinks) and one per worker thread.
  {
    name: 'check --workers 2 --controller, SIGINT',
    args: ['check', '--runs', '20', '--workers', '2'],
    signal: 'SIGINT',
    controllers: 3,
  },
];

describe('SIGINT / SIGTERM end the run and the whole process group of the controller', () => {
  it.concurrent.each(CASES)(
    '$name: exit 130/143, nothing left running',
    async ({ name, args, signal, controllers }) => {
      const run = start([...args, '--controller', STUBBORN, '--step-timeout', '60000'], name.replace(/\W+/g, '-'));
      // Every controller answered init: the run is under way, waiting on a controller forever.
      expect(await until(() => run.readyCount() >= controllers, 30_000), run.stderr()).toBe(true);
      const pids = run.pids();
      expect(pids.length).toBeGreaterThanOrEqual(2 * controllers); // each controller and its grandchild
      const sent = performance.now();
      run.child.kill(signal);
      const { code } = await run.exited;
      expect(code, run.stderr()).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(performance.now() - sent).toBeLessThan(10_000);
      expect(lastLine(run.stderr())).toMatch(new RegExp(`^dsconform: interrupted \\(${signal}\\)`));
      expect(run.stderr()).not.toMatch(/\n\s+at |internal error/);
      expect(await stillRunningAfter(pids, 2_000)).toEqual([]);
    },
  );
});

describe('a closed stdout ends the run quietly (exit 141), not as a violation', () => {
  it.concurrent.each([
    ['check', ['check', '--runs', '30', '--seed', '1']],
    ['scenario', ['scenario', join(ROOT, 'scenarios/regressions')]],
  ])('%s | head -1', async (name, args) => {
    const run = start(args, `epipe-${name}`);
    const stdout = run.child.stdout;
    if (stdout === null) throw new Error('no stdout');
    // Read the first line, then close the pipe as `head -1` does.
    await new Promise<void>((resolve) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) {
          stdout.off('data', onData);
          stdout.destroy();
          resolve();
        }
      };
      stdout.on('data', onData);
    });
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(141);
    expect(run.stderr()).toBe('');
  });
});

describe('replay runs a recorded command only with consent', () => {
  it.concurrent('--trust-command runs the command recorded in the file', async () => {
    const file = join(scratch, 'recorded.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...counterexample(),
        implementation: { name: 'x', kind: 'process', controller: 'node bin/dsconform.mjs reference-controller' },
      }),
    );
    const run = start(['replay', file, '--trust-command'], 'trust');
    const { code } = await run.exited;
    // The reference passes this counterexample (found on a mutant): it ran, and says so.
    expect(code, run.stderr()).toBe(0);
    expect(run.stderr()).toBe('');
  });
});
