/**
 * `dsconform scenario FILE|DIR...`: run deterministic scenarios against an implementation.
 * Exit 0 = every scenario passed (or was skipped for a missing feature), 1 = a scenario failed,
 * 2 = bad input (a malformed scenario) or the implementation could not be run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, CommanderError } from 'commander';
import { createColors } from 'picocolors';
import type { Observation } from '../../model/observation.ts';
import { MUTANTS } from '../harness/mutants.js';
import { timelineSnapshot } from '../harness/timelineSnapshot.js';
import { displayPath, formatLocation } from '../manifests/inputError.js';
import { AdapterError } from '../protocol/adapterError.js';
import { renderTimeline, type TimelineColumn } from '../report/timeline.js';
import { discoverScenarios } from '../scenario/discover.js';
import { loadScenario, type Step } from '../scenario/load.js';
import { renderScenarioJunit, scenarioReport } from '../scenario/report.js';
import { type RunOptions, runScenario, type ScenarioResult, stepLabel } from '../scenario/run.js';
import type { Writes } from '../scenario/stepWrites.js';
import { UPSTREAM_OPTION_HELP, upstreamControllerCommand } from '../upstream/cliOption.js';
import { positiveInt, resolveImplementation } from './check.js';
import { ExitCode } from './exitCodes.js';
import { onInterrupt } from './lifecycle.js';
import type { CliContext, RegisterCommand } from './main.js';
import { ensureOutputDirectory, makeDirectory } from './outputDir.js';

export interface ScenarioOptions {
  controller?: string;
  kubeconfig?: string;
  mutant?: string;
  stepTimeout: number;
  reportDir: string;
  /** Print the pods after every step. */
  trace?: boolean;
}

export const DEFAULT_SCENARIO_REPORT_DIR = join('reports', 'scenarios');

export async function runScenarios(
  paths: readonly string[],
  options: ScenarioOptions,
  context: CliContext,
): Promise<ExitCode> {
  const { io } = context;
  const pc = createColors(io.color);
  // Every scenario is read before anything runs: a malformed one is bad input (exit 2), not a failure.
  const scenarios = discoverScenarios(paths).map(loadScenario);
  // Then, still before anything runs: an unwritable folder is bad input now, not a crash at the end.
  ensureOutputDirectory(options.reportDir, '--report-dir');
  let resolved: Awaited<ReturnType<typeof resolveImplementation>>;
  try {
    resolved = await resolveImplementation(options, io);
  } catch (e) {
    if (e instanceof AdapterError) {
      io.stderr(`dsconform: could not start the implementation: ${e.message}\n`);
      return ExitCode.CouldNotCheck;
    }
    // e.g. --mutant with --controller, or --kubeconfig (scenarios need the simulated cluster)
    if (e instanceof CommanderError) {
      io.stderr(`dsconform: ${e.message}\n`);
      return ExitCode.CouldNotCheck;
    }
    throw e;
  }
  const { implementation, ref } = resolved;
  // (src/cli/lifecycle.ts: Ctrl-C or SIGTERM stops the implementation's whole process group.)
  const stopOnSignal = onInterrupt(() => implementation.close(), implementation.name);
  const cwd = process.cwd();
  const rel = (file: string) => displayPath(file, cwd);
  io.stdout(
    `dsconform scenario: ${implementation.name}, ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}\n`,
  );
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      const onStep: RunOptions['onStep'] = (step, pods, writes, refused) => {
        const line = step.location.line;
        const wrote = writes && (step.kind === 'sync' || step.kind === 'settle') ? `  (${describeWrites(writes)})` : '';
        const refusal = refused !== undefined ? `      refused by the API server: ${refused}\n` : '';
        const unvalidated = writtenPastValidation(step) ? '  [written past validation, as in upstream unit tests]' : '';
        io.stdout(
          `  ${stepLabel(step)} line ${line}${unvalidated}${wrote}\n${refusal}${pods.map((p) => `      ${p}\n`).join('')}`,
        );
      };
      // With --trace, the run is also drawn: a column per step, the failing one outlined.
      const columns: TimelineColumn[] = [];
      const column = (step: Step, observation: Observation, failed = false) =>
        columns.push({
          label: stepLabel(step),
          snapshot: timelineSnapshot(observation),
          ...(failed ? { failed: true } : {}),
        });
      const result = await runScenario(
        scenario,
        implementation,
        options.trace
          ? {
              onStep,
              onObservation: (step, obs) => column(step, obs),
              onFailedStep: (step, obs) => column(step, obs, true),
            }
          : {},
      );
      results.push(result);
      const file = rel(scenario.file);
      if (options.trace && columns.length > 0) {
        const svgFile = join(options.reportDir, 'timelines', `${scenario.name}.svg`);
        makeDirectory(join(options.reportDir, 'timelines'));
        const svg = renderTimeline(columns, { title: `${scenario.name} on ${implementation.name}` });
        writeFileSync(svgFile, `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`);
        io.stdout(`  timeline: ${rel(svgFile)}\n`);
      }
      switch (result.verdict) {
        case 'pass':
          io.stdout(`${pc.green('PASS ')} ${file}\n`);
          break;
        case 'skipped':
          io.stdout(`${pc.yellow('SKIP ')} ${file}  (${(result.skippedBecause ?? []).join('; ')})\n`);
          break;
        case 'error':
          io.stdout(`${pc.red('ERROR')} ${file}\n      ${result.error}\n`);
          // A mistake in the scenario found while running it (a node that is not there): bad
          // input, said where on stderr as a malformed scenario is.
          if (result.errorKind === 'input') io.stderr(`dsconform: ${result.error}\n`);
          break;
        case 'fail': {
          const f = result.failure;
          io.stdout(`${pc.red('FAIL ')} ${file}\n`);
          if (f) {
            io.stdout(
              `      ${stepLabel({ number: f.step, kind: f.kind })} at ${formatLocation({ ...f.location, file: rel(f.location.file) })}\n`,
            );
            io.stdout(`      ${f.message}\n`);
            if (f.pods.length > 0) io.stdout(`      pods then:\n${f.pods.map((p) => `        ${p}\n`).join('')}`);
          }
          break;
        }
      }
    }
  } finally {
    stopOnSignal();
    await implementation.close();
  }
  const report = scenarioReport(ref, results, cwd);
  makeDirectory(options.reportDir);
  writeFileSync(join(options.reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(options.reportDir, 'junit.xml'), renderScenarioJunit(report));
  const { summary } = report;
  const parts = [`${summary.passed} passed`, `${summary.failed} failed`];
  if (summary.skipped > 0) parts.push(`${summary.skipped} skipped`);
  if (summary.errors > 0) parts.push(`${summary.errors} could not run`);
  io.stdout(
    `\n${summary.total} scenarios: ${parts.join(', ')}\nReport: ${rel(join(options.reportDir, 'report.json'))}\n`,
  );
  if (summary.errors > 0) return ExitCode.CouldNotCheck;
  return summary.failed > 0 ? ExitCode.Violation : ExitCode.Ok;
}

export const registerScenario: RegisterCommand = (program: Command, context: CliContext) => {
  program
    .command('scenario')
    .description('run scenarios (deterministic cases in YAML, docs/scenarios.md) against an implementation')
    .argument('<paths...>', 'scenario files, or directories searched for *.yaml (skipping manifests/ and clusters/)')
    .option(
      '--controller <command>',
      'an implementation speaking the controller protocol (docs/protocol.md); default: the reference implementation',
    )
    .option('--upstream <version>', UPSTREAM_OPTION_HELP)
    .option('--kubeconfig <file>', 'run against a real cluster (opt-in; see docs/real-cluster.md)')
    .option('--mutant <name>', `a deliberately faulty reference controller: ${MUTANTS.map((m) => m.name).join(', ')}`)
    .option(
      '--step-timeout <ms>',
      'how long a --controller may take to answer one message',
      positiveInt('--step-timeout'),
      10_000,
    )
    .option('--report-dir <dir>', 'where report.json and junit.xml are written', DEFAULT_SCENARIO_REPORT_DIR)
    .option('--trace', "print the DaemonSet's pods after every step (for writing and debugging scenarios)")
    .addHelpText(
      'after',
      `
Examples:
  dsconform scenario scenarios/
  dsconform scenario scenarios/regressions/issue-54096-restart.yaml --controller "node my-controller.js"

Exit codes: 0 all passed, 1 a scenario failed, 2 bad input or the implementation could not be run.`,
    )
    .action(async (paths: string[], raw: Partial<ScenarioOptions>) => {
      const options: ScenarioOptions = {
        stepTimeout: raw.stepTimeout ?? 10_000,
        reportDir: raw.reportDir ?? DEFAULT_SCENARIO_REPORT_DIR,
        ...(raw.controller !== undefined ? { controller: raw.controller } : {}),
        ...(raw.kubeconfig !== undefined ? { kubeconfig: raw.kubeconfig } : {}),
        ...(raw.mutant !== undefined ? { mutant: raw.mutant } : {}),
        ...(raw.trace ? { trace: true } : {}),
      };
      const upstream = (raw as { upstream?: string }).upstream;
      if (upstream !== undefined) {
        const command = await upstreamControllerCommand(upstream, options, context);
        if (command === undefined) return;
        options.controller = command;
      }
      context.exit(await runScenarios(paths, options, context));
    });
};

/** `creates 2, deletes 0, status 1, adoptions 1, events SuccessfulCreate×2`: what --trace prints after a sync or settle. */
function describeWrites(writes: Writes): string {
  const parts = [`creates ${writes.creates}`, `deletes ${writes.deletes}`];
  const named: [keyof Writes, string][] = [
    ['statusWrites', 'status'],
    ['podPatches', 'pod patches'],
    ['adoptions', 'adoptions'],
    ['releases', 'releases'],
    ['revisionCreates', 'revision creates'],
    ['revisionUpdates', 'revision updates'],
    ['revisionDeletes', 'revision deletes'],
  ];
  for (const [kind, label] of named) if ((writes[kind] as number) > 0) parts.push(`${label} ${writes[kind]}`);
  const events = Object.entries(writes.events).map(([reason, n]) => `${reason}×${n}`);
  if (events.length > 0) parts.push(`events ${events.join(' ')}`);
  return parts.join(', ');
}

/** A step with `skipValidation: true` (the non-validating store path). */
function writtenPastValidation(step: Step): boolean {
  const args = step.args as { skipValidation?: unknown } | null | undefined;
  return args !== null && typeof args === 'object' && args.skipValidation === true;
}
