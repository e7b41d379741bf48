/**
 * Drives a served cluster in real time, for `dsconform serve` on its own: the virtual clock
 * follows the wall clock, and the components run right after every write and every `tickMs`
 * (graceful deletions, minReadySeconds and other waits end as time passes). Campaigns against a
 * served controller drive the cluster step by step instead, and time moves only between steps.
 */
import type { ServedCluster } from './servedCluster.js';

export class WallClockDriver {
  readonly #served: ServedCluster;
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;
  #pending = false;
  /** Settles that did not converge (a component that keeps changing something). */
  unsettled = 0;

  constructor(served: ServedCluster, tickMs = 500) {
    this.#served = served;
    this.#tickMs = tickMs;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.tick(), this.#tickMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** A write was made: run the components soon (once for a burst of writes). */
  afterWrite(): void {
    if (this.#pending) return;
    this.#pending = true;
    setImmediate(() => {
      this.#pending = false;
      this.tick();
    });
  }

  tick(): void {
    this.#served.advanceTo(Date.now());
    if (!this.#served.settle().converged) this.unsettled++;
  }
}
