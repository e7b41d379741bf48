/**
 * Runs a served cluster's components and moves its clock, in one of two ways:
 *
 * - `wall` (`dsconform serve` on its own, and `check --serve` for a controller that reads the wall
 *   clock): the virtual clock follows the wall clock, and the components run right after every
 *   write and every `tickMs` (graceful deletions, minReadySeconds and other waits end as time
 *   passes).
 * - `steps` (`check --serve` for a controller that reads dsconform's clock): the components still
 *   run right after every write, but the clock moves only when the campaign moves it (`advance`),
 *   between steps, as in every other campaign. Each time is written to `clockFile` (milliseconds
 *   since the epoch, replaced atomically), where the controller reads it ($DSCONFORM_CLOCK_FILE).
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { ServedCluster } from './servedCluster.js';

export type ClockMode = { follow: 'wall'; tickMs?: number } | { follow: 'steps'; clockFile: string };

export class ClockDriver {
  readonly #served: ServedCluster;
  readonly #mode: ClockMode;
  #timer: NodeJS.Timeout | undefined;
  #pending = false;
  /** Settles that did not converge (a component that keeps changing something). */
  unsettled = 0;

  constructor(served: ServedCluster, mode: ClockMode = { follow: 'wall' }) {
    this.#served = served;
    this.#mode = mode;
  }

  start(): void {
    if (this.#mode.follow === 'steps') this.#publish();
    else this.#timer ??= setInterval(() => this.tick(), this.#mode.tickMs ?? 500);
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

  /** Runs the components (after moving the clock to now, when it follows the wall clock). */
  tick(): void {
    if (this.#mode.follow === 'wall') this.#served.advanceTo(Date.now());
    this.#settle();
  }

  /** Moves the clock `ms` forward, tells the controller, and runs the components (mode `steps`). */
  advance(ms: number): void {
    if (this.#mode.follow !== 'steps') throw new Error('the clock follows the wall clock: it cannot be moved');
    this.#served.advanceTo(this.#served.nowMs() + ms);
    this.#publish();
    this.#settle();
  }

  #settle(): void {
    if (!this.#served.settle().converged) this.unsettled++;
  }

  #publish(): void {
    if (this.#mode.follow !== 'steps') return;
    const { clockFile } = this.#mode;
    const partial = `${clockFile}.${process.pid}.tmp`;
    writeFileSync(partial, `${this.#served.nowMs()}\n`);
    renameSync(partial, clockFile);
  }
}
