/**
 * Whole syncs of the reference controller at 100, 1,000 and 5,000 nodes: the full sync (a new
 * DaemonSet on a cluster with no daemon pods: controller steps until it has created every pod
 * and written status, as many syncDaemonSet passes as the burst limit and slow start need) and
 * the steady-state sync (one syncDaemonSet pass over a settled, healthy cluster: nothing to write).
 */
import { controllerWorld } from './fixtures.js';
import {
  collectGarbage,
  measure,
  median,
  medianSample,
  retainedHeapBytes,
  round,
  type Sample,
  timePerCall,
} from './stats.js';

export interface SyncFigure {
  nodes: number;
  full: {
    /** Median CPU milliseconds from the first controller step to the last one that wrote anything. */
    ms: number;
    wallMs: number;
    /** Controller steps that wrote something (each runs one syncDaemonSet pass). */
    steps: number;
    podsCreated: number;
    /** Heap still in use after the full sync minus before it (after full collections), MiB. */
    retainedMiB: number;
  };
  steady: {
    /** Median CPU milliseconds of one syncDaemonSet pass that finds nothing to do. */
    ms: number;
    wallMs: number;
    /** Heap in use by the whole settled world (nodes, pods, store, informer caches), MiB. */
    worldMiB: number;
  };
}

const MiB = 2 ** 20;

function fullSyncOnce(nodes: number): { sample: Sample; steps: number; pods: number; retained: number } {
  const before = retainedHeapBytes();
  const world = controllerWorld(nodes, 'none');
  let steps = 0;
  const sample = measure(() => {
    while (world.controller.step()) steps++;
  });
  const pods = world.cluster.store.count('Pod');
  if (pods !== nodes) throw new Error(`full sync created ${pods} pods for ${nodes} nodes`);
  const retained = retainedHeapBytes() - before;
  // Keeps the world reachable until after the measurement above.
  if (world.controller.writes < 0) throw new Error('unreachable');
  return { sample, steps, pods, retained };
}

export function measureSync(nodes: number, repeats: number): SyncFigure {
  const runs = Array.from({ length: repeats }, () => fullSyncOnce(nodes));
  const first = runs[0] as (typeof runs)[number];
  const full = medianSample(runs.map((r) => r.sample));

  // The settled world lives only inside this function, so that its heap can be measured as the
  // heap in use with it minus the heap in use once it is gone (both late, when everything else
  // this process keeps has been allocated).
  let withWorld = 0;
  const steady = ((): Sample => {
    const world = controllerWorld(nodes, 'none');
    const settled = world.cluster.settle({ maxRounds: 10_000 });
    if (!settled.converged) throw new Error(`a ${nodes}-node cluster did not settle`);
    const available = world.cluster.store.list('DaemonSet')[0]?.status?.numberAvailable;
    if (available !== nodes) throw new Error(`${available} of ${nodes} daemon pods available after settling`);
    world.controller.processEvents();
    const rv = world.cluster.store.resourceVersion;
    // A full collection first: without it the process CPU time of the passes also counted the
    // collector's helper threads still sweeping up after the full syncs measured before.
    collectGarbage();
    // Short passes are batched so that each sample lasts long enough for the clocks (timePerCall).
    const sample = medianSample(
      timePerCall(() => world.controller.syncDaemonSet(world.key), Math.max(repeats * 5, 15)),
    );
    if (world.cluster.store.resourceVersion !== rv) throw new Error('the steady-state sync wrote something');
    withWorld = retainedHeapBytes();
    return sample;
  })();
  const worldBytes = withWorld - retainedHeapBytes();
  return {
    nodes,
    full: {
      ms: round(full.cpuMs, 2),
      wallMs: round(full.wallMs, 2),
      steps: first.steps,
      podsCreated: first.pods,
      retainedMiB: round(median(runs.map((r) => r.retained)) / MiB, 2),
    },
    steady: { ms: round(steady.cpuMs, 3), wallMs: round(steady.wallMs, 3), worldMiB: round(worldBytes / MiB, 2) },
  };
}
