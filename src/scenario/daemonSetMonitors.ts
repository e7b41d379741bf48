/**
 * A scenario's invariants for every DaemonSet in it, not only the first: one InvariantMonitor per
 * DaemonSet, each fed the observation of its own DaemonSet (its pods, its revisions, the writes
 * of each step that concern it). While only one DaemonSet exists, it sees exactly what
 * `dsconform check` sees (the system's own observation).
 */
import type { Invariant } from '../../model/invariants.ts';
import type { Observation } from '../../model/observation.ts';
import type { Violation } from '../../model/oracle.ts';
import { InvariantMonitor } from '../harness/monitor.js';
import type { SimulatedSystem, SystemSettleResult } from '../harness/system.js';
import type { SystemUnderTest } from '../harness/systemUnderTest.js';
import { type DaemonSetRef, refText } from './observe.js';

interface Watched {
  /** Undefined for the first monitor while no DaemonSet exists yet (it observes the one the model's events name). */
  ref: DaemonSetRef | undefined;
  monitor: InvariantMonitor;
  /** The observation just before the controller step being settled. */
  before?: Observation;
}

export class DaemonSetMonitors {
  readonly #system: SimulatedSystem;
  readonly #invariants: readonly Invariant[];
  readonly #watched: Watched[] = [];

  constructor(system: SimulatedSystem, invariants: readonly Invariant[], refs: readonly DaemonSetRef[]) {
    this.#system = system;
    this.#invariants = invariants;
    const [first, ...others] = refs;
    this.#watched.push({ ref: first, monitor: new InvariantMonitor(system.observe(), invariants) });
    for (const ref of others) this.watch(ref);
  }

  /** Starts judging a DaemonSet just created (the first one created takes the first monitor). */
  watch(ref: DaemonSetRef): void {
    const first = this.#watched[0];
    if (first !== undefined && first.ref === undefined) {
      first.ref = ref;
      return;
    }
    if (this.#watched.some((w) => w.ref !== undefined && refText(w.ref) === refText(ref))) return;
    // A second DaemonSet: from now on every monitor observes its own DaemonSet (#observe).
    const initial = this.#system.observeFor(ref.namespace, ref.name);
    this.#watched.push({ ref, monitor: new InvariantMonitor(initial, this.#invariants) });
  }

  #observe(ref: DaemonSetRef | undefined): Observation {
    if (ref === undefined || this.#watched.length <= 1) return this.#system.observe();
    return this.#system.observeFor(ref.namespace, ref.name);
  }

  /** Every DaemonSet's observation now, to judge the next step against. */
  observeAll(): Observation[] {
    return this.#watched.map((w) => this.#observe(w.ref));
  }

  /** After a step: each DaemonSet's step invariants (against `before`, from observeAll, when given). */
  afterStep(before?: readonly Observation[]): Violation | undefined {
    let found: Violation | undefined;
    this.#watched.forEach((w, i) => {
      const violation = w.monitor.afterStep(this.#observe(w.ref), before?.[i]);
      if (found === undefined && violation !== undefined) found = this.#named(w, violation);
    });
    return found;
  }

  /** Takes the cluster now as every monitor's last observation, unchecked. */
  record(): void {
    for (const w of this.#watched) w.monitor.record(this.#observe(w.ref));
  }

  /**
   * Lets the system reach quiescence once, every monitor judging each controller step on the way
   * and the settled cluster at the end (its liveness and prediction for its DaemonSet). Each
   * monitor gets a view of the system; the views are nested so that the innermost one settles it.
   */
  async quiesce(maxAdvanceSeconds: number): Promise<Violation | undefined> {
    const system = this.#system;
    let settled: SystemSettleResult | undefined;
    const found: (Violation | undefined)[] = [];
    const views = this.#watched.map(
      (w, i): SystemUnderTest & { onControllerStep?: SystemUnderTest['onControllerStep'] } => ({
        observe: () => this.#observe(w.ref),
        apply: (event) => system.apply(event),
        dispose: async () => {},
        onControllerStep: undefined,
        quiesce: async (options) => {
          const inner = this.#watched[i + 1];
          const view = views[i + 1];
          if (inner === undefined || view === undefined) {
            settled = await system.quiesce(options);
            return settled;
          }
          const violation = await inner.monitor.quiesce(view, options);
          found[i + 1] = violation === undefined ? undefined : this.#named(inner, violation.violation);
          return settled as SystemSettleResult;
        },
      }),
    );
    system.beforeControllerStep = () => {
      for (const w of this.#watched) w.before = this.#observe(w.ref);
    };
    system.onControllerStep = async () => {
      for (const [i, w] of this.#watched.entries()) if (w.before) await views[i]?.onControllerStep?.(w.before);
    };
    try {
      const outer = this.#watched[0];
      const view = views[0];
      if (outer === undefined || view === undefined) return undefined;
      const violation = await outer.monitor.quiesce(view, { maxAdvanceSeconds });
      found[0] = violation === undefined ? undefined : this.#named(outer, violation.violation);
    } finally {
      system.beforeControllerStep = undefined;
      system.onControllerStep = undefined;
    }
    return found.find((v) => v !== undefined);
  }

  /** A violation of a DaemonSet other than the first names it. */
  #named(w: Watched, violation: Violation): Violation {
    if (w === this.#watched[0] || w.ref === undefined) return violation;
    return { ...violation, message: `[DaemonSet ${refText(w.ref)}] ${violation.message}` };
  }
}
