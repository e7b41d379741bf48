import { describe, expect, it } from 'vitest';
import type { DsEvent } from './events.ts';
import { isConverged } from './invariants.ts';
import { NO_WRITES, observe, writeCount } from './observation.ts';
import { committedPathSuite } from './paths.ts';
import { rolloutAccounting, stalledRolloutPods } from './progress.ts';
import { settle } from './quiescence.ts';
import { planRollingUpdate } from './rollout.ts';
import { applyEvent } from './step.ts';
import type { DaemonSetSpec } from './types.ts';
import { SPECS, TEMPLATE_B } from './universe.ts';
import { initialWorld, type World } from './world.ts';

const nodes = ['node-0', 'node-1', 'node-2'];
const run = (world: World, ...events: DsEvent[]) => events.reduce(applyEvent, world);
const converged = (spec: DaemonSetSpec) => settle(applyEvent(initialWorld({ nodes }), { type: 'DS_CREATED', spec }));
/** The template changes and node-2 goes NotReady; nothing rolls (a controller that never rolls). */
const frozen = (spec: DaemonSetSpec) =>
  run(converged(spec), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B }, { type: 'NODE_NOT_READY', node: 'node-2' });
const stalledNodes = (w: World) => {
  const ds = w.daemonSet;
  if (!ds) throw new Error('no DaemonSet');
  return stalledRolloutPods(w, ds).map((s) => s.node);
};

describe('stalledRolloutPods: a RollingUpdate stops short only where its budget is spent', () => {
  it('nothing is stalled in a settled cluster, NotReady node or not', () => {
    for (const spec of [SPECS.rolling, SPECS.surge]) {
      expect(stalledNodes(settle(frozen(spec)))).toEqual([]);
      expect(stalledNodes(settle(run(converged(spec), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B })))).toEqual(
        [],
      );
    }
  });

  it('maxUnavailable 1: the NotReady node spends the budget, but its own old pod must still go', () => {
    expect(stalledNodes(frozen(SPECS.rolling))).toEqual(['node-2']);
  });

  it('maxUnavailable 2: budget is left, so every old pod is stalled', () => {
    const spec = {
      ...SPECS.rolling,
      updateStrategy: { type: 'RollingUpdate', maxUnavailable: 2, maxSurge: 0 },
    } as const;
    expect(stalledNodes(frozen(spec))).toEqual(['node-0', 'node-1', 'node-2']);
  });

  it('maxSurge 1: nothing surges yet, so the Ready nodes are stalled as well as the NotReady one', () => {
    expect(stalledNodes(frozen(SPECS.surge))).toEqual(['node-0', 'node-1', 'node-2']);
  });

  it('OnDelete never stalls', () => {
    expect(stalledNodes(frozen(SPECS.onDelete))).toEqual([]);
  });
});

describe('rolloutAccounting', () => {
  it("counts as the abstract controller's rolling-update pass does, in every world of the committed path suite", () => {
    let compared = 0;
    for (const path of committedPathSuite()) {
      let w = initialWorld(path.input);
      for (const event of path.events) {
        w = applyEvent(w, event);
        const ds = w.daemonSet;
        if (ds?.spec.updateStrategy.type !== 'RollingUpdate' || ds.deleting) continue;
        const plan = planRollingUpdate(w, ds);
        if (plan.error) continue;
        const counted = rolloutAccounting(w, ds);
        expect(counted.budgets).toEqual(plan.budgets);
        if (plan.budgets.maxSurge === 0) expect(counted.numUnavailable).toBe(plan.numUnavailable);
        else expect([counted.numSurge, counted.numAvailable]).toEqual([plan.numSurge, plan.numAvailable]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(400);
  });
});

describe('isConverged (DS-SYNC-01)', () => {
  it("agrees with the abstract controller: in every path-suite world it calls converged, the model's sync writes nothing", () => {
    let converged = 0;
    for (const path of committedPathSuite()) {
      let w = initialWorld(path.input);
      for (const event of path.events) {
        w = applyEvent(w, event);
        if (!isConverged(observe(w))) continue;
        converged++;
        const synced = applyEvent(w, { type: 'CONTROLLER_SYNC' });
        expect(writeCount(synced.lastStep?.controller ?? NO_WRITES), `${path.id} after ${event.type}`).toBe(0);
      }
    }
    expect(converged).toBeGreaterThan(40);
  });
});

describe('isConverged and old revisions', () => {
  it('an unused old revision beside a used one, over revisionHistoryLimit 1, is not converged: cleanupHistory deletes it', () => {
    const w = settle(
      run(settle(applyEvent(initialWorld({ nodes }), { type: 'DS_CREATED', spec: SPECS.onDelete })), {
        type: 'TEMPLATE_UPDATED',
        template: TEMPLATE_B,
      }),
    );
    expect(isConverged(observe(w))).toBe(true);
    const used = w.revisions.find((r) => r.hash !== w.daemonSet?.currentHash);
    if (!used) throw new Error('no old revision');
    const unused = { ...used, name: 'unused', hash: 'unused', revision: 0 };
    const extra = { ...w, revisions: [...w.revisions, unused] };
    expect(isConverged(observe(extra))).toBe(false);
    const synced = applyEvent(extra, { type: 'CONTROLLER_SYNC' });
    expect(synced.lastStep?.controller.revisionWrites).toBeGreaterThan(0);
  });
});
