import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalWorldKey, isIdeal, isQuiet, lifecyclePhase, nextDeadline, sameWorld, settle } from './quiescence.ts';
import { applyEvent } from './step.ts';
import { SPECS, TEMPLATE_B } from './universe.ts';
import { initialWorld, type World } from './world.ts';

const start = (spec = SPECS.rolling) =>
  applyEvent(initialWorld({ nodes: ['node-0', 'node-1'] }), { type: 'DS_CREATED', spec });

describe('quiescence', () => {
  it('settles a new DaemonSet to a quiet, ideal, stable world', () => {
    const w = start();
    expect(lifecyclePhase(w)).toBe('progressing');
    const settled = settle(w);
    expect(isQuiet(settled) && isIdeal(settled)).toBe(true);
    expect(lifecyclePhase(settled)).toBe('stable');
  });

  it('advances the clock to the next availability deadline', () => {
    const w = settle(start({ ...SPECS.surge, minReadySeconds: 7 }));
    expect(w.time).toBe(7);
    expect(nextDeadline(w)).toBeUndefined();
  });

  it('marks pods on a node that is not Ready not ready, even one that appears there later (MarkPodsNotReady)', () => {
    let w = settle(start());
    w = applyEvent(w, { type: 'NODE_NOT_READY', node: 'node-1' });
    w = applyEvent(w, { type: 'ORPHAN_POD_APPEARED', node: 'node-1', revision: 'current' });
    expect(w.pods.filter((p) => p.node === 'node-1' && p.ready)).toHaveLength(1);
    const settled = settle(w);
    expect(settled.pods.filter((p) => p.node === 'node-1' && p.ready)).toEqual([]);
  });

  it('classifies rollouts by surge', () => {
    const rolling = applyEvent(settle(start()), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B });
    expect(lifecyclePhase(rolling)).toBe('rollingUpdate.noSurge');
    const surge = applyEvent(settle(start(SPECS.surge)), { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B });
    expect(lifecyclePhase(surge)).toBe('rollingUpdate.surge');
  });
});

describe('sameWorld', () => {
  // Its definition: the same JSON once members whose value is undefined are dropped, key order
  // aside, the last-step record aside. The data are small so that equal pairs come up often.
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(undefined, null, 0, 1, 'a', true),
      fc.array(tie('v'), { maxLength: 2 }),
      fc.dictionary(fc.constantFrom('x', 'y', 'z'), tie('v'), { maxKeys: 3 }),
    ),
  })).v;
  const normal = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(normal);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, x]) => [k, normal(x)]),
    );
  };
  const world = fc.record(
    { pods: value, nodes: value, time: value, lastStep: value, bystanders: value },
    { requiredKeys: [] },
  );

  it('is equality of the JSON without undefined members, the last step aside', () => {
    fc.assert(
      fc.property(world, world, (a, b) => {
        const { lastStep: _a, ...restA } = a;
        const { lastStep: _b, ...restB } = b;
        const expected = JSON.stringify(normal(restA)) === JSON.stringify(normal(restB));
        expect(sameWorld(a as unknown as World, b as unknown as World)).toBe(expected);
        expect(sameWorld(a as unknown as World, structuredClone(a) as unknown as World)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('canonicalWorldKey', () => {
  const rename = (w: World, suffix: string): World => ({
    ...w,
    serial: w.serial + 100,
    pods: w.pods.map((p) => ({ ...p, name: `${p.name}-${suffix}` })),
  });

  it('ignores names, the serial and absolute time', () => {
    const w = settle(start());
    expect(canonicalWorldKey(rename(w, 'x'))).toBe(canonicalWorldKey(w));
    const later: World = {
      ...w,
      time: w.time + 5,
      pods: w.pods.map((p) => ({
        ...p,
        createdAt: p.createdAt + 5,
        ...(p.readySince !== undefined ? { readySince: p.readySince + 5 } : {}),
      })),
    };
    expect(canonicalWorldKey(later)).toBe(canonicalWorldKey(w));
  });

  it('tells apart worlds that behave differently', () => {
    const w = settle(start());
    const failed = applyEvent(w, { type: 'POD_FAILED', node: 'node-0' });
    expect(canonicalWorldKey(failed)).not.toBe(canonicalWorldKey(w));
    const tainted = applyEvent(w, {
      type: 'TAINT_ADDED',
      node: 'node-1',
      taint: { key: 'k', value: '', effect: 'NoSchedule' },
    });
    expect(canonicalWorldKey(tainted)).not.toBe(canonicalWorldKey(w));
  });
});
