/**
 * `dsconform check`: run a conformance campaign against an implementation and give a verdict.
 * Exit 0 = conforms, 1 = a violation was found (counterexample written), 2 = could not check.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { invariantById } from '../../model/invariants.ts';
import { type CampaignOptions, type CampaignProgress, type CampaignResult, runCampaign } from '../harness/campaign.js';
import { counterexampleFile, type ImplementationRef, saveCounterexample } from '../harness/counterexample.js';
import { type Implementation, processImplementation, referenceImplementation } from '../harness/implementation.js';
import { MUTANTS, mutantByName, mutantOptionsForStore } from '../harness/mutants.js';
import { ALL_FEATURES, PROFILE_NAMES, type ProfileName } from '../harness/profiles.js';
import { oracleLine, ruleCoverageLine } from '../harness/ruleCoverage.js';
import type { SystemUnderTest } from '../harness/systemUnderTest.js';
import { runCampaignInWorkers } from '../harness/workers.js';
import { displayPath } from '../manifests/inputError.js';
import { AdapterError } from '../protocol/adapterError.js';
import { CaseLogBuilder } from '../report/caseLog.js';
import {
  type ConformanceReport,
  overallVerdict,
  type ProfileReport,
  profileReport,
  REPORT_SCHEMA,
} from '../report/conformanceReport.js';
import { writeHtmlReport } from '../report/html.js';
import { renderJunit } from '../report/junit.js';
import { servedUpstreamCommand, UPSTREAM_OPTION_HELP, upstreamControllerCommand } from '../upstream/cliOption.js';
import { ExitCode } from './exitCodes.js';
import { onInterrupt } from './lifecycle.js';
import type { CliContext, CliIO, RegisterCommand } from './main.js';
import { ensureOutputDirectory } from './outputDir.js';

export interface CheckOptions {
  controller?: string;
  /** --serve: the command of a controller that reconciles the served cluster (docs/serve.md). */
  serve?: string[];
  /** --upstream as given (the controller or serve command it became is in `controller` / `serve`). */
  upstream?: string;
  /** With --serve: whose clock the controller reads (docs/serve.md); virtual by default with --upstream, else wall. */
  clock?: 'virtual' | 'wall';
  kubeconfig?: string;
  /** With --kubeconfig: the context to use instead of the file's current one. */
  context?: string;
  /** With --kubeconfig: skip the "is this a throwaway test cluster" check. */
  allowAnyCluster?: boolean;
  /** With --kubeconfig: longest wait for the cluster to settle (ms), and how long it must stay unchanged. */
  convergenceTimeout?: number;
  stableFor?: number;
  mutant?: string;
  profile: ProfileName;
  runs: number;
  seed: number;
  caseIndex?: number;
  path?: string;
  stepTimeout: number;
  reportDir: string;
  nodes: number;
  maxEvents: number;
  /** --no-shrink: the failing case as generated is the counterexample. */
  shrink?: false;
  /** Worker threads that run the cases (the result is the single-process one). */
  workers?: number;
  /** Run only shard `index` of `count` (cases i with i mod count = index - 1), for merging later. */
  shard?: { index: number; count: number };
}

import { caseOptions, nonNegativeInt, positiveInt, seedValue, shardValue, shrinkPathValue } from './options.js';

export { positiveInt, shardValue };

/** A default seed: DSCONFORM_SEED, else a fresh one (printed, so the run can be repeated). */
export function defaultSeed(): number {
  const fromEnv = process.env.DSCONFORM_SEED;
  if (fromEnv !== undefined && /^-?\d+$/.test(fromEnv)) return Number(fromEnv) | 0;
  return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
}

export function defaultRuns(fallback: number): number {
  const fromEnv = process.env.DSCONFORM_RUNS;
  return fromEnv !== undefined && /^\d+$/.test(fromEnv) && Number(fromEnv) > 0 ? Number(fromEnv) : fallback;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'implementation'
  );
}

/** What `dsconform check` runs against: a real cluster with --kubeconfig, else as resolveImplementation says. */
export async function resolveCheckTarget(
  options: Pick<
    CheckOptions,
    | 'controller'
    | 'serve'
    | 'kubeconfig'
    | 'mutant'
    | 'stepTimeout'
    | 'context'
    | 'allowAnyCluster'
    | 'convergenceTimeout'
    | 'stableFor'
    | 'clock'
    | 'upstream'
  >,
  io: CliIO,
): Promise<{ implementation: Implementation<SystemUnderTest>; ref: ImplementationRef }> {
  if (options.serve !== undefined) {
    if (options.controller !== undefined || options.mutant !== undefined || options.kubeconfig !== undefined)
      throw new InvalidArgumentError(
        '--serve checks the controller command given after --; it does not combine with --controller, --mutant or --kubeconfig',
      );
    const { servedControllerImplementation } = await import('../serve/servedController.js');
    const implementation = await servedControllerImplementation(options.serve, {
      virtualClock: servedClock(options) === 'virtual',
      timing: {
        ...(options.convergenceTimeout !== undefined ? { convergenceTimeoutMs: options.convergenceTimeout } : {}),
        ...(options.stableFor !== undefined ? { stableForMs: options.stableFor } : {}),
      },
      log: (line) => io.stderr(`dsconform: ${line}\n`),
    });
    return {
      implementation,
      ref: {
        name: implementation.name,
        kind: 'process',
        serve: options.serve,
        clock: servedClock(options),
        ...(options.upstream !== undefined ? { upstream: options.upstream } : {}),
      },
    };
  }
  if (options.kubeconfig === undefined) return resolveImplementation(options, io);
  if (options.controller !== undefined || options.mutant !== undefined)
    throw new InvalidArgumentError('--kubeconfig checks a cluster; it does not combine with --controller or --mutant');
  // Loaded only here: nothing else in dsconform needs the Kubernetes client.
  const { clusterImplementation } = await import('../k8s/clusterImplementation.js');
  const implementation = await clusterImplementation({
    kubeconfig: options.kubeconfig,
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(options.allowAnyCluster ? { allowAnyCluster: true } : {}),
    timing: {
      ...(options.convergenceTimeout !== undefined ? { convergenceTimeoutMs: options.convergenceTimeout } : {}),
      ...(options.stableFor !== undefined ? { stableForMs: options.stableFor } : {}),
    },
    log: (line) => io.stderr(`dsconform: ${line}\n`),
  });
  return { implementation, ref: { name: implementation.name, kind: 'process', cluster: true } };
}

/** Resolves --controller / --mutant to an implementation; the reference by default. */
export async function resolveImplementation(
  options: Pick<CheckOptions, 'controller' | 'kubeconfig' | 'mutant' | 'stepTimeout'>,
  io: CliIO,
): Promise<{ implementation: Implementation; ref: ImplementationRef }> {
  if (options.kubeconfig !== undefined) {
    throw new InvalidArgumentError('--kubeconfig is for dsconform check (a real cluster is not a simulated system)');
  }
  if (options.controller !== undefined) {
    if (options.mutant !== undefined)
      throw new InvalidArgumentError('--mutant applies to the reference implementation, not to --controller');
    const implementation = await processImplementation(options.controller, {
      stepTimeoutMs: options.stepTimeout,
      onLog: (chunk) => {
        if (process.env.DSCONFORM_SHOW_CONTROLLER_LOG) io.stderr(chunk);
      },
    });
    return { implementation, ref: { name: implementation.name, kind: 'process', controller: options.controller } };
  }
  if (options.mutant !== undefined) {
    const mutant = mutantByName(options.mutant);
    if (mutant === undefined) {
      throw new InvalidArgumentError(
        `unknown mutant "${options.mutant}"; known: ${MUTANTS.map((m) => m.name).join(', ')}`,
      );
    }
    return {
      implementation: referenceImplementation(`mutant ${mutant.name}`, mutantOptionsForStore(mutant)),
      ref: { name: `mutant ${mutant.name}`, kind: 'reference', mutant: mutant.name },
    };
  }
  return { implementation: referenceImplementation(), ref: { name: 'reference', kind: 'reference' } };
}

function progressLine(io: CliIO, tty: boolean, runsRequested: number) {
  if (!tty) return undefined;
  let last = 0;
  const started = performance.now();
  return (p: CampaignProgress) => {
    const now = performance.now();
    if (now - last < 200 && p.runs < runsRequested) return;
    last = now;
    const perSecond = p.runs / Math.max(0.001, (now - started) / 1000);
    io.stderr(`\r  ${p.runs}/${runsRequested} runs, ${perSecond.toFixed(0)} runs/s, ${p.checks} invariant checks `);
  };
}

/** check's options that may also follow a --serve command (`check --serve -- <binary> --runs 200`), with whether they take a value. */
const TRAILING_RUN_OPTIONS: ReadonlyMap<string, boolean> = new Map([
  ['--runs', true],
  ['--seed', true],
  ['--profile', true],
  ['--nodes', true],
  ['--max-events', true],
  ['--report-dir', true],
  ['--stable-for', true],
  ['--convergence-timeout', true],
  ['--clock', true],
  ['--no-shrink', false],
]);

/**
 * `check --serve -- <command> --runs 200`: check's own run options at the end of the controller
 * command are check's (moved before the `--`), so that the command can be written as issue 16
 * writes it. Only a trailing run of the options above is taken, and `taken` says which, so that
 * the CLI can say so; a controller that really takes such a flag is run through `sh -c '...'`.
 */
export function servedCheckArgv(argv: readonly string[]): { argv: string[]; taken: string[] } {
  // argv is process.argv's shape: node, script, then the subcommand (dsconform has no global options).
  const dashes = argv.indexOf('--');
  if (argv[2] !== 'check' || dashes < 0 || !argv.slice(3, dashes).includes('--serve'))
    return { argv: [...argv], taken: [] };
  const command = argv.slice(dashes + 1);
  const taken: string[] = [];
  // From the end: a flag, an `--opt=value`, or an `--opt value` pair, while the program itself stays.
  for (;;) {
    const last = command.at(-1) ?? '';
    const [name, inline] = last.split(/=(.*)/s, 2) as [string, string | undefined];
    if (command.length > 1 && TRAILING_RUN_OPTIONS.get(name) === false && inline === undefined) {
      taken.unshift(command.pop() as string);
    } else if (command.length > 1 && TRAILING_RUN_OPTIONS.get(name) === true && inline !== undefined) {
      taken.unshift(command.pop() as string);
    } else if (command.length > 2 && TRAILING_RUN_OPTIONS.get(command.at(-2) ?? '') === true) {
      taken.unshift(...command.splice(-2, 2));
    } else break;
  }
  return { argv: [...argv.slice(0, dashes), ...taken, '--', ...command], taken };
}

/**
 * Operands are a controller's command, and only after `--serve ... --`: anything else is a stray
 * argument, said in one line (exit 2). False when the command must stop.
 */
export function operandsFitServe(
  operands: readonly string[],
  serve: boolean | undefined,
  context: CliContext,
): boolean {
  if (operands.length === 0 || serve === true) return true;
  context.io.stderr(
    `dsconform: unexpected argument ${JSON.stringify(operands[0])} (a controller command goes after -- with --serve)\n`,
  );
  context.exit(ExitCode.CouldNotCheck);
  return false;
}

/** Whose clock a served controller reads: --clock, else dsconform's for upstream's program (it reads it), else the wall clock. */
export function servedClock(options: {
  clock?: CheckOptions['clock'] | undefined;
  upstream?: string | undefined;
}): 'virtual' | 'wall' {
  return options.clock ?? (options.upstream !== undefined ? 'virtual' : 'wall');
}

/**
 * The options that select what was checked and how cases are shaped, as they go on a command line
 * (a --serve command last, after --): what the rerun line needs to run the same case again.
 */
export function implementationFlags(
  options: Pick<
    CheckOptions,
    'controller' | 'mutant' | 'kubeconfig' | 'context' | 'serve' | 'upstream' | 'clock' | 'nodes' | 'maxEvents'
  >,
): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
  const flags: string[] = [];
  if (options.upstream !== undefined)
    flags.push(`${options.serve !== undefined ? '--serve ' : ''}--upstream ${options.upstream}`);
  else if (options.controller !== undefined) flags.push(`--controller ${quote(options.controller)}`);
  if (options.mutant !== undefined) flags.push(`--mutant ${options.mutant}`);
  if (options.kubeconfig !== undefined) flags.push(`--kubeconfig ${quote(options.kubeconfig)}`);
  if (options.context !== undefined) flags.push(`--context ${quote(options.context)}`);
  if (options.clock !== undefined && options.clock !== servedClock({ ...options, clock: undefined }))
    flags.push(`--clock ${options.clock}`);
  if (options.nodes !== 3) flags.push(`--nodes ${options.nodes}`);
  if (options.maxEvents !== 30) flags.push(`--max-events ${options.maxEvents}`);
  if (options.serve !== undefined && options.upstream === undefined)
    flags.push(`--serve -- ${options.serve.map(quote).join(' ')}`);
  return flags.length === 0 ? '' : ` ${flags.join(' ')}`;
}

export function formatCounterexample(profile: ProfileReport, replay: string, rerunFlags = '', shrunk = true): string[] {
  const cx = profile.counterexample;
  if (!cx) return [];
  const statement = invariantById(cx.invariant)?.statement;
  const lines = [
    cx.nonDeterministic
      ? `Observed failing run (${cx.events.length} events; not shrunk: the same events passed when run again):`
      : shrunk
        ? `Counterexample (shrunk ${cx.shrinks} times to ${cx.events.length} events):`
        : `Counterexample (${cx.events.length} events, not shrunk: --no-shrink):`,
    ...cx.trace.flatMap((t) => [
      `  ${String(t.index + 1).padStart(2)}. ${t.description}${t.outcome.applied ? '' : `   [no effect${t.outcome.note ? `: ${t.outcome.note}` : ''}]`}`,
      ...t.table.map((row) => `        ${row}`),
    ]),
  ];
  if (cx.step === -1)
    lines.push('  then the cluster was left to settle (quiescence):', ...cx.finalTable.map((row) => `        ${row}`));
  lines.push(
    `Violation: ${cx.invariant}${statement ? ` (${statement})` : ''}`,
    `  ${cx.message}${cx.node ? ` [node ${cx.node}]` : ''}${cx.step >= 0 ? ` [after event ${cx.step + 1}]` : ' [at quiescence]'}`,
    `Seed ${cx.seed}, case ${cx.caseIndex}, shrink path ${JSON.stringify(cx.path)}`,
    `Replay: ${replay}`,
    `Rerun the campaign's case: npx dsconform check --profile ${profile.profile} --seed ${cx.seed} --case ${cx.caseIndex}${rerunFlags}`,
  );
  return lines;
}

/** An adapter failure as the one line the CLI prints (implementations may put anything in their texts). */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Stands in for an implementation that failed to start: the report still says what was tried. */
function unstarted(options: Pick<CheckOptions, 'controller' | 'kubeconfig'>): {
  implementation: Implementation;
  ref: ImplementationRef;
} {
  const name = options.controller ?? `cluster (${options.kubeconfig ?? 'kubeconfig'})`;
  return {
    implementation: {
      name,
      kind: 'process',
      features: ALL_FEATURES,
      makeSystem: () => {
        throw new AdapterError('spawn', `${name} did not start`);
      },
      close: async () => {},
    },
    ref: { name, kind: 'process', ...(options.controller !== undefined ? { controller: options.controller } : {}) },
  };
}

export async function runCheck(options: CheckOptions, context: CliContext): Promise<ExitCode> {
  const { io } = context;
  let startError: AdapterError | undefined;
  let resolved: Awaited<ReturnType<typeof resolveCheckTarget>>;
  try {
    resolved = await resolveCheckTarget(options, io);
  } catch (e) {
    if (!(e instanceof AdapterError)) throw e;
    // Still write a report (verdict could-not-check): CI keeps what was tried and why it stopped.
    startError = e;
    resolved = unstarted(options);
  }
  const { implementation, ref } = resolved;
  // Ctrl-C or a TERM must not leave the implementation's processes (or cluster objects) behind.
  // (src/cli/lifecycle.ts: exit 130 for SIGINT, 143 for SIGTERM, every process group killed.)
  const stopOnSignal = onInterrupt(() => implementation.close(), implementation.name);
  const runId = `${ref.mutant ? `mutant-${ref.mutant}` : ref.kind === 'reference' ? 'reference' : slug(implementation.name)}-${options.profile}-seed${options.seed}`;
  // Shards of one campaign share its run id (merge groups by it), not its folder.
  const shardSuffix = options.shard ? `-shard${options.shard.index}of${options.shard.count}` : '';
  const runDir = join(options.reportDir, 'conformance', `${runId}${shardSuffix}`);
  io.stdout(
    `dsconform check: ${implementation.name}, profile ${options.profile}, seed ${options.seed}, ${options.runs} runs${options.shard ? `, shard ${options.shard.index}/${options.shard.count}` : ''}${(options.workers ?? 1) > 1 ? `, ${options.workers} workers` : ''}\n`,
  );
  const profiles: ProfileReport[] = [];
  const caseLog = new CaseLogBuilder();
  let replay: string | undefined;
  const writeReports = (): ConformanceReport => {
    const report: ConformanceReport = {
      schema: REPORT_SCHEMA,
      runId,
      implementation: ref,
      seed: options.seed,
      runsRequested: options.runs,
      verdict: overallVerdict(profiles),
      profiles,
      ...(replay ? { replay } : {}),
      ...(options.shard ? { shard: options.shard } : {}),
    };
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(runDir, 'junit.xml'), renderJunit(report));
    writeHtmlReport(runDir, report);
    return report;
  };
  try {
    const tty = process.stderr.isTTY === true && io === context.io && !process.env.CI;
    const started = performance.now();
    let result: CampaignResult;
    try {
      if (startError) throw startError;
      const onProgress = progressLine(io, tty, options.runs);
      // --workers N: the same cases and the same result, on N threads (src/harness/workers.ts).
      const runCampaignHere = (campaign: CampaignOptions) =>
        (options.workers ?? 1) > 1
          ? runCampaignInWorkers(implementation, campaign, {
              workers: options.workers ?? 1,
              spec: { ref, stepTimeoutMs: options.stepTimeout },
            })
          : runCampaign(implementation, campaign);
      // A real cluster gets the events it can do and the invariants it can be checked for (src/k8s/profile.ts).
      const cluster = implementation.kind === 'cluster' ? await import('../k8s/profile.js') : undefined;
      result = await runCampaignHere({
        ...(cluster
          ? {
              weights: cluster.clusterEventWeights(implementation.alsoSupports ?? []),
              run: { invariants: cluster.clusterInvariants() },
            }
          : {}),
        profile: options.profile,
        runs: options.runs,
        seed: options.seed,
        nodes: options.nodes,
        maxEvents: options.maxEvents,
        ...(options.caseIndex !== undefined ? { caseIndex: options.caseIndex } : {}),
        ...(options.path !== undefined ? { path: options.path } : {}),
        ...(options.shrink === false ? { shrink: false } : {}),
        ...(onProgress ? { onProgress } : {}),
        ...(options.shard ? { shard: options.shard } : {}),
        onCase: (_index, counts) => caseLog.add(counts),
      });
      if (tty) io.stderr('\r\x1b[K');
    } catch (e) {
      if (!(e instanceof AdapterError)) throw e;
      result = {
        profile: options.profile,
        seed: options.seed,
        scope: { nodes: options.nodes, maxEvents: options.maxEvents },
        runs: 0,
        checks: 0,
        events: 0,
        checksById: {},
        adapterError: e,
      };
    }
    const durationMs = Math.round(performance.now() - started);
    let saved: { file: ReturnType<typeof counterexampleFile>; path: string } | undefined;
    if (result.counterexample) {
      const finalTable = result.counterexample.failure.trace.at(-1)?.table ?? [];
      const { podTable } = await import('../harness/trace.js');
      const file = counterexampleFile(
        ref,
        options.profile,
        { nodes: options.nodes, maxEvents: options.maxEvents },
        result.counterexample,
        result.counterexample.failure.step === -1 ? podTable(result.counterexample.failure.observation) : finalTable,
      );
      const path = saveCounterexample(options.reportDir, file);
      saved = { file, path };
      replay = `npx dsconform replay ${path}`;
    }
    const profile = profileReport(result, durationMs, saved, caseLog.build());
    profiles.push(profile);
    const report = writeReports();

    io.stdout('\n');
    if (!startError) {
      const width = Math.max(...profile.invariants.map((i) => i.id.length), 9);
      io.stdout(`${'INVARIANT'.padEnd(width)}  ${'CHECKS'.padStart(8)}  VERDICT\n`);
      for (const inv of profile.invariants) {
        io.stdout(`${inv.id.padEnd(width)}  ${String(inv.checks).padStart(8)}  ${inv.verdict}\n`);
      }
      io.stdout('\n');
      if (profile.rules) io.stdout(`${ruleCoverageLine(profile.rules)}\n`);
      if (profile.oracleIncomplete !== undefined) io.stdout(`${oracleLine(profile.oracleIncomplete, result.runs)}\n\n`);
    }
    const reportPath = displayPath(join(runDir, 'report.json'));
    if (profile.verdict === 'skipped') {
      io.stdout(`Verdict: skipped (${(profile.skippedBecause ?? []).join('; ')})\nReport: ${reportPath}\n`);
      return ExitCode.Ok;
    }
    if (profile.verdict === 'could-not-check') {
      const message = oneLine(result.adapterError?.message ?? 'unknown adapter failure');
      if (startError) {
        io.stdout(`Verdict: could not check (the implementation did not start)\nReport: ${reportPath}\n`);
        io.stderr(`dsconform: could not start the implementation: ${message}\n`);
      } else {
        io.stdout(`Verdict: could not check after ${result.runs} runs\nReport: ${reportPath}\n`);
        io.stderr(`dsconform: could not check ${implementation.name}: ${message}\n`);
      }
      return ExitCode.CouldNotCheck;
    }
    if (profile.verdict === 'violation' && replay) {
      for (const line of formatCounterexample(profile, replay, implementationFlags(options), options.shrink !== false))
        io.stdout(`${line}\n`);
      io.stdout(
        `\nVerdict: VIOLATION of ${profile.counterexample?.invariant} (found in run ${result.runs} of ${options.runs})\nReport: ${reportPath}\nCounterexample: ${profile.counterexampleFile}\n`,
      );
      return ExitCode.Violation;
    }
    if (profile.verdict === 'non-deterministic' && replay) {
      for (const line of formatCounterexample(profile, replay, implementationFlags(options), options.shrink !== false))
        io.stdout(`${line}\n`);
      io.stdout(
        `\nVerdict: NON-DETERMINISTIC implementation: ${profile.counterexample?.invariant} failed in run ${result.runs} of ${options.runs}, and the same case passed when run again\nReport: ${reportPath}\nCounterexample (as observed): ${profile.counterexampleFile}\n`,
      );
      return ExitCode.Violation;
    }
    io.stdout(
      `Verdict: conforms (${result.runs} runs, ${result.events} events, ${result.checks} invariant checks)\nReport: ${reportPath}\n`,
    );
    return report.verdict === 'conforms' ? ExitCode.Ok : ExitCode.Violation;
  } finally {
    stopOnSignal();
    await implementation.close();
  }
}

export const registerCheck: RegisterCommand = (program: Command, context: CliContext) => {
  caseOptions(program.command('check'), {
    stepTimeout: 'how long a --controller may take to answer one message',
    reportDir: 'where reports and counterexamples are written',
  })
    .description(
      'check an implementation against the model: random event sequences, invariants after every step, comparison at quiescence',
    )
    .option(
      '--controller <command>',
      'an implementation speaking the controller protocol (docs/protocol.md); default: the reference implementation',
    )
    .option('--upstream <version>', UPSTREAM_OPTION_HELP)
    .option('--kubeconfig <file>', 'check a real cluster (opt-in; see docs/real-cluster.md)')
    .option(
      '--serve',
      'check an unmodified controller configured by a kubeconfig (its command after --, or --upstream 1.37) against the cluster dsconform serves (docs/serve.md)',
    )
    .argument('[command...]', 'with --serve: the controller command, after --')
    .addOption(
      new Option(
        '--clock <whose>',
        "with --serve: the controller reads dsconform's clock from $DSCONFORM_CLOCK_FILE (virtual: time moves only between steps, and the kubelet's, nodes' and clock's events are drawn) or the wall clock; default: virtual with --upstream, else wall",
      ).choices(['virtual', 'wall']),
    )
    .option('--context <name>', 'with --kubeconfig: the context to use (default: the current one)')
    .option(
      '--i-know-this-is-a-test-cluster',
      'with --kubeconfig: allow a context that does not look like kind, kwok, minikube, k3d or docker-desktop',
    )
    .option(
      '--convergence-timeout <ms>',
      'with --kubeconfig or --serve: longest wait for the cluster to settle',
      positiveInt('--convergence-timeout'),
    )
    .option(
      '--stable-for <ms>',
      'with --kubeconfig or --serve: how long nothing may change to count as settled',
      positiveInt('--stable-for'),
    )
    .option('--mutant <name>', `a deliberately faulty reference controller: ${MUTANTS.map((m) => m.name).join(', ')}`)
    .addOption(new Option('--profile <name>', 'which behaviour to exercise').choices(PROFILE_NAMES).default('all'))
    .option('--runs <n>', 'number of generated cases (env DSCONFORM_RUNS)', positiveInt('--runs'))
    .option('--seed <n>', 'random seed; the same seed gives the same run (env DSCONFORM_SEED)', seedValue)
    .option(
      '--path <path>',
      'fast-check replay path of one case (with --seed), as a failure prints it',
      shrinkPathValue,
    )
    .option('--no-shrink', 'report the failing case as generated, not shrunk: a quicker verdict')
    .option(
      '--case <n>',
      "run only this case of the campaign (0-based), as a failure's rerun line prints it",
      nonNegativeInt('--case'),
    )
    .option(
      '--workers <n>',
      'worker threads running the cases; the result is the same as with one',
      positiveInt('--workers'),
      1,
    )
    .option(
      '--shard <i/n>',
      'run only shard i of n of the campaign (merge the reports with dsconform merge)',
      shardValue,
    )
    .action(async (operands: string[], raw: Partial<CheckOptions> & { serve?: boolean }) => {
      if (!operandsFitServe(operands, raw.serve, context)) return;
      const options: CheckOptions = {
        profile: raw.profile ?? 'all',
        // A real cluster takes seconds per event: fewer cases unless asked.
        runs: raw.runs ?? defaultRuns(raw.kubeconfig !== undefined || raw.serve ? 10 : 300),
        seed: raw.seed ?? defaultSeed(),
        stepTimeout: raw.stepTimeout ?? 10_000,
        reportDir: raw.reportDir ?? 'reports',
        nodes: raw.nodes ?? 3,
        maxEvents: raw.maxEvents ?? 30,
        ...(raw.controller !== undefined ? { controller: raw.controller } : {}),
        ...(raw.serve === true ? { serve: operands } : {}),
        ...(raw.kubeconfig !== undefined ? { kubeconfig: raw.kubeconfig } : {}),
        ...(raw.context !== undefined ? { context: raw.context } : {}),
        ...((raw as { iKnowThisIsATestCluster?: boolean }).iKnowThisIsATestCluster ? { allowAnyCluster: true } : {}),
        ...(raw.convergenceTimeout !== undefined ? { convergenceTimeout: raw.convergenceTimeout } : {}),
        ...(raw.stableFor !== undefined ? { stableFor: raw.stableFor } : {}),
        ...(raw.clock !== undefined ? { clock: raw.clock } : {}),
        ...(raw.mutant !== undefined ? { mutant: raw.mutant } : {}),
        ...(raw.path !== undefined ? { path: raw.path } : {}),
        ...((raw as { shrink?: boolean }).shrink === false ? { shrink: false as const } : {}),
        ...(raw.workers !== undefined && raw.workers > 1 ? { workers: raw.workers } : {}),
        ...(raw.shard !== undefined ? { shard: raw.shard } : {}),
        ...((raw as { case?: number }).case !== undefined ? { caseIndex: (raw as { case?: number }).case } : {}),
      };
      if (options.workers !== undefined && (options.kubeconfig !== undefined || options.serve !== undefined)) {
        context.io.stderr(
          'dsconform: --workers runs simulated clusters in parallel; a real cluster is checked by one\n',
        );
        context.exit(ExitCode.CouldNotCheck);
        return;
      }
      if (options.clock !== undefined && options.serve === undefined) {
        context.io.stderr('dsconform: --clock says whose clock a --serve controller reads; it needs --serve\n');
        context.exit(ExitCode.CouldNotCheck);
        return;
      }
      // Before anything runs: an unwritable folder is bad input now, not a crash at the end.
      ensureOutputDirectory(options.reportDir, '--report-dir');
      const upstream = (raw as { upstream?: string }).upstream;
      if (upstream !== undefined) options.upstream = upstream;
      if (upstream !== undefined && options.serve !== undefined) {
        const command = await servedUpstreamCommand(upstream, options.serve, context);
        if (command === undefined) return;
        options.serve = command;
      } else if (upstream !== undefined) {
        const command = await upstreamControllerCommand(upstream, options, context);
        if (command === undefined) return;
        options.controller = command;
      }
      context.exit(await runCheck(options, context));
    });
};
