/**
 * The model's verdict on a run, one step at a time: the per-step invariants after every event
 * (and every controller step while settling), then at quiescence liveness (DS-LIVE-01), the
 * oracle's prediction (DS-EXPECT) and the quiescent invariants. `dsconform check` (runner.ts)
 * and scenarios with `invariants:` (src/scenario/run.ts) share it, so both judge alike.
 */
import { INVARIANTS, type Invariant } from '../../model/invariants.ts';
import { settleBound } from '../../model/liveness.ts';
import { judgedAgainst, type Observation, writeCount } from '../../model/observation.ts';
import { compareWithExpectation, expectedAtQuiescence, oracleIsComplete, type Violation } from '../../model/oracle.ts';
import { RuleTracker } from '../../model/rules.ts';
import type { SystemUnderTest } from './systemUnderTest.js';

export interface MonitorViolation {
  readonly violation: Violation;
  /** What the implementation showed when it was found. */
  readonly observation: Observation;
  /** True when found while the cluster settled (after the last event). */
  readonly whileSettling: boolean;
}

export class InvariantMonitor {
  readonly #perStep: readonly Invariant[];
  readonly #atQuiescence: readonly Invariant[];
  #before: Observation;
  readonly #history: Observation[];
  /** Invariant checks evaluated, in all and per ID. */
  checks = 0;
  readonly checksById: Record<string, number> = {};
  /** Which rules of the semantics note this case reached (model/rules.ts). */
  readonly rules = new RuleTracker();
  /** The oracle could not state every allowed outcome of this case at quiescence (issue 14: never, on every profile). */
  oracleIncomplete = false;

  constructor(initial: Observation, invariants: readonly Invariant[] = INVARIANTS) {
    this.#perStep = invariants.filter((i) => i.scope !== 'quiescent');
    this.#atQuiescence = invariants.filter((i) => i.scope !== 'step');
    this.#before = initial;
    this.#history = [initial];
  }

  /** The last observation checked. */
  get last(): Observation {
    return this.#before;
  }

  #count(id: string): void {
    this.checks++;
    this.checksById[id] = (this.checksById[id] ?? 0) + 1;
  }

  #evaluate(list: readonly Invariant[], ctx: Parameters<Invariant['check']>[0]): Violation | undefined {
    for (const invariant of list) {
      this.#count(invariant.id);
      const violation = invariant.check(ctx)[0];
      if (violation) return violation;
    }
    return undefined;
  }

  /** Takes `now` as the last observation without checking it (e.g. after a scenario's settle, whose steps were checked one by one). */
  record(now: Observation): void {
    this.#history.push(now);
    this.#before = now;
  }

  /** After one event or step: the per-step invariants between the last observation and `after`. */
  afterStep(after: Observation, before: Observation = this.#before): Violation | undefined {
    const prev = judgedAgainst(after, before);
    this.#history.push(after);
    this.rules.step(prev, after);
    const violation = this.#evaluate(this.#perStep, { obs: after, prev, history: this.#history });
    this.#before = after;
    return violation;
  }

  /**
   * Lets `system` reach quiescence, checking every controller step on the way like an event;
   * then liveness, the model's prediction from the last observation before, and the quiescent
   * invariants. `onSettleStep` sees each controller step's observation (for traces).
   */
  async quiesce(
    system: SystemUnderTest,
    options: { maxAdvanceSeconds?: number } = {},
    onSettleStep?: (after: Observation) => void,
  ): Promise<MonitorViolation | undefined> {
    // The model predicts the settled state from the implementation's own last observation.
    let expected = expectedAtQuiescence(this.#before);
    let bound = settleBound(this.#before);
    let productive = 0;
    let duringSettle: MonitorViolation | undefined;
    system.onControllerStep = (stepBefore) => {
      if (duringSettle) return;
      const after = system.observe();
      if (after.lastStep?.seen !== undefined || system.controllerMayLag === true) {
        // A sync over a lagging pod cache (a fault, or one the harness cannot see) acted on less
        // than the whole cluster: the prediction, and the liveness bound once the faults stop,
        // start from what it left.
        expected = expectedAtQuiescence(after);
        bound = settleBound(after);
        productive = 0;
      } else if (after.lastStep && writeCount(after.lastStep.controller) > 0) productive++;
      onSettleStep?.(after);
      const violation = this.afterStep(after, stepBefore);
      if (violation) duringSettle = { violation, observation: after, whileSettling: true };
    };
    let settled: Awaited<ReturnType<SystemUnderTest['quiesce']>>;
    try {
      settled = await system.quiesce({ maxAdvanceSeconds: options.maxAdvanceSeconds ?? 3600 });
    } finally {
      system.onControllerStep = undefined;
    }
    if (duringSettle) return duringSettle;
    if (!oracleIsComplete(expected)) this.oracleIncomplete = true;
    const quiet = system.observe();
    this.rules.settled(quiet);
    const fail = (violation: Violation): MonitorViolation => ({ violation, observation: quiet, whileSettling: true });
    this.#count('DS-LIVE-01');
    if (!settled.converged) {
      return fail({
        id: 'DS-LIVE-01',
        message: `the cluster did not settle after ${settled.rounds} rounds; still changing: ${settled.stillChanging.join(', ')}`,
      });
    }
    // The spec's liveness bound (model/liveness.ts): the goal within so many productive steps and seconds.
    if (productive > bound.productiveSteps || settled.advancedSeconds > bound.seconds) {
      return fail({
        id: 'DS-LIVE-01',
        message: `the cluster settled only after ${productive} productive controller steps and ${settled.advancedSeconds} s; the spec allows at most ${bound.productiveSteps} steps and ${bound.seconds} s from this cluster`,
      });
    }
    this.#count('DS-EXPECT');
    const [difference] = compareWithExpectation(quiet, expected);
    if (difference) return fail(difference);
    const violation = this.#evaluate(this.#atQuiescence, {
      obs: quiet,
      prev: this.#before,
      history: [...this.#history, quiet],
    });
    this.#history.push(quiet);
    this.#before = quiet;
    return violation ? fail(violation) : undefined;
  }
}
