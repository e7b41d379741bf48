/**
 * The per-case counts of a campaign, kept compact in report.json so that the reports of shards
 * (or of workers) can be merged into exactly what one run would have reported: a single run
 * stops at its first failure, so a shard's cases beyond the merged campaign's first failure must
 * not count, and only per-case counts allow leaving them out.
 *
 * Cases of one campaign mostly repeat a handful of count patterns (the same number of events,
 * every step invariant checked once per step), so each distinct pattern is stored once as a row
 * and each case is the number of its row.
 */

export interface CaseLog {
  /** Column order of `rows` after the events column: invariant IDs, sorted. */
  ids: string[];
  /** Distinct per-case counts: [events, checks of ids[0], checks of ids[1], ...]. */
  rows: number[][];
  /** For each case that ran, in run order, the index of its row. */
  cases: number[];
}

/** What one case contributes (a CaseResult has these). */
export interface CaseCounts {
  events: number;
  checksById?: Record<string, number>;
}

export class CaseLogBuilder {
  #patterns: { events: number; checksById: Record<string, number> }[] = [];
  #rowOf = new Map<string, number>();
  #cases: number[] = [];

  add(counts: CaseCounts): void {
    const checksById = counts.checksById ?? {};
    const ids = Object.keys(checksById).sort();
    const key = `${counts.events}|${ids.map((id) => `${id}=${checksById[id]}`).join(',')}`;
    let row = this.#rowOf.get(key);
    if (row === undefined) {
      row = this.#patterns.length;
      this.#patterns.push({ events: counts.events, checksById: { ...checksById } });
      this.#rowOf.set(key, row);
    }
    this.#cases.push(row);
  }

  get size(): number {
    return this.#cases.length;
  }

  build(): CaseLog {
    const ids = [...new Set(this.#patterns.flatMap((p) => Object.keys(p.checksById)))].sort();
    return {
      ids,
      rows: this.#patterns.map((p) => [p.events, ...ids.map((id) => p.checksById[id] ?? 0)]),
      cases: [...this.#cases],
    };
  }
}

/** The counts of case number `position` (in run order) of a log. */
export function caseCounts(log: CaseLog, position: number): Required<CaseCounts> {
  const row = log.rows[log.cases[position] as number] as number[];
  const checksById: Record<string, number> = {};
  log.ids.forEach((id, column) => {
    const n = row[column + 1] as number;
    if (n > 0) checksById[id] = n;
  });
  return { events: row[0] as number, checksById };
}
