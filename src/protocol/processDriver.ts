import type { SimulatedCluster } from '../cluster/cluster.js';
import { LIST_ORDER } from '../cluster/objects.js';
import type { WatchEvent } from '../cluster/store.js';
import type { ControllerDriver } from '../harness/driver.js';
import { AdapterError } from './adapterError.js';
import { applyWrite } from './applyWrite.js';
import type { ControllerProcess } from './controllerProcess.js';
import type { WireWatchEvent, WriteResult } from './messages.js';

export class ProcessDriver implements ControllerDriver {
  readonly name: string;
  readonly #process: ControllerProcess;
  readonly #cluster: SimulatedCluster;
  #pending: WireWatchEvent[] = [];
  #results: WriteResult[] = [];
  #needsReset = true;
  /** The next sync carries a full LIST marked `relist` (WATCH_RELISTED). */
  #relisting = false;
  /** The next sync holds back the pod events (POD_INFORMER_LAGS). */
  #lagPods = false;
  /** The next sync sends each event twice (WATCH_EVENTS_DUPLICATED). */
  #duplicating = false;
  #wakeAtMs: number | undefined;
  readonly #unwatch: () => void;

  constructor(process: ControllerProcess, cluster: SimulatedCluster) {
    this.#process = process;
    this.#cluster = cluster;
    this.name = `controller (${process.implementation.name})`;
    this.#unwatch = cluster.store.watch((event: WatchEvent) => {
      if (!this.#needsReset) this.#pending.push(toWire(event));
    });
  }

  async step(): Promise<boolean> {
    if (this.#needsReset) {
      const reply = await this.#process.request({ type: 'reset', id: 0 });
      if (reply.type !== 'reset_ok')
        throw new AdapterError('schema', `expected reset_ok in reply to reset, got ${reply.type}`);
      this.#pending = this.#fullList();
      this.#results = [];
      this.#needsReset = false;
    }
    const relist = this.#relisting;
    // A lagging pod informer: the pod events wait for the next sync, in order, behind none newer.
    const held = this.#lagPods && !relist ? this.#pending.filter((e) => e.kind === 'Pod') : [];
    const events = relist
      ? this.#fullList()
      : held.length > 0
        ? this.#pending.filter((e) => e.kind !== 'Pod')
        : this.#pending;
    this.#pending = held;
    this.#relisting = false;
    this.#lagPods = false;
    const sent = this.#duplicating && !relist ? events.flatMap((e) => [e, e]) : events;
    this.#duplicating = false;
    const now = this.#cluster.clock.nowTimestamp();
    const reply = await this.#process.request({
      type: 'sync',
      id: 0,
      now,
      events: sent,
      results: this.#results,
      ...(relist ? { relist: true } : {}),
    });
    if (reply.type !== 'sync_ok')
      throw new AdapterError('schema', `expected sync_ok in reply to sync, got ${reply.type}`);
    // `now` goes over the wire with second precision, so a wake-up is only visible to the
    // implementation once the second it falls in has begun: round up to it, or the clock would
    // creep forward in sub-second steps the implementation never sees.
    this.#wakeAtMs =
      reply.wakeAfterSeconds === undefined
        ? undefined
        : Math.ceil((this.#cluster.clock.nowMs() + reply.wakeAfterSeconds * 1000) / 1000) * 1000;
    this.#results = reply.writes.map((write) => applyWrite(this.#cluster, write));
    return this.#results.some((r, i) => r.ok && reply.writes[i]?.op !== 'recordEvent');
  }

  restart(): void {
    this.#needsReset = true;
    this.#pending = [];
    this.#lagPods = false;
    this.#duplicating = false;
  }

  /** The events since the last step are lost; the next sync brings a full LIST marked `relist`. */
  relist(): boolean {
    if (!this.#process.capabilities.relist) return false;
    // After a reset the next sync is a full LIST anyway, from empty caches: nothing to infer.
    if (!this.#needsReset) this.#relisting = true;
    return true;
  }

  duplicateEvents(): void {
    this.#duplicating = true;
  }

  lagPodEvents(): void {
    // After a reset the next sync is the informers' first LIST, which a controller waits for.
    if (!this.#needsReset) this.#lagPods = true;
  }

  /** A resync delivers every DaemonSet again as MODIFIED, unchanged, as an informer resync does. */
  resync(): void {
    if (this.#needsReset) return; // the next step sends a full LIST anyway
    for (const object of this.#cluster.store.list('DaemonSet')) {
      this.#pending.push({ type: 'MODIFIED', kind: 'DaemonSet', object: object as unknown as WireObject });
    }
  }

  nextWakeupMs(): number | undefined {
    // A refused write is news the implementation gets only with its next sync (in-process, the
    // controller knew at once and requeued): until then something is still to happen, now.
    if (this.#results.some((r) => !r.ok)) return this.#cluster.clock.nowMs();
    return this.#wakeAtMs !== undefined && this.#wakeAtMs > this.#cluster.clock.nowMs() ? this.#wakeAtMs : undefined;
  }

  dispose(): void {
    this.#unwatch();
  }

  #fullList(): WireWatchEvent[] {
    const events: WireWatchEvent[] = [];
    for (const kind of LIST_ORDER) {
      for (const object of this.#cluster.store.list(kind))
        events.push({ type: 'ADDED', kind, object: object as WireWatchEvent['object'] });
    }
    return events;
  }
}

type WireObject = WireWatchEvent['object'];

function toWire(event: WatchEvent): WireWatchEvent {
  return { type: event.type, kind: event.kind, object: event.object as WireWatchEvent['object'] };
}
