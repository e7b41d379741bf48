/**
 * Faults (issue 15), the same for the in-process reference and for a controller behind the
 * protocol: a crash part-way through a sync (CONTROLLER_CRASHES: the first n writes stand, the
 * rest are never sent, then a restart) and a broken watch (WATCH_RELISTED: the events since the
 * last step are lost, the informers LIST again, and what a cache holds that the LIST lacks reaches
 * the delete handlers as a tombstone; a protocol process gets a `sync` marked `relist`) and a
 * status write that conflicts with someone else's update (STATUS_WRITE_CONFLICTS) and refused pod
 * deletes (POD_DELETES_FAIL), a pod informer that lags a step behind (POD_INFORMER_LAGS), and watch
 * events delivered twice (WATCH_EVENTS_DUPLICATED).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DsEvent } from '../model/events.ts';
import type { Observation } from '../model/observation.ts';
import { applyEvent } from '../model/step.ts';
import { initialWorld } from '../model/world.ts';
import { type Implementation, processImplementation, referenceImplementation } from '../src/harness/implementation.js';
import { MUTANTS, mutantOptionsForStore } from '../src/harness/mutants.js';
import type { ApplyOutcome } from '../src/harness/system.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const SPEC = {
  updateStrategy: { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 },
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
  template: { image: 'v1', nodeSelector: {}, hostNetwork: false, tolerations: [] },
} as const;

const THREE_NODES: DsEvent[] = [
  { type: 'NODE_ADDED', node: 'n0' },
  { type: 'NODE_ADDED', node: 'n1' },
  { type: 'NODE_ADDED', node: 'n2' },
  { type: 'DS_CREATED', spec: SPEC },
];

/** A failed pod is deleted (at once: it is terminal) and the DELETED event is lost in a broken watch. */
const LOST_DELETE: DsEvent[] = [
  { type: 'NODE_ADDED', node: 'n0' },
  { type: 'DS_CREATED', spec: SPEC },
  { type: 'CONTROLLER_SYNC' },
  { type: 'SCHEDULER_STEP' },
  { type: 'KUBELET_STEP' },
  { type: 'CONTROLLER_SYNC' },
  { type: 'POD_FAILED', node: 'n0' },
  { type: 'CONTROLLER_SYNC' }, // deletes the failed pod; its DELETED event is pending
  { type: 'WATCH_RELISTED' },
  { type: 'CONTROLLER_SYNC' }, // the LIST lacks it: a tombstone, then the replacement
];

/** Applies the events; the cluster then, and each event's outcome. */
async function run(
  implementation: Implementation,
  events: readonly DsEvent[],
): Promise<{ obs: Observation; outcomes: ApplyOutcome[] }> {
  const system = await implementation.makeSystem();
  try {
    const outcomes: ApplyOutcome[] = [];
    for (const event of events) outcomes.push(await system.apply(event));
    return { obs: system.observe(), outcomes };
  } finally {
    await system.dispose();
  }
}

let served: Implementation;
beforeAll(async () => {
  served = await processImplementation(`"${process.execPath}" bin/dsconform.mjs reference-controller`, {
    cwd: ROOT,
    startTimeoutMs: 30_000,
  });
}, 60_000);
afterAll(() => served?.close());
const implementations = { 'in-process': () => referenceImplementation(), process: () => served } as const;

describe('a controller crash part-way through a sync', () => {
  for (const [which, implementation] of Object.entries(implementations)) {
    it(`${which}: the first n writes stand, the rest are never sent, and the restarted controller finishes the job`, async () => {
      const crash = (afterWrites: number): DsEvent[] => [
        ...THREE_NODES,
        { type: 'CONTROLLER_CRASHES', afterWrites },
        { type: 'CONTROLLER_SYNC' },
      ];
      // A new DaemonSet's first sync: the ControllerRevision, three pods, the status.
      const { obs: afterOne } = await run(implementation(), crash(1));
      expect(afterOne.pods).toHaveLength(0);
      expect(afterOne.revisions).toHaveLength(1);
      expect(afterOne.lastStep?.controller).toMatchObject({ crashed: true, statusWritten: false });
      const { obs: afterThree } = await run(implementation(), crash(3));
      expect(afterThree.pods).toHaveLength(2);
      expect(afterThree.lastStep?.controller.crashed).toBe(true);
      // The restarted controller relists: it sees the two pods and creates only the third.
      const { obs: next } = await run(implementation(), [...crash(3), { type: 'CONTROLLER_SYNC' }]);
      expect(next.pods).toHaveLength(3);
      expect(next.lastStep?.controller.crashed).toBeUndefined();
      expect(next.lastStep?.controller.creates).toHaveLength(1);
    }, 60_000);
  }

  it('the model cuts its own move the same way and forgets its backoff', () => {
    let world = initialWorld({ nodes: ['n0', 'n1', 'n2'] });
    world = applyEvent(world, { type: 'DS_CREATED', spec: SPEC });
    const crashed = applyEvent(applyEvent(world, { type: 'CONTROLLER_CRASHES', afterWrites: 3 }), {
      type: 'CONTROLLER_SYNC',
    });
    expect(crashed.pods).toHaveLength(2);
    expect(crashed.revisions).toHaveLength(1);
    expect(crashed.crashAfterWrites).toBeUndefined();
    expect(crashed.lastStep?.controller).toMatchObject({ crashed: true, statusWritten: false });
    expect(applyEvent(crashed, { type: 'CONTROLLER_SYNC' }).pods).toHaveLength(3);
    // A crash before any write is a restart at that moment.
    const none = applyEvent(applyEvent(world, { type: 'CONTROLLER_CRASHES', afterWrites: 0 }), {
      type: 'CONTROLLER_SYNC',
    });
    expect(none.pods).toHaveLength(0);
    expect(none.revisions).toHaveLength(0);
    expect(none.lastStep?.controller.crashed).toBe(true);
  });
});

describe('a broken watch and a relist', () => {
  for (const [which, implementation] of Object.entries(implementations)) {
    it(`${which}: a delete seen only as a tombstone meets its expectation, and the node gets its replacement`, async () => {
      const { obs, outcomes } = await run(implementation(), LOST_DELETE);
      expect(outcomes.every((o) => o.applied)).toBe(true);
      expect(obs.pods.map((p) => p.phase)).toEqual(['Pending']);
      expect(obs.lastStep?.controller.creates).toHaveLength(1);
    }, 60_000);
  }

  it('a controller that drops tombstones waits out its expectations instead (the mutant)', async () => {
    const mutant = MUTANTS.find((m) => m.name === 'ignores-tombstones');
    if (mutant === undefined) throw new Error('no mutant ignores-tombstones');
    const { obs } = await run(referenceImplementation('mutant', mutantOptionsForStore(mutant)), LOST_DELETE);
    expect(obs.pods).toEqual([]);
  });
});

describe("a status write that conflicts with someone else's update", () => {
  const READY_THEN_CONFLICT: DsEvent[] = [
    { type: 'NODE_ADDED', node: 'n0' },
    { type: 'DS_CREATED', spec: SPEC },
    { type: 'CONTROLLER_SYNC' },
    { type: 'SCHEDULER_STEP' },
    { type: 'KUBELET_STEP' },
    { type: 'POD_BECAME_READY', node: 'n0' },
    { type: 'STATUS_WRITE_CONFLICTS' },
    { type: 'CONTROLLER_SYNC' },
  ];

  it('in-process: upstream reads the DaemonSet again and its one retry writes the status in the same sync', async () => {
    const { obs } = await run(referenceImplementation(), READY_THEN_CONFLICT);
    expect(obs.daemonSet?.status.numberReady).toBe(1);
    expect(obs.lastStep?.controller.statusWritten).toBe(true);
  });

  it('process: the write is refused, and the next sync (woken by the update) writes it', async () => {
    const refused = await run(served, READY_THEN_CONFLICT);
    expect(refused.obs.daemonSet?.status.numberReady).toBe(0);
    expect(refused.obs.lastStep?.controller.statusWritten).toBe(false);
    const next = await run(served, [...READY_THEN_CONFLICT, { type: 'CONTROLLER_SYNC' }]);
    expect(next.obs.daemonSet?.status.numberReady).toBe(1);
  }, 60_000);

  it('a controller that retries the object it first sent conflicts forever (the mutant)', async () => {
    const mutant = MUTANTS.find((m) => m.name === 'retries-stale-status');
    if (mutant === undefined) throw new Error('no mutant retries-stale-status');
    const events: DsEvent[] = [...READY_THEN_CONFLICT, ...Array(5).fill({ type: 'CONTROLLER_SYNC' })];
    const { obs } = await run(referenceImplementation('mutant', mutantOptionsForStore(mutant)), events);
    expect(obs.daemonSet?.status.numberReady).toBe(0);
  });
});

describe('a pod delete the API server refuses', () => {
  const FAILED_POD: DsEvent[] = [
    { type: 'NODE_ADDED', node: 'n0' },
    { type: 'DS_CREATED', spec: SPEC },
    { type: 'CONTROLLER_SYNC' },
    { type: 'SCHEDULER_STEP' },
    { type: 'KUBELET_STEP' },
    { type: 'POD_FAILED', node: 'n0' },
    { type: 'POD_DELETES_FAIL', after: 0 },
    { type: 'CONTROLLER_SYNC' },
  ];

  for (const [which, implementation] of Object.entries(implementations)) {
    it(`${which}: the failed pod stays, and once its backoff is over the retry deletes it`, async () => {
      const refused = await run(implementation(), FAILED_POD);
      expect(refused.obs.pods.map((p) => p.phase)).toEqual(['Failed']);
      expect(refused.obs.lastStep?.controller).toMatchObject({ deletes: [], deleteFailures: 1 });
      const retried = await run(implementation(), [
        ...FAILED_POD,
        { type: 'TIME_ADVANCED', seconds: 5 },
        { type: 'CONTROLLER_SYNC' },
      ]);
      expect(retried.obs.pods).toEqual([]);
      expect(retried.obs.lastStep?.controller.deletes).toHaveLength(1);
    }, 60_000);
  }
});

describe('a lagging pod informer', () => {
  // The first sync creates two pods; their ADDED events are held back from the next sync, which a
  // joining node wakes up.
  const LAGGING: DsEvent[] = [
    { type: 'NODE_ADDED', node: 'n0' },
    { type: 'NODE_ADDED', node: 'n1' },
    { type: 'DS_CREATED', spec: SPEC },
    { type: 'CONTROLLER_SYNC' },
    { type: 'POD_INFORMER_LAGS' },
    { type: 'NODE_ADDED', node: 'n2' },
    { type: 'CONTROLLER_SYNC' },
  ];

  for (const [which, implementation] of Object.entries(implementations)) {
    it(`${which}: the sync that has not seen its own pods waits for them, and the next one catches up`, async () => {
      const lagging = await run(implementation(), LAGGING);
      expect(lagging.obs.pods.map((p) => p.node).sort()).toEqual(['n0', 'n1']);
      expect(lagging.obs.lastStep?.controller.creates).toEqual([]);
      // What that sync saw: the nodes as they are, none of the pods.
      expect(lagging.obs.lastStep?.seen?.pods).toEqual([]);
      expect(lagging.obs.lastStep?.seen?.nodes.map((n) => n.name)).toEqual(['n0', 'n1', 'n2']);
      const next = await run(implementation(), [...LAGGING, { type: 'CONTROLLER_SYNC' }]);
      expect(next.obs.pods.map((p) => p.node).sort()).toEqual(['n0', 'n1', 'n2']);
      expect(next.obs.lastStep?.seen).toBeUndefined();
    }, 60_000);
  }

  it('the first sync after a restart is not held back: its informers have just listed', async () => {
    const events: DsEvent[] = [
      ...LAGGING.slice(0, 4),
      { type: 'CONTROLLER_RESTARTED' },
      { type: 'POD_INFORMER_LAGS' },
      { type: 'NODE_ADDED', node: 'n2' },
      { type: 'CONTROLLER_SYNC' },
    ];
    const { obs } = await run(referenceImplementation(), events);
    expect(obs.lastStep?.seen).toBeUndefined();
    expect(obs.pods.map((p) => p.node).sort()).toEqual(['n0', 'n1', 'n2']);
  });

  it('a controller that does not wait for its expectations puts a second pod on the nodes it filled (the mutant)', async () => {
    const mutant = MUTANTS.find((m) => m.name === 'ignores-expectations');
    if (mutant === undefined) throw new Error('no mutant ignores-expectations');
    const { obs } = await run(referenceImplementation('mutant', mutantOptionsForStore(mutant)), LAGGING);
    expect(obs.pods.map((p) => p.node).sort()).toEqual(['n0', 'n0', 'n1', 'n1', 'n2']);
  });
});

describe('events delivered twice', () => {
  // Two pods are created; their ADDED events come twice, then a failed pod's deletion does too.
  const TWICE: DsEvent[] = [
    { type: 'NODE_ADDED', node: 'n0' },
    { type: 'NODE_ADDED', node: 'n1' },
    { type: 'DS_CREATED', spec: SPEC },
    { type: 'CONTROLLER_SYNC' },
    { type: 'WATCH_EVENTS_DUPLICATED' },
    { type: 'SCHEDULER_STEP' },
    { type: 'KUBELET_STEP' },
    { type: 'CONTROLLER_SYNC' },
    { type: 'POD_FAILED', node: 'n0' },
    { type: 'CONTROLLER_SYNC' },
    { type: 'WATCH_EVENTS_DUPLICATED' },
    { type: 'CONTROLLER_SYNC' },
  ];

  for (const [which, implementation] of Object.entries(implementations)) {
    it(`${which}: a repeated event changes nothing: one pod per node, and the failed one replaced`, async () => {
      const { obs, outcomes } = await run(implementation(), TWICE);
      expect(outcomes.every((o) => o.applied)).toBe(true);
      expect(obs.pods.map((p) => `${p.node} ${p.phase}`).sort()).toEqual(['n0 Pending', 'n1 Running']);
    }, 60_000);
  }
});
