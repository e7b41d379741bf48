import { describe, expect, it } from 'vitest';
import type { DsEvent } from './events.ts';
import { INVARIANTS } from './invariants.ts';
import { observe } from './observation.ts';
import { INVARIANT_RULES, RULE_IDS, RULES, RuleTracker } from './rules.ts';
import { applyEvent } from './step.ts';
import { initialWorld } from './world.ts';

/** The rules one run of model events reaches. */
function reachedBy(events: readonly DsEvent[]): string[] {
  const tracker = new RuleTracker();
  let world = initialWorld({ nodes: [] });
  for (const event of events) {
    const before = observe(world);
    world = applyEvent(world, event);
    tracker.step(before, observe(world));
  }
  return tracker.reached;
}

const template = { image: 'v1', nodeSelector: {}, tolerations: [], hostNetwork: false };
const spec = {
  template,
  updateStrategy: { type: 'RollingUpdate' as const, maxUnavailable: 1, maxSurge: 0 },
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
};

describe('the rule catalogue', () => {
  it('has unique IDs, each with a section of §1-§7 and a statement', () => {
    expect(new Set(RULE_IDS).size).toBe(RULE_IDS.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^R-[A-Z]+(-[A-Z0-9]+)+$/);
      expect(rule.section).toMatch(/^§[1-7]/);
      expect(rule.statement.length).toBeGreaterThan(10);
    }
  });

  it('says for every invariant which rules exercise it, naming only rules that exist', () => {
    for (const id of [...INVARIANTS.map((i) => i.id), 'DS-EXPECT', 'DS-LIVE-01']) {
      expect(INVARIANT_RULES[id], id).toBeDefined();
      for (const rule of INVARIANT_RULES[id] ?? []) expect(RULE_IDS, `${id} -> ${rule}`).toContain(rule);
    }
  });
});

describe('RuleTracker', () => {
  it('counts a rule only where its precondition holds', () => {
    const pinned = reachedBy([
      { type: 'NODE_ADDED', node: 'n0' },
      { type: 'DS_CREATED', spec: { ...spec, template: { ...template, nodeName: 'n1' } } },
      { type: 'CONTROLLER_SYNC' },
    ]);
    expect(pinned).toContain('R-ELIG-NODENAME');
    expect(pinned).not.toContain('R-ELIG-FITS');
    expect(pinned).not.toContain('R-MANAGE-CREATE');

    const fits = reachedBy([
      { type: 'NODE_ADDED', node: 'n0' },
      { type: 'DS_CREATED', spec },
      { type: 'CONTROLLER_SYNC' },
    ]);
    expect(fits).toEqual(expect.arrayContaining(['R-ELIG-FITS', 'R-MANAGE-CREATE']));
    expect(fits).not.toContain('R-ELIG-NODENAME');
  });

  it('sees a rollback: the template goes back to one set earlier in the case', () => {
    const events: DsEvent[] = [
      { type: 'NODE_ADDED', node: 'n0' },
      { type: 'DS_CREATED', spec },
      { type: 'CONTROLLER_SYNC' },
      { type: 'TEMPLATE_UPDATED', template: { ...template, image: 'v2' } },
      { type: 'CONTROLLER_SYNC' },
    ];
    expect(reachedBy(events)).not.toContain('R-HIST-ROLLBACK');
    expect(reachedBy([...events, { type: 'TEMPLATE_UPDATED', template }])).toContain('R-HIST-ROLLBACK');
  });
});
