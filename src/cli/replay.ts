/**
 * `dsconform replay FILE`: rerun a saved counterexample, deterministically, against the
 * implementation it was found on (or another one), and say whether the violation is still there.
 * Exit 1 = it fails again, 0 = it passes now, 2 = could not replay.
 */
import type { Command } from 'commander';
import { type CounterexampleFile, loadCounterexample } from '../harness/counterexample.js';
import { runCase } from '../harness/runner.js';
import { podTable } from '../harness/trace.js';
import { AdapterError } from '../protocol/adapterError.js';
import { positiveInt, resolveImplementation } from './check.js';
import { ExitCode } from './exitCodes.js';
import type { CliContext, RegisterCommand } from './main.js';

export interface ReplayOptions {
  controller?: string;
  mutant?: string;
  stepTimeout: number;
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
  // By default, the implementation the counterexample was found on.
  const target = {
    stepTimeout: options.stepTimeout,
    ...(options.controller !== undefined
      ? { controller: options.controller }
      : file.implementation.controller !== undefined
        ? { controller: file.implementation.controller }
        : {}),
    ...(options.mutant !== undefined
      ? { mutant: options.mutant }
      : options.controller === undefined && file.implementation.mutant
        ? { mutant: file.implementation.mutant }
        : {}),
  };
  let resolved: Awaited<ReturnType<typeof resolveImplementation>>;
  try {
    resolved = await resolveImplementation(target, io);
  } catch (e) {
    if (e instanceof AdapterError) {
      io.stderr(`dsconform: could not start the implementation: ${e.message}\n`);
      return ExitCode.CouldNotCheck;
    }
    throw e;
  }
  const { implementation } = resolved;
  try {
    io.stdout(`dsconform replay: ${file.events.length} events of ${path} on ${implementation.name}\n`);
    const result = await runCase(file.events, () => implementation.makeSystem());
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
      return ExitCode.Ok;
    }
    if (failure.step === -1) {
      io.stdout('  then the cluster was left to settle (quiescence):\n');
      for (const row of podTable(failure.observation)) io.stdout(`        ${row}\n`);
    }
    const same = failure.invariant === file.invariant;
    io.stdout(
      `\nResult: fails${same ? ' again' : ' differently'}: ${failure.invariant}: ${failure.message}${failure.node ? ` [node ${failure.node}]` : ''}${same ? '' : ` (recorded: ${file.invariant})`}\n`,
    );
    return ExitCode.Violation;
  } catch (e) {
    if (e instanceof AdapterError) {
      io.stderr(`dsconform: could not replay on ${implementation.name}: ${e.message}\n`);
      return ExitCode.CouldNotCheck;
    }
    throw e;
  } finally {
    await implementation.close();
  }
}

export const registerReplay: RegisterCommand = (program: Command, context: CliContext) => {
  program
    .command('replay')
    .description('rerun a saved counterexample (reports/counterexamples/*.json) deterministically')
    .argument('<file>', 'a counterexample written by dsconform check')
    .option('--controller <command>', 'replay against this implementation instead of the recorded one')
    .option('--mutant <name>', 'replay against a reference mutant instead of the recorded implementation')
    .option(
      '--step-timeout <ms>',
      'how long a --controller may take to answer one message',
      positiveInt('--step-timeout'),
      10_000,
    )
    .action(async (file: string, raw: Partial<ReplayOptions>) => {
      context.exit(
        await runReplay(
          file,
          {
            stepTimeout: raw.stepTimeout ?? 10_000,
            ...(raw.controller !== undefined ? { controller: raw.controller } : {}),
            ...(raw.mutant !== undefined ? { mutant: raw.mutant } : {}),
          },
          context,
        ),
      );
    });
};
