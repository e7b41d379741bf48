/**
 * Runs one case: applies a sequence of model events to an implementation, checks the safety
 * invariants after every event, then lets the cluster reach quiescence and compares what the
 * implementation shows with what the model expects. The first disagreement ends the case.
 */
import type { DsEvent } from '../../model/events.ts';
import { INVARIANTS, type Invariant } from '../../model/invariants.ts';
import type { Observation } from '../../model/observation.ts';
import type { Violation } from '../../model/oracle.ts';
import { InvariantMonitor } from './monitor.js';
import { ORACLE_INCOMPLETE_KEY, RULE_KEY_PREFIX } from './ruleCoverage.js';
import type { ApplyOutcome } from './system.js';
import type { SystemUnderTest } from './systemUnderTest.js';
import { type TimelineSnapshot, timelineSnapshot } from './timelineSnapshot.js';
import { describeEvent, podTable } from './trace.js';

export interface TraceEntry {
  index: number;
  event: DsEvent;
  description: string;
  outcome: ApplyOutcome;
  /** Per-node pod table after the event. */
  table: string[];
  /** The same, for the report's timeline picture. */
  timeline: TimelineSnapshot;
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
  /**
   * The same, per invariant ID; plus `rule:<ID>` = 1 for every rule of the semantics note the
   * case reached (model/rules.ts), and `case:oracle-incomplete` = 1 when the oracle could not
   * state the case's outcome, so that campaigns, workers, shards and soaks that sum these counts
   * get, per rule, the number of cases that reached it (and the number of incomplete ones).
   */
  checksById?: Record<string, number>;
  events: number;
}

export interface RunOptions {
  /** The catalogue to check; the model's whole catalogue by default. */
  invariants?: readonly Invariant[];
  /** Virtual seconds quiescence may run the clock forward. */
  maxAdvanceSeconds?: number;
}

/**
 * A campaign on the in-process reference awaits only promises that are already resolved, so it
 * never hands the event loop back: a Ctrl-C, a SIGTERM or a closed stdout would wait for the end
 * of the campaign. Every 50 ms of work, this lets them in (it changes nothing that is checked).
 */
let lastBreath = performance.now();
/** Reading the clock has a cost of its own: look at it on every 16th event only. */
let breathCalls = 0;
async function breathe(): Promise<void> {
  if ((++breathCalls & 15) !== 0 || performance.now() - lastBreath < 50) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastBreath = performance.now();
}

/**
 * A trace entry whose description and pod table are worked out when first read: most cases pass
 * and nobody reads their trace. Both are pure functions of the event and of the (immutable)
 * observation, so reading them later gives what computing them at once would have.
 */
function traceEntry(
  index: number,
  event: DsEvent,
  describe: () => string,
  outcome: ApplyOutcome,
  after: Observation,
): TraceEntry {
  let description: string | undefined;
  let table: string[] | undefined;
  let timeline: TimelineSnapshot | undefined;
  return {
    index,
    event,
    get description(): string {
      description ??= describe();
      return description;
    },
    set description(value: string) {
      description = value;
    },
    outcome,
    get table(): string[] {
      table ??= podTable(after);
      return table;
    },
    set table(value: string[]) {
      table = value;
    },
    get timeline(): TimelineSnapshot {
      timeline ??= timelineSnapshot(after);
      return timeline;
    },
    set timeline(value: TimelineSnapshot) {
      timeline = value;
    },
  };
}

/** The case's checks per invariant, with the rules it reached as `rule:<ID>` = 1. */
function countsOf(monitor: InvariantMonitor): Record<string, number> {
  const counts = { ...monitor.checksById };
  for (const id of monitor.rules.reached) counts[`${RULE_KEY_PREFIX}${id}`] = 1;
  if (monitor.oracleIncomplete) counts[ORACLE_INCOMPLETE_KEY] = 1;
  return counts;
}

export async function runCase(
  events: readonly DsEvent[],
  makeSystem: () => SystemUnderTest | Promise<SystemUnderTest>,
  options: RunOptions = {},
): Promise<CaseResult> {
  const system = await makeSystem();
  const trace: TraceEntry[] = [];
  try {
    const monitor = new InvariantMonitor(system.observe(), options.invariants ?? INVARIANTS);
    const failWith = (v: Violation, step: number, observation: Observation): CaseResult => ({
      failure: { invariant: v.id, message: v.message, ...(v.node ? { node: v.node } : {}), step, trace, observation },
      checks: monitor.checks,
      checksById: countsOf(monitor),
      events: events.length,
    });
    for (const [index, event] of events.entries()) {
      await breathe();
      const outcome = await system.apply(event);
      const after = system.observe();
      trace.push(traceEntry(index, event, () => describeEvent(event), outcome, after));
      const violation = monitor.afterStep(after);
      if (violation) return failWith(violation, index, after);
    }
    let settleSteps = 0;
    const found = await monitor.quiesce(system, { maxAdvanceSeconds: options.maxAdvanceSeconds ?? 3600 }, (after) => {
      settleSteps++;
      trace.push(
        traceEntry(
          events.length - 1 + settleSteps,
          { type: 'CONTROLLER_SYNC' },
          () => 'CONTROLLER_SYNC (while settling)',
          { applied: true },
          after,
        ),
      );
    });
    if (found) return failWith(found.violation, -1, found.observation);
    return { checks: monitor.checks, checksById: countsOf(monitor), events: events.length };
  } finally {
    await system.dispose();
  }
}
