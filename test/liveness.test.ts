/**
 * The liveness bound (model/liveness.ts) is checked: a cluster that settles, but only after more
 * productive controller steps (or more virtual time) than the spec allows from where it started,
 * fails DS-LIVE-01; one within the bound passes on to the oracle.
 */
import { describe, expect, it } from 'vitest';
import { settleBound } from '../model/liveness.ts';
import { NO_WRITES, type Observation } from '../model/observation.ts';
import { InvariantMonitor } from '../src/harness/monitor.js';
import type { SystemUnderTest } from '../src/harness/systemUnderTest.js';

const empty: Observation = { time: 0, nodes: [], pods: [], revisions: [] };

/** A system that takes `steps` controller steps that each write something, then says it settled after `seconds`. */
function slowSystem(steps: number, seconds: number): SystemUnderTest {
  let current: Observation = empty;
  const system: SystemUnderTest = {
    observe: () => current,
    apply: async () => ({ applied: true }),
    dispose: async () => {},
    onControllerStep: undefined,
    quiesce: async () => {
      for (let i = 0; i < steps; i++) {
        const before = current;
        current = {
          ...empty,
          lastStep: { event: { type: 'CONTROLLER_SYNC' }, controller: { ...NO_WRITES, statusWritten: true } },
        };
        await system.onControllerStep?.(before);
      }
      current = empty;
      return { converged: true, rounds: steps, advancedSeconds: seconds, stillChanging: [] };
    },
  };
  return system;
}

describe('the liveness bound', () => {
  const bound = settleBound(empty);

  it('grows with the cluster it settles from', () => {
    const bigger = settleBound({
      ...empty,
      nodes: [{ name: 'n0', labels: {}, taints: [], unschedulable: false, ready: 'True' }],
    });
    expect(bigger.productiveSteps).toBeGreaterThan(bound.productiveSteps);
    expect(bigger.seconds).toBeGreaterThan(bound.seconds);
  });

  it('passes a system that settles within it', async () => {
    const found = await new InvariantMonitor(empty, []).quiesce(slowSystem(bound.productiveSteps, bound.seconds));
    expect(found).toBeUndefined();
  });

  it('fails DS-LIVE-01 past it, in steps or in time', async () => {
    const tooMany = await new InvariantMonitor(empty, []).quiesce(slowSystem(bound.productiveSteps + 1, 0));
    expect(tooMany?.violation.id).toBe('DS-LIVE-01');
    expect(tooMany?.violation.message).toContain(`at most ${bound.productiveSteps} steps`);
    const tooLong = await new InvariantMonitor(empty, []).quiesce(slowSystem(0, bound.seconds + 1));
    expect(tooLong?.violation.id).toBe('DS-LIVE-01');
  });
});
