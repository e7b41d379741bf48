import { describe, expect, it } from 'vitest';
import { inBackoff, manage } from './manage.ts';
import { settle } from './quiescence.ts';
import { applyEvent } from './step.ts';
import type { Pod } from './types.ts';
import { SPECS } from './universe.ts';
import { initialWorld } from './world.ts';

describe('manage: failed pods (podsShouldBeOnNode)', () => {
  it('deletes one failed pod per node and sync, then waits out the backoff for the next', () => {
    const w = settle(applyEvent(initialWorld({ nodes: ['node-0'] }), { type: 'DS_CREATED', spec: SPECS.rolling }));
    const ds = w.daemonSet;
    const first = w.pods[0];
    if (!ds || !first) throw new Error('no DaemonSet or pod');
    const failed = (name: string, createdAt: number): Pod => ({
      ...first,
      name,
      phase: 'Failed',
      ready: false,
      createdAt,
    });
    const cluster = { ...w, pods: [failed('a', 0), failed('b', 1)] };
    const plan = manage(cluster, ds, {});
    expect(plan.podsToDelete).toEqual(['a']);
    expect(plan.waitingForBackoff).toBe(true);
    const entry = Object.values(plan.backoff)[0];
    expect(inBackoff(entry, cluster.time)).toBe(true);
    const later = manage({ ...cluster, time: cluster.time + 1, pods: [failed('b', 1)] }, ds, plan.backoff);
    expect(later.podsToDelete).toEqual(['b']);
  });
});
