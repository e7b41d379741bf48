import { describe, expect, it } from 'vitest';
import type { TimelineSnapshot } from '../harness/timelineSnapshot.js';
import { counterexampleTimeline, renderTimeline } from './timeline.js';

const snapshot = (pods: TimelineSnapshot['pods'], ready = true): TimelineSnapshot => ({
  nodes: [
    { name: 'n0', ready },
    { name: 'n1', ready: true },
  ],
  pods,
});

describe('renderTimeline', () => {
  it('draws a lane per node, a bar per pod and step, and outlines the violating step', () => {
    const svg = renderTimeline(
      [
        { label: '1. DS_CREATED', snapshot: snapshot([]) },
        {
          label: '2. CONTROLLER_SYNC <&>',
          snapshot: {
            ...snapshot([
              { name: 'a', node: 'n0', revision: 'current', state: 'pending' },
              { name: 'b', node: 'n0', revision: 'old', state: 'terminating' },
            ]),
            writes: { creates: 1, deletes: 1, status: true },
          },
          failed: true,
        },
      ],
      { title: 'Timeline', id: 't' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" class="timeline" id="t"')).toBe(true);
    expect(svg.match(/<rect class="pod /g)).toHaveLength(2);
    expect(svg).toContain('class="pod old terminating"');
    expect(svg.match(/class="failed-step"/g)).toHaveLength(1);
    expect(svg).toContain('+1 −1 s');
    expect(svg).toContain('CONTROLLER_SYNC &lt;&amp;&gt;');
    expect(svg).not.toMatch(/<script|href=/);
  });

  it('shows a node that is gone, and one that is not Ready', () => {
    const svg = renderTimeline(
      [
        { label: 'a', snapshot: snapshot([], false) },
        { label: 'b', snapshot: { nodes: [{ name: 'n1', ready: true }], pods: [] } },
      ],
      { title: 'T' },
    );
    expect(svg).toContain('n0: not Ready');
    expect(svg).toContain('class="gone"');
  });

  it('a counterexample without recorded timelines (an older file) has none', () => {
    expect(
      counterexampleTimeline({ trace: [{ index: 0, description: 'x' }], step: 0, invariant: 'DS-SAFE-01' }),
    ).toBeUndefined();
  });
});
