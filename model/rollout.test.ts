import { describe, expect, it } from 'vitest';
import type { DsEvent } from './events.ts';
import { settle } from './quiescence.ts';
import { allowsSurge, planRollingUpdate, rolloutBudgets, rolloutNodeEntries, scaledValue } from './rollout.ts';
import { applyEvent } from './step.ts';
import type { DaemonSetSpec, IntOrPercent, PodTemplate, UpdateStrategy } from './types.ts';
import { initialWorld, readyNode, type World } from './world.ts';

const A: PodTemplate = { image: 'v1', nodeSelector: {}, tolerations: [], hostNetwork: false };
const B: PodTemplate = { ...A, image: 'v2' };
const rolling = (maxUnavailable: IntOrPercent, maxSurge: IntOrPercent = 0): UpdateStrategy => ({
  type: 'RollingUpdate',
  maxUnavailable,
  maxSurge,
});
const spec = (updateStrategy: UpdateStrategy, template = A): DaemonSetSpec => ({
  template,
  updateStrategy,
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
});

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);

/** A converged DaemonSet on `n` nodes. */
function converged(n: number, s: DaemonSetSpec): World {
  return settle(applyEvent(initialWorld({ nodes: nodes(n) }), { type: 'DS_CREATED', spec: s }));
}

const run = (world: World, ...events: DsEvent[]) => events.reduce(applyEvent, world);

/** Writes of one controller sync as (creates, deletes), like upstream's expectSyncDaemonSets. */
function sync(world: World): [World, [number, number]] {
  const next = applyEvent(world, { type: 'CONTROLLER_SYNC' });
  const w = next.lastStep?.controller;
  return [next, [w?.creates.length ?? 0, w?.deletes.length ?? 0]];
}

/** Scheduler, kubelets and (optionally) readiness, as the fake harness's clearExpectations + markReady would. */
function cluster(world: World, ready: boolean): World {
  let w = run(world, { type: 'GC_STEP' }, { type: 'SCHEDULER_STEP' }, { type: 'KUBELET_STEP' });
  if (ready) {
    for (const p of w.pods)
      if (p.phase === 'Running' && !p.ready) w = applyEvent(w, { type: 'POD_BECAME_READY', node: p.node });
  }
  return w;
}

describe('budgets (TestGetUnavailableNumbers, §5.3)', () => {
  it('scales ints as-is and percents rounding up', () => {
    expect(scaledValue(3, 10)).toBe(3);
    expect(scaledValue(7, 2)).toBe(7); // ints are not capped at desired
    expect(scaledValue('50%', 3)).toBe(2);
    expect(scaledValue('1%', 1)).toBe(1);
    expect(scaledValue('0%', 5)).toBe(0);
    expect(() => scaledValue('5' as IntOrPercent, 3)).toThrow();
  });

  it('allowsSurge iff maxSurge scales above 0 against 1', () => {
    expect(allowsSurge(rolling(0, 1))).toBe(true);
    expect(allowsSurge(rolling(0, '1%'))).toBe(true);
    expect(allowsSurge(rolling(1, 0))).toBe(false);
    expect(allowsSurge(rolling(1, '0%'))).toBe(false);
    expect(allowsSurge({ type: 'OnDelete' })).toBe(false);
  });

  const cases: Array<[string, number, UpdateStrategy, { desired: number; maxUnavailable: number; maxSurge: number }]> =
    [
      ['No nodes', 0, rolling(0, 0), { desired: 0, maxUnavailable: 0, maxSurge: 0 }],
      ['Two nodes with ready pods', 2, rolling(1), { desired: 2, maxUnavailable: 1, maxSurge: 0 }],
      [
        'Two nodes, one node without pods (0 → forced 1)',
        2,
        rolling(0, 0),
        { desired: 2, maxUnavailable: 1, maxSurge: 0 },
      ],
      [
        'Two nodes, one node without pods, surge 0% (forced 1)',
        2,
        rolling(0, '0%'),
        { desired: 2, maxUnavailable: 1, maxSurge: 0 },
      ],
      ['MaxUnavailable in percents', 2, rolling('50%'), { desired: 2, maxUnavailable: 1, maxSurge: 0 }],
      ['MaxUnavailable in percents, surge', 2, rolling(0, '50%'), { desired: 2, maxUnavailable: 0, maxSurge: 1 }],
      ['MaxUnavailable is 100%, surge', 2, rolling(0, '100%'), { desired: 2, maxUnavailable: 0, maxSurge: 2 }],
      [
        'MaxUnavailable in percents, pod terminating (3 nodes)',
        3,
        rolling('50%'),
        { desired: 3, maxUnavailable: 2, maxSurge: 0 },
      ],
      ['OnDelete has no budgets', 2, { type: 'OnDelete' }, { desired: 2, maxUnavailable: 0, maxSurge: 0 }],
    ];
  it.each(cases)('%s', (_name, desired, strategy, expected) => {
    expect(rolloutBudgets(strategy, desired)).toEqual(expected);
  });

  it('adds an empty entry for every desired node without pods, keeps entries of terminating pods', () => {
    let w = converged(3, spec(rolling('50%')));
    w = run(w, { type: 'POD_DELETED_BY_USER', node: 'node-1' }, { type: 'NODE_ADDED', node: 'node-3' });
    const ds = w.daemonSet;
    if (!ds) throw new Error('no DaemonSet');
    const entries = rolloutNodeEntries(w, ds);
    expect(entries.map(([n, pods]) => [n, pods.length])).toEqual([
      ['node-0', 1],
      ['node-1', 1],
      ['node-2', 1],
      ['node-3', 0],
    ]);
    expect(planRollingUpdate(w, ds).budgets).toEqual({ desired: 4, maxUnavailable: 2, maxSurge: 0 });
  });
});

describe('one rolling-update pass (§5.4, §5.5)', () => {
  it('deletes every unavailable old pod regardless of budget (TestDaemonSetUpdatesAllOldPodsNotReady)', () => {
    let w = settle(applyEvent(initialWorld({ nodes: nodes(5) }), { type: 'DS_CREATED', spec: spec(rolling(3)) }));
    for (const n of nodes(5)) w = applyEvent(w, { type: 'NODE_NOT_READY', node: n });
    for (const n of nodes(5)) w = applyEvent(w, { type: 'NODE_READY', node: n });
    w = applyEvent(w, { type: 'TEMPLATE_UPDATED', template: B });
    const [, writes] = sync(w);
    expect(writes).toEqual([0, 5]);
  });

  it('never deletes available old pods beyond maxUnavailable − unavailable', () => {
    let w = converged(5, spec(rolling(2)));
    w = run(w, { type: 'POD_FAILED', node: 'node-4' }, { type: 'TEMPLATE_UPDATED', template: B });
    const ds = w.daemonSet;
    if (!ds) throw new Error('no DaemonSet');
    const plan = planRollingUpdate(w, ds);
    // node-4's failed pod is not live but still mapped: an old, unavailable pod that may always go.
    expect(plan.numUnavailable).toBe(1);
    expect(plan.podsToDelete).toHaveLength(2);
  });

  it('TestDaemonSetUpdatesPods (§11.2): maxUnavailable 2 over 5 nodes', () => {
    let w = converged(5, spec(rolling(2)));
    w = applyEvent(w, { type: 'TEMPLATE_UPDATED', template: B });
    const trace: Array<[number, number]> = [];
    for (let round = 0; round < 12; round++) {
      const [next, writes] = sync(w);
      trace.push(writes);
      w = cluster(next, writes[0] > 0 || writes[1] === 0);
    }
    expect(trace.slice(0, 7)).toEqual([
      [0, 2],
      [2, 0],
      [0, 2],
      [2, 0],
      [0, 1],
      [1, 0],
      [0, 0],
    ]);
    expect(w.daemonSet?.status.updatedNumberScheduled).toBe(5);
  });

  it('TestDaemonSetUpdatesPodsWithMaxSurge (§11.3): creates up to maxSurge, deletes old ones once new are available', () => {
    let w = converged(5, spec(rolling(0, 2)));
    w = applyEvent(w, { type: 'TEMPLATE_UPDATED', template: B });
    let [next, writes] = sync(w);
    expect(writes).toEqual([2, 0]);
    w = cluster(next, false);
    [next, writes] = sync(w);
    expect(writes).toEqual([0, 0]); // two nodes surging with unready new pods
    w = cluster(next, true);
    [next, writes] = sync(w);
    expect(writes).toEqual([0, 2]); // manage removes the old pods; rollingUpdate waits for the next sync
    [next, writes] = sync(cluster(next, true));
    expect(writes).toEqual([2, 0]);
    expect(settle(next).daemonSet?.status.updatedNumberScheduled).toBe(5);
  });

  it('TestDaemonSetUpdatesPodsNotMatchTainstWithMaxSurge: gives up the leaving node only while availability exceeds desired', () => {
    const tolerant: PodTemplate = {
      ...A,
      tolerations: [{ key: 'control-plane', operator: 'Exists', effect: 'NoSchedule' }],
    };
    const start = initialWorld({
      nodes: [
        readyNode('node-0', {}, [{ key: 'control-plane', value: '', effect: 'NoSchedule' }]),
        ...nodes(5).slice(1),
      ],
    });
    let w = settle(applyEvent(start, { type: 'DS_CREATED', spec: spec(rolling(0, 1), tolerant) }));
    expect(w.pods.filter((p) => !p.terminating)).toHaveLength(5);
    w = applyEvent(w, { type: 'TEMPLATE_UPDATED', template: { ...A, image: 'v2' } });
    const [, writes] = sync(w);
    expect(writes).toEqual([1, 1]);
  });

  it('OnDelete replaces nothing for being out of date', () => {
    let w = converged(3, spec({ type: 'OnDelete' }));
    w = applyEvent(w, { type: 'TEMPLATE_UPDATED', template: B });
    w = settle(w);
    expect(w.pods.map((p) => p.hash)).toEqual(Array(3).fill(w.revisions[0]?.hash));
    expect(w.daemonSet?.status.updatedNumberScheduled).toBe(0);
    w = settle(applyEvent(w, { type: 'POD_DELETED_BY_USER', node: 'node-1' }));
    expect(w.daemonSet?.status.updatedNumberScheduled).toBe(1);
  });
});
