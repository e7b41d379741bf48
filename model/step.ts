/**
 * Applying one event to the world: user and environment events change the cluster directly,
 * step events run one actor. Every application records what the DaemonSet controller wrote.
 */
import { syncDaemonSet } from './controller.ts';
import { crashedSync } from './crash.ts';
import type { DsEvent } from './events.ts';
import { garbageCollectorStep } from './garbageCollector.ts';
import { kubeletStep } from './kubelet.ts';
import { NO_WRITES, type StepRecord } from './observation.ts';
import { schedulerStep } from './scheduler.ts';
import { applyEnvironmentEvent, rejection, type World } from './world.ts';

/** The world after `event`, without touching `lastStep`. */
export function applyEventQuietly(world: World, event: DsEvent): World {
  switch (event.type) {
    case 'CONTROLLER_SYNC':
      return world.crashAfterWrites !== undefined ? crashedSync(world) : syncDaemonSet(world).world;
    case 'KUBELET_STEP':
      return kubeletStep(world);
    case 'SCHEDULER_STEP':
      return schedulerStep(world);
    case 'GC_STEP':
      return garbageCollectorStep(world);
    default:
      return applyEnvironmentEvent(world, event);
  }
}

/** The world after `event`, with `lastStep` describing it. */
export function applyEvent(world: World, event: DsEvent): World {
  if (event.type === 'CONTROLLER_SYNC') {
    if (world.crashAfterWrites !== undefined) return crashedSync(world);
    const outcome = syncDaemonSet(world);
    return { ...outcome.world, lastStep: { event, controller: outcome.writes } };
  }
  const why = rejection(world, event);
  const lastStep: StepRecord = { event, controller: NO_WRITES, ...(why !== undefined ? { rejected: why } : {}) };
  return { ...applyEventQuietly(world, event), lastStep };
}
