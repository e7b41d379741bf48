/**
 * updateDaemonSetStatus / storeDaemonSetStatus: count per node, not per pod, and skip the write
 * when nothing changed.
 */
import type { DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { DaemonSet } from '../cluster/objects.js';
import { deepCopy } from '../cluster/objects.js';
import {
  comparePodsOldestFirst,
  getTemplateGeneration,
  isPodAvailable,
  isPodReady,
  isPodUpdated,
} from './podTemplate.js';
import { STATUS_UPDATE_RETRIES, type SyncContext } from './syncContext.js';

export interface StatusCounters {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

/** The counters of §4.1: only existing nodes count; each scheduled node is judged by its oldest pod. */
export function computeStatus(ctx: SyncContext, hash: string): StatusCounters {
  const { ds, nowMs } = ctx;
  const nodeToDaemonPods = ctx.nodesToDaemonPods(false);
  const generation = getTemplateGeneration(ds);
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  const s: StatusCounters = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  };
  for (const node of ctx.nodes) {
    const { shouldRun } = ctx.rules.shouldRun(node, ds);
    const pods = nodeToDaemonPods.get(node.metadata?.name ?? '') ?? [];
    if (!shouldRun) {
      if (pods.length > 0) s.numberMisscheduled++;
      continue;
    }
    s.desiredNumberScheduled++;
    if (pods.length === 0) continue;
    s.currentNumberScheduled++;
    // One pod (the usual case) is its own oldest: no copy, no sort.
    const oldest = pods.length === 1 ? pods[0] : [...pods].sort(comparePodsOldestFirst)[0];
    if (oldest === undefined) continue;
    if (isPodReady(oldest)) {
      s.numberReady++;
      if (isPodAvailable(oldest, minReadySeconds, nowMs)) s.numberAvailable++;
    }
    if (isPodUpdated(oldest, hash, generation)) s.updatedNumberScheduled++;
  }
  s.numberUnavailable = s.desiredNumberScheduled - s.numberAvailable;
  return s;
}

const COUNTERS: readonly (keyof StatusCounters)[] = [
  'desiredNumberScheduled',
  'currentNumberScheduled',
  'numberMisscheduled',
  'numberReady',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
];

/** storeDaemonSetStatus: skip if unchanged and observedGeneration is current; one GET+retry on failure. */
export function storeDaemonSetStatus(ctx: SyncContext, counters: StatusCounters, updateObservedGen: boolean): void {
  const { ds, control } = ctx;
  const status = (ds.status ?? {}) as Partial<DaemonSetStatus>;
  const unchanged = COUNTERS.every((k) => (status[k] ?? 0) === counters[k]);
  if (unchanged && (status.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0)) return;
  // Only the status is replaced (in a new object), so the rest of `ds` can be shared, not copied.
  let toUpdate: DaemonSet = ds;
  for (let attempt = 0; ; attempt++) {
    const next: DaemonSetStatus = {
      ...(toUpdate.status ?? {
        currentNumberScheduled: 0,
        desiredNumberScheduled: 0,
        numberMisscheduled: 0,
        numberReady: 0,
      }),
      ...counters,
    };
    if (updateObservedGen) next.observedGeneration = ds.metadata?.generation ?? 0;
    toUpdate = { ...toUpdate, status: next };
    try {
      control.updateDaemonSetStatus(toUpdate);
      return;
    } catch (updateError) {
      if (attempt >= STATUS_UPDATE_RETRIES) throw updateError;
      const live = control.getDaemonSet(ds.metadata?.namespace ?? 'default', ds.metadata?.name ?? '');
      if (live === undefined) throw new Error(`daemonsets.apps "${ds.metadata?.name}" not found`);
      toUpdate = deepCopy(live);
    }
  }
}

export function updateDaemonSetStatus(ctx: SyncContext, hash: string, updateObservedGen: boolean): void {
  const counters = computeStatus(ctx, hash);
  try {
    storeDaemonSetStatus(ctx, counters, updateObservedGen);
  } catch (e) {
    throw new Error(`error storing status for daemon set ${ctx.key}: ${(e as Error).message}`);
  }
  // Last line of defence against clock skew (#77203): look again once pods should be available.
  const minReadySeconds = ctx.ds.spec?.minReadySeconds ?? 0;
  if (minReadySeconds > 0 && counters.numberReady !== counters.numberAvailable) {
    ctx.enqueueAfter(ctx.key, minReadySeconds * 1000);
  }
}
