/**
 * A picture of a run: a self-contained SVG timeline with one lane per node and one column per
 * step, each pod a bar coloured by its revision (current, old, none) and shaded by its state
 * (pending, running, ready, available, terminating, failed), the event of each step above its
 * column, the controller's writes of the step marked under it, and the violating step outlined.
 * No script, no external font or image: it renders the same in a browser, an editor and a PDF.
 */
import type { PodState, TimelinePod, TimelineSnapshot } from '../harness/timelineSnapshot.js';

/** One column of the timeline: a step (or the settled cluster) and what it showed. */
export interface TimelineColumn {
  /** What happened: the event, or "settled". */
  readonly label: string;
  readonly snapshot: TimelineSnapshot;
  /** The violation showed here. */
  readonly failed?: boolean;
}

const REVISION_COLOUR: Record<TimelinePod['revision'], string> = {
  current: '#2563eb',
  old: '#d97706',
  none: '#7c3aed',
};
const STATE_OPACITY: Record<PodState, number> = {
  pending: 0.25,
  running: 0.45,
  ready: 0.7,
  available: 1,
  terminating: 0.35,
  failed: 1,
  succeeded: 0.3,
};

const esc = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLUMN = 34;
const BAR = 9;
const GAP = 3;
const LEFT = 110;
const HEADER = 190;
/** The legend and the note under it need this much width, whatever the number of steps. */
const MIN_WIDTH = 760;
/** Room on the right for the last column's slanted label. */
const LABEL_OVERHANG = 120;

/**
 * The SVG (a string). `title` heads it; `id` lets a page link to it. Lanes are the nodes in the
 * order they first appear; a node gone from a step shows its lane struck through there.
 */
export function renderTimeline(columns: readonly TimelineColumn[], options: { title: string; id?: string }): string {
  const nodes: string[] = [];
  for (const c of columns) {
    for (const n of c.snapshot.nodes) if (!nodes.includes(n.name)) nodes.push(n.name);
    for (const p of c.snapshot.pods) if (p.node !== '' && !nodes.includes(p.node)) nodes.push(p.node);
  }
  // Each lane is as tall as the most pods its node ever had at once.
  const depth = new Map(nodes.map((n) => [n, 1]));
  for (const c of columns)
    for (const n of nodes)
      depth.set(n, Math.max(depth.get(n) ?? 1, c.snapshot.pods.filter((p) => p.node === n).length));
  const laneTop = new Map<string, number>();
  let y = HEADER;
  for (const n of nodes) {
    laneTop.set(n, y);
    y += (depth.get(n) ?? 1) * (BAR + GAP) + 10;
  }
  const height = y + 46;
  const width = Math.max(MIN_WIDTH, LEFT + columns.length * COLUMN + LABEL_OVERHANG);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline"${options.id ? ` id="${esc(options.id)}"` : ''} viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(options.title)}" font-family="system-ui, sans-serif" font-size="11">`,
    `<title>${esc(options.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="16" font-size="13" font-weight="600">${esc(options.title)}</text>`,
  );
  columns.forEach((c, i) => {
    const x = LEFT + i * COLUMN;
    if (c.failed)
      out.push(
        `<rect class="failed-step" x="${x}" y="${HEADER - 22}" width="${COLUMN}" height="${y - HEADER + 22}" fill="#fee2e2" stroke="#b91c1c" stroke-width="2"/>`,
      );
    else if (i % 2 === 1)
      out.push(`<rect x="${x}" y="${HEADER - 22}" width="${COLUMN}" height="${y - HEADER + 22}" fill="#f8fafc"/>`);
    const short = c.label.length > 26 ? `${c.label.slice(0, 25)}…` : c.label;
    out.push(
      `<g class="step"><title>${esc(`${c.failed ? 'violation here: ' : ''}${c.label}`)}</title><text transform="translate(${x + COLUMN / 2 + 4},${HEADER - 26}) rotate(-55)">${esc(short)}</text></g>`,
    );
    const w = c.snapshot.writes;
    if (w !== undefined) {
      const marks = [w.creates > 0 ? `+${w.creates}` : '', w.deletes > 0 ? `−${w.deletes}` : '', w.status ? 's' : '']
        .filter(Boolean)
        .join(' ');
      out.push(
        `<g class="writes"><title>${esc(`the controller wrote: ${w.creates} create(s), ${w.deletes} delete(s)${w.status ? ', the status' : ''}`)}</title><text x="${x + COLUMN / 2}" y="${HEADER - 6}" text-anchor="middle" font-size="9" fill="#334155">${esc(marks)}</text></g>`,
      );
    }
  });
  for (const n of nodes) {
    const top = laneTop.get(n) ?? 0;
    const laneHeight = (depth.get(n) ?? 1) * (BAR + GAP);
    out.push(
      `<text x="8" y="${top + BAR}" fill="#0f172a">${esc(n.length > 16 ? `${n.slice(0, 15)}…` : n)}</text>`,
      `<line x1="${LEFT}" y1="${top + laneHeight + 4}" x2="${LEFT + columns.length * COLUMN}" y2="${top + laneHeight + 4}" stroke="#e2e8f0"/>`,
    );
    columns.forEach((c, i) => {
      const x = LEFT + i * COLUMN;
      const node = c.snapshot.nodes.find((m) => m.name === n);
      if (node === undefined)
        out.push(
          `<line class="gone" x1="${x + 2}" y1="${top + laneHeight / 2}" x2="${x + COLUMN - 2}" y2="${top + laneHeight / 2}" stroke="#94a3b8" stroke-dasharray="2 2"><title>${esc(`${n}: no such node`)}</title></line>`,
        );
      else if (!node.ready)
        out.push(
          `<rect x="${x}" y="${top - 1}" width="${COLUMN}" height="${laneHeight}" fill="#fef3c7"><title>${esc(`${n}: not Ready`)}</title></rect>`,
        );
      c.snapshot.pods
        .filter((p) => p.node === n)
        .forEach((p, k) => {
          const colour = p.state === 'failed' ? '#dc2626' : REVISION_COLOUR[p.revision];
          const dash = p.state === 'terminating' ? ' stroke-dasharray="3 2"' : '';
          const foreign = p.foreign ? ' (not the DaemonSet’s)' : '';
          out.push(
            `<rect class="pod ${p.revision} ${p.state}" x="${x + 1}" y="${top + k * (BAR + GAP)}" width="${COLUMN - 2}" height="${BAR}" fill="${colour}" fill-opacity="${STATE_OPACITY[p.state]}" stroke="${colour}"${dash}${p.foreign ? ' stroke-width="2" stroke-opacity="0.9"' : ''}><title>${esc(`${p.name}: ${p.revision} revision, ${p.state}${foreign}`)}</title></rect>`,
          );
        });
    });
  }
  // Legend.
  const ly = y + 14;
  let lx = 8;
  const legend = (fill: string, opacity: number, text: string, dash = false) => {
    out.push(
      `<rect x="${lx}" y="${ly}" width="16" height="${BAR}" fill="${fill}" fill-opacity="${opacity}" stroke="${fill}"${dash ? ' stroke-dasharray="3 2"' : ''}/><text x="${lx + 20}" y="${ly + 8}">${esc(text)}</text>`,
    );
    lx += 30 + text.length * 6.5;
  };
  legend(REVISION_COLOUR.current, 1, 'current revision');
  legend(REVISION_COLOUR.old, 1, 'old');
  legend(REVISION_COLOUR.none, 1, 'no hash');
  legend('#64748b', STATE_OPACITY.pending, 'pending');
  legend('#64748b', STATE_OPACITY.running, 'running');
  legend('#64748b', STATE_OPACITY.ready, 'ready');
  legend('#64748b', 1, 'available');
  legend('#64748b', STATE_OPACITY.terminating, 'terminating', true);
  legend('#dc2626', 1, 'failed');
  out.push(
    `<text x="8" y="${ly + 26}" fill="#334155">Above each column: the controller's writes (+creates −deletes, s = status). Outlined in red: the step where the violation showed.</text>`,
    '</svg>',
  );
  return out.join('');
}

/**
 * A column per trace entry, its snapshot picked by `snapshotOf`, the entry at `failedAt` outlined;
 * undefined when an entry has no snapshot (a file written before timelines were recorded). An
 * entry for the settled cluster (a differential's last) is labelled so.
 */
export function traceColumns<E extends { index: number; description: string }>(
  trace: readonly E[],
  failedAt: number,
  snapshotOf: (entry: E) => TimelineSnapshot | undefined,
): TimelineColumn[] | undefined {
  const columns: TimelineColumn[] = [];
  for (const entry of trace) {
    const snapshot = snapshotOf(entry);
    if (snapshot === undefined) return undefined;
    columns.push({
      label: entry.description.startsWith('quiescence')
        ? 'settled (quiescence)'
        : `${entry.index + 1}. ${entry.description}`,
      snapshot,
      ...(entry.index === failedAt ? { failed: true } : {}),
    });
  }
  return columns;
}

/** A counterexample's timeline (undefined for files written before timelines were recorded). */
export function counterexampleTimeline(
  cx: {
    trace: readonly { index: number; description: string; timeline?: TimelineSnapshot }[];
    step: number;
    invariant: string;
    finalTimeline?: TimelineSnapshot;
  },
  id?: string,
): string | undefined {
  const columns = traceColumns(cx.trace, cx.step, (entry) => entry.timeline);
  if (columns === undefined) return undefined;
  if (cx.step === -1 && cx.finalTimeline !== undefined)
    columns.push({ label: 'settled (quiescence)', snapshot: cx.finalTimeline, failed: true });
  if (columns.length === 0) return undefined;
  return renderTimeline(columns, {
    title: `Timeline: ${cx.invariant} ${cx.step === -1 ? 'at quiescence' : `at step ${cx.step + 1}`}`,
    ...(id !== undefined ? { id } : {}),
  });
}
