/**
 * The controller's possible moves, for exploring the specification itself (issue 14 item 5,
 * `dsconform explore --moves allowed`): instead of the one abstract controller (`controller.ts`
 * `syncDaemonSet`), a controller step may be any choice of writes, and the step invariants of
 * `invariants.ts` (the allowed-moves relation) decide which choices a correct controller may make.
 *
 * A move is a set of writes over the state the controller observed:
 * - `creates`: nodes to create a pod for (one pod each, of the current revision);
 * - `deletes`: pods to delete (the API server removes unbound or terminal ones at once, marks
 *   bound running ones terminating);
 * - `status`: write the status block computed from the observed cluster (observedGeneration =
 *   generation), as updateDaemonSetStatus does;
 * - `adopts`: orphaned pods to adopt (a controller-reference patch each), any orphan, terminating
 *   ones and while the DaemonSet is being deleted included (DS-OWN-02 judges that);
 * - `history`: the ControllerRevision writes of a sync, as the abstract controller makes them:
 *   constructHistory (adopt orphaned revisions, create or re-number the current one) and
 *   cleanupHistory.
 *
 * The controller's memory (failed-pod backoff) advances as upstream's podsShouldBeOnNode does:
 * once per node whose failed pod the move deletes while the node keeps the daemon.
 *
 * This module uses the abstract controller only to seed the candidates (its own choice and its
 * neighbours) and to make the history writes; the judgement of a move is the invariants'.
 */
import { syncDaemonSet, withoutApiFailures } from './controller.ts';
import { nodeShouldRunDaemonPod } from './eligibility.ts';
import { cleanupHistory, constructHistory } from './history.ts';
import { INVARIANTS, type Invariant } from './invariants.ts';
import { failedPodsBackoffKey, nextBackoff } from './manage.ts';
import { type ControllerWrites, createAttemptWrites, deleteAttemptWrites, NO_WRITES } from './observation.ts';
import { claimedPods, newPod, releasablePods } from './pods.ts';
import { computeStatus, countersDiffer } from './status.ts';
import type { DaemonSet } from './types.ts';
import { type BackoffEntry, deletePod, type World } from './world.ts';

export interface SyncMove {
  /** Nodes a pod is created for, in order. */
  readonly creates: readonly string[];
  /** Pods deleted, by name, in order. */
  readonly deletes: readonly string[];
  /** The status block is written. */
  readonly status: boolean;
  /** Orphaned pods adopted, by name. */
  readonly adopts: readonly string[];
  /** ControllerRevision writes (constructHistory, cleanupHistory). */
  readonly history: boolean;
}

export const EMPTY_MOVE: SyncMove = { creates: [], deletes: [], status: false, adopts: [], history: false };

/** One write a move may contain. */
export type MoveItem =
  | { readonly kind: 'create'; readonly node: string }
  | { readonly kind: 'delete'; readonly pod: string }
  | { readonly kind: 'adopt'; readonly pod: string }
  | { readonly kind: 'status' }
  | { readonly kind: 'history' };

const itemKey = (i: MoveItem): string =>
  i.kind === 'create' ? `c:${i.node}` : i.kind === 'delete' ? `d:${i.pod}` : i.kind === 'adopt' ? `a:${i.pod}` : i.kind;

export function moveItems(move: SyncMove): MoveItem[] {
  return [
    ...(move.history ? [{ kind: 'history' } as const] : []),
    ...move.adopts.map((pod): MoveItem => ({ kind: 'adopt', pod })),
    ...move.creates.map((node): MoveItem => ({ kind: 'create', node })),
    ...move.deletes.map((pod): MoveItem => ({ kind: 'delete', pod })),
    ...(move.status ? [{ kind: 'status' } as const] : []),
  ];
}

export function moveFromItems(items: readonly MoveItem[]): SyncMove {
  const seen = new Set<string>();
  const creates: string[] = [];
  const deletes: string[] = [];
  const adopts: string[] = [];
  let status = false;
  let history = false;
  for (const i of items) {
    const k = itemKey(i);
    if (seen.has(k)) continue;
    seen.add(k);
    if (i.kind === 'create') creates.push(i.node);
    else if (i.kind === 'delete') deletes.push(i.pod);
    else if (i.kind === 'adopt') adopts.push(i.pod);
    else if (i.kind === 'status') status = true;
    else history = true;
  }
  return { creates, deletes, status, adopts, history };
}

/** A key equal for equal moves (order of writes ignored). */
export function moveKey(move: SyncMove): string {
  return moveItems(move).map(itemKey).sort().join(',');
}

/** One line: `create on node-0, delete ds-3, adopt orphan-1, status, history`. */
export function describeMove(move: SyncMove): string {
  const parts = [
    ...move.creates.map((n) => `create on ${n}`),
    ...move.deletes.map((p) => `delete ${p}`),
    ...move.adopts.map((p) => `adopt ${p}`),
    ...(move.status ? ['status'] : []),
    ...(move.history ? ['history'] : []),
  ];
  return parts.length === 0 ? 'no writes' : parts.join(', ');
}

interface SyncView {
  /** The DaemonSet as the controller works with it (currentHash from constructHistory with the history writes). */
  readonly ds: DaemonSet;
  /** The cluster after the adoption and history writes, before pod writes. */
  readonly cache: World;
  readonly revisionWrites: number;
  readonly podPatches: number;
  /** The pods adopted and released. */
  readonly patched: readonly string[];
}

function syncView(world: World, original: DaemonSet, history: boolean, adopts: readonly string[]): SyncView {
  const built = history ? constructHistory(world.revisions, original) : undefined;
  const ds: DaemonSet = built ? { ...original, currentHash: built.currentHash } : original;
  const adopted = new Set(
    world.pods
      .filter((p) => p.controllerUid === undefined && !p.unmatched && adopts.includes(p.name))
      .map((p) => p.name),
  );
  // Every sync's claim releases the pods whose labels stopped matching (not a choice: ClaimPods does).
  const released = releasablePods(world.pods, ds);
  const kept = released.length === 0 ? world.pods : world.pods.filter((p) => !released.includes(p));
  const pods = adopted.size === 0 ? kept : kept.map((p) => (adopted.has(p.name) ? { ...p, controllerUid: ds.uid } : p));
  const bystanders =
    released.length === 0
      ? world.bystanders
      : [...(world.bystanders ?? []), ...released.map(({ controllerUid: _uid, ...p }) => p)];
  const cleaned = built ? cleanupHistory(built.revisions, pods, ds) : undefined;
  return {
    ds,
    cache: {
      ...world,
      daemonSet: ds,
      revisions: cleaned?.revisions ?? world.revisions,
      pods,
      ...(bystanders !== undefined ? { bystanders } : {}),
    },
    revisionWrites: built && cleaned ? built.writes + cleaned.deleted.length : 0,
    podPatches: adopted.size + released.length,
    patched: [...adopted, ...released.map((p) => p.name)],
  };
}

/** How many ControllerRevision writes the history part of a sync makes in `world`. */
export function historyWrites(world: World): number {
  const ds = world.daemonSet;
  return ds ? syncView(world, ds, true, []).revisionWrites : 0;
}

/** Whether writing the status block changes it (upstream skips an unchanged status). */
export function statusChanges(world: World): boolean {
  const ds = world.daemonSet;
  if (!ds) return false;
  const { cache, ds: seen } = syncView(world, ds, true, []);
  const status = computeStatus(cache, seen);
  return countersDiffer(status, ds.status) || ds.status.observedGeneration < ds.generation;
}

/**
 * The world after a controller step that makes exactly `move`'s writes, with `lastStep` saying
 * so (event CONTROLLER_SYNC). Without a DaemonSet only the empty move exists (the world is
 * returned with an empty step record).
 */
export function applyMove(armed: World, move: SyncMove): World {
  // An armed create failure (POD_CREATES_FAIL) applies to this step: the move's creates are its
  // attempts, and only the first `failAfter` of them make a pod.
  const failAfter = armed.createsFailAfter;
  const deletesFailAfter = armed.deletesFailAfter;
  const world = withoutApiFailures(armed);
  const original = world.daemonSet;
  const event = { type: 'CONTROLLER_SYNC' } as const;
  const releasing = original !== undefined && releasablePods(world.pods, original).length > 0;
  if (!original || (moveItems(move).length === 0 && !releasing))
    return { ...world, lastStep: { event, controller: NO_WRITES } };
  const { ds, cache, revisionWrites, podPatches, patched } = syncView(world, original, move.history, move.adopts);
  const status = computeStatus(cache, ds);

  // Failed-pod backoff: one step per node whose failed pod is deleted while the node keeps the daemon.
  const backoff: Record<string, BackoffEntry> = { ...world.controller.backoff };
  const advanced = new Set<string>();
  for (const name of move.deletes) {
    const pod = cache.pods.find((p) => p.name === name);
    if (pod?.phase !== 'Failed' || pod.terminating || pod.controllerUid !== ds.uid) continue;
    const node = cache.nodes.find((n) => n.name === pod.node);
    if (!node || !nodeShouldRunDaemonPod(node, ds.spec.template).shouldContinueRunning) continue;
    const key = failedPodsBackoffKey(ds, pod.node);
    if (advanced.has(key)) continue;
    advanced.add(key);
    backoff[key] = nextBackoff(backoff[key], world.time);
  }

  let next: World = { ...cache, controller: { backoff } };
  const attempts = move.creates.map((_, i) => failAfter === undefined || i < failAfter);
  const created = move.creates
    .filter((_, i) => attempts[i] || armed.createsFailApplied)
    .map((node, i) => newPod(ds, node, world.serial + i, world.time));
  next = { ...next, pods: [...next.pods, ...created], serial: world.serial + created.length };
  const deleteWrites = deleteAttemptWrites(move.deletes, deletesFailAfter, armed.deletesFailApplied);
  for (const name of deleteWrites.deletes) next = deletePod(next, name);
  if (move.status) {
    next = { ...next, daemonSet: { ...ds, status: { ...status, observedGeneration: ds.generation } } };
  }
  const writes: ControllerWrites = {
    creates: created.map((p) => ({ node: p.node, pod: p.name, ...(p.hash !== undefined ? { hash: p.hash } : {}) })),
    ...deleteWrites,
    statusWritten: move.status,
    revisionWrites,
    podPatches,
    patched,
    ...(failAfter !== undefined ? createAttemptWrites(attempts) : {}),
  };
  return { ...next, lastStep: { event, controller: writes } };
}

/** The abstract controller's choice in `world`, as a move. */
export function abstractMove(world: World): SyncMove {
  const { writes, createsAttempted } = syncDaemonSet(world);
  const ds = world.daemonSet;
  // ClaimPods adopts every orphan it claims (never a terminating one, nothing while deleting).
  const adopts =
    ds && writes.podPatches > 0
      ? claimedPods(world.pods, ds)
          .filter((p) => p.controllerUid === undefined)
          .map((p) => p.name)
      : [];
  return {
    creates: createsAttempted ? [...createsAttempted] : writes.creates.map((c) => c.node),
    deletes: [...writes.deletes],
    status: writes.statusWritten,
    adopts,
    history: writes.revisionWrites > 0,
  };
}

/**
 * Every write a move may contain in `world`: a create for each existing node, a delete for each
 * pod not already terminating, an adoption for each orphan, the status write when it would
 * change the status, the history writes when there are any. Empty without a DaemonSet.
 */
export function movePool(world: World): MoveItem[] {
  if (!world.daemonSet) return [];
  return [
    ...(historyWrites(world) > 0 ? [{ kind: 'history' } as const] : []),
    ...world.pods
      .filter((p) => p.controllerUid === undefined && !p.unmatched)
      .map((p): MoveItem => ({ kind: 'adopt', pod: p.name })),
    ...world.nodes.map((n): MoveItem => ({ kind: 'create', node: n.name })),
    ...world.pods.filter((p) => !p.terminating).map((p): MoveItem => ({ kind: 'delete', pod: p.name })),
    ...(statusChanges(world) ? [{ kind: 'status' } as const] : []),
  ];
}

export interface CandidateOptions {
  /** Every subset of the pool of at most this many writes (default 2). */
  readonly subsetSize?: number;
}

/**
 * The candidate moves in `world`, the abstract controller's first, without repeats:
 * - every subset of the pool with at most `subsetSize` writes (the empty move included);
 * - the abstract controller's move, and that move with one write added, one removed, or one
 *   replaced by another write of the pool.
 * With a pool of p writes and an abstract move of a writes that is at most
 * 1 + p + p(p−1)/2 + 1 + p + a·p moves.
 */
export function candidateMoves(world: World, options: CandidateOptions = {}): SyncMove[] {
  const k = options.subsetSize ?? 2;
  const base = abstractMove(world);
  const pool = movePool(world);
  const out = new Map<string, SyncMove>();
  const add = (items: readonly MoveItem[]) => {
    const move = moveFromItems(items);
    const key = moveKey(move);
    if (!out.has(key)) out.set(key, move);
  };
  const baseItems = moveItems(base);
  add(baseItems);
  const poolKeys = new Set(pool.map(itemKey));
  const subsets = (start: number, chosen: MoveItem[]) => {
    add(chosen);
    if (chosen.length >= k) return;
    for (let i = start; i < pool.length; i++) subsets(i + 1, [...chosen, pool[i] as MoveItem]);
  };
  subsets(0, []);
  const inBase = new Set(baseItems.map(itemKey));
  for (const item of pool) if (!inBase.has(itemKey(item))) add([...baseItems, item]);
  for (const [i, item] of baseItems.entries()) {
    const rest = baseItems.filter((_, j) => j !== i);
    add(rest);
    for (const other of pool) {
      if (other.kind === item.kind && !inBase.has(itemKey(other)) && poolKeys.has(itemKey(other)))
        add([...rest, other]);
    }
  }
  return [...out.values()];
}

/**
 * The step invariants classed as safety: what must never be true of the cluster after any step,
 * whichever controller made it. Two live pods on one node (DS-SAFE-01, -02, -04), a pod created
 * where it may not run (DS-ELIG-01), another owner's pod deleted or a terminating orphan adopted
 * (DS-OWN-01, -02), writes while the DaemonSet is being deleted (DS-DEL-01), observedGeneration
 * beyond generation or going back (DS-STATUS-03). With every `always` invariant they make the
 * safety set a spec bug is judged against.
 */
export const SAFETY_STEP_IDS: readonly string[] = [
  'DS-SAFE-01',
  'DS-SAFE-02',
  'DS-SAFE-04',
  'DS-ELIG-01',
  'DS-OWN-01',
  'DS-OWN-02',
  'DS-DEL-01',
  'DS-STATUS-03',
];

/** The safety set: every `always` invariant plus the step invariants of SAFETY_STEP_IDS. */
export function safetyInvariants(catalogue: readonly Invariant[] = INVARIANTS): Invariant[] {
  return catalogue.filter((i) => i.scope === 'always' || (i.scope === 'step' && SAFETY_STEP_IDS.includes(i.id)));
}

/**
 * The allowed-moves relation: every `step` invariant of the catalogue (`full`), or every one but
 * the safety ones (`without-safety`: does the rest of the relation imply them?).
 */
export function allowedMoveRules(
  catalogue: readonly Invariant[] = INVARIANTS,
  relation: 'full' | 'without-safety' = 'full',
): Invariant[] {
  return catalogue.filter((i) => i.scope === 'step' && (relation === 'full' || !SAFETY_STEP_IDS.includes(i.id)));
}
