/**
 * The abstract controller crashing part-way through a sync (CONTROLLER_CRASHES): its move, cut
 * after the first `afterWrites` writes in the order upstream's syncDaemonSet sends them
 * (ControllerRevision writes, adoption patches, creates, deletes, status), then a restart that
 * forgets the controller's memory (failed-pod backoff). The model's history is one step, so a cut
 * inside the revision writes keeps none of them (and nothing after them).
 */
import { abstractMove, applyMove, historyWrites, type SyncMove } from './allowedMoves.ts';
import { NO_WRITES } from './observation.ts';
import type { World } from './world.ts';

/** `move` cut after its first `writes` writes; `history` is how many writes its history part makes. */
export function truncateMove(move: SyncMove, writes: number, history: number): SyncMove {
  const keepHistory = move.history && writes >= history;
  let left = move.history && !keepHistory ? 0 : writes - (keepHistory ? history : 0);
  const take = <T>(items: readonly T[]): T[] => {
    const kept = items.slice(0, Math.max(0, left));
    left -= kept.length;
    return kept;
  };
  const adopts = take(move.adopts);
  const creates = take(move.creates);
  const deletes = take(move.deletes);
  return { history: keepHistory, adopts, creates, deletes, status: move.status && left > 0 };
}

/** The world after a controller sync that crashes once it has sent `world.crashAfterWrites` writes. */
export function crashedSync(armed: World): World {
  const { crashAfterWrites, ...world } = armed;
  const n = crashAfterWrites ?? 0;
  const event = { type: 'CONTROLLER_SYNC' } as const;
  const after =
    n === 0
      ? { ...world, lastStep: { event, controller: NO_WRITES } }
      : applyMove(world, truncateMove(abstractMove(world), n, historyWrites(world)));
  const step = after.lastStep ?? { event, controller: NO_WRITES };
  return {
    ...after,
    controller: { backoff: {} },
    lastStep: { ...step, controller: { ...step.controller, crashed: true } },
  };
}
