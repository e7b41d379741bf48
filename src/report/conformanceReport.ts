/**
 * The conformance report of one `dsconform check` run: `report.json` (versioned), from which the
 * JUnit and HTML renderings are made.
 */
import { INVARIANTS } from '../../model/invariants.ts';
import { INVARIANT_RULES } from '../../model/rules.ts';
import type { CampaignResult } from '../harness/campaign.js';
import type { CounterexampleFile, ImplementationRef } from '../harness/counterexample.js';
import { ORACLE_INCOMPLETE_KEY, type RuleCoverage, ruleCoverage } from '../harness/ruleCoverage.js';
import type { CaseLog } from './caseLog.js';

export const REPORT_SCHEMA = 'dsconform/conformance-report@1';

/**
 * `not-exercised`: checked, but no case reached the situation it judges (none of its rules in
 * `INVARIANT_RULES`), so its pass says nothing; `not-run`: never evaluated at all.
 */
export type Verdict = 'pass' | 'fail' | 'skipped' | 'not-run' | 'not-exercised';

export interface InvariantVerdict {
  id: string;
  statement: string;
  upstream: readonly string[];
  /** Times the check was evaluated (per step or at quiescence) across all cases. */
  checks: number;
  verdict: Verdict;
}

export interface ProfileReport {
  profile: string;
  /**
   * `non-deterministic`: a case failed, and passed when run again with the same events; the
   * counterexample is the failing run as observed (not shrunk).
   */
  verdict: 'conforms' | 'violation' | 'non-deterministic' | 'skipped' | 'could-not-check';
  runs: number;
  checks: number;
  events: number;
  skippedBecause?: string[];
  error?: string;
  invariants: InvariantVerdict[];
  /** Per rule of the semantics note (model/rules.ts), the cases that reached it; absent in reports of older versions. */
  rules?: RuleCoverage[];
  /** Cases whose settled outcome the quiescence oracle could not state (so DS-EXPECT judged them only in part). */
  oracleIncomplete?: number;
  /** Relative path of the saved counterexample, when one was found. */
  counterexampleFile?: string;
  counterexample?: CounterexampleFile;
  /** Wall-clock duration; the only field that differs between two runs with the same seed. */
  durationMs: number;
  /** Nodes and longest event sequence of the generated cases (shards of other scopes never merge). */
  scope?: { nodes: number; maxEvents: number };
  /** The case indexes run: first, first + stride, ... up to last (a shard i/n: first i-1, stride n). */
  caseIndexes?: { first: number; last: number; stride: number };
  /** The case the campaign stopped at early: its failing case, or the one the implementation broke down on. */
  stoppedAt?: number;
  /** Each case's counts, so that shard reports merge into exactly the single run's report (merge.ts). */
  caseLog?: CaseLog;
}

export interface ConformanceReport {
  schema: typeof REPORT_SCHEMA;
  runId: string;
  implementation: ImplementationRef;
  seed: number;
  runsRequested: number;
  verdict: 'conforms' | 'violation' | 'non-deterministic' | 'could-not-check';
  profiles: ProfileReport[];
  replay?: string;
  /** Set when this run is one shard of a campaign (`--shard index/count`); absent once merged. */
  shard?: { index: number; count: number };
}

/** What a profile report is made from: a campaign's result, or the merged results of its shards. */
export type CampaignOutcome = Pick<
  CampaignResult,
  'profile' | 'runs' | 'checks' | 'events' | 'checksById' | 'skipped' | 'caseIndexes' | 'stoppedAt'
> & {
  scope?: CampaignResult['scope'];
  counterexample?: { failure: { invariant: string }; nonDeterministic?: true };
  adapterError?: { message: string };
};

const QUIESCENCE_CHECKS: { id: string; statement: string }[] = [
  {
    id: 'DS-EXPECT',
    statement:
      'At quiescence the cluster matches what the model predicts (pods per node, revisions, readiness, status).',
  },
  {
    id: 'DS-LIVE-01',
    statement:
      'Once the environment stops changing, the cluster settles (no livelock between controllers), within the productive controller steps and virtual time the spec allows from where it started (model/liveness.ts).',
  },
];

export function profileReport(
  result: CampaignOutcome,
  durationMs: number,
  counterexample?: { file: CounterexampleFile; path: string },
  caseLog?: CaseLog,
): ProfileReport {
  const failedId = result.counterexample?.failure.invariant;
  const catalogue = [
    ...INVARIANTS.map((i) => ({ id: i.id, statement: i.statement, upstream: i.upstream })),
    ...QUIESCENCE_CHECKS.map((q) => ({ ...q, upstream: [] })),
  ];
  const rules = ruleCoverage(result.checksById, result.scope?.nodes, undefined, result.profile);
  const reached = new Map(rules.map((r) => [r.id, r.cases]));
  const seen = new Set<string>();
  const invariants: InvariantVerdict[] = [];
  for (const inv of catalogue) {
    if (seen.has(inv.id)) continue;
    seen.add(inv.id);
    const checks = result.checksById[inv.id] ?? 0;
    const situations = INVARIANT_RULES[inv.id];
    const exercised = situations === undefined || situations.some((id) => (reached.get(id) ?? 0) > 0);
    let verdict: Verdict;
    if (result.skipped) verdict = 'skipped';
    else if (inv.id === failedId) verdict = 'fail';
    else if (checks === 0) verdict = 'not-run';
    else verdict = exercised ? 'pass' : 'not-exercised';
    invariants.push({ id: inv.id, statement: inv.statement, upstream: inv.upstream, checks, verdict });
  }
  const verdict: ProfileReport['verdict'] = result.skipped
    ? 'skipped'
    : result.adapterError
      ? 'could-not-check'
      : result.counterexample?.nonDeterministic
        ? 'non-deterministic'
        : result.counterexample
          ? 'violation'
          : 'conforms';
  return {
    profile: result.profile,
    verdict,
    runs: result.runs,
    checks: result.checks,
    events: result.events,
    ...(result.skipped
      ? { skippedBecause: result.skipped.missing.map((f) => `implementation does not support ${f}`) }
      : {}),
    ...(result.adapterError ? { error: result.adapterError.message } : {}),
    invariants,
    ...(result.skipped ? {} : { rules, oracleIncomplete: result.checksById[ORACLE_INCOMPLETE_KEY] ?? 0 }),
    ...(counterexample ? { counterexampleFile: counterexample.path, counterexample: counterexample.file } : {}),
    durationMs,
    ...(result.scope ? { scope: { nodes: result.scope.nodes, maxEvents: result.scope.maxEvents } } : {}),
    ...(result.caseIndexes ? { caseIndexes: result.caseIndexes } : {}),
    ...(result.stoppedAt !== undefined ? { stoppedAt: result.stoppedAt } : {}),
    ...(caseLog ? { caseLog } : {}),
  };
}

export function overallVerdict(profiles: readonly ProfileReport[]): ConformanceReport['verdict'] {
  if (profiles.some((p) => p.verdict === 'could-not-check')) return 'could-not-check';
  if (profiles.some((p) => p.verdict === 'violation')) return 'violation';
  if (profiles.some((p) => p.verdict === 'non-deterministic')) return 'non-deterministic';
  return 'conforms';
}
