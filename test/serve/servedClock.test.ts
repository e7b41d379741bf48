/**
 * `check --serve` on dsconform's clock: upstream's controller (adapters/upstream-served) reads the
 * time from $DSCONFORM_CLOCK_FILE, so its failed-pod backoff and minReadySeconds run on the served
 * cluster's virtual clock, which moves only when the campaign moves it. Skipped where Go is missing.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { DsEvent } from '../../model/events.ts';
import { servedControllerImplementation } from '../../src/serve/servedController.js';
import { goMissingReason } from '../../src/upstream/apiSemantics.js';
import { ensureGoProgram, UPSTREAM_SERVED_PROGRAM } from '../../src/upstream/goProgram.js';

const goMissing = await goMissingReason();
if (goMissing) console.warn(`test/serve/servedClock.test.ts skipped: ${goMissing}`);

const SPEC = {
  updateStrategy: { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 },
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
  template: { image: 'v1', nodeSelector: {}, hostNetwork: false, tolerations: [] },
} as const;

describe.skipIf(goMissing !== undefined)("a served controller on dsconform's clock", () => {
  it('waits out its failed-pod backoff on the virtual clock, which real time does not move', async () => {
    const { binary } = await ensureGoProgram(UPSTREAM_SERVED_PROGRAM);
    const implementation = await servedControllerImplementation([binary], { virtualClock: true });
    try {
      const system = await implementation.makeSystem();
      const apply = async (...events: DsEvent[]) => {
        for (const event of events) expect((await system.apply(event)).applied, event.type).toBe(true);
      };
      const onNode = () => system.observe().pods.map((p) => ({ phase: p.phase, ready: p.ready }));
      await apply({ type: 'NODE_ADDED', node: 'n0' }, { type: 'DS_CREATED', spec: SPEC });
      await system.apply({ type: 'CONTROLLER_SYNC' });
      // The kubelet starts the pod; readiness is an event on this clock, as in every campaign.
      expect(onNode()).toEqual([{ phase: 'Running', ready: false }]);
      await apply({ type: 'POD_BECAME_READY', node: 'n0' });
      expect(onNode()).toEqual([{ phase: 'Running', ready: true }]);

      // A first failure is deleted at once and replaced.
      await apply({ type: 'POD_FAILED', node: 'n0' });
      await system.apply({ type: 'CONTROLLER_SYNC' });
      expect(onNode()).toEqual([{ phase: 'Running', ready: false }]);

      // A second one within the backoff (1 s) stays, however long the wall clock runs...
      await apply({ type: 'POD_FAILED', node: 'n0' });
      await delay(2500);
      await system.apply({ type: 'CONTROLLER_SYNC' });
      expect(onNode()).toEqual([{ phase: 'Failed', ready: false }]);
      // ...until dsconform's clock moves past it.
      await apply({ type: 'TIME_ADVANCED', seconds: 1 });
      await system.apply({ type: 'CONTROLLER_SYNC' });
      expect(onNode()).toEqual([{ phase: 'Running', ready: false }]);
      await system.dispose();
    } finally {
      await implementation.close();
    }
  });

  it('moves the clock for a failed pod only while its DaemonSet will replace it', async () => {
    const { binary } = await ensureGoProgram(UPSTREAM_SERVED_PROGRAM);
    const implementation = await servedControllerImplementation([binary], { virtualClock: true });
    try {
      const system = await implementation.makeSystem();
      for (const event of [
        { type: 'NODE_ADDED', node: 'n0' },
        { type: 'DS_CREATED', spec: SPEC },
        { type: 'CONTROLLER_SYNC' },
        { type: 'POD_BECAME_READY', node: 'n0' },
        { type: 'POD_FAILED', node: 'n0' },
        { type: 'CONTROLLER_SYNC' },
        { type: 'POD_FAILED', node: 'n0' },
        { type: 'CONTROLLER_SYNC' },
      ] satisfies DsEvent[])
        await system.apply(event);
      const quiet = async () => {
        const settled = await system.quiesce({ maxAdvanceSeconds: 3600 });
        expect(settled.converged).toBe(true);
        return settled.advancedSeconds;
      };
      // The second failure came within the 1 s backoff: the pod stays Failed.
      expect(system.observe().pods.map((p) => p.phase)).toEqual(['Failed']);
      await system.apply({ type: 'DS_DELETED', policy: 'Orphan' });
      // Orphaned, the failed pod waits for nothing that time brings: quiescence does not move the clock for it.
      expect(await quiet()).toBe(0);
      expect(system.observe().pods.map((p) => p.phase)).toEqual(['Failed']);
      await system.dispose();
    } finally {
      await implementation.close();
    }
  });
});
