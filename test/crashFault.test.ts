/**
 * The crash fault (CONTROLLER_CRASHES, issue 15): the controller's next sync is cut after n writes
 * (those stand, the rest never reach the API server), then it restarts with nothing in memory.
 * The same for the in-process reference and for a controller behind the protocol.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DsEvent } from '../model/events.ts';
import { applyEvent } from '../model/step.ts';
import { initialWorld } from '../model/world.ts';
import { type Implementation, processImplementation, referenceImplementation } from '../src/harness/implementation.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const SPEC = {
  updateStrategy: { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 },
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
  template: { image: 'v1', nodeSelector: {}, hostNetwork: false, tolerations: [] },
} as const;

const SETUP: DsEvent[] = [
  { type: 'NODE_ADDED', node: 'n0' },
  { type: 'NODE_ADDED', node: 'n1' },
  { type: 'NODE_ADDED', node: 'n2' },
  { type: 'DS_CREATED', spec: SPEC },
];

/** Applies the events; returns pods, revisions and the last step's writes. */
async function run(implementation: Implementation, events: readonly DsEvent[]) {
  const system = await implementation.makeSystem();
  try {
    for (const event of events) await system.apply(event);
    const obs = system.observe();
    return { pods: obs.pods.length, revisions: obs.revisions.length, last: obs.lastStep?.controller };
  } finally {
    await system.dispose();
  }
}

describe('a controller crash part-way through a sync', () => {
  let process: Implementation;
  beforeAll(async () => {
    process = await processImplementation(`"${globalThis.process.execPath}" bin/dsconform.mjs reference-controller`, {
      cwd: ROOT,
      startTimeoutMs: 30_000,
    });
  }, 60_000);
  afterAll(() => process?.close());

  for (const which of ['in-process', 'process'] as const) {
    it(`${which}: the first n writes stand, the rest are never sent, and the restarted controller finishes the job`, async () => {
      const implementation = which === 'in-process' ? referenceImplementation() : process;
      // A new DaemonSet's first sync: the ControllerRevision, three pods, the status.
      const crashedAfterOne = await run(implementation, [
        ...SETUP,
        { type: 'CONTROLLER_CRASHES', afterWrites: 1 },
        { type: 'CONTROLLER_SYNC' },
      ]);
      expect(crashedAfterOne).toMatchObject({ pods: 0, revisions: 1, last: { crashed: true, statusWritten: false } });
      const crashedAfterThree = await run(implementation, [
        ...SETUP,
        { type: 'CONTROLLER_CRASHES', afterWrites: 3 },
        { type: 'CONTROLLER_SYNC' },
      ]);
      expect(crashedAfterThree).toMatchObject({ pods: 2, revisions: 1, last: { crashed: true } });
      // The restarted controller relists: it sees the two pods and creates only the third.
      const after = await run(implementation, [
        ...SETUP,
        { type: 'CONTROLLER_CRASHES', afterWrites: 3 },
        { type: 'CONTROLLER_SYNC' },
        { type: 'CONTROLLER_SYNC' },
      ]);
      expect(after.pods).toBe(3);
      expect(after.last?.crashed).toBeUndefined();
      expect(after.last?.creates).toHaveLength(1);
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
    const next = applyEvent(crashed, { type: 'CONTROLLER_SYNC' });
    expect(next.pods).toHaveLength(3);
    // A crash before any write is a restart at that moment.
    const none = applyEvent(applyEvent(world, { type: 'CONTROLLER_CRASHES', afterWrites: 0 }), {
      type: 'CONTROLLER_SYNC',
    });
    expect(none.pods).toHaveLength(0);
    expect(none.revisions).toHaveLength(0);
    expect(none.lastStep?.controller.crashed).toBe(true);
  });
});
