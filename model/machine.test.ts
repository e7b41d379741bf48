import { describe, expect, it } from 'vitest';
import { createActor, initialTransition, transition } from 'xstate';
import { createTestModel, getAdjacencyMap, getShortestPaths, getStateNodes } from 'xstate/graph';
import type { DsEvent } from './events.ts';
import { daemonSetMachine } from './machine.ts';
import { convergeEvents, seeds } from './paths.ts';
import { SPECS, TEMPLATE_B, universeEvents, universeInput } from './universe.ts';
import { initialWorld } from './world.ts';

function valueAfter(events: readonly DsEvent[], nodes: readonly string[] = ['node-0', 'node-1']) {
  let [snapshot] = initialTransition(daemonSetMachine, { nodes });
  for (const e of events) [snapshot] = transition(daemonSetMachine, snapshot, e);
  return snapshot;
}

const converge = (events: readonly DsEvent[]) => {
  const actor = createActor(daemonSetMachine, { input: { nodes: ['node-0', 'node-1'] } }).start();
  for (const e of events) actor.send(e);
  return [...events, ...convergeEvents(actor.getSnapshot().context.world)];
};

describe('the DaemonSet machine', () => {
  it('has the lifecycle states of the specification', () => {
    const ids = getStateNodes(daemonSetMachine).map((n) => n.id.replace('daemonset.', ''));
    expect(ids).toEqual([
      'absent',
      'active',
      'active.settling',
      'active.progressing',
      'active.stable',
      'active.rollingUpdate',
      'active.rollingUpdate.noSurge',
      'active.rollingUpdate.surge',
      'active.stalled',
      'deleting',
      'deleting.background',
      'deleting.foregroundWaitingForDependents',
      'deleting.orphaning',
      'gone',
    ]);
  });

  it('is accepted by createTestModel (no invoke, after or delays)', () => {
    expect(() => createTestModel(daemonSetMachine)).not.toThrow();
  });

  it('can be traversed by xstate/graph over the small universe without hitting the limit', () => {
    const input = universeInput({ nodes: 2 });
    const rolling = seeds().find((s) => s.name === 'rolling')?.events ?? [];
    // Value-only vertices: each state value is expanded from the first context that reaches it.
    const adjacency = getAdjacencyMap(daemonSetMachine, {
      input,
      fromState: valueAfter(rolling),
      events: (s) => universeEvents(s.context.world),
      serializeState: (s) => JSON.stringify(s.value),
      limit: 50_000,
    });
    const values = Object.keys(adjacency).sort();
    expect(values).toContain('{"active":"stable"}');
    expect(values).toContain('{"active":"progressing"}');
    expect(values).toContain('{"active":{"rollingUpdate":"noSurge"}}');
    expect(values).toContain('{"deleting":"background"}');
    expect(values).toContain('"gone"');
    const paths = getShortestPaths(daemonSetMachine, {
      input,
      events: (s) => universeEvents(s.context.world),
      serializeState: (s, e) => `${JSON.stringify(s.value)}|${e?.type ?? ''}`,
      limit: 50_000,
    });
    expect(paths.length).toBeGreaterThan(20);
  });

  it('reaches every lifecycle state from the seeds', () => {
    const reached = seeds().map((s) => JSON.stringify(valueAfter(s.events).value));
    expect(reached).toEqual([
      '"absent"',
      '"absent"',
      '{"active":"progressing"}',
      '{"active":"stable"}',
      '{"active":"stable"}',
      '{"active":"stable"}',
      '{"active":"stalled"}',
    ]);
  });

  it('refuses an invalid DaemonSet and stays absent', () => {
    const snap = valueAfter([{ type: 'DS_CREATED', spec: SPECS.invalid }]);
    expect(snap.value).toBe('absent');
    expect(snap.context.world.lastStep?.rejected).toContain('maxSurge may not be set');
  });

  it('rolls out with and without surge', () => {
    const rolling = converge([{ type: 'DS_CREATED', spec: SPECS.rolling }]);
    expect(valueAfter([...rolling, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B }]).value).toEqual({
      active: { rollingUpdate: 'noSurge' },
    });
    const surge = converge([{ type: 'DS_CREATED', spec: SPECS.surge }]);
    expect(valueAfter([...surge, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B }]).value).toEqual({
      active: { rollingUpdate: 'surge' },
    });
    const done = converge([...surge, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B }]);
    expect(valueAfter(done).value).toEqual({ active: 'stable' });
  });

  it('deletes in background, foreground and orphan mode', () => {
    const base = converge([{ type: 'DS_CREATED', spec: SPECS.rolling }]);
    const background = [...base, { type: 'DS_DELETED', policy: 'Background' } as const];
    expect(valueAfter(background).value).toEqual({ deleting: 'background' });
    expect(valueAfter([...background, { type: 'GC_STEP' }, { type: 'KUBELET_STEP' }, { type: 'GC_STEP' }]).value).toBe(
      'gone',
    );

    const foreground = [...base, { type: 'DS_DELETED', policy: 'Foreground' } as const];
    const waiting = valueAfter([...foreground, { type: 'GC_STEP' }]);
    expect(waiting.value).toEqual({ deleting: 'foregroundWaitingForDependents' });
    expect(waiting.context.world.daemonSet?.deleting).toBe('Foreground');
    expect(valueAfter([...foreground, { type: 'GC_STEP' }, { type: 'KUBELET_STEP' }, { type: 'GC_STEP' }]).value).toBe(
      'gone',
    );

    const orphaned = valueAfter([...base, { type: 'DS_DELETED', policy: 'Orphan' }, { type: 'GC_STEP' }]);
    expect(orphaned.value).toBe('gone');
    expect(orphaned.context.world.pods.filter((p) => p.controllerUid === undefined)).toHaveLength(2);

    // Re-created with the same template, it adopts the orphans without restarting them.
    const again = converge([
      ...base,
      { type: 'DS_DELETED', policy: 'Orphan' },
      { type: 'GC_STEP' },
      { type: 'DS_CREATED', spec: SPECS.rolling },
    ]);
    const readopted = valueAfter(again);
    expect(readopted.value).toEqual({ active: 'stable' });
    expect(readopted.context.world.pods.map((p) => p.name).sort()).toEqual(
      orphaned.context.world.pods.map((p) => p.name).sort(),
    );
  });

  it('stalls a maxUnavailable 1 rollout on a pod stuck terminating on a NotReady node, and recovers', () => {
    const stalled = seeds().find((s) => s.name === 'stalled')?.events ?? [];
    expect(valueAfter(stalled).value).toEqual({ active: 'stalled' });
    const recovered = converge([...stalled, { type: 'NODE_READY', node: 'node-0' }]);
    expect(valueAfter(recovered).value).toEqual({ active: 'stable' });
  });

  it('keeps its context plain JSON (serialisable snapshots)', () => {
    const snap = valueAfter(converge([{ type: 'DS_CREATED', spec: SPECS.surge }]));
    expect(JSON.parse(JSON.stringify(snap.context))).toEqual(snap.context);
    expect(initialWorld(universeInput()).nodes).toHaveLength(2);
  });
});
