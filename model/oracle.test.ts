import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DsEvent } from './events.ts';
import { checkQuiescent, safetyEnvelope } from './invariants.ts';
import { observe } from './observation.ts';
import { compareWithExpectation, expectedAtQuiescence } from './oracle.ts';
import { isIdeal, isQuiet, settle } from './quiescence.ts';
import { applyEvent } from './step.ts';
import { SPECS, TEMPLATE_B, universeEvents, universeInput } from './universe.ts';
import { initialWorld, type World } from './world.ts';

const OPTIONS = { nodes: 3, extraNodes: 1, size: 'full' } as const;

/** Plays choices (indices into the events the universe offers at each step) from the initial world. */
function play(choices: readonly number[], start: readonly DsEvent[] = []): { worlds: World[]; events: DsEvent[] } {
  let world = initialWorld(universeInput(OPTIONS));
  const worlds = [world];
  const events: DsEvent[] = [];
  for (const e of start) {
    world = applyEvent(world, e);
    worlds.push(world);
    events.push(e);
  }
  for (const choice of choices) {
    const offered = universeEvents(world, OPTIONS);
    const event = offered[choice % offered.length];
    if (!event) break;
    world = applyEvent(world, event);
    worlds.push(world);
    events.push(event);
  }
  return { worlds, events };
}

const choices = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 30 });
const starts = fc.constantFrom<readonly DsEvent[]>(
  [],
  [{ type: 'DS_CREATED', spec: SPECS.rolling }],
  [{ type: 'DS_CREATED', spec: SPECS.surge }],
  [{ type: 'DS_CREATED', spec: SPECS.onDelete }],
);
const show = (events: readonly DsEvent[]) => events.map((e) => JSON.stringify(e)).join('\n');

describe('expectedAtQuiescence', () => {
  it('agrees with running the model to quiescence whenever it claims to be exact', () => {
    fc.assert(
      fc.property(starts, choices, (start, picks) => {
        const { worlds, events } = play(picks, start);
        const world = worlds[worlds.length - 1] as World;
        const expected = expectedAtQuiescence(observe(world));
        const settled = settle(world);
        if (expected.exact) {
          const diff = compareWithExpectation(observe(settled), expected);
          if (diff.length > 0) throw new Error(`${JSON.stringify(diff, null, 1)}\nafter\n${show(events)}`);
        }
        // A quiescent cluster is its own expectation (DS-PLACE-04).
        const again = expectedAtQuiescence(observe(settled));
        if (again.exact) expect(compareWithExpectation(observe(settled), again)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('is exact and ideal for an all-Ready cluster without unschedulable pods', () => {
    const { worlds } = play([], [{ type: 'DS_CREATED', spec: SPECS.rolling }]);
    const world = worlds[worlds.length - 1] as World;
    const expected = expectedAtQuiescence(observe(world));
    expect(expected.exact).toBe(true);
    expect(expected.nodes.map((n) => n.pods)).toEqual([1, 1, 1]);
    expect(expected.status).toMatchObject({ desiredNumberScheduled: 3, numberAvailable: 3, updatedNumberScheduled: 3 });
    const settled = settle(world);
    expect(isQuiet(settled) && isIdeal(settled)).toBe(true);
  });

  it('names the survivor: OnDelete keeps the old pod, RollingUpdate replaces it', () => {
    for (const [spec, keeps] of [
      [SPECS.onDelete, true],
      [SPECS.rolling, false],
    ] as const) {
      const base = settle(applyEvent(initialWorld({ nodes: ['node-0'] }), { type: 'DS_CREATED', spec }));
      const world = applyEvent(base, { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B });
      const expected = expectedAtQuiescence(observe(world));
      const old = world.pods[0]?.name;
      expect(expected.nodes[0]?.keeps === old).toBe(keeps);
      expect(expected.nodes[0]?.updated).toBe(!keeps);
    }
  });

  it('says why it is not exact when a node is not Ready', () => {
    const { worlds } = play(
      [],
      [
        { type: 'DS_CREATED', spec: SPECS.rolling },
        { type: 'NODE_NOT_READY', node: 'node-1' },
      ],
    );
    const expected = expectedAtQuiescence(observe(worlds[worlds.length - 1] as World));
    expect(expected.exact).toBe(false);
    expect(expected.reasons.join()).toContain('node-1 is not Ready');
  });

  it('predicts deletion outcomes', () => {
    const base = settle(
      applyEvent(initialWorld({ nodes: ['node-0', 'node-1'] }), { type: 'DS_CREATED', spec: SPECS.rolling }),
    );
    const orphan = expectedAtQuiescence(observe(applyEvent(base, { type: 'DS_DELETED', policy: 'Orphan' })));
    expect(orphan).toMatchObject({ daemonSet: 'absent', exact: true });
    expect(orphan.deletion?.orphanedPods).toHaveLength(2);
    const stuck = applyEvent(applyEvent(base, { type: 'NODE_NOT_READY', node: 'node-0' }), {
      type: 'DS_DELETED',
      policy: 'Foreground',
    });
    expect(expectedAtQuiescence(observe(stuck))).toMatchObject({ daemonSet: 'deleting', exact: false });
  });
});

describe('the model satisfies its own invariant catalogue', () => {
  it('after every step (safety envelope) and at quiescence', () => {
    fc.assert(
      fc.property(starts, choices, (start, picks) => {
        const { worlds, events } = play(picks, start);
        const observations = worlds.map(observe);
        for (let i = 1; i < observations.length; i++) {
          const obs = observations[i] as (typeof observations)[number];
          const prev = observations[i - 1] as (typeof observations)[number];
          const violations = safetyEnvelope({ obs, prev, history: observations.slice(0, i + 1) });
          if (violations.length > 0)
            throw new Error(`${JSON.stringify(violations)}\nafter\n${show(events.slice(0, i))}`);
        }
        const last = worlds[worlds.length - 1] as World;
        const settled = observe(settle(last));
        const quiet = checkQuiescent({ obs: settled });
        if (quiet.length > 0) throw new Error(`${JSON.stringify(quiet)}\nafter\n${show(events)}`);
      }),
      { numRuns: 300 },
    );
  });
});
