/**
 * `dsconform diff`: the lock-step differential (src/harness/differential.ts). Two implementations,
 * by default the in-process reference (left) and the upstream controller (right), get the same
 * generated events; the first step where their writes or clusters differ is shrunk, printed side
 * by side and saved. Exit 0 = no divergence, 1 = a divergence, 2 = bad input or a broken side.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { FAULT_EVENT_TYPES } from '../../model/events.ts';
import type { Counterexample } from '../harness/campaign.js';
import {
  COUNTEREXAMPLE_FORMAT,
  type CounterexampleFile,
  counterexampleFile,
  type ImplementationRef,
} from '../harness/counterexample.js';
import {
  ChoiceFollower,
  DIFF_INVARIANT,
  type DiffCampaignResult,
  formatDivergence,
  isDiffFailure,
  runDiffCampaign,
  runDiffCase,
  stepTable,
} from '../harness/differential.js';
import { type Implementation, processImplementation, referenceImplementation } from '../harness/implementation.js';
import { MUTANTS, mutantByName, VARIANTS } from '../harness/mutants.js';
import { PROFILE_NAMES, PROFILES, type ProfileName } from '../harness/profiles.js';
import { displayPath } from '../manifests/inputError.js';
import { AdapterError } from '../protocol/adapterError.js';
import { type DiffReportInput, writeDiffReport } from '../report/diffReport.js';
import { UPSTREAM_OPTION_HELP, upstreamControllerCommand } from '../upstream/cliOption.js';
import { defaultRuns, defaultSeed, oneLine, resolveImplementation } from './check.js';
import { ExitCode } from './exitCodes.js';
import { onInterrupt } from './lifecycle.js';
import type { CliContext, RegisterCommand } from './main.js';
import { caseOptions, nonNegativeInt, positiveInt, seedValue, shrinkPathValue } from './options.js';
import { ensureOutputDirectory } from './outputDir.js';
import type { ReplayOptions } from './replay.js';

/** One side as a counterexample file records it; `upstream` names a pinned release (rebuilt, never a recorded command). */
export interface DiffSideRef extends ImplementationRef {
  upstream?: string;
}

export interface DiffCounterexampleFile extends CounterexampleFile {
  /** Marks a differential counterexample: both sides (docs/harness.md, "Lock-step differential"). */
  differential: { left: DiffSideRef; right: DiffSideRef };
}

/** How one side is given on the command line. */
export interface DiffSideSpec {
  controller?: string;
  mutant?: string;
  upstream?: string;
}

/**
 * Reruns of a divergent case by default. Where upstream picks one of several equivalent pods by
 * Go map order (rollingUpdate's `range nodeToDaemonPods`), a run picks the reference's choice with
 * some probability p, and the case agrees on some rerun with probability 1 − (1 − p)^n. p is not
 * always 1/k: a Go map of at most 8 entries is iterated from a random one of its 8 slots, so with
 * two entries one order comes 7 times in 8 (measured: rolling-update seed 13 case 3989 needed up to
 * 14 reruns). With 64, p = 1/8 still agrees with probability 99.98%. A deterministic divergence
 * diverges on every run (64 extra runs of one case, then the shrink).
 */
const DEFAULT_RERUNS = 64;

export interface DiffOptions {
  left: DiffSideSpec;
  right: DiffSideSpec;
  profile: ProfileName;
  runs: number;
  seed: number;
  caseIndex?: number;
  path?: string;
  stepTimeout: number;
  reportDir: string;
  nodes: number;
  maxEvents: number;
  /** Reruns of a divergent case before it is reported (runDiffCampaign's reruns); 0 when absent. */
  reruns?: number;
  /**
   * The reference takes rollout candidates in its own node order even against a process (by
   * default it follows the process's choice among equally good candidates; see `followingSide`).
   */
  ownOrder?: boolean;
}

/** Plain reference: no controller, mutant or upstream. */
const isReference = (spec: DiffSideSpec) =>
  spec.upstream === undefined && spec.controller === undefined && spec.mutant === undefined;

/** A side that speaks the controller protocol (upstream's adapter, or a --controller command). */
const isProcess = (spec: DiffSideSpec) => spec.upstream !== undefined || spec.controller !== undefined;

/**
 * The side that follows the other's free choices: the plain reference against a process (upstream
 * ranges over a Go map where a limited rollout budget picks among equally good nodes), unless
 * `--own-order`. None when both or neither side is the plain reference.
 */
export function followingSide(options: Pick<DiffOptions, 'left' | 'right' | 'ownOrder'>): 'left' | 'right' | undefined {
  if (options.ownOrder) return undefined;
  if (isReference(options.left) && isProcess(options.right)) return 'left';
  if (isReference(options.right) && isProcess(options.left)) return 'right';
  return undefined;
}

function sideName(spec: DiffSideSpec): string {
  if (spec.upstream !== undefined) return `upstream ${spec.upstream}`;
  if (spec.mutant !== undefined) return `mutant ${spec.mutant}`;
  if (spec.controller !== undefined) return spec.controller;
  return 'reference';
}

function sideSlug(spec: DiffSideSpec): string {
  const text = spec.upstream !== undefined ? `upstream-${spec.upstream}` : sideName(spec);
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'implementation'
  );
}

/** Starts one side; undefined (exit code set, one line printed) when it cannot be built or started. */
async function startSide(
  spec: DiffSideSpec,
  options: Pick<DiffOptions, 'stepTimeout'>,
  context: CliContext,
): Promise<{ implementation: Implementation; ref: DiffSideRef } | undefined> {
  if (spec.upstream !== undefined) {
    const command = await upstreamControllerCommand(spec.upstream, {}, context);
    if (command === undefined) return undefined;
    const implementation = await processImplementation(command, {
      stepTimeoutMs: options.stepTimeout,
      onLog: (chunk) => {
        if (process.env.DSCONFORM_SHOW_CONTROLLER_LOG) context.io.stderr(chunk);
      },
    });
    const name = `upstream ${spec.upstream}`;
    return {
      implementation: { ...implementation, name, close: () => implementation.close() },
      ref: { name, kind: 'process', upstream: spec.upstream },
    };
  }
  const { implementation, ref } = await resolveImplementation(
    {
      stepTimeout: options.stepTimeout,
      ...(spec.controller !== undefined ? { controller: spec.controller } : {}),
      ...(spec.mutant !== undefined ? { mutant: spec.mutant } : {}),
    },
    context.io,
  );
  return { implementation, ref };
}

/** startSide, except that the side that follows the other's choices is a reference built to follow them. */
function startFollowingSide(
  spec: DiffSideSpec,
  side: 'left' | 'right',
  following: 'left' | 'right' | undefined,
  follower: ChoiceFollower,
  options: Pick<DiffOptions, 'stepTimeout'>,
  context: CliContext,
): ReturnType<typeof startSide> {
  if (following !== side) return startSide(spec, options, context);
  const implementation = referenceImplementation('reference', () => ({
    rules: { orderRolloutNodes: follower.order, orderCreates: follower.orderCreates },
  }));
  return Promise.resolve({ implementation, ref: { name: 'reference', kind: 'reference' } });
}

/** The command line that reruns (and reshrinks) the case. */
function rerunCommand(options: DiffOptions, cx: Counterexample, withPath: boolean): string {
  const side = (spec: DiffSideSpec, prefix: '' | 'right-') =>
    spec.upstream !== undefined
      ? prefix === 'right-'
        ? ` --upstream ${spec.upstream}`
        : ` --left-upstream ${spec.upstream}`
      : spec.mutant !== undefined
        ? ` --${prefix}mutant ${spec.mutant}`
        : spec.controller !== undefined
          ? ` --${prefix}controller ${JSON.stringify(spec.controller)}`
          : prefix === 'right-'
            ? ' --right-reference'
            : '';
  const scope = `${options.nodes !== 3 ? ` --nodes ${options.nodes}` : ''}${options.maxEvents !== 30 ? ` --max-events ${options.maxEvents}` : ''}`;
  return `npx dsconform diff${side(options.right, 'right-')}${side(options.left, '')} --profile ${options.profile} --seed ${cx.seed} --case ${cx.caseIndex}${withPath && cx.path ? ` --path ${cx.path}` : ''}${scope}`;
}

function saveDiffCounterexample(reportDir: string, file: DiffCounterexampleFile, options: DiffOptions): string {
  const dir = join(reportDir, 'counterexamples');
  mkdirSync(dir, { recursive: true });
  const path = join(
    dir,
    `${DIFF_INVARIANT}-${file.profile}-seed${file.seed}-${sideSlug(options.left)}-vs-${sideSlug(options.right)}.json`,
  );
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return displayPath(path);
}

export async function runDiff(options: DiffOptions, context: CliContext): Promise<ExitCode> {
  const { io } = context;
  const started: Implementation[] = [];
  const closeAll = async () => {
    for (const implementation of started.splice(0)) await implementation.close();
  };
  const stopOnSignal = onInterrupt(closeAll, 'dsconform diff');
  try {
    let left: Awaited<ReturnType<typeof startSide>>;
    let right: Awaited<ReturnType<typeof startSide>>;
    const following = followingSide(options);
    const follower = new ChoiceFollower();
    try {
      left = await startFollowingSide(options.left, 'left', following, follower, options, context);
      if (left === undefined) return ExitCode.CouldNotCheck;
      started.push(left.implementation);
      right = await startFollowingSide(options.right, 'right', following, follower, options, context);
      if (right === undefined) return ExitCode.CouldNotCheck;
      started.push(right.implementation);
    } catch (e) {
      if (!(e instanceof AdapterError)) throw e;
      io.stderr(`dsconform: could not start an implementation: ${oneLine(e.message)}\n`);
      return ExitCode.CouldNotCheck;
    }
    // A protocol side learns of refused writes a step late, and a crash or a conflict cuts its
    // writes where an in-process side's differ (cause J): the faults `all` mixes in stay out.
    const faultsOff =
      (left.implementation.kind === 'process' || right.implementation.kind === 'process') &&
      FAULT_EVENT_TYPES.some((t) => PROFILES[options.profile].weights[t] > 0);
    io.stdout(
      `dsconform diff: ${left.implementation.name} (left) vs ${right.implementation.name} (right), profile ${options.profile}${faultsOff ? ' without API faults (a protocol side)' : ''}, seed ${options.seed}, ${options.caseIndex !== undefined ? `case ${options.caseIndex}` : `${options.runs} runs`}\n`,
    );
    const tty = process.stderr.isTTY === true && !process.env.CI;
    const t0 = performance.now();
    let lastProgress = 0;
    const result: DiffCampaignResult = await runDiffCampaign(left.implementation, right.implementation, {
      profile: options.profile,
      ...(faultsOff ? { weights: Object.fromEntries(FAULT_EVENT_TYPES.map((t) => [t, 0])) } : {}),
      runs: options.runs,
      seed: options.seed,
      nodes: options.nodes,
      maxEvents: options.maxEvents,
      ...(options.caseIndex !== undefined ? { caseIndex: options.caseIndex } : {}),
      ...(options.path !== undefined ? { path: options.path } : {}),
      reruns: options.reruns ?? 0,
      ...(following !== undefined ? { run: { follow: { side: following, follower } } } : {}),
      onProgress: (p) => {
        const now = performance.now();
        if (!tty || (now - lastProgress < 200 && p.runs < options.runs)) return;
        lastProgress = now;
        io.stderr(
          `\r  ${p.runs}/${options.runs} runs, ${(p.runs / Math.max(0.001, (now - t0) / 1000)).toFixed(1)} runs/s `,
        );
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (tty) io.stderr('\r\x1b[K');
    // Timing goes to stderr only: stdout is the same, byte for byte, for the same seed.
    io.stderr(
      `dsconform diff: ${result.runs} runs in ${seconds.toFixed(1)} s (${(result.runs / Math.max(0.001, seconds)).toFixed(1)} runs/s${result.counterexample ? ', shrinking included' : ''})\n`,
    );
    if (result.skipped) {
      io.stdout(`Verdict: skipped (a side does not support: ${result.skipped.missing.join(', ')})\n`);
      return ExitCode.Ok;
    }
    if (result.adapterError) {
      io.stdout(`Verdict: could not check after ${result.runs} runs\n`);
      io.stderr(`dsconform: could not check: ${oneLine(result.adapterError.message)}\n`);
      return ExitCode.CouldNotCheck;
    }
    if (result.agreedOnRerun !== undefined) {
      io.stdout(
        `${result.agreedOnRerun.length} case${result.agreedOnRerun.length === 1 ? '' : 's'} diverged and then agreed when run again (a non-deterministic side, such as upstream choosing among equivalent pods by Go map order: docs/upstream-differences.md, cause C):\n`,
      );
      for (const a of result.agreedOnRerun) {
        io.stdout(`  case ${a.caseIndex}, agreed on rerun ${a.rerun}; first run: ${a.first}\n`);
      }
    }
    const cx = result.counterexample;
    if (cx === undefined && options.path !== undefined) {
      io.stdout(`Verdict: no divergence (case ${options.caseIndex} at shrink path ${options.path})\n`);
      return ExitCode.Ok;
    }
    if (cx === undefined) {
      io.stdout(
        `Verdict: no divergence (${result.runs} runs, ${result.events} events, ${result.checks} steps compared)\n`,
      );
      return ExitCode.Ok;
    }
    const failure = cx.failure;
    if (!isDiffFailure(failure)) throw new Error('a differential case failed without a divergence');
    const base = counterexampleFile(
      left.ref,
      options.profile,
      { nodes: options.nodes, maxEvents: options.maxEvents },
      cx,
      [],
    );
    const file: DiffCounterexampleFile = {
      ...base,
      format: COUNTEREXAMPLE_FORMAT,
      finalTable: stepTable(failure.diff.steps.at(-1)),
      differential: { left: left.ref, right: right.ref },
    };
    const saved = saveDiffCounterexample(options.reportDir, file, options);
    const reportName = `${file.profile}-seed${file.seed}-${sideSlug(options.left)}-vs-${sideSlug(options.right)}`;
    const report = displayPath(
      writeDiffReport(
        join(options.reportDir, 'diff', reportName),
        file as unknown as DiffReportInput,
        `npx dsconform replay ${saved}`,
      ),
    );
    io.stdout(
      cx.nonDeterministic
        ? `\nDivergence as first observed (${cx.events.length} events; not shrunk: the same events agreed when run again):\n`
        : `\nDivergence (shrunk ${cx.shrinks} times to ${cx.events.length} events):\n`,
    );
    for (const line of formatDivergence(failure)) io.stdout(`${line}\n`);
    io.stdout(
      [
        '',
        `Divergence: ${failure.message}${failure.step >= 0 ? ` [after event ${failure.step + 1}]` : ' [at quiescence]'}`,
        `Seed ${cx.seed}, case ${cx.caseIndex}, shrink path ${JSON.stringify(cx.path)}`,
        `Replay: npx dsconform replay ${saved}`,
        `Rerun the case: ${rerunCommand(options, cx, false)}`,
        `Rerun the shrunk case: ${rerunCommand(options, cx, true)}`,
        '',
        `Verdict: DIVERGENCE${cx.nonDeterministic ? ' (not reproducible: a side is non-deterministic)' : ''} (found in run ${result.runs} of ${options.caseIndex !== undefined ? 1 : options.runs})`,
        `Counterexample: ${saved}`,
        `Report: ${report}`,
        '',
      ].join('\n'),
    );
    return ExitCode.Violation;
  } finally {
    stopOnSignal();
    await closeAll();
  }
}

interface RawDiffOptions {
  upstream?: string;
  controller?: string;
  mutant?: string;
  leftUpstream?: string;
  rightController?: string;
  rightMutant?: string;
  rightReference?: boolean;
  profile?: ProfileName;
  runs?: number;
  seed?: number;
  case?: number;
  path?: string;
  stepTimeout?: number;
  reportDir?: string;
  nodes?: number;
  maxEvents?: number;
  reruns?: number;
  ownOrder?: boolean;
}

/** The two sides from the options: exactly one right side, at most one left side (the reference by default). */
export function diffSides(raw: RawDiffOptions): { left: DiffSideSpec; right: DiffSideSpec } {
  const rights = [
    raw.upstream !== undefined ? 'upstream' : undefined,
    raw.rightController !== undefined ? 'right-controller' : undefined,
    raw.rightMutant !== undefined ? 'right-mutant' : undefined,
    raw.rightReference === true ? 'right-reference' : undefined,
  ].filter((x) => x !== undefined);
  if (rights.length !== 1)
    throw new InvalidArgumentError(
      rights.length === 0
        ? 'diff needs a right side: --upstream <version>, --right-controller <command>, --right-mutant <name> or --right-reference'
        : `one right side only; got --${rights.join(' and --')}`,
    );
  const lefts = [
    raw.controller !== undefined ? 'controller' : undefined,
    raw.mutant !== undefined ? 'mutant' : undefined,
    raw.leftUpstream !== undefined ? 'left-upstream' : undefined,
  ].filter((x) => x !== undefined);
  if (lefts.length > 1) throw new InvalidArgumentError(`one left side only; got --${lefts.join(' and --')}`);
  for (const name of [raw.mutant, raw.rightMutant]) {
    if (name !== undefined && mutantByName(name) === undefined)
      throw new InvalidArgumentError(
        `unknown mutant "${name}"; known: ${[...MUTANTS, ...VARIANTS].map((m) => m.name).join(', ')}`,
      );
  }
  const left: DiffSideSpec = {
    ...(raw.controller !== undefined ? { controller: raw.controller } : {}),
    ...(raw.mutant !== undefined ? { mutant: raw.mutant } : {}),
    ...(raw.leftUpstream !== undefined ? { upstream: raw.leftUpstream } : {}),
  };
  const right: DiffSideSpec = {
    ...(raw.upstream !== undefined ? { upstream: raw.upstream } : {}),
    ...(raw.rightController !== undefined ? { controller: raw.rightController } : {}),
    ...(raw.rightMutant !== undefined ? { mutant: raw.rightMutant } : {}),
  };
  return { left, right };
}

export const registerDiff: RegisterCommand = (program: Command, context: CliContext) => {
  caseOptions(program.command('diff'), {
    stepTimeout: 'how long a process side may take to answer one message',
    reportDir: 'where counterexamples are written',
  })
    .description(
      'lock-step differential: the same generated events drive two implementations (default left: the reference); the first step where their writes or clusters differ is shrunk and saved',
    )
    .option('--upstream <version>', `right side: ${UPSTREAM_OPTION_HELP}`)
    .option('--right-controller <command>', 'right side: an implementation speaking the controller protocol')
    .option(
      '--right-mutant <name>',
      `right side: a reference mutant or variant (${MUTANTS.map((m) => m.name).join(', ')})`,
    )
    .option('--right-reference', 'right side: the reference itself (a check of the comparison: it must agree)')
    .option(
      '--controller <command>',
      'left side: an implementation speaking the controller protocol instead of the reference',
    )
    .option('--mutant <name>', 'left side: a reference mutant or variant instead of the reference')
    .option('--left-upstream <version>', 'left side: an upstream release (e.g. 1.34 against --upstream 1.37)')
    .addOption(new Option('--profile <name>', 'which behaviour to exercise').choices(PROFILE_NAMES).default('all'))
    .option('--runs <n>', 'number of generated cases (env DSCONFORM_RUNS)', positiveInt('--runs'))
    .option('--seed <n>', 'random seed; the same seed gives the same output (env DSCONFORM_SEED)', seedValue)
    .option('--case <n>', 'run only this case of the campaign (0-based)', nonNegativeInt('--case'))
    .option(
      '--path <path>',
      'fast-check shrink path of the case (with --case), as a divergence prints it',
      shrinkPathValue,
    )
    .option(
      '--reruns <n>',
      'run a divergent case again up to n times before reporting it; one that then agrees is listed, not failed (a side chose differently among equivalent pods, as upstream does where it iterates Go maps); 0 reports the first divergence',
      nonNegativeInt('--reruns'),
      DEFAULT_RERUNS,
    )
    .option(
      '--own-order',
      'the reference takes rollout candidates in its own node order; by default, against a process, it takes the ones the process took where several are equally good (upstream picks by Go map order)',
    )
    .action(async (raw: RawDiffOptions) => {
      const { left, right } = diffSides(raw);
      if (raw.profile === 'faults' && (isProcess(left) || isProcess(right)))
        throw new InvalidArgumentError(
          "--profile faults compares in-process implementations only: a protocol process sends a step's writes as one list and learns of refused ones a step later, where an API server answers each write at once (docs/upstream-differences.md, cause J)",
        );
      if (raw.path !== undefined && raw.case === undefined)
        throw new InvalidArgumentError('--path is the shrink path of one case: give --case too');
      const options: DiffOptions = {
        left,
        right,
        profile: raw.profile ?? 'all',
        runs: raw.runs ?? defaultRuns(300),
        seed: raw.seed ?? defaultSeed(),
        stepTimeout: raw.stepTimeout ?? 10_000,
        reportDir: raw.reportDir ?? 'reports',
        nodes: raw.nodes ?? 3,
        maxEvents: raw.maxEvents ?? 30,
        reruns: raw.reruns ?? DEFAULT_RERUNS,
        ...(raw.ownOrder === true ? { ownOrder: true } : {}),
        ...(raw.case !== undefined ? { caseIndex: raw.case } : {}),
        ...(raw.path !== undefined ? { path: raw.path } : {}),
      };
      ensureOutputDirectory(options.reportDir, '--report-dir');
      context.exit(await runDiff(options, context));
    });
};

/** A recorded side as a side to start: a recorded command only with --trust-command (as replay does for one side). */
function recordedSide(ref: DiffSideRef, trust: boolean): DiffSideSpec {
  if (ref.upstream !== undefined) return { upstream: ref.upstream };
  if (ref.controller !== undefined) {
    if (!trust)
      throw new InvalidArgumentError(
        `the divergence was found on the command ${JSON.stringify(ref.controller)}; replay runs a command read from a file only when asked: pass --trust-command (or --controller with your own command for the left side)`,
      );
    return { controller: ref.controller };
  }
  return ref.mutant !== undefined ? { mutant: ref.mutant } : {};
}

/**
 * `dsconform replay` of a differential counterexample: the same events on both recorded sides
 * in lock step (--controller or --mutant replace the left side, as in `diff`). Exit 1 when they
 * still diverge, 0 when they agree now, 2 when a side cannot run.
 */
export async function runDiffReplay(
  path: string,
  file: DiffCounterexampleFile,
  options: ReplayOptions,
  context: CliContext,
): Promise<ExitCode> {
  const { io } = context;
  if (options.saveScenario !== undefined)
    throw new InvalidArgumentError(
      '--save-scenario: a differential counterexample compares two implementations; a scenario checks one',
    );
  if (options.controller !== undefined && options.mutant !== undefined)
    throw new InvalidArgumentError('--mutant replays on a reference mutant, --controller on your command: give one');
  const trust = options.trustCommand === true;
  const left: DiffSideSpec =
    options.controller !== undefined
      ? { controller: options.controller }
      : options.mutant !== undefined
        ? { mutant: options.mutant }
        : recordedSide(file.differential.left, trust);
  const right = recordedSide(file.differential.right, trust);
  const started: Implementation[] = [];
  const closeAll = async () => {
    for (const implementation of started.splice(0)) await implementation.close();
  };
  const stopOnSignal = onInterrupt(closeAll, 'dsconform replay');
  try {
    const sides: Implementation[] = [];
    const following = followingSide({ left, right });
    const follower = new ChoiceFollower();
    for (const [spec, which] of [
      [left, 'left'],
      [right, 'right'],
    ] as const) {
      let side: Awaited<ReturnType<typeof startSide>>;
      try {
        side = await startFollowingSide(spec, which, following, follower, options, context);
      } catch (e) {
        if (!(e instanceof AdapterError)) throw e;
        io.stderr(`dsconform: could not start an implementation: ${oneLine(e.message)}\n`);
        return ExitCode.CouldNotCheck;
      }
      if (side === undefined) return ExitCode.CouldNotCheck;
      started.push(side.implementation);
      sides.push(side.implementation);
    }
    const [l, r] = sides as [Implementation, Implementation];
    io.stdout(`dsconform replay: ${file.events.length} events of ${path}, ${l.name} (left) vs ${r.name} (right)\n`);
    let result: Awaited<ReturnType<typeof runDiffCase>>;
    try {
      result = await runDiffCase(
        file.events,
        () => l.makeSystem(),
        () => r.makeSystem(),
        { left: l.name, right: r.name },
        following !== undefined ? { follow: { side: following, follower } } : {},
      );
    } catch (e) {
      if (!(e instanceof AdapterError)) throw e;
      io.stderr(`dsconform: could not replay: ${oneLine(e.message)}\n`);
      return ExitCode.CouldNotCheck;
    }
    if (!isDiffFailure(result.failure)) {
      io.stdout(`\nResult: the two agree now (the recorded divergence was: ${file.message})\n`);
      return ExitCode.Ok;
    }
    for (const line of formatDivergence(result.failure)) io.stdout(`${line}\n`);
    const same = result.failure.message === file.message;
    io.stdout(
      `\nResult: diverges${same ? ' again' : ' differently'}: ${result.failure.message}${same ? '' : ` (recorded: ${file.message})`}\n`,
    );
    return ExitCode.Violation;
  } finally {
    stopOnSignal();
    await closeAll();
  }
}
