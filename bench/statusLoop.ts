/**
 * The status loop, mirroring upstream's BenchmarkUpdateDaemonSetStatus: updateDaemonSetStatus
 * over 1,000 and 10,000 nodes with no pods, the status preset to what the loop computes so the
 * write short-circuits, once without affinity and once with the exclusion affinity. Reported as
 * time per node.
 */
import type { DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import { updateDaemonSetStatus } from '../src/controller/status.js';
import { type AffinityCase, controllerWorld, syncContextFor } from './fixtures.js';
import { medianSample, round, timePerCall } from './stats.js';

export interface StatusLoopFigure {
  affinity: AffinityCase;
  nodes: number;
  /** Median CPU nanoseconds per node of one updateDaemonSetStatus call. */
  nsPerNode: number;
  /** The same in wall time. */
  wallNsPerNode: number;
  /** Median CPU milliseconds per call. */
  msPerCall: number;
  samples: number;
}

export function measureStatusLoop(nodes: number, affinity: AffinityCase, repeats: number): StatusLoopFigure {
  const world = controllerWorld(nodes, affinity);
  // Preset the status (as upstream does) so storeDaemonSetStatus finds nothing to write.
  world.cluster.store.modify(
    'DaemonSet',
    'default',
    'bench',
    (ds) => {
      (ds as { status?: DaemonSetStatus }).status = {
        currentNumberScheduled: 0,
        desiredNumberScheduled: nodes,
        numberMisscheduled: 0,
        numberReady: 0,
        numberUnavailable: nodes,
        observedGeneration: ds.metadata?.generation ?? 1,
      };
    },
    'status',
  );
  world.controller.processEvents();
  const ctx = syncContextFor(world);
  const writesBefore = world.cluster.store.resourceVersion;
  const samples = timePerCall(() => updateDaemonSetStatus(ctx, 'hash', false), repeats, 50);
  if (world.cluster.store.resourceVersion !== writesBefore) {
    throw new Error('the status loop benchmark wrote status: the preset status does not match what it computes');
  }
  const { cpuMs, wallMs } = medianSample(samples);
  return {
    affinity,
    nodes,
    nsPerNode: round((cpuMs * 1e6) / nodes, 1),
    wallNsPerNode: round((wallMs * 1e6) / nodes, 1),
    msPerCall: round(cpuMs, 4),
    samples: repeats,
  };
}
