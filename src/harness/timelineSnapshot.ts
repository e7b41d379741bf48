/**
 * What a timeline draws of one step: the nodes, and each pod's node, revision class and state,
 * and the controller's writes. Kept in counterexample files (trace[].timeline, finalTimeline) so
 * that a report can draw the run without running anything again (src/report/timeline.ts).
 */
import type { Observation } from '../../model/observation.ts';
import { isPodAvailable } from '../../model/pods.ts';

export type PodState = 'pending' | 'running' | 'ready' | 'available' | 'terminating' | 'failed' | 'succeeded';

/** A pod in one step, as the timeline draws it. */
export interface TimelinePod {
  readonly name: string;
  readonly node: string;
  readonly revision: 'current' | 'old' | 'none';
  readonly state: PodState;
  /** Not the DaemonSet's: an orphan, or another controller's pod. */
  readonly foreign?: true;
}

/** What the timeline needs of one step's observation (kept in counterexample files as `timeline`). */
export interface TimelineSnapshot {
  readonly nodes: readonly { readonly name: string; readonly ready: boolean }[];
  readonly pods: readonly TimelinePod[];
  /** The DaemonSet controller's writes in this step, when it wrote anything. */
  readonly writes?: { readonly creates: number; readonly deletes: number; readonly status: boolean };
}

export function timelineSnapshot(obs: Observation): TimelineSnapshot {
  const ds = obs.daemonSet;
  const minReady = ds?.spec.minReadySeconds ?? 0;
  const pods = obs.pods.map((p): TimelinePod => {
    const state: PodState = p.terminating
      ? 'terminating'
      : p.phase === 'Failed'
        ? 'failed'
        : p.phase === 'Succeeded'
          ? 'succeeded'
          : p.phase !== 'Running'
            ? 'pending'
            : isPodAvailable(p, minReady, obs.time)
              ? 'available'
              : p.ready
                ? 'ready'
                : 'running';
    const revision = p.hash === undefined ? 'none' : p.hash === ds?.currentHash ? 'current' : 'old';
    const foreign = p.controllerUid === undefined || p.controllerUid !== ds?.uid;
    return { name: p.name, node: p.node, revision, state, ...(foreign ? { foreign: true as const } : {}) };
  });
  const w = obs.lastStep?.controller;
  const wrote = w !== undefined && (w.creates.length > 0 || w.deletes.length > 0 || w.statusWritten);
  return {
    nodes: obs.nodes.map((n) => ({ name: n.name, ready: n.ready === 'True' })),
    pods,
    ...(wrote ? { writes: { creates: w.creates.length, deletes: w.deletes.length, status: w.statusWritten } } : {}),
  };
}
