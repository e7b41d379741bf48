/**
 * `dsconform replay FILE`: rerun a saved counterexample, deterministically, against the
 * implementation it was found on (or another one), and say whether the violation is still there.
 * Exit 1 = it fails again, 0 = it passes now, 2 = could not replay.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type CounterexampleFile, loadCounterexample } from '../harness/counterexample.js';
import { type Implementation, referenceImplementation } from '../harness/implementation.js';
import { runCase } from '../harness/runner.js';
import type { SystemUnderTest } from '../harness/systemUnderTest.js';
import { timelineSnapshot } from '../harness/timelineSnapshot.js';
import { podTable } from '../harness/trace.js';
import { displayPath } from '../manifests/inputError.js';
import { AdapterError } from '../protocol/adapterError.js';
import { counterexampleTimeline } from '../report/timeline.js';
import { loadScenario } from '../scenario/load.js';
import { runScenario, stepLabel } from '../scenario/run.js';
import { scenarioFromRun } from '../scenario/savedRun.js';
import { servedUpstreamCommand } from '../upstream/cliOption.js';
import { operandsFitServe, positiveInt, resolveCheckTarget, resolveImplementation } from './check.js';
import { type DiffCounterexampleFile, runDiffReplay } from './diff.js';
import { ExitCode } from './exitCodes.js';
import { onInterrupt } from './lifecycle.js';
import type { CliContext, RegisterCommand } from './main.js';
import { makeDirectory } from './outputDir.js';

export interface ReplayOptions {
  controller?: string;
  mutant?: string;
  /** --serve: replay against this command as a served controller (docs/serve.md), on this clock. */
  serve?: string[];
  clock?: 'virtual' | 'wall';
  stepTimeout: number;
  /** Also write the run as a stepwise scenario here, and check that it reproduces. */
  saveScenario?: string;
  /** Overwrite an existing --save-scenario file. */
  force?: boolean;
  /** Run the implementation command recorded in the file (never done without this or --controller). */
  trustCommand?: boolean;
  /** Where the replayed run's timeline is written (`<reportDir>/replay/<name>.svg`) when it fails. */
  reportDir?: string;
}

/**
 * What the replay runs: --controller or --mutant as given; else the implementation recorded in
 * the file, except that a recorded command runs only with --trust-command. A counterexample is
 * data that travels (attached to an issue, downloaded from CI): running a shell command found in
 * it would let whoever wrote the file run anything on the machine that replays it.
 */
export function replayTarget(
  file: Pick<CounterexampleFile, 'implementation'>,
  options: Pick<ReplayOptions, 'controller' | 'mutant' | 'serve' | 'clock' | 'stepTimeout' | 'trustCommand'>,
): {
  stepTimeout: number;
  controller?: string;
  mutant?: string;
  serve?: string[];
  clock?: 'virtual' | 'wall';
  /** Replay on upstream's served program of this release, built again (dsconform's own program: no consent needed). */
  upstream?: string;
} {
  const given = [options.controller, options.mutant, options.serve].filter((o) => o !== undefined).length;
  if (given > 1)
    throw new InvalidArgumentError(
      '--mutant replays on a reference mutant, --controller on your command, --serve on a served controller: give one',
    );
  if (options.trustCommand === true && given > 0)
    throw new InvalidArgumentError(
      '--trust-command runs the command recorded in the file; it does not combine with --controller, --mutant or --serve',
    );
  const recordedClock = file.implementation.clock ?? 'wall';
  if (options.clock !== undefined && options.serve === undefined && file.implementation.serve === undefined)
    throw new InvalidArgumentError('--clock says whose clock a --serve controller reads; it needs --serve');
  const base = { stepTimeout: options.stepTimeout };
  if (options.controller !== undefined) return { ...base, controller: options.controller };
  if (options.mutant !== undefined) return { ...base, mutant: options.mutant };
  if (options.serve !== undefined) return { ...base, serve: options.serve, clock: options.clock ?? recordedClock };
  const served = file.implementation.serve;
  const upstream = file.implementation.upstream;
  if (served !== undefined && upstream !== undefined)
    return { ...base, serve: served, clock: options.clock ?? recordedClock, upstream };
  if (served !== undefined) {
    if (options.trustCommand !== true)
      throw new InvalidArgumentError(
        `the counterexample was found on the served controller ${JSON.stringify(served.join(' '))}; replay runs a command read from a file only when asked: pass --serve -- <that command> (or your own) or --trust-command`,
      );
    return { ...base, serve: served, clock: options.clock ?? recordedClock };
  }
  if (file.implementation.cluster === true)
    throw new InvalidArgumentError(
      "the counterexample was found on a real cluster, which replay cannot reach: run the failure's rerun line (check --kubeconfig ... --seed ... --case ...), or replay it on another implementation with --controller, --mutant or --serve",
    );
  const recorded = file.implementation.controller;
  if (recorded !== undefined) {
    if (options.trustCommand !== true)
      throw new InvalidArgumentError(
        `the counterexample was found on the command ${JSON.stringify(recorded)}; replay runs a command read from a file only when asked: pass --controller ${JSON.stringify(recorded)} (or your own command) or --trust-command`,
      );
    return { ...base, controller: recorded };
  }
  return file.implementation.mutant !== undefined ? { ...base, mutant: file.implementation.mutant } : base;
}

export async function runReplay(path: string, options: ReplayOptions, context: CliContext): Promise<ExitCode> {
  const { io } = context;
  let file: CounterexampleFile;
  try {
    file = loadCounterexample(path);
  } catch (e) {
    io.stderr(`dsconform: ${(e as Error).message}\n`);
    return ExitCode.CouldNotCheck;
  }
  // A divergence of `dsconform diff`: both sides again, in lock step (src/cli/diff.ts).
  if ((file as Partial<DiffCounterexampleFile>).differential !== undefined)
    return runDiffReplay(path, file as DiffCounterexampleFile, options, context);
  // Decided before anything is written or run: which implementation, and consent for a command.
  const target = replayTarget(file, options);
  if (file.implementation.controller !== undefined)
    io.stdout(
      `dsconform replay: recorded implementation command: ${JSON.stringify(file.implementation.controller)}${target.controller === file.implementation.controller ? ' (run: --trust-command)' : ' (not run)'}\n`,
    );
  if (options.saveScenario !== undefined) {
    // Written before anything runs: the regression case is on disk even if the implementation crashes.
    const out = options.saveScenario;
    const saved = scenarioFromRun(file.events, {
      name: basename(out, extname(out)),
      source: path,
      implementation: file.implementation.name,
      invariant: file.invariant,
      message: file.message,
      step: file.step,
      profile: file.profile,
      seed: file.seed,
      caseIndex: file.caseIndex,
    });
    if (existsSync(out) && options.force !== true) {
      // A saved scenario is often edited by hand afterwards (a final expect): never lose that.
      io.stderr(`dsconform: ${out} exists; pass --force to overwrite it\n`);
      return ExitCode.CouldNotCheck;
    }
    try {
      makeDirectory(dirname(resolve(out)));
      const partial = `${out}.partial`;
      writeFileSync(partial, saved.text);
      renameSync(partial, out);
    } catch (e) {
      io.stderr(`dsconform: ${out}: could not write the scenario (${(e as Error).message})\n`);
      return ExitCode.CouldNotCheck;
    }
    io.stdout(`dsconform replay: saved ${file.events.length} events as scenario ${out} (${saved.quiesceStep} steps)\n`);
  }
  let implementation: Implementation<SystemUnderTest>;
  // The implementation when it runs on simulated clusters (not a served controller): a saved
  // scenario is checked on it too.
  let simulated: Implementation | undefined;
  try {
    let serve = target.serve;
    if (target.upstream !== undefined) {
      const built = await servedUpstreamCommand(target.upstream, [], context);
      if (built === undefined) return ExitCode.CouldNotCheck;
      serve = built;
    }
    if (serve !== undefined) {
      // A served controller starts as `check --serve` starts it.
      implementation = (await resolveCheckTarget({ ...target, serve, clock: target.clock ?? 'wall' }, io))
        .implementation;
    } else {
      simulated = (await resolveImplementation(target, io)).implementation;
      implementation = simulated;
    }
  } catch (e) {
    if (e instanceof AdapterError) {
      io.stderr(`dsconform: could not start the implementation: ${e.message}\n`);
      return ExitCode.CouldNotCheck;
    }
    throw e;
  }
  // (src/cli/lifecycle.ts: Ctrl-C or SIGTERM stops the implementation's whole process group.)
  const stopOnSignal = onInterrupt(() => implementation.close(), implementation.name);
  try {
    io.stdout(`dsconform replay: ${file.events.length} events of ${path} on ${implementation.name}\n`);
    // A served controller is judged as in `check --serve`: by the invariants a cluster can be checked for.
    const invariants = target.serve !== undefined ? (await import('../k8s/profile.js')).clusterInvariants() : undefined;
    const result = await runCase(file.events, () => implementation.makeSystem(), invariants ? { invariants } : {});
    const failure = result.failure;
    const trace = failure?.trace;
    if (trace) {
      for (const t of trace) {
        io.stdout(
          `  ${String(t.index + 1).padStart(2)}. ${t.description}${t.outcome.applied ? '' : `   [no effect${t.outcome.note ? `: ${t.outcome.note}` : ''}]`}\n`,
        );
        for (const row of t.table) io.stdout(`        ${row}\n`);
      }
    }
    if (!failure) {
      io.stdout(`\nResult: passes now (the recorded violation was ${file.invariant}: ${file.message})\n`);
      if (file.nonDeterministic)
        io.stdout(
          'Note: it was recorded from a non-deterministic implementation (the same case passed when run again), so a pass does not mean it is fixed.\n',
        );
      if (options.saveScenario !== undefined) await checkSavedScenario(options.saveScenario, simulated, io);
      return ExitCode.Ok;
    }
    if (failure.step === -1) {
      io.stdout('  then the cluster was left to settle (quiescence):\n');
      for (const row of podTable(failure.observation)) io.stdout(`        ${row}\n`);
    }
    const svg = counterexampleTimeline({
      trace: failure.trace,
      step: failure.step,
      invariant: failure.invariant,
      ...(failure.step === -1 ? { finalTimeline: timelineSnapshot(failure.observation) } : {}),
    });
    if (svg !== undefined) {
      const dir = join(options.reportDir ?? 'reports', 'replay');
      makeDirectory(dir);
      const svgFile = join(dir, `${basename(path, extname(path))}.svg`);
      writeFileSync(svgFile, `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`);
      io.stdout(`  timeline: ${displayPath(svgFile)}\n`);
    }
    const same = failure.invariant === file.invariant;
    io.stdout(
      `\nResult: fails${same ? ' again' : ' differently'}: ${failure.invariant}: ${failure.message}${failure.node ? ` [node ${failure.node}]` : ''}${same ? '' : ` (recorded: ${file.invariant})`}\n`,
    );
    if (options.saveScenario !== undefined) await checkSavedScenario(options.saveScenario, simulated, io);
    return ExitCode.Violation;
  } catch (e) {
    if (e instanceof AdapterError) {
      io.stderr(`dsconform: could not replay on ${implementation.name}: ${e.message}\n`);
      return ExitCode.CouldNotCheck;
    }
    throw e;
  } finally {
    stopOnSignal();
    await implementation.close();
  }
}

/** Runs the saved scenario on the implementation and, for another one, on the reference: the regression case must tell them apart. */
async function checkSavedScenario(
  out: string,
  /** Undefined for a served controller: scenarios run on simulated clusters only, so only the reference runs it. */
  implementation: Implementation | undefined,
  io: CliContext['io'],
): Promise<void> {
  let scenario: ReturnType<typeof loadScenario>;
  try {
    scenario = loadScenario(out);
  } catch (e) {
    io.stdout(`Scenario ${out}: could not be read back: ${(e as Error).message}\n`);
    return;
  }
  const targets =
    implementation === undefined
      ? [referenceImplementation()]
      : implementation.kind === 'reference' && implementation.name === 'reference'
        ? [implementation]
        : [implementation, referenceImplementation()];
  for (const target of targets) {
    const result = await runScenario(scenario, target);
    const verdict =
      result.verdict === 'fail' && result.failure
        ? `fails at ${stepLabel({ number: result.failure.step, kind: result.failure.kind })}: ${result.failure.message}`
        : result.verdict === 'error'
          ? `could not run: ${result.error}`
          : result.verdict === 'skipped'
            ? `skipped: ${(result.skippedBecause ?? []).join('; ')}`
            : 'passes';
    io.stdout(`Scenario ${out} on ${target.name}: ${verdict}\n`);
  }
}

export const registerReplay: RegisterCommand = (program: Command, context: CliContext) => {
  program
    .command('replay')
    .description('rerun a saved counterexample (reports/counterexamples/*.json) deterministically')
    .argument('<file>', 'a counterexample written by dsconform check')
    .argument('[command...]', 'with --serve: the controller command, after --')
    .option('--controller <command>', 'replay against this implementation instead of the recorded one')
    .option('--serve', 'replay against a served controller (its command after --), as check --serve runs it')
    .addOption(
      new Option('--clock <whose>', 'with --serve: whose clock the controller reads (default: as recorded)').choices([
        'virtual',
        'wall',
      ]),
    )
    .option('--mutant <name>', 'replay against a reference mutant instead of the recorded implementation')
    .option(
      '--save-scenario <file>',
      'also write the run as a scenario (YAML), a regression case for `dsconform scenario`',
    )
    .option('--force', 'overwrite the --save-scenario file if it exists')
    .option(
      '--report-dir <dir>',
      'where the timeline of a failing replay is written (<dir>/replay/<name>.svg)',
      'reports',
    )
    .option(
      '--trust-command',
      'run the implementation command recorded in the file (without it, or --controller, a recorded command is shown, never run)',
    )
    .option(
      '--step-timeout <ms>',
      'how long a --controller may take to answer one message',
      positiveInt('--step-timeout'),
      10_000,
    )
    .action(
      async (file: string, operands: string[], raw: Partial<Omit<ReplayOptions, 'serve'>> & { serve?: boolean }) => {
        if (!operandsFitServe(operands, raw.serve, context)) return;
        if (raw.serve === true && operands.length === 0) {
          context.io.stderr('dsconform: --serve needs the controller command after --\n');
          context.exit(ExitCode.CouldNotCheck);
          return;
        }
        context.exit(
          await runReplay(
            file,
            {
              stepTimeout: raw.stepTimeout ?? 10_000,
              ...(raw.controller !== undefined ? { controller: raw.controller } : {}),
              ...(raw.mutant !== undefined ? { mutant: raw.mutant } : {}),
              ...(raw.serve === true ? { serve: operands } : {}),
              ...(raw.clock !== undefined ? { clock: raw.clock } : {}),
              ...(raw.saveScenario !== undefined ? { saveScenario: raw.saveScenario } : {}),
              ...(raw.force === true ? { force: true } : {}),
              ...(raw.trustCommand === true ? { trustCommand: true } : {}),
              ...(raw.reportDir !== undefined ? { reportDir: raw.reportDir } : {}),
            },
            context,
          ),
        );
      },
    );
};
