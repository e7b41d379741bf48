/**
 * `dsconform report <dir>`: regenerate a run's index.html (and junit.xml) from its report.json,
 * e.g. after copying reports from CI or after upgrading dsconform.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type ConformanceReport, REPORT_SCHEMA } from '../report/conformanceReport.js';
import { writeHtmlReport } from '../report/html.js';
import { renderJunit } from '../report/junit.js';
import { conformanceReportProblem } from '../report/reportShape.js';
import { ExitCode } from './exitCodes.js';
import type { CliContext, RegisterCommand } from './main.js';

export function regenerateReport(dir: string): ConformanceReport {
  const path = join(dir, 'report.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: not JSON (${(e as Error).message})`);
  }
  const report = parsed as Partial<ConformanceReport>;
  if (report.schema !== REPORT_SCHEMA || !Array.isArray(report.profiles)) {
    throw new Error(`${path}: not a dsconform conformance report (expected "schema": "${REPORT_SCHEMA}")`);
  }
  const problem = conformanceReportProblem(report);
  if (problem !== undefined) throw new Error(`${path}: damaged or from another version: ${problem}`);
  writeHtmlReport(dir, report as ConformanceReport);
  writeFileSync(join(dir, 'junit.xml'), renderJunit(report as ConformanceReport));
  return report as ConformanceReport;
}

export const registerReport: RegisterCommand = (program: Command, { io, exit }: CliContext) => {
  program
    .command('report')
    .description('regenerate index.html and junit.xml of a check run from its report.json')
    .argument('<dir>', 'a run folder, e.g. reports/conformance/reference-all-seed42')
    .action((dir: string) => {
      try {
        const report = regenerateReport(dir);
        io.stdout(`Wrote ${join(dir, 'index.html')} and ${join(dir, 'junit.xml')} (verdict: ${report.verdict})\n`);
        exit(ExitCode.Ok);
      } catch (e) {
        io.stderr(`dsconform: ${(e as Error).message}\n`);
        exit(ExitCode.CouldNotCheck);
      }
    });
};
