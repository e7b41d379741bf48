/**
 * The model coverage report: the committed path suite (model/paths.json) run against the
 * in-process reference implementation. Every path's events go through the coverage recorder
 * (which transitions, guard outcomes, states and event types of the machine they exercise) and
 * through a fresh reference system, checked like any campaign case (runCase: the safety
 * invariants after every event and every controller step while settling, then the model's
 * expectation and the quiescent invariants). Written as reports/model-coverage/coverage.json
 * and a self-contained index.html with the state diagram (docs/daemonset-machine.svg) inlined,
 * uncovered states and transitions coloured.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CoverageItem,
  type CoverageKind,
  type CoverageReport,
  coverageReport,
  createCoverageRecorder,
  modelUniverse,
} from '../../model/coverage.ts';
import type { DsEvent } from '../../model/events.ts';
import { committedPathSuite, type ModelPath } from '../../model/paths.ts';
import { type Implementation, referenceImplementation } from '../harness/implementation.js';
import { runCase } from '../harness/runner.js';
import { escapeHtml } from './html.js';

export const DEFAULT_MODEL_COVERAGE_DIR = 'reports/model-coverage';
const SVG_FILE = new URL('../../docs/daemonset-machine.svg', import.meta.url);

export interface PathViolation {
  readonly path: string;
  readonly invariant: string;
  readonly message: string;
  /** Index of the event (in the path's events, setup excluded) after which it showed; -1 at quiescence. */
  readonly step: number;
  readonly trace: readonly string[];
}

export interface ModelCoverageResult {
  readonly paths: number;
  readonly events: number;
  readonly checks: number;
  readonly report: CoverageReport;
  /** Invariant violations of the reference on a path: must be empty. */
  readonly violations: readonly PathViolation[];
  /** Reachable items (not known unreachable) no path covers, invariants included. */
  readonly uncovered: readonly CoverageItem[];
}

/** The events that give a fresh system the path's initial nodes (the model starts with them). */
function setupEvents(path: ModelPath): DsEvent[] {
  return (path.input.nodes ?? ['node-0', 'node-1']).map((n) => {
    if (typeof n !== 'string') throw new Error(`path ${path.id}: only plain initial nodes are supported`);
    return { type: 'NODE_ADDED', node: n } as DsEvent;
  });
}

export async function runModelCoverage(
  paths: readonly ModelPath[] = committedPathSuite(),
  /** The implementation to check the paths on; the in-process reference by default. */
  reference: Implementation = referenceImplementation(),
): Promise<ModelCoverageResult> {
  const recorder = createCoverageRecorder();
  const violations: PathViolation[] = [];
  let events = 0;
  let checks = 0;
  for (const path of paths) {
    recorder.run(path.events, path.input);
    const setup = setupEvents(path);
    // The graph traversal's paths start with xstate's own init event, which is no DsEvent.
    const applied = path.events.map((e, i) => [e, i] as const).filter(([e]) => !e.type.startsWith('xstate.'));
    const result = await runCase([...setup, ...applied.map(([e]) => e)], () => reference.makeSystem());
    events += path.events.length;
    checks += result.checks;
    for (const id of Object.keys(result.checksById ?? {})) recorder.recordInvariant(id);
    if (result.failure) {
      const f = result.failure;
      violations.push({
        path: path.id,
        invariant: f.invariant,
        message: f.message,
        step: f.step === -1 ? -1 : (applied[f.step - setup.length]?.[1] ?? -1),
        trace: f.trace.map((t) => t.description),
      });
    }
  }
  await reference.close();
  const report = coverageReport(recorder.hits);
  const uncovered = report.items.filter((i) => !i.covered && i.unreachable === undefined);
  return { paths: paths.length, events, checks, report, violations, uncovered };
}

export function modelCoverageJson(result: ModelCoverageResult): string {
  return `${JSON.stringify(
    {
      paths: result.paths,
      events: result.events,
      checks: result.checks,
      violations: result.violations,
      summary: result.report.summary,
      uncovered: result.uncovered.map(({ kind, id, label }) => ({ kind, id, label })),
      unreachable: result.report.items
        .filter((i) => i.unreachable !== undefined)
        .map(({ kind, id, label, unreachable }) => ({ kind, id, label, reason: unreachable })),
      items: result.report.items,
    },
    null,
    2,
  )}\n`;
}

const UNCOVERED_COLOUR = '#d62728';
const COVERED_COLOUR = '#15803d';

/**
 * The diagram with covered states and the edges of covered transitions highlighted in green
 * (thicker), and uncovered ones drawn in red.
 */
export function colourDiagram(svg: string, uncovered: readonly CoverageItem[]): string {
  const u = modelUniverse();
  const byId = new Map(u.transitions.map((t) => [t.id, t]));
  const edges = new Set<string>();
  for (const item of uncovered) {
    if (item.kind !== 'transition') continue;
    const t = byId.get(item.id);
    if (!t) continue;
    const sources = [t.source, `${t.source}.*`];
    const targets = t.targets.length > 0 ? t.targets : [t.source];
    for (const s of sources) for (const target of targets) edges.add(`${s}->${target}`);
  }
  const states = new Set(uncovered.filter((i) => i.kind === 'stateNode').map((i) => i.id));
  const decode = (s: string) => s.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&lt;/g, '<');
  const body = svg.replace(/^[\s\S]*?(<svg[\s>])/, '$1');
  return body.replace(
    /<g id="[^"]*" class="(edge|node)">\s*<title>([^<]*)<\/title>([\s\S]*?)<\/g>/g,
    (whole, cls: string, title: string, rest: string) => {
      const name = decode(title);
      const hit = cls === 'edge' ? edges.has(name) : states.has(name);
      const colour = hit ? UNCOVERED_COLOUR : COVERED_COLOUR;
      const recoloured = rest
        .replace(/stroke="[^"]*"/g, `stroke="${colour}" stroke-width="${hit ? 1 : 2}"`)
        .replace(/(<polygon[^>]*?)fill="#555555"/g, `$1fill="${colour}"`);
      return whole
        .replace(rest, recoloured)
        .replace(`class="${cls}"`, `class="${cls} ${hit ? 'uncovered' : 'covered'}"`);
    },
  );
}

const KIND_LABEL: Record<CoverageKind, string> = {
  stateNode: 'State nodes',
  transition: 'Transitions',
  guard: 'Guard outcomes',
  eventType: 'Event types',
  phaseEvent: 'Phase × event',
  invariant: 'Invariants',
};

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:1400px}
h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0} th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#14532d} .bad{color:${UNCOVERED_COLOUR};font-weight:600}
#diagram svg{max-width:100%;height:auto} code{font-family:ui-monospace,monospace;font-size:12.5px}
`;

export function renderModelCoverageHtml(result: ModelCoverageResult, svg: string): string {
  const { report } = result;
  const parts: string[] = ['<h1>dsconform model coverage</h1>'];
  const ok = result.violations.length === 0 && result.uncovered.every((i) => i.kind === 'invariant');
  parts.push(
    `<section id="summary"><p class="${ok ? 'ok' : 'bad'}">${result.paths} committed paths, ${result.events} events, ${result.checks} invariant checks against the reference implementation: ${result.violations.length} violations, ${result.uncovered.length} reachable items uncovered.</p>`,
  );
  parts.push(
    '<table id="counts"><thead><tr><th>Kind</th><th>Total</th><th>Covered</th><th>Unreachable</th><th>Uncovered</th><th>Covered of reachable</th></tr></thead><tbody>',
  );
  for (const [kind, t] of Object.entries(report.summary) as Array<
    [CoverageKind, (typeof report.summary)[CoverageKind]]
  >) {
    const reachable = t.total - t.unreachable;
    const pct = reachable === 0 ? 100 : (100 * t.covered) / reachable;
    parts.push(
      `<tr><td>${KIND_LABEL[kind]}</td><td class="num">${t.total}</td><td class="num">${t.covered}</td><td class="num">${t.unreachable}</td><td class="num${t.uncovered > 0 ? ' bad' : ''}">${t.uncovered}</td><td class="num">${pct.toFixed(1)}%</td></tr>`,
    );
  }
  parts.push('</tbody></table></section>');
  if (result.violations.length > 0) {
    parts.push('<h2>Invariant violations of the reference</h2><ul id="violations">');
    for (const v of result.violations)
      parts.push(
        `<li class="bad"><code>${escapeHtml(v.path)}</code> <strong>${escapeHtml(v.invariant)}</strong> at step ${v.step}: ${escapeHtml(v.message)}</li>`,
      );
    parts.push('</ul>');
  }
  parts.push(
    `<h2>State diagram</h2><p>Covered states and the edges of covered transitions are drawn in <span class="ok">green</span>; uncovered ones in <span class="bad">red</span>.</p><div id="diagram">${colourDiagram(svg, result.uncovered)}</div>`,
  );
  parts.push('<h2>Uncovered (reachable)</h2>');
  const kinds = Object.keys(KIND_LABEL) as CoverageKind[];
  for (const kind of kinds) {
    const items = result.uncovered.filter((i) => i.kind === kind);
    parts.push(
      `<h3>${KIND_LABEL[kind]}: ${items.length}</h3>` +
        (items.length === 0
          ? '<p class="ok">none</p>'
          : `<ul class="uncovered ${kind}">${items.map((i) => `<li><code>${escapeHtml(i.label)}</code></li>`).join('')}</ul>`),
    );
  }
  const unreachable = report.items.filter((i) => i.unreachable !== undefined);
  parts.push(
    `<h2>Unreachable (${unreachable.length})</h2><table id="unreachable"><thead><tr><th>Kind</th><th>Item</th><th>Why</th></tr></thead><tbody>`,
  );
  for (const i of unreachable)
    parts.push(
      `<tr><td>${KIND_LABEL[i.kind]}</td><td><code>${escapeHtml(i.label)}</code></td><td>${escapeHtml(i.unreachable ?? '')}</td></tr>`,
    );
  parts.push('</tbody></table>');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dsconform model coverage</title><style>${STYLE}</style></head><body>${parts.join('\n')}</body></html>\n`;
}

/** Writes coverage.json and index.html into `dir`; returns their paths. */
export function writeModelCoverage(
  result: ModelCoverageResult,
  dir: string = DEFAULT_MODEL_COVERAGE_DIR,
): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'coverage.json');
  const html = join(dir, 'index.html');
  writeFileSync(json, modelCoverageJson(result));
  writeFileSync(html, renderModelCoverageHtml(result, readFileSync(SVG_FILE, 'utf8')));
  return { json, html };
}
