import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settle } from './quiescence.ts';
import { computeStatus, statusEquationViolations } from './status.ts';
import { applyEvent } from './step.ts';
import type { DaemonSet, DaemonSetSpec, PodTemplate } from './types.ts';
import { initialWorld, type World } from './world.ts';

const A: PodTemplate = { image: 'v1', nodeSelector: {}, tolerations: [], hostNetwork: false };
const spec: DaemonSetSpec = {
  template: A,
  updateStrategy: { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 },
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
};
const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);

function dsOf(w: World): DaemonSet {
  if (!w.daemonSet) throw new Error('no DaemonSet');
  return w.daemonSet;
}

describe('computeStatus (§4.1)', () => {
  it('TestNumberReadyStatus: unready pods count as current, not ready; then ready', () => {
    let w = applyEvent(initialWorld({ nodes: nodes(2) }), { type: 'DS_CREATED', spec });
    for (const type of ['CONTROLLER_SYNC', 'SCHEDULER_STEP', 'KUBELET_STEP', 'CONTROLLER_SYNC'] as const)
      w = applyEvent(w, { type });
    expect(dsOf(w).status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberReady: 0,
      numberUnavailable: 2,
    });
    w = applyEvent(applyEvent(w, { type: 'POD_BECAME_READY', node: 'node-0' }), {
      type: 'POD_BECAME_READY',
      node: 'node-1',
    });
    w = applyEvent(w, { type: 'CONTROLLER_SYNC' });
    expect(dsOf(w).status).toMatchObject({
      numberReady: 2,
      numberAvailable: 2,
      numberUnavailable: 0,
      observedGeneration: 1,
    });
  });

  it('counts a node with an untolerated NoSchedule taint and a pod as misscheduled, not desired', () => {
    let w = settle(applyEvent(initialWorld({ nodes: nodes(3) }), { type: 'DS_CREATED', spec }));
    w = settle(
      applyEvent(w, { type: 'TAINT_ADDED', node: 'node-2', taint: { key: 'x', value: '', effect: 'NoSchedule' } }),
    );
    expect(w.pods.filter((p) => p.node === 'node-2')).toHaveLength(1);
    expect(dsOf(w).status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
    });
  });

  it('ignores pods on nodes that do not exist', () => {
    let w = settle(applyEvent(initialWorld({ nodes: nodes(2) }), { type: 'DS_CREATED', spec }));
    w = applyEvent(w, { type: 'NODE_REMOVED', node: 'node-1' });
    expect(computeStatus(w, dsOf(w))).toMatchObject({
      desiredNumberScheduled: 1,
      currentNumberScheduled: 1,
      numberMisscheduled: 0,
    });
  });

  it('uses the oldest pod of a surging node: updated moves only once the old pod is gone', () => {
    const surge: DaemonSetSpec = { ...spec, updateStrategy: { type: 'RollingUpdate', maxUnavailable: 0, maxSurge: 1 } };
    let w = settle(applyEvent(initialWorld({ nodes: nodes(1) }), { type: 'DS_CREATED', spec: surge }));
    w = applyEvent(w, { type: 'TEMPLATE_UPDATED', template: { ...A, image: 'v2' } });
    for (const type of ['CONTROLLER_SYNC', 'SCHEDULER_STEP', 'KUBELET_STEP'] as const) w = applyEvent(w, { type });
    expect(w.pods.filter((p) => !p.terminating)).toHaveLength(2);
    expect(computeStatus(w, dsOf(w))).toMatchObject({
      currentNumberScheduled: 1,
      numberReady: 1,
      updatedNumberScheduled: 0,
    });
  });

  it('observedGeneration follows generation after a sync; a spec change writes status even with equal counters', () => {
    let w = settle(applyEvent(initialWorld({ nodes: nodes(1) }), { type: 'DS_CREATED', spec }));
    w = applyEvent(w, { type: 'STRATEGY_CHANGED', updateStrategy: { type: 'OnDelete' } });
    expect(dsOf(w).generation).toBe(2);
    w = applyEvent(w, { type: 'CONTROLLER_SYNC' });
    expect(w.lastStep?.controller.statusWritten).toBe(true);
    expect(dsOf(w).status.observedGeneration).toBe(2);
    w = applyEvent(w, { type: 'CONTROLLER_SYNC' });
    expect(w.lastStep?.controller.statusWritten).toBe(false);
  });
});

describe('status equations', () => {
  it('flag each broken equation', () => {
    const ok = {
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      desiredNumberScheduled: 3,
      numberReady: 2,
      numberAvailable: 1,
      updatedNumberScheduled: 2,
      numberUnavailable: 2,
      observedGeneration: 1,
    };
    expect(statusEquationViolations(ok)).toEqual([]);
    expect(statusEquationViolations({ ...ok, numberUnavailable: 1 })).toHaveLength(1);
    expect(statusEquationViolations({ ...ok, numberReady: 3 })).toEqual(['current ≥ ready (2 < 3)']);
    expect(statusEquationViolations({ ...ok, updatedNumberScheduled: 3 })).toHaveLength(1);
    expect(statusEquationViolations({ ...ok, numberMisscheduled: -1 })).toHaveLength(1);
  });

  it('hold for every status the model computes, in any world its events reach', () => {
    const events = fc.constantFrom(
      { type: 'CONTROLLER_SYNC' } as const,
      { type: 'KUBELET_STEP' } as const,
      { type: 'SCHEDULER_STEP' } as const,
      { type: 'GC_STEP' } as const,
      { type: 'POD_BECAME_READY', node: 'node-0' } as const,
      { type: 'POD_BECAME_READY', node: 'node-1' } as const,
      { type: 'POD_FAILED', node: 'node-1' } as const,
      { type: 'NODE_NOT_READY', node: 'node-0' } as const,
      { type: 'TAINT_ADDED', node: 'node-1', taint: { key: 'x', value: '', effect: 'NoSchedule' } } as const,
      { type: 'TEMPLATE_UPDATED', template: { ...A, image: 'v2' } } as const,
      { type: 'TIME_ADVANCED', seconds: 5 } as const,
    );
    fc.assert(
      fc.property(fc.array(events, { maxLength: 25, size: 'max' }), (sequence) => {
        let w = applyEvent(initialWorld({ nodes: nodes(2) }), {
          type: 'DS_CREATED',
          spec: { ...spec, minReadySeconds: 5 },
        });
        for (const e of sequence) {
          w = applyEvent(w, e);
          expect(statusEquationViolations(dsOf(w).status)).toEqual([]);
          expect(statusEquationViolations({ ...computeStatus(w, dsOf(w)), observedGeneration: 0 })).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
