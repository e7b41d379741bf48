/**
 * Witnesses: for every invariant of the catalogue, a small concrete situation that breaks it
 * (a faulty controller step, or an unsettled cluster judged as settled). They show a reader what
 * a violation looks like, and `npm test` runs each one to prove that its invariant can fire: an
 * invariant that no witness, mutant or scenario can make fail checks nothing (issue 14).
 */
import type { DsEvent } from './events.ts';
import type { CheckContext } from './invariants.ts';
import { type ControllerWrites, NO_WRITES, type Observation, observe } from './observation.ts';
import { settle } from './quiescence.ts';
import { applyEvent } from './step.ts';
import type { DaemonSet, DaemonSetSpec, Pod, Revision, Taint } from './types.ts';
import { SPECS, TEMPLATE_A, TEMPLATE_B } from './universe.ts';
import { deletePod, initialWorld, type World } from './world.ts';

export interface Witness {
  /** The invariant it breaks. */
  readonly id: string;
  /** The situation, in one line. */
  readonly description: string;
  readonly build: () => CheckContext;
}

export const nodeNames = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);
export const run = (world: World, ...events: DsEvent[]) => events.reduce(applyEvent, world);
/** `n` nodes and a settled DaemonSet of `spec`. */
export const converged = (n: number, spec: DaemonSetSpec = SPECS.rolling) =>
  settle(applyEvent(initialWorld({ nodes: nodeNames(n) }), { type: 'DS_CREATED', spec }));
export const podsOn = (w: World, node: string) => w.pods.filter((p) => p.node === node).map((p) => p.name);
const OTHER_NO_SCHEDULE: Taint = { key: 'other', value: '', effect: 'NoSchedule' };

/** A controller step that made `writes` and changed `before` by `change` (as a faulty implementation might). */
export function faultyStep(
  before: World,
  change: (w: World) => World,
  writes: Partial<ControllerWrites>,
): CheckContext {
  const after = change(before);
  const obs: Observation = {
    ...observe(after),
    lastStep: { event: { type: 'CONTROLLER_SYNC' }, controller: { ...NO_WRITES, ...writes } },
  };
  return { prev: observe(before), obs, history: [observe(before), obs] };
}

/** A cluster judged as if it were settled. */
const settledAs = (w: World): CheckContext => ({ obs: observe(w) });

export const deleting = (names: readonly string[]) => (w: World) => names.reduce(deletePod, w);

/** Adds a pod of the DaemonSet for `node` (unbound, Pending, current hash unless `template` says otherwise). */
export function creating(node: string, template: Partial<Pod> = {}) {
  return (w: World): World => {
    const ds = w.daemonSet;
    if (!ds) return w;
    const pod: Pod = {
      name: `bad-${node}`,
      node,
      bound: false,
      ...(ds.currentHash !== undefined ? { hash: ds.currentHash } : {}),
      controllerUid: ds.uid,
      phase: 'Pending',
      ready: false,
      terminating: false,
      createdAt: w.time,
      ...template,
    };
    return { ...w, pods: [...w.pods, pod] };
  };
}

function withDaemonSet(w: World, change: (ds: DaemonSet) => DaemonSet): World {
  const ds = w.daemonSet;
  if (!ds) throw new Error('the witness needs a DaemonSet');
  return { ...w, daemonSet: change(ds) };
}

function withoutDaemonSet(w: World): World {
  const { daemonSet: _gone, ...rest } = w;
  return rest;
}

const rolling = () => run(converged(5), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B });
const surge = () => run(converged(3, SPECS.surge), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B });
const onDelete = () => run(converged(2, SPECS.onDelete), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B });
const noSchedule = () =>
  run(converged(2), {
    type: 'TAINT_ADDED',
    node: 'node-1',
    taint: { key: 'dedicated', value: 'infra', effect: 'NoSchedule' },
  });
const nodeJoined = () => run(converged(2), { type: 'NODE_ADDED', node: 'node-2' });

/**
 * One node whose pod failed, was deleted by the controller (the backoff starts) and replaced, and
 * whose replacement has failed too, all at the same instant; `history` holds the observations.
 */
export function secondFailure(): { world: World; history: Observation[] } {
  let w = run(converged(1), { type: 'POD_FAILED', node: 'node-0' });
  const history = [observe(w)];
  w = run(w, { type: 'CONTROLLER_SYNC' });
  history.push(observe(w));
  w = run(
    w,
    { type: 'CONTROLLER_SYNC' },
    { type: 'SCHEDULER_STEP' },
    { type: 'KUBELET_STEP' },
    { type: 'POD_FAILED', node: 'node-0' },
  );
  history.push(observe(w));
  return { world: w, history };
}

export const WITNESSES: readonly Witness[] = [
  {
    id: 'DS-ELIG-01',
    description: 'a pod is created on a node with an untolerated NoSchedule taint',
    build: () => faultyStep(noSchedule(), creating('node-1'), { creates: [{ node: 'node-1' }] }),
  },
  {
    id: 'DS-ELIG-02',
    description: 'a node that joined has no pod at quiescence',
    build: () => settledAs(nodeJoined()),
  },
  {
    id: 'DS-PLACE-01',
    description: 'a Ready node that should run the daemon has no pod at quiescence',
    build: () => settledAs(nodeJoined()),
  },
  {
    id: 'DS-PLACE-02',
    description: 'a pod stays on a node with an untolerated NoExecute taint',
    build: () =>
      settledAs(
        run(converged(2), {
          type: 'TAINT_ADDED',
          node: 'node-1',
          taint: { key: 'dedicated', value: 'infra', effect: 'NoExecute' },
        }),
      ),
  },
  {
    id: 'DS-PLACE-03',
    description: 'the pod of a node with an untolerated NoSchedule taint (it may stay) is deleted',
    build: () => {
      const w = noSchedule();
      return faultyStep(w, deleting(podsOn(w, 'node-1')), { deletes: podsOn(w, 'node-1') });
    },
  },
  {
    id: 'DS-PLACE-04',
    description: 'a node that joined has no pod: the cluster is not what the oracle predicts',
    build: () => settledAs(nodeJoined()),
  },
  {
    id: 'DS-PLACE-05',
    description: 'the up-to-date bound pod of a node that is gone is deleted by the controller (Pod GC owns it)',
    build: () => {
      const w = run(converged(2), { type: 'NODE_REMOVED', node: 'node-1' });
      return faultyStep(w, deleting(podsOn(w, 'node-1')), { deletes: podsOn(w, 'node-1') });
    },
  },
  {
    id: 'DS-PLACE-06',
    description: 'a settled cluster keeps an unbound pod pinned to a node that is gone',
    build: () => {
      const w = run(converged(2), { type: 'NODE_REMOVED', node: 'node-1' });
      return settledAs(creating('node-1')(w));
    },
  },
  {
    id: 'DS-SAFE-01',
    description: 'a second pod is created beside a terminating one, without surge',
    build: () => {
      const w = run(converged(2), { type: 'POD_DELETED_BY_USER', node: 'node-0' });
      return faultyStep(w, creating('node-0'), { creates: [{ node: 'node-0' }] });
    },
  },
  {
    id: 'DS-SAFE-02',
    description: 'a failed pod is deleted and replaced in the same sync',
    build: () => {
      const w = run(converged(2), { type: 'POD_FAILED', node: 'node-0' });
      const failed = podsOn(w, 'node-0');
      return faultyStep(w, (x) => creating('node-0')(deleting(failed)(x)), {
        deletes: failed,
        creates: [{ node: 'node-0' }],
      });
    },
  },
  {
    id: 'DS-SAFE-03',
    description: 'a settled node runs two live pods of the DaemonSet',
    build: () =>
      settledAs(creating('node-1', { bound: true, phase: 'Running', ready: true, readySince: 0 })(converged(2))),
  },
  {
    id: 'DS-SAFE-04',
    description: 'a sync that wrote leaves two live pods on a node',
    build: () =>
      faultyStep(converged(2), creating('node-1', { bound: true, createdAt: 0 }), { creates: [{ node: 'node-1' }] }),
  },
  {
    id: 'DS-STATUS-01',
    description: 'a status with numberUnavailable ≠ desired − available',
    build: () =>
      settledAs(withDaemonSet(converged(2), (ds) => ({ ...ds, status: { ...ds.status, numberUnavailable: 5 } }))),
  },
  {
    id: 'DS-STATUS-02',
    description: 'the template changed and the status still shows the old observedGeneration at quiescence',
    build: () => settledAs(run(converged(2), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B })),
  },
  {
    id: 'DS-STATUS-03',
    description: 'observedGeneration is written ahead of generation',
    build: () => {
      const w = converged(2);
      return faultyStep(
        w,
        (x) =>
          withDaemonSet(x, (ds) => ({
            ...ds,
            status: { ...ds.status, observedGeneration: ds.generation + 1 },
          })),
        { statusWritten: true },
      );
    },
  },
  {
    id: 'DS-SYNC-01',
    description: 'a status write over a converged cluster',
    build: () => faultyStep(converged(2), (x) => x, { statusWritten: true }),
  },
  {
    id: 'DS-SYNC-02',
    description: 'one sync creates 251 pods (BurstReplicas is 250)',
    build: () =>
      faultyStep(converged(1), (x) => x, {
        creates: Array.from({ length: 251 }, (_, i) => ({ node: `node-${i}` })),
      }),
  },
  {
    id: 'DS-SYNC-03',
    description: 'creates go on after a failed one in the same slow-start batch',
    build: () => faultyStep(converged(1), (x) => x, { createAttempts: [true, false, true, true] }),
  },
  {
    id: 'DS-ROLL-01',
    description: 'without surge, three available old pods are deleted at once with maxUnavailable 1',
    build: () => {
      const w = rolling();
      const old = w.pods.map((p) => p.name).slice(0, 3);
      return faultyStep(w, deleting(old), { deletes: old });
    },
  },
  {
    id: 'DS-ROLL-02',
    description: 'with maxSurge 1, new pods are started beside two available old ones at once',
    build: () =>
      faultyStep(surge(), (w) => creating('node-1')(creating('node-0')(w)), {
        creates: [{ node: 'node-0' }, { node: 'node-1' }],
      }),
  },
  {
    id: 'DS-ROLL-03',
    description: 'with surge, an available old pod is deleted before its replacement is available',
    build: () => {
      const w = surge();
      return faultyStep(w, deleting(podsOn(w, 'node-0')), { deletes: podsOn(w, 'node-0') });
    },
  },
  {
    id: 'DS-ROLL-04',
    description:
      'with surge, the available old pod of a node the DaemonSet is leaving is deleted while no more nodes are available than desired',
    build: () => {
      const w0 = run(
        converged(2, SPECS.surge),
        { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B },
        { type: 'TAINT_ADDED', node: 'node-1', taint: OTHER_NO_SCHEDULE },
      );
      // node-0's pod is not ready: only node-1 counts as available, and one node is desired.
      const w = { ...w0, pods: w0.pods.map((p) => (p.node === 'node-0' ? { ...p, ready: false } : p)) };
      return faultyStep(w, deleting(podsOn(w, 'node-1')), { deletes: podsOn(w, 'node-1') });
    },
  },
  {
    id: 'DS-ROLL-05',
    description: 'a rollout that never moves while one node is NotReady and budget is left',
    build: () =>
      settledAs(
        run(
          converged(3),
          { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B },
          { type: 'NODE_NOT_READY', node: 'node-2' },
        ),
      ),
  },
  {
    id: 'DS-ROLL-06',
    description: 'with OnDelete, an out-of-date pod is deleted',
    build: () => {
      const w = onDelete();
      return faultyStep(w, deleting(podsOn(w, 'node-0')), { deletes: podsOn(w, 'node-0') });
    },
  },
  {
    id: 'DS-ROLL-07',
    description: 'an up-to-date, available pod is deleted (an unnecessary restart)',
    build: () => {
      const w = converged(2);
      return faultyStep(w, deleting(podsOn(w, 'node-1')), { deletes: podsOn(w, 'node-1') });
    },
  },
  {
    id: 'DS-PLACE-07',
    description: 'the only pod of a node failed and is held by a finalizer while being deleted; no replacement came',
    build: () => {
      const w = run(
        converged(2),
        { type: 'POD_FINALIZER_ADDED', node: 'node-0' },
        { type: 'POD_FAILED', node: 'node-0' },
      );
      return settledAs(deleting(podsOn(w, 'node-0'))(w));
    },
  },
  {
    id: 'DS-OWN-04',
    description: 'a pod of another controller (a ReplicaSet) that the selector matches is deleted',
    build: () => {
      const w = run(converged(2), { type: 'FOREIGN_POD_APPEARED', node: 'node-0', revision: 'current' });
      const foreign = (w.bystanders ?? []).map((p) => p.name);
      return faultyStep(w, (x) => ({ ...x, bystanders: [] }), { deletes: foreign });
    },
  },
  {
    id: 'DS-OWN-05',
    description: 'a pod relabelled away from the selector is still controlled by the DaemonSet at quiescence',
    build: () => settledAs(run(converged(2), { type: 'POD_RELABELED', node: 'node-0', matches: false })),
  },
  {
    id: 'DS-ROLL-08',
    description: 'with maxUnavailable 2 and five available old pods, a sync replaces only one',
    build: () => {
      const spec: DaemonSetSpec = {
        ...SPECS.rolling,
        updateStrategy: { type: 'RollingUpdate', maxUnavailable: 2, maxSurge: 0 },
      };
      const w = run(converged(5, spec), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B });
      return faultyStep(w, deleting(podsOn(w, 'node-0')), { deletes: podsOn(w, 'node-0') });
    },
  },
  {
    id: 'DS-HIST-01',
    description: 'no ControllerRevision matches the template at quiescence',
    build: () => {
      const w = converged(2);
      return settledAs({ ...w, revisions: [] });
    },
  },
  {
    id: 'DS-HIST-02',
    description: 'three unused old revisions are kept with revisionHistoryLimit 1',
    build: () => {
      const w = converged(2);
      const current = w.revisions[0];
      if (!current) throw new Error('no revision');
      const old = (n: number): Revision => ({ ...current, name: `old-${n}`, hash: `old${n}`, revision: n - 10 });
      return settledAs({ ...w, revisions: [...w.revisions, old(1), old(2), old(3)] });
    },
  },
  {
    id: 'DS-HIST-03',
    description: 'a rollback to a stored template creates a new revision instead of renumbering the stored one',
    build: () => {
      const rolled = settle(run(converged(2), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B }));
      const back = run(rolled, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_A });
      const stored = back.revisions.find((r) => r.hash === back.daemonSet?.currentHash);
      if (!stored) throw new Error('the first revision should be stored');
      const copy: Revision = { ...stored, name: 'a-new-one', revision: 99 };
      return faultyStep(back, (x) => ({ ...x, revisions: [...x.revisions, copy] }), { revisionWrites: 1 });
    },
  },
  {
    id: 'DS-OWN-01',
    description: 'a pod of another controller is deleted',
    build: () => {
      const w = converged(1);
      const foreign: Pod = { ...(w.pods[0] as Pod), name: 'foreign', controllerUid: 'someone-else' };
      const before = { ...w, pods: [...w.pods, foreign] };
      return faultyStep(before, deleting(['foreign']), { deletes: ['foreign'] });
    },
  },
  {
    id: 'DS-OWN-02',
    description: 'a terminating orphan is adopted',
    build: () => {
      const w = run(converged(2), { type: 'ORPHAN_POD_APPEARED', node: 'node-0', revision: 'none' });
      const orphan = w.pods.find((p) => p.controllerUid === undefined);
      const uid = w.daemonSet?.uid;
      if (!orphan || !uid) throw new Error('no orphan');
      const before = { ...w, pods: w.pods.map((p) => (p === orphan ? { ...p, terminating: true } : p)) };
      return faultyStep(
        before,
        (x) => ({ ...x, pods: x.pods.map((p) => (p.name === orphan.name ? { ...p, controllerUid: uid } : p)) }),
        { podPatches: 1, patched: [orphan.name] },
      );
    },
  },
  {
    id: 'DS-OWN-03',
    description: 'a live orphan matching the selector is left unadopted at quiescence',
    build: () => settledAs(run(converged(2), { type: 'ORPHAN_POD_APPEARED', node: 'node-0', revision: 'none' })),
  },
  {
    id: 'DS-DEL-01',
    description: 'a status write while the DaemonSet is being deleted in Foreground',
    build: () =>
      faultyStep(run(converged(2), { type: 'DS_DELETED', policy: 'Foreground' }), (x) => x, { statusWritten: true }),
  },
  {
    id: 'DS-DEL-02',
    description: 'the DaemonSet is gone and its pods still name it as their controller at quiescence',
    build: () => settledAs(withoutDaemonSet(converged(2))),
  },
  {
    id: 'DS-DEL-03',
    description: 'a Foreground-deleted DaemonSet disappears while its pods remain',
    build: () => {
      const w = run(converged(2), { type: 'DS_DELETED', policy: 'Foreground' });
      return { prev: observe(w), obs: observe(withoutDaemonSet(w)) };
    },
  },
  {
    id: 'DS-DEL-04',
    description: 'an Orphan deletion removes the pods it should have left behind',
    build: () => {
      const w = run(converged(2), { type: 'DS_DELETED', policy: 'Orphan' });
      return { prev: observe(w), obs: observe({ ...withoutDaemonSet(w), pods: [], revisions: [] }) };
    },
  },
  {
    id: 'DS-SHAPE-01',
    description: 'a pod is created with a stale revision hash',
    build: () => {
      const w = run(converged(2), { type: 'NODE_ADDED', node: 'node-2' });
      return faultyStep(w, creating('node-2', { hash: 'stale' }), { creates: [{ node: 'node-2', pod: 'bad-node-2' }] });
    },
  },
  {
    id: 'DS-BACKOFF-01',
    description: 'a second failed pod on a node is deleted within 1 s of the first',
    build: () => {
      const { world, history } = secondFailure();
      const failed = podsOn(world, 'node-0');
      const ctx = faultyStep(world, deleting(failed), { deletes: failed });
      return { ...ctx, history: [...history, ctx.obs] };
    },
  },
  {
    id: 'DS-BACKOFF-02',
    description: 'a failed pod is still there at quiescence',
    build: () => settledAs(run(converged(2), { type: 'POD_FAILED', node: 'node-0' })),
  },
];

export function witnessFor(id: string): Witness | undefined {
  return WITNESSES.find((w) => w.id === id);
}
