/**
 * `dsconform merge DIR... --report-dir OUT`: combine the reports of a campaign's shards (each
 * machine ran `dsconform check --shard i/n` with the same seed) into the report one unsharded run
 * would have written: report.json, junit.xml and index.html, plus the counterexample. Exit codes
 * are check's: 0 conforms, 1 violation, 2 could not check (or the shards cannot be merged).
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { saveCounterexample } from '../harness/counterexample.js';
import { displayPath } from '../manifests/inputError.js';
import { type ConformanceReport, REPORT_SCHEMA } from '../report/conformanceReport.js';
import { writeHtmlReport } from '../report/html.js';
import { renderJunit } from '../report/junit.js';
import { MergeError, mergeReports, type ShardReport } from '../report/merge.js';
import { conformanceReportProblem } from '../report/reportShape.js';
import { ExitCode } from './exitCodes.js';
import type { CliContext, RegisterCommand } from './main.js';
import { ensureOutputDirectory } from './outputDir.js';
import { mergeSoaksIn } from './soak.js';

/** Every conformance report.json under `dir` (a shard's --report-dir, or any folder holding them). */
function findReports(dir: string): string[] {
  if (!existsSync(dir)) throw new MergeError(`${dir}: no such directory`);
  if (statSync(dir).isFile()) return [dir];
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'report.json') found.push(path);
    }
  };
  walk(dir);
  return found;
}

function readReport(path: string): ConformanceReport | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new MergeError(`${path}: not JSON (${(e as Error).message})`);
  }
  // Other commands write report.json files too (scenario, matrix): only conformance reports merge.
  if ((parsed as { schema?: unknown } | null)?.schema !== REPORT_SCHEMA) return undefined;
  const problem = conformanceReportProblem(parsed);
  if (problem !== undefined) throw new MergeError(`${path}: damaged or from another version: ${problem}`);
  return parsed as ConformanceReport;
}

export interface MergeOptions {
  reportDir: string;
}

/** Merges every campaign found under `dirs` (grouped by run id); returns the exit code. */
export function runMerge(dirs: readonly string[], options: MergeOptions, context: CliContext): ExitCode {
  const { io } = context;
  try {
    const groups = new Map<string, ShardReport[]>();
    for (const dir of dirs) {
      for (const source of findReports(dir)) {
        const report = readReport(source);
        if (report === undefined) continue;
        const group = groups.get(report.runId) ?? [];
        group.push({ report, source });
        groups.set(report.runId, group);
      }
    }
    // Soak reports (dsconform soak) found there merge into one soak report.
    const soak = mergeSoaksIn(dirs, options.reportDir, io);
    if (groups.size === 0 && soak !== undefined) return soak;
    if (groups.size === 0) throw new MergeError(`no conformance report.json under ${dirs.join(', ')}`);
    let exit: ExitCode = soak ?? ExitCode.Ok;
    for (const [runId, shards] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const merged = mergeReports(shards, (file) => saveCounterexample(options.reportDir, file));
      const runDir = join(options.reportDir, 'conformance', runId);
      mkdirSync(runDir, { recursive: true });
      writeFileSync(join(runDir, 'report.json'), `${JSON.stringify(merged, null, 2)}\n`);
      writeFileSync(join(runDir, 'junit.xml'), renderJunit(merged));
      writeHtmlReport(runDir, merged);
      const reportPath = displayPath(join(runDir, 'report.json'));
      const runs = merged.profiles.reduce((n, p) => n + p.runs, 0);
      const failed = merged.profiles.find((p) => p.counterexample !== undefined);
      io.stdout(
        `${runId}: ${shards.length} shard${shards.length > 1 ? 's' : ''} merged: ${merged.verdict}, ${runs} runs${failed?.counterexample ? `, ${failed.counterexample.invariant} in case ${failed.counterexample.caseIndex}` : ''}\n  Report: ${reportPath}\n${failed?.counterexampleFile ? `  Counterexample: ${failed.counterexampleFile}\n` : ''}`,
      );
      const code =
        merged.verdict === 'could-not-check'
          ? ExitCode.CouldNotCheck
          : merged.verdict === 'violation' || merged.verdict === 'non-deterministic'
            ? ExitCode.Violation
            : ExitCode.Ok;
      if (code === ExitCode.CouldNotCheck || (code === ExitCode.Violation && exit === ExitCode.Ok)) exit = code;
    }
    return exit;
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    io.stderr(`dsconform: merge: ${e.message}\n`);
    return ExitCode.CouldNotCheck;
  }
}

export const registerMerge: RegisterCommand = (program: Command, context: CliContext) => {
  program
    .command('merge')
    .description(
      'merge the reports of a campaign run in shards (check --shard i/n) into the report of the whole campaign',
    )
    .argument('<dir...>', 'report folders of the shards (their --report-dir), or report.json files')
    .option('--report-dir <dir>', 'where the merged reports and counterexamples are written', 'reports')
    .action((dirs: string[], raw: Partial<MergeOptions>) => {
      ensureOutputDirectory(raw.reportDir ?? 'reports', '--report-dir');
      context.exit(runMerge(dirs, { reportDir: raw.reportDir ?? 'reports' }, context));
    });
};
