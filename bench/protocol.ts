/**
 * Runs per second over the controller protocol (issue 17 item 1): `dsconform check --controller
 * CMD` as a user runs it, for the reference served as a process and the Python example, beside
 * the same command in process. CPU time is the shell's children's (`times`): the check process
 * and, since it waits for it, the controller process. Start-up is taken out by subtracting a run
 * of the same command with one case, so the figure is what each further case costs.
 */
import { fileURLToPath } from 'node:url';
import { median, round, timeChild } from './stats.js';

export interface ProtocolFigure {
  /** `in process`, `reference over the protocol`, `Python example over the protocol`. */
  implementation: string;
  /** The --controller command, if any. */
  controller?: string;
  runs: number;
  /** Events applied in the measured runs (from the verdict line). */
  events: number;
  /** CPU seconds of the whole command less those of a one-case run (median of the repeats). */
  cpuSeconds: number;
  runsPerSecond: number;
  eventsPerSecond: number;
  /** CPU seconds of a one-case run: start-up. */
  startupCpuSeconds: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SEED = '20261127';

/** CPU seconds (user + system) of the command's process tree, and its standard output. */
function timed(args: readonly string[]): { cpu: number; stdout: string } {
  const run = timeChild(process.execPath, args, { cwd: ROOT, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  return { cpu: run.cpuSeconds, stdout: run.stdout };
}

export function measureProtocolThroughput(runs: number, repeats: number): ProtocolFigure[] {
  const subjects: { implementation: string; controller?: string }[] = [
    { implementation: 'in process (the reference)' },
    { implementation: 'reference over the protocol', controller: 'node bin/dsconform.mjs reference-controller' },
    { implementation: 'Python example over the protocol', controller: 'python3 examples/python/controller.py' },
  ];
  // The CLI's bundle is built by the first start, not inside a measurement.
  timed(['bin/dsconform.mjs', '--version']);
  return subjects.map(({ implementation, controller }) => {
    const args = (n: number) => [
      'bin/dsconform.mjs',
      'check',
      '--runs',
      String(n),
      '--seed',
      SEED,
      '--report-dir',
      fileURLToPath(new URL('../reports/bench-protocol', import.meta.url)),
      ...(controller ? ['--controller', controller] : []),
    ];
    const startup: number[] = [];
    const whole: number[] = [];
    let stdout = '';
    for (let r = 0; r < repeats; r++) {
      startup.push(timed(args(1)).cpu);
      const run = timed(args(runs));
      whole.push(run.cpu);
      stdout = run.stdout;
    }
    const verdict = /Verdict: .*\((\d+) runs, (\d+) events/.exec(stdout);
    if (!verdict)
      throw new Error(`bench protocol: no verdict line from ${args(runs).join(' ')}:\n${stdout.slice(-2000)}`);
    const events = Number(verdict[2]);
    const cpu = median(whole) - median(startup);
    return {
      implementation,
      ...(controller ? { controller } : {}),
      runs,
      events,
      cpuSeconds: round(cpu, 2),
      runsPerSecond: round((runs - 1) / cpu, 1),
      eventsPerSecond: round(events / cpu, 0),
      startupCpuSeconds: round(median(startup), 2),
    };
  });
}
