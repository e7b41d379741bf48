/**
 * The report of a lock-step differential (`dsconform diff`): one self-contained index.html with
 * what differed first, then the two implementations' timelines one above the other (the same
 * columns, the divergent one outlined), then the step-by-step table; and the two timelines as one
 * picture, timeline.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimelineSnapshot } from '../harness/timelineSnapshot.js';
import { escapeHtml } from './html.js';
import { renderTimeline, traceColumns } from './timeline.js';

/** What the report reads of a differential counterexample file. */
export interface DiffReportInput {
  readonly invariant: string;
  readonly message: string;
  /** The divergent event's index, or -1 when the settled states differ. */
  readonly step: number;
  readonly seed: number;
  readonly caseIndex: number;
  readonly path: string;
  readonly differential: { readonly left: { readonly name: string }; readonly right: { readonly name: string } };
  readonly trace: readonly {
    readonly index: number;
    readonly description: string;
    readonly table: readonly string[];
    readonly timeline?: TimelineSnapshot;
    readonly rightTimeline?: TimelineSnapshot;
  }[];
}

/** The two sides' timelines (left above right), or undefined when the file has none. */
export function diffTimelines(cx: DiffReportInput): { left: string; right: string } | undefined {
  const failedAt = cx.step === -1 ? (cx.trace.at(-1)?.index ?? -2) : cx.step;
  const columns = (side: 'timeline' | 'rightTimeline') => traceColumns(cx.trace, failedAt, (entry) => entry[side]);
  const left = columns('timeline');
  const right = columns('rightTimeline');
  if (left === undefined || right === undefined || left.length === 0) return undefined;
  return {
    left: renderTimeline(left, { title: `Left: ${cx.differential.left.name}`, id: 'timeline-left' }),
    right: renderTimeline(right, { title: `Right: ${cx.differential.right.name}`, id: 'timeline-right' }),
  };
}

/** Both timelines in one SVG document, left above right. */
export function stackedTimelines(left: string, right: string): string {
  const size = (svg: string) => {
    const m = /viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"/.exec(svg);
    return { width: Number(m?.[1] ?? 0), height: Number(m?.[2] ?? 0) };
  };
  const a = size(left);
  const b = size(right);
  const width = Math.max(a.width, b.width);
  const height = a.height + b.height;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline-pair" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
    `<g>${left}</g><g transform="translate(0,${a.height})">${right}</g></svg>`
  );
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:1200px}
h1{font-size:1.5rem;margin:0 0 .5rem} h2{font-size:1.15rem;margin-top:2rem}
#what-differed{border:2px solid #b91c1c;border-radius:6px;padding:.6rem 1rem;margin:1rem 0;background:#fff5f5}
#what-differed h2{margin:.2rem 0 .4rem;font-size:1.1rem} code{font-family:ui-monospace,monospace;font-size:12.5px;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%} .timeline-box{margin:.5rem 0 1rem} .timeline-box svg{display:block}
table{border-collapse:collapse;width:100%} th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6} td pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font-family:ui-monospace,monospace;font-size:12.5px}
tr.failed td{outline:2px solid #b91c1c;outline-offset:-2px}
@media (max-width:600px){body{margin:.75rem}}
`;

export function renderDiffHtml(cx: DiffReportInput, replay: string): string {
  const { left, right } = cx.differential;
  const timelines = diffTimelines(cx);
  const failedAt = cx.step === -1 ? (cx.trace.at(-1)?.index ?? -2) : cx.step;
  const rows = cx.trace
    .map(
      (entry) =>
        `<tr class="step${entry.index === failedAt ? ' failed' : ''}"><td>${entry.description.startsWith('quiescence') ? '' : entry.index + 1}</td><td>${escapeHtml(entry.description)}</td><td><pre>${escapeHtml(entry.table.join('\n'))}</pre></td></tr>`,
    )
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>dsconform diff: ${escapeHtml(left.name)} vs ${escapeHtml(right.name)}</title><style>${STYLE}</style></head><body>` +
    `<h1>dsconform diff: ${escapeHtml(left.name)} vs ${escapeHtml(right.name)}</h1>` +
    `<section id="what-differed"><h2>What differed</h2><p>${escapeHtml(cx.message)}</p>` +
    `<p>${cx.step === -1 ? 'In the settled states, after the events.' : `After event ${cx.step + 1}.`} Seed <code>${cx.seed}</code>, case <code>${cx.caseIndex}</code>, shrink path <code>${escapeHtml(cx.path)}</code>.</p>` +
    `<p>Replay: <code>${escapeHtml(replay)}</code></p></section>` +
    (timelines
      ? `<h2>Timelines</h2><p>The same events on both sides, left above right; the column where they differ first is outlined in red.</p>` +
        `<div class="scroll timeline-box">${timelines.left}</div><div class="scroll timeline-box">${timelines.right}</div>`
      : '') +
    `<h2>Step by step</h2><div class="scroll"><table id="trace"><thead><tr><th>#</th><th>Event</th><th>Left, then right, after it</th></tr></thead><tbody>${rows}</tbody></table></div>` +
    `</body></html>\n`
  );
}

/** Writes index.html (and timeline.svg) into `dir`; returns the index's path. */
export function writeDiffReport(dir: string, cx: DiffReportInput, replay: string): string {
  mkdirSync(dir, { recursive: true });
  const index = join(dir, 'index.html');
  writeFileSync(index, renderDiffHtml(cx, replay));
  const timelines = diffTimelines(cx);
  if (timelines)
    writeFileSync(
      join(dir, 'timeline.svg'),
      `<?xml version="1.0" encoding="UTF-8"?>\n${stackedTimelines(timelines.left, timelines.right)}\n`,
    );
  return index;
}
