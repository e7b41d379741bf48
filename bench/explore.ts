/**
 * Bounded exploration (`dsconform explore`, issue 17 item 3): the issue's three targets, each run
 * as its own process (`explore --json`), with the CPU time of that process (user + system, all
 * threads, start-up and TypeScript loading included, read by the process itself at exit), its wall
 * time and peak memory; and what each reduction gives, from the explorer's own counts (partial-
 * order reduction and skipped checks count what they skip) and, for symmetry, from runs with it
 * off at a smaller bound. If this version has no explore command, the figure says so.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type CliIO, main } from '../src/cli/main.js';
import { round } from './stats.js';

/** One `explore` process. */
export interface ExploreRun {
  /** The arguments after `dsconform`. */
  readonly args: readonly string[];
  /** Finished with exit 0 and a result. */
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly states?: number;
  readonly transitions?: number;
  /** Transitions the partial-order reduction skipped (without it: transitions + porSkipped). */
  readonly porSkipped?: number;
  /** Transitions not tried on mirror nodes (without it: transitions + mirrorSkipped). */
  readonly mirrorSkipped?: number;
  /** Transitions whose checks were skipped as needless. */
  readonly checksSkipped?: number;
  readonly quietStates?: number;
  /** Paths replayed on the target (`--target reference`). */
  readonly referenceReplays?: number;
  /** CPU seconds of the process (user + system). */
  readonly cpuSeconds?: number;
  readonly wallSeconds: number;
  /** Peak resident memory of the process, MB. */
  readonly maxRssMb?: number;
  /** States over CPU seconds. */
  readonly statesPerCpuSecond?: number;
  readonly note?: string;
}

/** One of the issue's targets and its run. */
export interface ExploreTargetRun {
  readonly target: string;
  /** CPU seconds the target allows. */
  readonly thresholdCpuSeconds: number;
  readonly run: ExploreRun;
}

/** A reduction measured at a small bound: the states and transitions with it and without. */
export interface ExploreReduction {
  readonly technique: string;
  readonly bound: string;
  readonly withIt: ExploreRun;
  readonly without: ExploreRun;
}

export interface ExploreFigure {
  available: boolean;
  /** States per CPU second of the first target (the report's headline figure). */
  statesPerSecond?: number;
  targets?: ExploreTargetRun[];
  reductions?: ExploreReduction[];
  /** Load average (1 min) when the runs started and ended. */
  load?: [number, number];
  note: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Long enough for the slowest target at several times its threshold. */
const TIMEOUT_MS = 30 * 60_000;

async function helpText(): Promise<string> {
  let text = '';
  const io: CliIO = {
    stdout: (t) => {
      text += t;
    },
    stderr: () => {},
    color: false,
  };
  await main(['node', 'dsconform', '--help'], io);
  return text;
}

/**
 * The child: the CLI in-process (as bin/dsconform.mjs runs it), then its own CPU time and peak
 * memory on stderr, so the figure is that process's alone.
 */
function childScript(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  const cli = new URL('../src/cli/main.ts', import.meta.url).href;
  return [
    `import { register } from ${JSON.stringify(tsx)};`,
    'register();',
    `const { main } = await import(${JSON.stringify(cli)});`,
    "const code = await main(['node', 'dsconform', ...process.argv.slice(1)]);",
    'const u = process.cpuUsage();',
    'const r = process.resourceUsage();',
    "process.stderr.write('\\nEXPLORE-BENCH ' + (u.user + u.system) + ' ' + r.maxRSS + '\\n');",
    'process.exitCode = code;',
  ].join('\n');
}

/** Runs `dsconform <args> --json` in its own process. */
export async function runExplore(args: readonly string[]): Promise<ExploreRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', childScript(), ...args, '--json'], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  const wallSeconds = round((performance.now() - started) / 1000, 1);
  const usage = /EXPLORE-BENCH (\d+) (\d+)/.exec(stderr);
  const cpuSeconds = usage?.[1] ? round(Number(usage[1]) / 1e6, 1) : undefined;
  const maxRssMb = usage?.[2] ? Math.round(Number(usage[2]) / 1024) : undefined;
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  const num = (k: string) => (typeof json?.[k] === 'number' ? (json[k] as number) : undefined);
  const states = num('states');
  const base = { args, exitCode, wallSeconds, ...(cpuSeconds !== undefined ? { cpuSeconds } : {}) };
  if (!json || states === undefined) {
    const why =
      exitCode === null
        ? `killed after ${Math.round(TIMEOUT_MS / 60_000)} min or by a signal`
        : `exit ${exitCode}, no result: ${stderr.trim().split('\n').slice(-2).join(' ').slice(0, 200)}`;
    return { ...base, ok: false, ...(maxRssMb !== undefined ? { maxRssMb } : {}), note: why };
  }
  const opt = (k: string, v: number | undefined) => (v === undefined ? {} : { [k]: v });
  return {
    ...base,
    ok: exitCode === 0 && json.outcome === 'ok',
    states,
    ...opt('transitions', num('transitions')),
    ...opt('porSkipped', num('porSkipped')),
    ...opt('mirrorSkipped', num('mirrorSkipped')),
    ...opt('checksSkipped', num('checksSkipped')),
    ...opt('quietStates', num('quietStates')),
    ...opt('referenceReplays', num('referenceReplays')),
    ...opt('maxRssMb', maxRssMb),
    ...(cpuSeconds ? { statesPerCpuSecond: Math.round(states / cpuSeconds) } : {}),
    ...(json.outcome === 'ok' ? {} : { note: `outcome ${String(json.outcome)}` }),
  };
}

/** The issue's targets (issue 17 item 3). */
export const EXPLORE_TARGETS: readonly { target: string; args: readonly string[]; thresholdCpuSeconds: number }[] = [
  { target: 'explore --nodes 3 --depth 6', args: ['explore', '--nodes', '3', '--depth', '6'], thresholdCpuSeconds: 60 },
  { target: 'explore --nodes 4 --depth 5', args: ['explore', '--nodes', '4', '--depth', '5'], thresholdCpuSeconds: 60 },
  {
    target: 'explore --target reference (3 nodes, depth 5)',
    args: ['explore', '--nodes', '3', '--depth', '5', '--target', 'reference'],
    thresholdCpuSeconds: 300,
  },
];

/** Each reduction off in turn, at a bound where that is cheap. */
const REDUCTION_BOUND = ['explore', '--nodes', '3', '--depth', '4'] as const;
const REDUCTIONS: readonly { technique: string; off: readonly string[]; on?: readonly string[] }[] = [
  { technique: 'symmetry (states equal up to a renaming of the nodes)', off: ['--no-symmetry'] },
  { technique: 'canonical symmetric key (against the earlier signature key)', off: ['--symmetry-key', 'signature'] },
  { technique: 'mirror nodes', off: ['--no-mirrors'] },
  // Opt-in, instead of mirror nodes: compared with neither.
  { technique: 'partial-order reduction (`--por`, instead of mirror nodes)', on: ['--por'], off: ['--no-mirrors'] },
  { technique: 'needless checks skipped', off: ['--no-skip-checks'] },
];

/** The 1-minute load average (0 where the platform has none). */
function loadAverage(): number {
  return round(loadavg()[0] ?? 0, 2);
}

export async function measureExplore(): Promise<ExploreFigure> {
  if (!/^\s+explore\b/m.test(await helpText())) {
    return { available: false, note: 'this version of dsconform has no explore command (see `dsconform --help`)' };
  }
  const loadBefore = loadAverage();
  const targets: ExploreTargetRun[] = [];
  for (const t of EXPLORE_TARGETS) {
    targets.push({ target: t.target, thresholdCpuSeconds: t.thresholdCpuSeconds, run: await runExplore(t.args) });
  }
  // Each distinct command once.
  const runs = new Map<string, ExploreRun>();
  const run = async (extra: readonly string[]) => {
    const args = [...REDUCTION_BOUND, ...extra];
    const key = args.join(' ');
    const known = runs.get(key);
    if (known) return known;
    const r = await runExplore(args);
    runs.set(key, r);
    return r;
  };
  const reductions: ExploreReduction[] = [];
  for (const r of REDUCTIONS) {
    const withIt = await run(r.on ?? []);
    const without = await run(r.off);
    reductions.push({ technique: r.technique, bound: REDUCTION_BOUND.slice(1).join(' '), withIt, without });
  }
  const first = targets[0]?.run;
  return {
    available: true,
    ...(first?.statesPerCpuSecond !== undefined ? { statesPerSecond: first.statesPerCpuSecond } : {}),
    targets,
    reductions,
    load: [loadBefore, loadAverage()],
    note: 'states per CPU second of `explore --nodes 3 --depth 6`, each command its own process',
  };
}

const n = (x: number | undefined) => (x === undefined ? '–' : x.toLocaleString('en-US'));
const sec = (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(1)} s`);

function measuredText(run: ExploreRun): string {
  if (!run.ok)
    return `not finished (${run.note ?? `exit ${run.exitCode}`}) after ${sec(run.cpuSeconds ?? run.wallSeconds)}`;
  return `${sec(run.cpuSeconds)} CPU (${n(run.states)} states)`;
}

/** One row per target of issue 17 item 3. */
export function exploreTargets(
  figure: ExploreFigure,
): { target: string; threshold: string; measured: string; met: boolean | null }[] {
  return EXPLORE_TARGETS.map((t) => {
    const found = figure.targets?.find((x) => x.target === t.target);
    const threshold = `< ${t.thresholdCpuSeconds} s CPU`;
    if (!figure.available || !found)
      return { target: `\`${t.target}\``, threshold, measured: 'not measured', met: null };
    const run = found.run;
    const met = run.ok && run.cpuSeconds !== undefined ? run.cpuSeconds < t.thresholdCpuSeconds : false;
    return { target: `\`${t.target}\``, threshold, measured: measuredText(run), met };
  });
}

/** The "## Bounded exploration" section of BENCHMARKS.md. */
export function exploreSection(figure: ExploreFigure): string[] {
  const lines = ['## Bounded exploration', ''];
  if (!figure.available || !figure.targets) {
    lines.push(`Not measured: ${figure.note}. No figure is given rather than an estimate.`, '');
    return lines;
  }
  lines.push(
    'Issue 17 item 3. Each command runs as its own process with `--json`; CPU is that process’s user + system time',
    '(start-up and TypeScript loading included), read by the process at exit; states/s is states per CPU second.',
    '',
    '| command | states | transitions (without mirror nodes / POR) | CPU | wall | states/s | peak memory | target | met |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  const rows = exploreTargets(figure);
  for (const [i, t] of figure.targets.entries()) {
    const r = t.run;
    const transitions =
      r.transitions === undefined
        ? '–'
        : `${n(r.transitions)} (${n(r.transitions + (r.porSkipped ?? 0) + (r.mirrorSkipped ?? 0))})`;
    const met = rows[i]?.met;
    lines.push(
      `| \`dsconform ${r.args.join(' ')}\` | ${r.ok ? n(r.states) : `not finished: ${r.note ?? ''}`} | ${transitions} | ${sec(r.cpuSeconds)} | ${sec(r.wallSeconds)} | ${n(r.statesPerCpuSecond)} | ${r.maxRssMb === undefined ? '–' : `${r.maxRssMb} MB`} | < ${t.thresholdCpuSeconds} s CPU | ${met === null || met === undefined ? '–' : met ? 'yes' : 'no'} |`,
    );
  }
  lines.push('');
  if (figure.reductions && figure.reductions.length > 0) {
    lines.push(
      `What each reduction gives, at \`${figure.reductions[0]?.bound ?? ''}\` (the defaults, then each reduction off; the partial-order reduction, opt-in, against neither it nor mirror nodes):`,
      '',
      '| reduction | states with / without | transitions computed with / without | checks skipped with / without | CPU with / without |',
      '|---|---|---|---|---|',
    );
    for (const r of figure.reductions) {
      lines.push(
        `| ${r.technique} | ${n(r.withIt.states)} / ${n(r.without.states)} | ${n(r.withIt.transitions)} / ${n(r.without.transitions)} | ${n(r.withIt.checksSkipped)} / ${n(r.without.checksSkipped)} | ${sec(r.withIt.cpuSeconds)} / ${sec(r.without.cpuSeconds)} |`,
      );
    }
    lines.push('');
  }
  if (figure.load)
    lines.push(`Load average (1 min) at the start and the end: ${figure.load[0]}, ${figure.load[1]}.`, '');
  lines.push(
    'Commands run (each with `--json`):',
    '',
    '```sh',
    ...figure.targets.map((t) => `npx dsconform ${t.run.args.join(' ')}`),
    ...[...new Set((figure.reductions ?? []).flatMap((r) => [r.withIt, r.without].map((x) => x.args.join(' '))))].map(
      (args) => `npx dsconform ${args}`,
    ),
    '```',
    '',
  );
  return lines;
}
