/**
 * One `syncDaemonSet` (note §3.2), as an atomic step over an up-to-date cache. The model's
 * controller observes its own writes before its next sync, so expectations are always
 * satisfied at the start of a sync; as in a real cluster (where they are not yet observed),
 * `rollingUpdate` runs only in a sync where `manage` wrote nothing, and the status written
 * reflects the cache as it was before this sync's pod writes.
 */
import { cleanupHistory, constructHistory } from './history.ts';
import { manage } from './manage.ts';
import { type ControllerWrites, createAttemptWrites, deleteAttemptWrites, NO_WRITES } from './observation.ts';
import { claimedPods, newPod, releasablePods } from './pods.ts';
import { planRollingUpdate } from './rollout.ts';
import { computeStatus, countersDiffer } from './status.ts';
import type { DaemonSet } from './types.ts';
import { deletePod, type World } from './world.ts';

/** BurstReplicas: creates and deletes issued per sync are each capped at this many. */
export const BURST_REPLICAS = 250;

/** SlowStartInitialBatchSize: creates go in batches of 1, 2, 4, … */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/**
 * Which of `count` creates are attempted, and whether each works, when creates fail from the
 * (`failAfter` + 1)-th on: batches of 1, 2, 4, …, none after a batch with a failure (syncNodes).
 */
export function createAttempts(count: number, failAfter: number | undefined): boolean[] {
  const out: boolean[] = [];
  let batch = Math.min(count, SLOW_START_INITIAL_BATCH_SIZE);
  while (out.length < count) {
    for (let i = 0; i < batch; i++) out.push(failAfter === undefined || out.length < failAfter);
    if (out.includes(false)) break;
    batch = Math.min(2 * batch, count - out.length);
  }
  return out;
}

/** The world with no create or delete failure armed (a sync consumes them, whatever it writes); the same world if none is. */
export function withoutApiFailures(world: World): World {
  if (world.createsFailAfter === undefined && world.deletesFailAfter === undefined) return world;
  const {
    createsFailAfter: _creates,
    createsFailApplied: _createsApplied,
    deletesFailAfter: _deletes,
    deletesFailApplied: _deletesApplied,
    ...rest
  } = world;
  return rest;
}

export interface SyncOutcome {
  readonly world: World;
  readonly writes: ControllerWrites;
  /** A failed pod waits for its backoff (upstream requeues the DaemonSet after the delay). */
  readonly waitingForBackoff: boolean;
  readonly rollingUpdateError?: string;
  /** The nodes it tried to create pods for, in order (more than `writes.creates` when creates failed). */
  readonly createsAttempted?: readonly string[];
}

function sameBackoff(a: World['controller']['backoff'], b: World['controller']['backoff']): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => a[k]?.delay === b[k]?.delay && a[k]?.lastUpdate === b[k]?.lastUpdate)
  );
}

/** syncDaemonSet: history, claim, manage, rollingUpdate (if manage wrote nothing), clean-up, status. */
export function syncDaemonSet(armed: World): SyncOutcome {
  // An armed create failure applies to this sync only.
  const failAfter = armed.createsFailAfter;
  const deletesFailAfter = armed.deletesFailAfter;
  const world = withoutApiFailures(armed);
  const idle = { world, writes: NO_WRITES, waitingForBackoff: false };
  const original = world.daemonSet;
  // No object, an empty selector or a pending deletion: no writes at all (not even status).
  if (!original || original.selectsAll || original.deleting) return idle;

  const history = constructHistory(world.revisions, original);
  const ds: DaemonSet = { ...original, currentHash: history.currentHash };
  const adopted = new Set(
    claimedPods(world.pods, ds)
      .filter((p) => p.controllerUid === undefined)
      .map((p) => p.name),
  );
  // Controlled pods whose labels stopped matching are released: they leave the DaemonSet's pods.
  const released = releasablePods(world.pods, ds).map((p) => p.name);
  const cache: World = {
    ...world,
    daemonSet: ds,
    revisions: history.revisions,
    pods: world.pods
      .filter((p) => !released.includes(p.name))
      .map((p) => (adopted.has(p.name) ? { ...p, controllerUid: ds.uid } : p)),
    ...(released.length > 0
      ? {
          bystanders: [
            ...(world.bystanders ?? []),
            ...world.pods.filter((p) => released.includes(p.name)).map(({ controllerUid: _uid, ...p }) => p),
          ],
        }
      : {}),
  };

  const status = computeStatus(cache, ds);
  const managed = manage(cache, ds, world.controller.backoff);
  let nodesNeedingPods = managed.nodesNeedingPods.slice(0, BURST_REPLICAS);
  let podsToDelete = managed.podsToDelete.slice(0, BURST_REPLICAS);
  let rollingUpdateError: string | undefined;
  if (nodesNeedingPods.length === 0 && podsToDelete.length === 0 && ds.spec.updateStrategy.type === 'RollingUpdate') {
    const plan = planRollingUpdate(cache, ds);
    if (plan.error !== undefined) rollingUpdateError = plan.error;
    nodesNeedingPods = plan.nodesNeedingPods.slice(0, BURST_REPLICAS);
    podsToDelete = plan.podsToDelete.slice(0, BURST_REPLICAS);
  }
  const cleaned = cleanupHistory(cache.revisions, cache.pods, ds);

  let next: World = { ...cache, revisions: cleaned.revisions, controller: { backoff: managed.backoff } };
  const attempts = createAttempts(nodesNeedingPods.length, failAfter);
  // A create whose reply timed out after the server made the pod (createsFailApplied) made it.
  const creates = nodesNeedingPods
    .slice(0, armed.createsFailApplied ? attempts.length : attempts.filter((ok) => ok).length)
    .map((node, i) => newPod(ds, node, world.serial + i, world.time));
  next = { ...next, pods: [...next.pods, ...creates], serial: world.serial + creates.length };
  const deleteWrites = deleteAttemptWrites(podsToDelete, deletesFailAfter, armed.deletesFailApplied);
  for (const name of deleteWrites.deletes) next = deletePod(next, name);

  const writeStatus = countersDiffer(status, ds.status) || ds.status.observedGeneration < ds.generation;
  if (writeStatus) {
    next = { ...next, daemonSet: { ...ds, status: { ...status, observedGeneration: ds.generation } } };
  }
  if (
    !writeStatus &&
    attempts.length === 0 &&
    podsToDelete.length === 0 &&
    history.writes + cleaned.deleted.length + adopted.size + released.length === 0 &&
    sameBackoff(managed.backoff, world.controller.backoff)
  ) {
    // Nothing written and nothing remembered: hand back the same world (cheap equality for callers).
    return { ...idle, waitingForBackoff: managed.waitingForBackoff };
  }
  const writes: ControllerWrites = {
    creates: creates.map((p) => ({ node: p.node, pod: p.name, ...(p.hash !== undefined ? { hash: p.hash } : {}) })),
    ...deleteWrites,
    statusWritten: writeStatus,
    revisionWrites: history.writes + cleaned.deleted.length,
    podPatches: adopted.size + released.length,
    patched: [...adopted, ...released],
    ...(failAfter !== undefined ? createAttemptWrites(attempts) : {}),
  };
  return {
    world: next,
    writes,
    waitingForBackoff: managed.waitingForBackoff,
    ...(rollingUpdateError !== undefined ? { rollingUpdateError } : {}),
    ...(failAfter !== undefined ? { createsAttempted: nodesNeedingPods.slice(0, attempts.length) } : {}),
  };
}
