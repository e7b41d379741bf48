import { describe, expect, it } from 'vitest';
import { checkExpectation, type Observed } from './expectations.js';
import type { PodFacts } from './observe.js';

const pod = (node: string): PodFacts => ({
  pod: {},
  name: `ds-${node}`,
  uid: `uid-${node}`,
  node,
  terminating: false,
  ready: true,
  available: true,
  phase: 'Running',
  revision: 1,
  image: 'v1',
});

const observed: Observed = {
  ds: undefined,
  pods: [pod('n0'), pod('n1')],
  existingNodes: ['n0', 'n1'],
  orphans: [],
  revisions: [1],
  orphanedRevisions: 0,
  events: new Map(),
  writes: undefined,
  snapshot: () => undefined,
};

describe('pods expectations', () => {
  it('a key that names no node says so: `pods: {total: 2}` is not a count across nodes', () => {
    const found = checkExpectation({ pods: { total: 2 } }, observed);
    expect(found?.message).toBe(
      'pods.total: expected 2, got 0 (there is no node total; the keys of pods are node names, or *; the pods of every node together are podsTotal)',
    );
    expect(checkExpectation({ podsTotal: 2 }, observed)).toBeUndefined();
  });

  it('a node that is gone but still has pods, or an existing node, gets the plain message', () => {
    expect(checkExpectation({ pods: { n0: 2 } }, observed)?.message).toBe('pods.n0: expected 2, got 1');
    const gone = { ...observed, existingNodes: ['n1'] };
    expect(checkExpectation({ pods: { n0: 0 } }, gone)?.message).toBe('pods.n0: expected 0, got 1');
  });
});
