/**
 * `dsconform matrix`: the same seeded campaign against several implementations, one table of
 * invariant × implementation → pass, FAIL (with the counterexample's file), skipped. The
 * reference implementation is the first column unless --no-reference, so a FAIL in another column
 * is always read next to what the reference did with the very same cases.
 *
 * Exit 0 = every implementation conforms (skipped profiles count as conforming), 1 = some
 * implementation violated an invariant, 2 = some implementation could not be checked.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type CampaignResult, runCampaign } from '../harness/campaign.js';
import { counterexampleFile, type ImplementationRef, saveCounterexample } from '../harness/counterexample.js';
import type { Implementation } from '../harness/implementation.js';
import { PROFILE_NAMES, type ProfileName } from '../harness/profiles.js';
import { podTable } from '../harness/trace.js';
import { displayPath } from '../manifests/inputError.js';
import { AdapterError } from '../protocol/adapterError.js';
import { type ProfileReport, profileReport } from '../report/conformanceReport.js';
import { escapeHtml } from '../report/html.js';
import { UPSTREAM_OPTION_HELP, upstreamControllerCommand } from '../upstream/cliOption.js';
import { defaultRuns, defaultSeed, oneLine, positiveInt, resolveImplementation } from './check.js';
import { ExitCode } from './exitCodes.js';
import { onInterrupt } from './lifecycle.js';
import type { CliContext, CliIO, RegisterCommand } from './main.js';
import { ensureOutputDirectory } from './outputDir.js';

export const MATRIX_SCHEMA = 'dsconform/matrix@1';

export interface MatrixOptions {
  controllers: string[];
  reference: boolean;
  profile: ProfileName;
  runs: number;
  seed: number;
  stepTimeout: number;
  reportDir: string;
  nodes: number;
  maxEvents: number;
}

/** What the table shows in one cell. */
export type Cell = 'pass' | 'FAIL' | 'FLAKY' | 'skipped' | 'not-run' | 'not-exercised' | 'error';

export interface MatrixColumn {
  /** A, B, C...: the table's column heading. */
  label: string;
  implementation: ImplementationRef;
  verdict: ProfileReport['verdict'];
  runs: number;
  events: number;
  checks: number;
  /** Why the column could not be checked (it did not start, crashed, hung, broke the protocol). */
  error?: string;
  skippedBecause?: string[];
  /** The violated invariant and the counterexample written for it. */
  violation?: { invariant: string; message: string; file: string };
  /** Per invariant: what the cell shows, and the checks behind it. */
  cells: Record<string, { cell: Cell; checks: number }>;
}

export interface MatrixReport {
  schema: typeof MATRIX_SCHEMA;
  profile: ProfileName;
  seed: number;
  runsRequested: number;
  scope: { nodes: number; maxEvents: number };
  verdict: 'conforms' | 'violation' | 'non-deterministic' | 'could-not-check';
  columns: MatrixColumn[];
  /** Rows in catalogue order. */
  invariants: { id: string; statement: string }[];
}

interface Target {
  controller?: string;
}

const LABELS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function labelFor(index: number): string {
  return index < LABELS.length ? (LABELS[index] as string) : `Z${index - LABELS.length + 1}`;
}

function cellFor(profile: ProfileReport, verdict: ProfileReport['invariants'][number]['verdict']): Cell {
  if (profile.verdict === 'could-not-check') return 'error';
  if (verdict === 'fail') return profile.verdict === 'non-deterministic' ? 'FLAKY' : 'FAIL';
  return verdict;
}

/** Runs the campaign against one implementation; a start-up failure is a column too. */
async function checkOne(
  target: Target,
  label: string,
  options: MatrixOptions,
  io: CliIO,
  onStarted: (implementation: Implementation | undefined) => void,
): Promise<{ column: MatrixColumn; catalogue: MatrixReport['invariants'] }> {
  const scope = { nodes: options.nodes, maxEvents: options.maxEvents };
  let implementation: Implementation | undefined;
  let ref: ImplementationRef = target.controller
    ? { name: target.controller, kind: 'process', controller: target.controller }
    : { name: 'reference', kind: 'reference' };
  let result: CampaignResult;
  const started = performance.now();
  try {
    const resolved = await resolveImplementation(
      {
        ...(target.controller !== undefined ? { controller: target.controller } : {}),
        stepTimeout: options.stepTimeout,
      },
      io,
    );
    implementation = resolved.implementation;
    ref = resolved.ref;
    onStarted(implementation);
    result = await runCampaign(implementation, {
      profile: options.profile,
      runs: options.runs,
      seed: options.seed,
      nodes: options.nodes,
      maxEvents: options.maxEvents,
    });
  } catch (e) {
    if (!(e instanceof AdapterError)) throw e;
    result = {
      profile: options.profile,
      seed: options.seed,
      scope,
      runs: 0,
      checks: 0,
      events: 0,
      checksById: {},
      adapterError: e,
    };
  } finally {
    onStarted(undefined);
    await implementation?.close();
  }
  let saved: { file: ReturnType<typeof counterexampleFile>; path: string } | undefined;
  const cx = result.counterexample;
  if (cx) {
    const finalTable =
      cx.failure.step === -1 ? podTable(cx.failure.observation) : (cx.failure.trace.at(-1)?.table ?? []);
    const file = counterexampleFile(ref, options.profile, scope, cx, finalTable);
    saved = { file, path: saveCounterexample(options.reportDir, file) };
  }
  const profile = profileReport(result, Math.round(performance.now() - started), saved);
  const catalogue = profile.invariants.map((inv) => ({ id: inv.id, statement: inv.statement }));
  const column: MatrixColumn = {
    label,
    implementation: ref,
    verdict: profile.verdict,
    runs: profile.runs,
    events: profile.events,
    checks: profile.checks,
    ...(profile.error !== undefined ? { error: oneLine(profile.error) } : {}),
    ...(profile.skippedBecause ? { skippedBecause: profile.skippedBecause } : {}),
    ...(saved && cx
      ? { violation: { invariant: cx.failure.invariant, message: oneLine(cx.failure.message), file: saved.path } }
      : {}),
    cells: Object.fromEntries(
      profile.invariants.map((inv) => [inv.id, { cell: cellFor(profile, inv.verdict), checks: inv.checks }]),
    ),
  };
  return { column, catalogue };
}

export function matrixVerdict(columns: readonly MatrixColumn[]): MatrixReport['verdict'] {
  if (columns.some((c) => c.verdict === 'could-not-check')) return 'could-not-check';
  if (columns.some((c) => c.verdict === 'violation')) return 'violation';
  if (columns.some((c) => c.verdict === 'non-deterministic')) return 'non-deterministic';
  return 'conforms';
}

function columnSummary(column: MatrixColumn): string {
  switch (column.verdict) {
    case 'conforms':
      return `conforms (${column.runs} runs, ${column.checks} invariant checks)`;
    case 'skipped':
      return `skipped (${(column.skippedBecause ?? []).join('; ')})`;
    case 'violation':
      return `VIOLATION of ${column.violation?.invariant} in run ${column.runs}: ${column.violation?.message}\n      counterexample: ${column.violation?.file}`;
    case 'non-deterministic':
      return `NON-DETERMINISTIC: ${column.violation?.invariant} failed in run ${column.runs} and the same case passed when run again: ${column.violation?.message}\n      observed run: ${column.violation?.file}`;
    case 'could-not-check':
      return `could not check after ${column.runs} runs: ${column.error}`;
  }
}

/** The name an implementation gives itself, without the command processImplementation appends to it. */
function declaredName(ref: ImplementationRef): string {
  const suffix = ref.controller !== undefined ? ` (${ref.controller})` : '';
  return suffix !== '' && ref.name.endsWith(suffix) && ref.name !== suffix
    ? ref.name.slice(0, -suffix.length)
    : ref.name;
}

/** The table as text: the same report gives the same bytes. */
export function renderMatrixText(report: MatrixReport): string {
  const lines: string[] = [];
  lines.push('Implementations:');
  for (const c of report.columns) {
    const how =
      c.implementation.controller !== undefined ? `--controller "${c.implementation.controller}"` : 'in-process';
    lines.push(`  ${c.label}  ${declaredName(c.implementation)}  (${how})`);
  }
  lines.push('');
  const width = Math.max(9, ...report.invariants.map((i) => i.id.length));
  const cellWidth = 7;
  lines.push(
    `${'INVARIANT'.padEnd(width)}  ${report.columns.map((c) => c.label.padEnd(cellWidth)).join(' ')}`.trimEnd(),
  );
  for (const inv of report.invariants) {
    const cells = report.columns.map((c) => (c.cells[inv.id]?.cell ?? 'not-run').padEnd(cellWidth));
    lines.push(`${inv.id.padEnd(width)}  ${cells.join(' ')}`.trimEnd());
  }
  lines.push('');
  for (const c of report.columns) lines.push(`  ${c.label}: ${columnSummary(c)}`);
  lines.push('');
  const verdict =
    report.verdict === 'conforms'
      ? 'every implementation conforms'
      : report.verdict === 'violation' || report.verdict === 'non-deterministic'
        ? `violations in ${report.columns
            .filter((c) => c.verdict === 'violation' || c.verdict === 'non-deterministic')
            .map((c) => `${c.label}${c.verdict === 'non-deterministic' ? ' (non-deterministic)' : ''}`)
            .join(', ')}`
        : `could not check ${report.columns
            .filter((c) => c.verdict === 'could-not-check')
            .map((c) => c.label)
            .join(', ')}`;
  lines.push(`Verdict: ${verdict}`);
  return `${lines.join('\n')}\n`;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d1d1f} .scroll{overflow-x:auto;max-width:100%} td{overflow-wrap:anywhere}
#what-failed{border:2px solid #b91c1c;border-radius:6px;padding:.4rem 1rem;margin:1rem 0;background:#fff5f5} #what-failed h2{font-size:1.1rem;margin:.2rem 0}
.grid svg{display:block;margin:.5rem 0} code{overflow-wrap:anywhere}
@media (max-width:600px){body{margin:.75rem}}
table{border-collapse:collapse;margin:.5rem 0} th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f6f6} .pass{background:#e3f6e8;color:#14532d} .FAIL{background:#fde2e1;color:#7f1d1d;font-weight:600}
.FLAKY{background:#fde2e1;color:#7f1d1d;font-weight:600;font-style:italic} .skipped,.not-run,.not-exercised,.error{background:#eee;color:#444} code{font-family:ui-monospace,monospace;font-size:12.5px}
`;

const CELL_COLOUR: Record<string, string> = {
  pass: '#16a34a',
  FAIL: '#dc2626',
  FLAKY: '#ea580c',
  error: '#475569',
};

/** The matrix as a picture: a row per implementation, a column per invariant, each cell coloured by its verdict. */
export function renderMatrixSvg(report: MatrixReport): string {
  const cell = 16;
  const left = 40;
  const top = 90;
  const width = left + report.invariants.length * cell + 90;
  const height = top + report.columns.length * cell + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="matrix-grid" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="10" role="img" aria-label="implementation × invariant">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  report.invariants.forEach((inv, i) => {
    const x = left + i * cell + cell / 2 + 3;
    out.push(`<text transform="translate(${x},${top - 4}) rotate(-72)">${escapeHtml(inv.id)}</text>`);
  });
  report.columns.forEach((c, r) => {
    const y = top + r * cell;
    out.push(`<text x="8" y="${y + cell - 3}" font-weight="600">${escapeHtml(c.label)}</text>`);
    report.invariants.forEach((inv, i) => {
      const verdict = c.cells[inv.id]?.cell ?? 'not-run';
      const fill = CELL_COLOUR[verdict] ?? '#cbd5e1';
      out.push(
        `<rect class="cell ${verdict}" x="${left + i * cell}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>${escapeHtml(`${c.label} (${declaredName(c.implementation)}), ${inv.id}: ${verdict}`)}</title></rect>`,
      );
    });
  });
  const ly = top + report.columns.length * cell + 22;
  let lx = 8;
  for (const [name, fill] of [
    ['pass', CELL_COLOUR.pass],
    ['FAIL', CELL_COLOUR.FAIL],
    ['FLAKY', CELL_COLOUR.FLAKY],
    ['not exercised, skipped, not run', '#cbd5e1'],
    ['could not check', CELL_COLOUR.error],
  ] as const) {
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${fill}"/><text x="${lx + 14}" y="${ly}">${name}</text>`,
    );
    lx += 30 + name.length * 5.5;
  }
  out.push('</svg>');
  return out.join('');
}

/** What failed, first: each column with a violation, its invariant, message and counterexample. */
function matrixFailures(report: MatrixReport): string {
  const failing = report.columns.filter((c) => c.violation !== undefined || c.verdict === 'could-not-check');
  if (failing.length === 0) return '';
  const items = failing.map((c) =>
    c.violation
      ? `<li><strong>${escapeHtml(c.label)}</strong> (${escapeHtml(declaredName(c.implementation))}): <code>${escapeHtml(c.violation.invariant)}</code> ${escapeHtml(c.violation.message)}. Counterexample: <code>${escapeHtml(c.violation.file)}</code></li>`
      : `<li><strong>${escapeHtml(c.label)}</strong> (${escapeHtml(declaredName(c.implementation))}): could not be checked: ${escapeHtml(c.error ?? '')}</li>`,
  );
  return `<section id="what-failed"><h2>What failed</h2><ul>${items.join('')}</ul></section>`;
}

export function renderMatrixHtml(report: MatrixReport): string {
  const head = report.columns
    .map(
      (c) =>
        `<th title="${escapeHtml(c.implementation.controller ?? 'in-process')}">${escapeHtml(c.label)}: ${escapeHtml(declaredName(c.implementation))}</th>`,
    )
    .join('');
  const rows = report.invariants
    .map((inv) => {
      const cells = report.columns
        .map((c) => {
          const cell = c.cells[inv.id]?.cell ?? 'not-run';
          const file =
            (cell === 'FAIL' || cell === 'FLAKY') && c.violation ? ` <code>${escapeHtml(c.violation.file)}</code>` : '';
          return `<td class="${cell}">${cell}${file}</td>`;
        })
        .join('');
      return `<tr><td><code>${escapeHtml(inv.id)}</code></td><td>${escapeHtml(inv.statement)}</td>${cells}</tr>`;
    })
    .join('\n');
  const summary = report.columns
    .map((c) => `<li><strong>${escapeHtml(c.label)}</strong>: ${escapeHtml(columnSummary(c))}</li>`)
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>dsconform matrix (${escapeHtml(report.profile)}, seed ${report.seed})</title><style>${STYLE}</style></head><body>` +
    `<h1>dsconform matrix</h1><p>Profile <code>${escapeHtml(report.profile)}</code>, seed <code>${report.seed}</code>, ${report.runsRequested} runs per implementation. Verdict: <strong>${escapeHtml(report.verdict)}</strong>.</p>` +
    matrixFailures(report) +
    `<div class="scroll grid">${renderMatrixSvg(report)}</div>` +
    `<div class="scroll"><table id="matrix"><thead><tr><th>Invariant</th><th>Statement</th>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div><ul>${summary}</ul></body></html>\n`
  );
}

export async function runMatrix(options: MatrixOptions, context: CliContext): Promise<ExitCode> {
  const { io } = context;
  const targets: Target[] = [
    ...(options.reference ? [{}] : []),
    ...options.controllers.map((controller) => ({ controller })),
  ];
  if (targets.length === 0) {
    io.stderr('dsconform: nothing to compare: give --controller at least once, or keep the reference\n');
    return ExitCode.CouldNotCheck;
  }
  io.stdout(
    `dsconform matrix: ${targets.length} implementations, profile ${options.profile}, seed ${options.seed}, ${options.runs} runs each\n\n`,
  );
  // Ctrl-C stops the implementation being checked, so that no process outlives the command.
  let current: Implementation | undefined;
  // (src/cli/lifecycle.ts: exit 130 for SIGINT, 143 for SIGTERM, every process group killed.)
  const stopOnSignal = onInterrupt(() => current?.close());
  const columns: MatrixColumn[] = [];
  // Every profile report lists the same catalogue (the model's invariants and the quiescence checks).
  let invariants: MatrixReport['invariants'] = [];
  try {
    for (const [index, target] of targets.entries()) {
      const { column, catalogue } = await checkOne(target, labelFor(index), options, io, (implementation) => {
        current = implementation;
      });
      columns.push(column);
      invariants = catalogue;
    }
  } finally {
    stopOnSignal();
  }
  const report: MatrixReport = {
    schema: MATRIX_SCHEMA,
    profile: options.profile,
    seed: options.seed,
    runsRequested: options.runs,
    scope: { nodes: options.nodes, maxEvents: options.maxEvents },
    verdict: matrixVerdict(columns),
    columns,
    invariants,
  };
  const dir = join(options.reportDir, 'matrix', `${options.profile}-seed${options.seed}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'matrix.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'matrix.html'), renderMatrixHtml(report));
  writeFileSync(join(dir, 'matrix.svg'), `<?xml version="1.0" encoding="UTF-8"?>\n${renderMatrixSvg(report)}\n`);
  io.stdout(renderMatrixText(report));
  io.stdout(`Report: ${displayPath(join(dir, 'matrix.json'))}\n`);
  for (const c of columns) {
    if (c.verdict === 'could-not-check')
      io.stderr(`dsconform: could not check ${c.label} (${c.implementation.name}): ${c.error}\n`);
  }
  if (report.verdict === 'could-not-check') return ExitCode.CouldNotCheck;
  return report.verdict === 'conforms' ? ExitCode.Ok : ExitCode.Violation;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const registerMatrix: RegisterCommand = (program: Command, context: CliContext) => {
  program
    .command('matrix')
    .description(
      'run the same seeded cases against several implementations and print one table: invariant × implementation → pass, FAIL (with its counterexample file) or skipped',
    )
    .option(
      '--controller <command>',
      'an implementation speaking the controller protocol (repeat for each one)',
      collect,
      [] as string[],
    )
    .option('--upstream <version>', `${UPSTREAM_OPTION_HELP}; repeat for each one`, collect, [] as string[])
    .option('--no-reference', 'leave out the reference implementation (otherwise the first column)')
    .addOption(new Option('--profile <name>', 'which behaviour to exercise').choices(PROFILE_NAMES).default('all'))
    .option('--runs <n>', 'generated cases per implementation (env DSCONFORM_RUNS)', positiveInt('--runs'))
    .option('--seed <n>', 'random seed; every implementation gets the same cases (env DSCONFORM_SEED)', (v: string) => {
      if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError('the seed must be a whole number');
      return Number(v) | 0;
    })
    .option(
      '--step-timeout <ms>',
      'how long a --controller may take to answer one message',
      positiveInt('--step-timeout'),
      10_000,
    )
    .option('--report-dir <dir>', 'where matrix.json, matrix.html and counterexamples are written', 'reports')
    .option('--nodes <n>', 'nodes in the generated clusters', positiveInt('--nodes'), 3)
    .option('--max-events <n>', 'longest generated event sequence', positiveInt('--max-events'), 30)
    .action(async (raw: Partial<MatrixOptions> & { controller?: string[] }) => {
      const options: MatrixOptions = {
        controllers: raw.controller ?? [],
        reference: raw.reference !== false,
        profile: raw.profile ?? 'all',
        runs: raw.runs ?? defaultRuns(100),
        seed: raw.seed ?? defaultSeed(),
        stepTimeout: raw.stepTimeout ?? 10_000,
        reportDir: raw.reportDir ?? 'reports',
        nodes: raw.nodes ?? 3,
        maxEvents: raw.maxEvents ?? 30,
      };
      ensureOutputDirectory(options.reportDir, '--report-dir');
      for (const version of (raw as { upstream?: string[] }).upstream ?? []) {
        const command = await upstreamControllerCommand(version, {}, context);
        if (command === undefined) return;
        options.controllers.push(command);
      }
      context.exit(await runMatrix(options, context));
    });
};
