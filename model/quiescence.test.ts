import { describe, expect, it } from 'vitest';
import { canonicalWorldKey, isIdeal, isQuiet, lifecyclePhase, nextDeadline, settle } from './quiescence.ts';
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
