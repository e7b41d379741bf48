/**
 * Runs one case: applies a sequence of model events to an implementation, checks the safety
 * invariants after every event, then lets the cluster reach quiescence and compares what the
 * implementation shows with what the model expects. The first disagreement ends the case.
 */
import type { DsEvent } from '../../model/events.ts';
import type { Observation } from '../../model/observation.ts';
import { compareWithExpectation, expectedAtQuiescence, type Violation } from '../../model/oracle.ts';
import type { ApplyOutcome, SimulatedSystem } from './system.js';
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
  events: number;
}

/** Safety checks run after every event: previous and current observation → violations. */
export type StepCheck = (before: Observation, after: Observation) => Violation[];
/** Checks that must hold once the cluster is quiet. */
export type QuiescentCheck = (obs: Observation) => Violation[];

export interface RunOptions {
  stepChecks?: readonly StepCheck[];
  quiescentChecks?: readonly QuiescentCheck[];
  /** Virtual seconds quiescence may run the clock forward. */
  maxAdvanceSeconds?: number;
}

export async function runCase(
  events: readonly DsEvent[],
  makeSystem: () => SimulatedSystem | Promise<SimulatedSystem>,
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
  try {
    let before = system.observe();
    for (const [index, event] of events.entries()) {
      const outcome = await system.apply(event);
      const after = system.observe();
      trace.push({ index, event, description: describeEvent(event), outcome, table: podTable(after) });
      for (const check of options.stepChecks ?? []) {
        checks++;
        const [violation] = check(before, after);
        if (violation) return fail(violation, index, after);
      }
      before = after;
    }
    // The model predicts the settled state from the implementation's own last observation.
    const expected = expectedAtQuiescence(before);
    const settled = await system.quiesce({ maxAdvanceSeconds: options.maxAdvanceSeconds ?? 3600 });
    const quiet = system.observe();
    if (!settled.converged) {
      return fail(
        {
          id: 'DS-LIVE-01',
          message: `the cluster did not settle after ${settled.rounds} rounds; still changing: ${settled.stillChanging.join(', ')}`,
        },
        -1,
        quiet,
      );
    }
    checks++;
    const [difference] = compareWithExpectation(quiet, expected);
    if (difference) return fail(difference, -1, quiet);
    for (const check of options.quiescentChecks ?? []) {
      checks++;
      const [violation] = check(quiet);
      if (violation) return fail(violation, -1, quiet);
    }
    return { checks, events: events.length };
  } finally {
    await system.dispose();
  }
}
