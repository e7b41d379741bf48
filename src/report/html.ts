/**
 * The human-readable conformance report: one self-contained HTML file (no network, no scripts
 * from elsewhere), summary first, then per-invariant verdicts and the counterexample.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oracleLine } from '../harness/ruleCoverage.js';
import type { ConformanceReport } from './conformanceReport.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:1200px}
h1{font-size:1.5rem;margin:0 0 .5rem} h2{font-size:1.15rem;margin-top:2rem}
.verdict{display:inline-block;padding:.2rem .6rem;border-radius:4px;font-weight:600}
.conforms,.pass{background:#e3f6e8;color:#14532d} .violation,.fail,.non-deterministic{background:#fde2e1;color:#7f1d1d}
.skipped,.not-run,.not-exercised,.could-not-check{background:#eee;color:#444}
table{border-collapse:collapse;margin:.5rem 0;width:100%} th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
pre,code{font-family:ui-monospace,monospace;font-size:12.5px} pre{background:#f7f7f7;padding:.6rem;overflow-x:auto}
tr.changed td{background:#fff8d6} .event{font-family:ui-monospace,monospace}
`;

export function renderHtml(report: ConformanceReport): string {
  const parts: string[] = [];
  parts.push(`<h1>dsconform conformance report</h1>`);
  parts.push(
    `<section id="summary"><p><span class="verdict ${report.verdict}">${escapeHtml(report.verdict)}</span></p>` +
      `<table><tbody>` +
      `<tr><th>Implementation</th><td>${escapeHtml(report.implementation.name)}</td></tr>` +
      `<tr><th>Seed</th><td>${report.seed}</td></tr>` +
      `<tr><th>Runs requested</th><td>${report.runsRequested}</td></tr>` +
      report.profiles
        .map(
          (p) =>
            `<tr><th>Profile ${escapeHtml(p.profile)}</th><td>${escapeHtml(p.verdict)}: ${p.runs} runs, ${p.events} events, ${p.checks} checks${p.error ? ` — ${escapeHtml(p.error)}` : ''}</td></tr>`,
        )
        .join('') +
      (report.replay ? `<tr><th>Replay</th><td><code>${escapeHtml(report.replay)}</code></td></tr>` : '') +
      `</tbody></table></section>`,
  );
  for (const profile of report.profiles) {
    parts.push(
      `<h2>Invariants (${escapeHtml(profile.profile)})</h2><table id="verdicts"><thead><tr><th>ID</th><th>Statement</th><th>Upstream</th><th>Checks</th><th>Verdict</th></tr></thead><tbody>`,
    );
    for (const inv of profile.invariants) {
      parts.push(
        `<tr class="inv ${inv.verdict}"><td><code>${escapeHtml(inv.id)}</code></td><td>${escapeHtml(inv.statement)}</td><td>${inv.upstream.map(escapeHtml).join('<br>')}</td><td class="num">${inv.checks}</td><td><span class="verdict ${inv.verdict}">${inv.verdict}</span></td></tr>`,
      );
    }
    parts.push('</tbody></table>');
    if (profile.oracleIncomplete !== undefined) {
      parts.push(`<p id="oracle">${escapeHtml(oracleLine(profile.oracleIncomplete, profile.runs))}</p>`);
    }
    if (profile.rules) {
      const missed = profile.rules.filter((r) => r.cases === 0).length;
      parts.push(
        `<h2>Rules reached (${escapeHtml(profile.profile)})</h2><p>Cases that reached each rule of the semantics note §1–§7 (model/rules.ts): the situation in which the rule decides. ${missed === 0 ? 'Every rule was reached.' : `<strong>${missed} rule(s) never reached</strong>: no case tested them, whatever the verdict says.`}</p><table id="rules"><thead><tr><th>Rule</th><th>§</th><th>Statement</th><th>Cases</th></tr></thead><tbody>`,
      );
      for (const rule of profile.rules) {
        parts.push(
          `<tr class="rule ${rule.cases === 0 ? 'not-exercised' : 'pass'}"><td><code>${escapeHtml(rule.id)}</code></td><td>${escapeHtml(rule.section)}</td><td>${escapeHtml(rule.statement)}</td><td class="num">${rule.cases}</td></tr>`,
        );
      }
      parts.push('</tbody></table>');
    }
    const cx = profile.counterexample;
    if (cx) {
      if (cx.nonDeterministic)
        parts.push(
          `<h2 id="non-deterministic">Non-deterministic implementation</h2><p>This case failed once and <strong>passed when it was run again with the same events</strong>: the implementation does not answer the same events the same way. The trace below is the failing run as it was observed (not shrunk); a replay may pass.</p>`,
        );
      parts.push(
        `<h2>${cx.nonDeterministic ? 'Observed failing run' : 'Counterexample'}</h2><p><strong>${escapeHtml(cx.invariant)}</strong>: ${escapeHtml(cx.message)}${cx.node ? ` (node ${escapeHtml(cx.node)})` : ''}</p>`,
      );
      parts.push(
        `<table id="trace"><thead><tr><th>#</th><th>Event</th><th>Pods per node after it</th></tr></thead><tbody>`,
      );
      let previous = '';
      for (const step of cx.trace) {
        const table = step.table.join('\n');
        const changed = table !== previous;
        previous = table;
        parts.push(
          `<tr class="step${changed ? ' changed' : ''}"><td class="num">${step.index + 1}</td><td class="event">${escapeHtml(step.description)}${step.outcome.applied ? '' : ' <em>(no effect)</em>'}</td><td><pre>${escapeHtml(table)}</pre></td></tr>`,
        );
      }
      if (cx.step === -1)
        parts.push(
          `<tr class="step changed"><td></td><td class="event">quiescence</td><td><pre>${escapeHtml(cx.finalTable.join('\n'))}</pre></td></tr>`,
        );
      parts.push('</tbody></table>');
      parts.push(
        `<p>Seed <code>${cx.seed}</code>, case <code>${cx.caseIndex}</code>, shrink path <code>${escapeHtml(cx.path)}</code>. ${report.replay ? `Replay with <code>${escapeHtml(report.replay)}</code>.` : ''}</p>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dsconform: ${escapeHtml(report.implementation.name)} (${escapeHtml(report.verdict)})</title><style>${STYLE}</style></head><body>${parts.join('\n')}</body></html>\n`;
}

export function writeHtmlReport(dir: string, report: ConformanceReport): void {
  writeFileSync(join(dir, 'index.html'), renderHtml(report));
}
