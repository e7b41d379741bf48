/**
 * Rule coverage (issue 21): how many cases of a campaign reached each rule of the semantics
 * note (model/rules.ts). Cases record a reached rule as the count `rule:<ID>` = 1 beside their
 * invariant checks, so every path that sums case counts (workers, shards, merges, soaks) sums
 * rule coverage exactly too; this module reads it back out.
 */
import { RULES, type Rule } from '../../model/rules.ts';
import { PROFILES, type ProfileName } from './profiles.js';

export const RULE_KEY_PREFIX = 'rule:';
/** Counted like a rule: the cases whose outcome the quiescence oracle could not state (issue 14). */
export const ORACLE_INCOMPLETE_KEY = 'case:oracle-incomplete';

/** Per-case counts that ride along with the invariant checks (a `:` marks them); not checks. */
export function isCaseCount(id: string): boolean {
  return id.includes(':');
}

export interface RuleCoverage {
  readonly id: string;
  readonly section: string;
  readonly statement: string;
  /** Cases that reached the rule's precondition. */
  readonly cases: number;
  /** The campaign cannot reach it (clusters too small, or an event its profile never draws); not a blind spot. */
  readonly outOfScope?: true;
  /** Why it is out of scope. */
  readonly needs?: string;
}

/** Per rule of the catalogue, in catalogue order, the cases that reached it. */
export function ruleCoverage(
  countsById: Readonly<Record<string, number>>,
  nodes?: number,
  rules: readonly Rule[] = RULES,
  profile?: ProfileName,
): RuleCoverage[] {
  return rules.map((r) => {
    const cases = countsById[`${RULE_KEY_PREFIX}${r.id}`] ?? 0;
    const small = r.minNodes !== undefined && nodes !== undefined && nodes < r.minNodes;
    const undrawn = r.needs !== undefined && profile !== undefined && (PROFILES[profile].weights[r.needs] ?? 0) === 0;
    const needs = small ? 'larger clusters (--nodes)' : undrawn ? `${r.needs} events (--profile faults)` : undefined;
    const scope = cases === 0 && needs !== undefined ? { outOfScope: true as const, needs } : {};
    return { id: r.id, section: r.section, statement: r.statement, cases, ...scope };
  });
}

/** `rules reached: 68/71; never reached: R-A, R-B` (or `every rule`). */
export function ruleCoverageLine(coverage: readonly RuleCoverage[]): string {
  const inScope = coverage.filter((r) => !r.outOfScope);
  const missed = inScope.filter((r) => r.cases === 0).map((r) => r.id);
  const reached = inScope.length - missed.length;
  const scope = coverage
    .filter((r) => r.outOfScope)
    .map((r) => `; ${r.id} needs ${r.needs ?? 'larger clusters (--nodes)'}`)
    .join('');
  return missed.length === 0
    ? `Rules reached: ${reached}/${inScope.length} (every rule of the semantics note §1-§7 in this scope${scope})`
    : `Rules reached: ${reached}/${inScope.length}; never reached: ${missed.join(', ')}${scope}`;
}

/** `Quiescence oracle: stated the outcome of every case (300/300)`, or how many it could not. */
export function oracleLine(incomplete: number, runs: number): string {
  return incomplete === 0
    ? `Quiescence oracle: stated the settled outcome of every case (${runs}/${runs})`
    : `Quiescence oracle: could not state the settled outcome of ${incomplete} of ${runs} cases (DS-EXPECT judged them only in part)`;
}
