/**
 * The human-readable conformance report: one self-contained HTML file (no network, no scripts
 * from elsewhere). A failing report starts with what failed (the invariant, its statement, the
 * message, the step, the replay command), then the summary, then each profile's counterexample
 * before its tables of invariant verdicts and rules. Nothing is wider than a phone's screen: wide
 * tables scroll inside the page.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oracleLine } from '../harness/ruleCoverage.js';
import type { ConformanceReport, ProfileReport } from './conformanceReport.js';
import { counterexampleTimeline } from './timeline.js';

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
.scroll{overflow-x:auto;max-width:100%} td pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
td{overflow-wrap:anywhere} #summary th{white-space:nowrap;width:1%}
#what-failed{border:2px solid #b91c1c;border-radius:6px;padding:.6rem 1rem;margin:1rem 0;background:#fff5f5}
#what-failed h2{margin:.2rem 0 .4rem;font-size:1.1rem} #what-failed p{margin:.3rem 0}
#what-failed code{overflow-wrap:anywhere} button.copy{margin-left:.5rem;font:inherit;font-size:12px}
tr.inv.fail td{background:#fff0f0} .timeline-box{margin:.5rem 0 1rem} .timeline-box svg{display:block} tr.step.failed td{outline:2px solid #b91c1c;outline-offset:-2px}
@media (max-width:600px){body{margin:.75rem}}
@media print{.scroll{overflow:visible} button.copy{display:none} pre{white-space:pre-wrap} .timeline-box svg{max-width:100%;height:auto}}
`;

/** A table that may be wider than a phone's screen scrolls inside the page, not the page itself. */
const scrolling = (table: string) => `<div class="scroll">${table}</div>`;

/** Where a counterexample's failure happened: its step, or the settled cluster. */
function whereItFailed(cx: NonNullable<ProfileReport['counterexample']>): string {
  return cx.step === -1 ? 'while the cluster settled, after the events' : `at step ${cx.step + 1}`;
}

/** The box at the top of a failing report: what failed, why, where, and how to see it again. */
function whatFailed(report: ConformanceReport): string {
  const failing = report.profiles.filter((p) => p.counterexample !== undefined);
  if (failing.length === 0) return '';
  const items = failing.map((profile) => {
    const cx = profile.counterexample as NonNullable<ProfileReport['counterexample']>;
    const statement = profile.invariants.find((i) => i.id === cx.invariant)?.statement;
    return (
      `<p><strong><code>${escapeHtml(cx.invariant)}</code></strong>${statement ? ` — ${escapeHtml(statement)}` : ''}</p>` +
      `<p>${escapeHtml(cx.message)}${cx.node ? ` (node ${escapeHtml(cx.node)})` : ''}, ${whereItFailed(cx)} of its ${cx.trace.length}-step trace` +
      `${report.profiles.length > 1 ? ` (profile ${escapeHtml(profile.profile)})` : ''}. <a href="#${counterexampleId(profile.profile)}">See the counterexample</a>.</p>`
    );
  });
  const replay = report.replay
    ? `<p>Replay: <code id="replay-command">${escapeHtml(report.replay)}</code><button class="copy" type="button" data-copy="replay-command">Copy</button></p>`
    : '';
  return `<section id="what-failed"><h2>What failed</h2>${items.join('')}${replay}</section>`;
}

const counterexampleId = (profile: string) => `counterexample-${profile}`;

/** Copy buttons (inline: the report loads nothing from anywhere). */
const COPY_SCRIPT = `<script>document.querySelectorAll('button.copy').forEach(function(b){b.addEventListener('click',function(){var t=document.getElementById(b.getAttribute('data-copy'));if(t&&navigator.clipboard){navigator.clipboard.writeText(t.textContent||'').then(function(){b.textContent='Copied';},function(){});}});});</script>`;

export function renderHtml(report: ConformanceReport): string {
  const parts: string[] = [];
  parts.push(`<h1>dsconform conformance report</h1>`);
  parts.push(whatFailed(report));
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
    // A failing profile shows its counterexample first, the tables after.
    parts.push(counterexampleSection(report, profile));
    const failed = profile.counterexample?.invariant;
    const rows = profile.invariants.map((inv) => {
      const id =
        inv.id === failed
          ? `<a href="#${counterexampleId(profile.profile)}"><code>${escapeHtml(inv.id)}</code></a>`
          : `<code>${escapeHtml(inv.id)}</code>`;
      return `<tr class="inv ${inv.verdict}"><td>${id}</td><td>${escapeHtml(inv.statement)}</td><td>${inv.upstream.map(escapeHtml).join('<br>')}</td><td class="num">${inv.checks}</td><td><span class="verdict ${inv.verdict}">${inv.verdict}</span></td></tr>`;
    });
    parts.push(
      `<h2>Invariants (${escapeHtml(profile.profile)})</h2>` +
        scrolling(
          `<table id="verdicts"><thead><tr><th>ID</th><th>Statement</th><th>Upstream</th><th>Checks</th><th>Verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
        ),
    );
    if (profile.oracleIncomplete !== undefined) {
      parts.push(`<p id="oracle">${escapeHtml(oracleLine(profile.oracleIncomplete, profile.runs))}</p>`);
    }
    if (profile.rules) {
      const missed = profile.rules.filter((r) => r.cases === 0).length;
      const rows = profile.rules.map(
        (rule) =>
          `<tr class="rule ${rule.cases === 0 ? 'not-exercised' : 'pass'}"><td><code>${escapeHtml(rule.id)}</code></td><td>${escapeHtml(rule.section)}</td><td>${escapeHtml(rule.statement)}</td><td class="num">${rule.cases}</td></tr>`,
      );
      parts.push(
        `<h2>Rules reached (${escapeHtml(profile.profile)})</h2><p>Cases that reached each rule of the semantics note §1–§7 (model/rules.ts): the situation in which the rule decides. ${missed === 0 ? 'Every rule was reached.' : `<strong>${missed} rule(s) never reached</strong>: no case tested them, whatever the verdict says.`}</p>` +
          scrolling(
            `<table id="rules"><thead><tr><th>Rule</th><th>§</th><th>Statement</th><th>Cases</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
          ),
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>dsconform: ${escapeHtml(report.implementation.name)} (${escapeHtml(report.verdict)})</title><style>${STYLE}</style></head><body>${parts.join('\n')}${report.replay ? COPY_SCRIPT : ''}</body></html>\n`;
}

/** A profile's counterexample: the failure, then the trace, step by step ('' if it has none). */
function counterexampleSection(report: ConformanceReport, profile: ProfileReport): string {
  const cx = profile.counterexample;
  if (cx === undefined) return '';
  const parts: string[] = [];
  if (cx.nonDeterministic)
    parts.push(
      `<h2 id="non-deterministic">Non-deterministic implementation</h2><p>This case failed once and <strong>passed when it was run again with the same events</strong>: the implementation does not answer the same events the same way. The trace below is the failing run as it was observed (not shrunk); a replay may pass.</p>`,
    );
  parts.push(
    `<h2 id="${counterexampleId(profile.profile)}">${cx.nonDeterministic ? 'Observed failing run' : 'Counterexample'}</h2><p><strong>${escapeHtml(cx.invariant)}</strong>: ${escapeHtml(cx.message)}${cx.node ? ` (node ${escapeHtml(cx.node)})` : ''}, ${whereItFailed(cx)}.</p>`,
  );
  const rows: string[] = [];
  let previous = '';
  for (const step of cx.trace) {
    const table = step.table.join('\n');
    const changed = table !== previous;
    previous = table;
    const failedHere = step.index === cx.step ? ' failed' : '';
    rows.push(
      `<tr class="step${changed ? ' changed' : ''}${failedHere}"><td class="num">${step.index + 1}</td><td class="event">${escapeHtml(step.description)}${step.outcome.applied ? '' : ' <em>(no effect)</em>'}</td><td><pre>${escapeHtml(table)}</pre></td></tr>`,
    );
  }
  if (cx.step === -1)
    rows.push(
      `<tr class="step changed failed"><td></td><td class="event">quiescence</td><td><pre>${escapeHtml(cx.finalTable.join('\n'))}</pre></td></tr>`,
    );
  // The picture of the run first, then the same steps as a table.
  const timeline = counterexampleTimeline(cx, `timeline-${profile.profile}`);
  if (timeline !== undefined) parts.push(`<div class="scroll timeline-box">${timeline}</div>`);
  parts.push(
    scrolling(
      `<table id="trace"><thead><tr><th>#</th><th>Event</th><th>Pods per node after it</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    ),
  );
  parts.push(
    `<p>Seed <code>${cx.seed}</code>, case <code>${cx.caseIndex}</code>, shrink path <code>${escapeHtml(cx.path)}</code>. ${report.replay ? `Replay with <code>${escapeHtml(report.replay)}</code>.` : ''}</p>`,
  );
  return parts.join('\n');
}

/** index.html, and each counterexample's timeline as its own SVG file (timeline.svg, or timeline-<profile>.svg for several). */
export function writeHtmlReport(dir: string, report: ConformanceReport): void {
  writeFileSync(join(dir, 'index.html'), renderHtml(report));
  const failing = report.profiles.filter((p) => p.counterexample !== undefined);
  for (const profile of failing) {
    const svg = counterexampleTimeline(profile.counterexample as NonNullable<ProfileReport['counterexample']>);
    if (svg === undefined) continue;
    const name = failing.length === 1 ? 'timeline.svg' : `timeline-${profile.profile}.svg`;
    writeFileSync(join(dir, name), `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`);
  }
}
