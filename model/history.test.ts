import { describe, expect, it } from 'vitest';
import type { DsEvent } from './events.ts';
import { cleanupHistory, constructHistory, historyWithinLimit, templateHash } from './history.ts';
import { settle } from './quiescence.ts';
import { applyEvent } from './step.ts';
import type { DaemonSet, Pod } from './types.ts';
import { SPECS, TEMPLATE_A, TEMPLATE_B } from './universe.ts';
import { initialWorld, type World } from './world.ts';

const run = (world: World, ...events: DsEvent[]) => events.reduce(applyEvent, world);
const dsOf = (w: World): DaemonSet => {
  if (!w.daemonSet) throw new Error('no DaemonSet');
  return w.daemonSet;
};

describe('templateHash', () => {
  it('depends on content only, not on key order', () => {
    const reordered = Object.fromEntries(Object.entries(TEMPLATE_A).reverse()) as typeof TEMPLATE_A;
    expect(Object.keys(reordered)[0]).toBe('hostNetwork');
    expect(templateHash(reordered)).toBe(templateHash(TEMPLATE_A));
    expect(templateHash(TEMPLATE_B)).not.toBe(templateHash(TEMPLATE_A));
  });
});

describe('constructHistory and cleanupHistory (§5.7)', () => {
  it('numbers revisions 1, 2, … and renumbers a stored one on rollback instead of creating it (§5.8)', () => {
    let w = settle(
      applyEvent(initialWorld({ nodes: ['node-0'] }), {
        type: 'DS_CREATED',
        spec: { ...SPECS.rolling, revisionHistoryLimit: 10 },
      }),
    );
    expect(w.revisions.map((r) => r.revision)).toEqual([1]);
    w = settle(applyEvent(w, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B }));
    expect(w.revisions.map((r) => [r.hash, r.revision])).toEqual([
      [templateHash(TEMPLATE_A), 1],
      [templateHash(TEMPLATE_B), 2],
    ]);
    const names = w.revisions.map((r) => r.name);
    w = settle(applyEvent(w, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_A }));
    expect(w.revisions.map((r) => r.name)).toEqual(names);
    expect(w.revisions.find((r) => r.hash === templateHash(TEMPLATE_A))?.revision).toBe(3);
  });

  it('adopts orphaned revisions and leaves them alone while deleting', () => {
    const ds = dsOf(applyEvent(initialWorld(), { type: 'DS_CREATED', spec: SPECS.rolling }));
    const orphan = { name: 'ds-old', hash: 'old', revision: 4 };
    const outcome = constructHistory([orphan], ds);
    expect(outcome.revisions.find((r) => r.name === 'ds-old')?.controllerUid).toBe(ds.uid);
    expect(outcome.revisions.find((r) => r.hash === outcome.currentHash)?.revision).toBe(5);
    expect(
      constructHistory([orphan], { ...ds, deleting: 'Orphan' }).revisions.find((r) => r.name === 'ds-old')
        ?.controllerUid,
    ).toBeUndefined();
  });

  it('keeps at most revisionHistoryLimit old revisions plus those live pods use, deleting the lowest first', () => {
    const ds: DaemonSet = {
      ...dsOf(applyEvent(initialWorld(), { type: 'DS_CREATED', spec: SPECS.rolling })),
      currentHash: 'h5',
    };
    const revisions = [1, 2, 3, 4, 5].map((n) => ({
      name: `ds-h${n}`,
      hash: `h${n}`,
      revision: n,
      controllerUid: ds.uid,
    }));
    const pod: Pod = {
      name: 'p',
      node: 'node-0',
      bound: true,
      hash: 'h1',
      controllerUid: ds.uid,
      phase: 'Running',
      ready: true,
      terminating: false,
      createdAt: 0,
    };
    const limited = { ...ds, spec: { ...ds.spec, revisionHistoryLimit: 1 } };
    const { revisions: kept, deleted } = cleanupHistory(revisions, [pod], limited);
    expect(deleted).toEqual(['ds-h2', 'ds-h3', 'ds-h4']);
    expect(kept.map((r) => r.hash)).toEqual(['h1', 'h5']);
    expect(historyWithinLimit(kept, [pod], limited)).toBe(true);
    expect(historyWithinLimit(revisions, [pod], limited)).toBe(false);
  });

  it('rolls back without restarting pods that still run the old template (P19)', () => {
    const three = ['node-0', 'node-1', 'node-2'];
    let w = settle(applyEvent(initialWorld({ nodes: three }), { type: 'DS_CREATED', spec: SPECS.rolling }));
    const original = new Set(w.pods.map((p) => p.name));
    // One step of the rollout to B: a single old pod goes (maxUnavailable 1).
    w = run(w, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B }, { type: 'CONTROLLER_SYNC' });
    expect(w.lastStep?.controller.deletes).toHaveLength(1);
    const untouched = w.pods.filter((p) => !p.terminating && original.has(p.name)).map((p) => p.name);
    expect(untouched).toHaveLength(2);
    w = settle(applyEvent(w, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_A }));
    for (const name of untouched) expect(w.pods.some((p) => p.name === name)).toBe(true);
    expect(w.pods.every((p) => p.hash === templateHash(TEMPLATE_A))).toBe(true);
    expect(w.revisions).toHaveLength(2);
  });
});
