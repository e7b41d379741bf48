/**
 * Runs one case: applies a sequence of model events to an implementation, checks the safety
 * invariants after every event, then lets the cluster reach quiescence and compares what the
 * implementation shows with what the model expects. The first disagreement ends the case.
 */
import type { DsEvent } from '../../model/events.ts';
import { INVARIANTS, type Invariant } from '../../model/invariants.ts';
import type { Observation } from '../../model/observation.ts';
import { compareWithExpectation, expectedAtQuiescence, type Violation } from '../../model/oracle.ts';
import type { ApplyOutcome } from './system.js';
import type { SystemUnderTest } from './systemUnderTest.js';
import { describeEvent, podTable } from './trace.js';

export interface TraceEntry {
  index: number;
  event: DsEvent;
  description: string;
  outcome: ApplyOutcome;
  /** Per-node pod table after the event. */
  table: string[];
}

export interface CaseFailure {
  /** Invariant ID from the model's catalogue, or DS-EXPECT / DS-LIVE-01 for the quiescence checks. */
  invariant: string;
  message: string;
  node?: string;
  /** Index of the event after which the violation showed, or -1 when it showed at quiescence. */
  step: number;
  trace: TraceEntry[];
  /** What the implementation showed when the violation was found. */
  observation: Observation;
}

export interface CaseResult {
  failure?: CaseFailure;
  /** Invariant checks evaluated (for progress lines and reports). */
  checks: number;
  /** The same, per invariant ID. */
  checksById?: Record<string, number>;
  events: number;
}

export interface RunOptions {
  /** The catalogue to check; the model's whole catalogue by default. */
  invariants?: readonly Invariant[];
  /** Virtual seconds quiescence may run the clock forward. */
  maxAdvanceSeconds?: number;
}

export async function runCase(
  events: readonly DsEvent[],
  makeSystem: () => SystemUnderTest | Promise<SystemUnderTest>,
  options: RunOptions = {},
): Promise<CaseResult> {
  const system = await makeSystem();
  const trace: TraceEntry[] = [];
  let checks = 0;
  const fail = (v: Violation, step: number, observation: Observation): CaseResult => ({
    failure: { invariant: v.id, message: v.message, ...(v.node ? { node: v.node } : {}), step, trace, observation },
    checks,
    events: events.length,
  });
  const invariants = options.invariants ?? INVARIANTS;
  const perStep = invariants.filter((i) => i.scope !== 'quiescent');
  const atQuiescence = invariants.filter((i) => i.scope !== 'step');
  const checksById: Record<string, number> = {};
  const evaluate = (list: readonly Invariant[], ctx: Parameters<Invariant['check']>[0]): Violation | undefined => {
    for (const invariant of list) {
      checks++;
      checksById[invariant.id] = (checksById[invariant.id] ?? 0) + 1;
      const [violation] = invariant.check(ctx);
      if (violation) return violation;
    }
    return undefined;
  };
  const failWith = (v: Violation, step: number, observation: Observation): CaseResult => ({
    ...fail(v, step, observation),
    checksById,
  });
  try {
    let before = system.observe();
    const history: Observation[] = [before];
    for (const [index, event] of events.entries()) {
      const outcome = await system.apply(event);
      const after = system.observe();
      history.push(after);
      trace.push({ index, event, description: describeEvent(event), outcome, table: podTable(after) });
      const violation = evaluate(perStep, { obs: after, prev: before, history });
      if (violation) return failWith(violation, index, after);
      before = after;
    }
    // The model predicts the settled state from the implementation's own last observation.
    const expected = expectedAtQuiescence(before);
    // While the cluster settles, every controller step is checked like an event's.
    let settleSteps = 0;
    let duringSettle: { violation: Violation; observation: Observation } | undefined;
    system.onControllerStep = (stepBefore) => {
      if (duringSettle) return;
      settleSteps++;
      const after = system.observe();
      history.push(after);
      trace.push({
        index: events.length - 1 + settleSteps,
        event: { type: 'CONTROLLER_SYNC' },
        description: 'CONTROLLER_SYNC (while settling)',
        outcome: { applied: true },
        table: podTable(after),
      });
      const violation = evaluate(perStep, { obs: after, prev: stepBefore, history });
      if (violation) duringSettle = { violation, observation: after };
      before = after;
    };
    const settled = await system.quiesce({ maxAdvanceSeconds: options.maxAdvanceSeconds ?? 3600 });
    system.onControllerStep = undefined;
    if (duringSettle) return failWith(duringSettle.violation, -1, duringSettle.observation);
    const quiet = system.observe();
    checks++;
    checksById['DS-LIVE-01'] = (checksById['DS-LIVE-01'] ?? 0) + 1;
    if (!settled.converged) {
      return failWith(
        {
          id: 'DS-LIVE-01',
          message: `the cluster did not settle after ${settled.rounds} rounds; still changing: ${settled.stillChanging.join(', ')}`,
        },
        -1,
        quiet,
      );
    }
    checks++;
    checksById['DS-EXPECT'] = (checksById['DS-EXPECT'] ?? 0) + 1;
    const [difference] = compareWithExpectation(quiet, expected);
    if (difference) return failWith(difference, -1, quiet);
    const violation = evaluate(atQuiescence, { obs: quiet, prev: before, history: [...history, quiet] });
    if (violation) return failWith(violation, -1, quiet);
    return { checks, checksById, events: events.length };
  } finally {
    await system.dispose();
  }
}
