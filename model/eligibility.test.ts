import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  daemonPodTolerations,
  defaultDaemonTolerations,
  matchesRequiredNodeAffinity,
  nodeShouldRunDaemonPod,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  toleratesTaint,
} from './eligibility.ts';
import type { Node, NodeSelectorTerm, PodTemplate, Taint, TaintEffect } from './types.ts';

const node = (over: Partial<Node> = {}): Node => ({
  name: 'node-1',
  labels: { color: 'blue' },
  taints: [],
  unschedulable: false,
  ready: 'True',
  ...over,
});

const template = (over: Partial<PodTemplate> = {}): PodTemplate => ({
  image: 'daemon:v1',
  nodeSelector: {},
  tolerations: [],
  hostNetwork: false,
  ...over,
});

const taint = (key: string, effect: TaintEffect, value = ''): Taint => ({ key, value, effect });
const both = (shouldRun: boolean, shouldContinueRunning: boolean) => ({ shouldRun, shouldContinueRunning });

describe('nodeShouldRunDaemonPod: the §1.1 truth table, row by row', () => {
  const rows: Array<[string, Node, PodTemplate, ReturnType<typeof both>]> = [
    ['no taints, labels/affinity match', node(), template({ nodeSelector: { color: 'blue' } }), both(true, true)],
    ['nodeSelector does not match', node(), template({ nodeSelector: { color: 'green' } }), both(false, false)],
    [
      'required affinity does not match',
      node(),
      template({ requiredNodeAffinity: [{ matchExpressions: [{ key: 'color', operator: 'In', values: ['green'] }] }] }),
      both(false, false),
    ],
    ['template nodeName set to another node', node(), template({ nodeName: 'node-2' }), both(false, false)],
    ['template nodeName set to this node', node(), template({ nodeName: 'node-1' }), both(true, true)],
    [
      'untolerated NoSchedule taint only',
      node({ taints: [taint('dedicated', 'NoSchedule')] }),
      template(),
      both(false, true),
    ],
    [
      'untolerated NoExecute taint',
      node({ taints: [taint('dedicated', 'NoExecute')] }),
      template(),
      both(false, false),
    ],
    [
      'untolerated NoExecute and NoSchedule taints',
      node({ taints: [taint('a', 'NoSchedule'), taint('b', 'NoExecute')] }),
      template(),
      both(false, false),
    ],
    [
      'tolerated NoExecute taint, nothing else untolerated',
      node({ taints: [taint('dedicated', 'NoExecute', 'x')] }),
      template({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoExecute' }] }),
      both(true, true),
    ],
    [
      'untolerated PreferNoSchedule only',
      node({ taints: [taint('soft', 'PreferNoSchedule')] }),
      template(),
      both(true, true),
    ],
    ['spec.unschedulable without its taint', node({ unschedulable: true }), template(), both(true, true)],
    [
      'cordon taint node.kubernetes.io/unschedulable:NoSchedule',
      node({ unschedulable: true, taints: [taint(TAINT_UNSCHEDULABLE, 'NoSchedule')] }),
      template(),
      both(true, true),
    ],
    ['Ready=False without taints', node({ ready: 'False' }), template(), both(true, true)],
    ['Ready=Unknown without taints', node({ ready: 'Unknown' }), template(), both(true, true)],
    [
      'not-ready:NoExecute',
      node({ ready: 'False', taints: [taint(TAINT_NOT_READY, 'NoExecute')] }),
      template(),
      both(true, true),
    ],
    [
      'unreachable:NoExecute',
      node({ ready: 'Unknown', taints: [taint(TAINT_UNREACHABLE, 'NoExecute')] }),
      template(),
      both(true, true),
    ],
    ['not-ready:NoSchedule', node({ taints: [taint(TAINT_NOT_READY, 'NoSchedule')] }), template(), both(false, true)],
    [
      'unreachable:NoSchedule',
      node({ taints: [taint(TAINT_UNREACHABLE, 'NoSchedule')] }),
      template(),
      both(false, true),
    ],
    [
      'pressure taints (TestTaintPressureNodeDaemonLaunchesPod)',
      node({
        taints: [
          taint('node.kubernetes.io/disk-pressure', 'NoSchedule'),
          taint('node.kubernetes.io/memory-pressure', 'NoSchedule'),
          taint('node.kubernetes.io/pid-pressure', 'NoSchedule'),
        ],
      }),
      template(),
      both(true, true),
    ],
    [
      'network-unavailable without hostNetwork',
      node({ taints: [taint(TAINT_NETWORK_UNAVAILABLE, 'NoSchedule')] }),
      template(),
      both(false, true),
    ],
    [
      'network-unavailable with hostNetwork',
      node({ taints: [taint(TAINT_NETWORK_UNAVAILABLE, 'NoSchedule')] }),
      template({ hostNetwork: true }),
      both(true, true),
    ],
  ];
  it.each(rows)('%s', (_name, n, t, expected) => {
    expect(nodeShouldRunDaemonPod(n, t)).toEqual(expected);
  });

  it('TestNodeShouldRunDaemonPod rows: type In [production] runs, type In [test] does not', () => {
    const labelled = node({ labels: { type: 'production' } });
    const affinity = (value: string): NodeSelectorTerm[] => [
      { matchExpressions: [{ key: 'type', operator: 'In', values: [value] }] },
    ];
    expect(nodeShouldRunDaemonPod(labelled, template({ requiredNodeAffinity: affinity('production') }))).toEqual(
      both(true, true),
    );
    expect(nodeShouldRunDaemonPod(labelled, template({ requiredNodeAffinity: affinity('test') }))).toEqual(
      both(false, false),
    );
  });

  it('shouldRun implies shouldContinueRunning, and conditions/unschedulable never matter (P1)', () => {
    const effect = fc.constantFrom<TaintEffect>('NoSchedule', 'PreferNoSchedule', 'NoExecute');
    const arbTaint = fc.record({
      key: fc.constantFrom('a', 'b', TAINT_NOT_READY),
      value: fc.constantFrom('', 'x'),
      effect,
    });
    fc.assert(
      fc.property(
        fc.array(arbTaint, { maxLength: 3 }),
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b'),
            operator: fc.constantFrom('Exists' as const, 'Equal' as const),
            effect: fc.constantFrom<TaintEffect | ''>('', 'NoSchedule', 'NoExecute'),
          }),
          { maxLength: 2 },
        ),
        fc.boolean(),
        fc.constantFrom('True' as const, 'False' as const, 'Unknown' as const),
        (taints, tolerations, unschedulable, ready) => {
          const t = template({ tolerations });
          const e = nodeShouldRunDaemonPod(node({ taints, unschedulable, ready }), t);
          if (e.shouldRun) expect(e.shouldContinueRunning).toBe(true);
          expect(nodeShouldRunDaemonPod(node({ taints }), t)).toEqual(e);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('required node affinity', () => {
  const n = node({ name: 'host-1', labels: { zone: 'a', cpus: '8', bad: 'x' } });
  const expr = (key: string, operator: string, values: string[]): NodeSelectorTerm[] => [
    { matchExpressions: [{ key, operator, values }] },
  ];
  const cases: Array<[string, NodeSelectorTerm[] | undefined, boolean]> = [
    ['no requirement', undefined, true],
    ['no terms selects nothing', [], false],
    ['only empty terms select nothing', [{}], false],
    ['In', expr('zone', 'In', ['a', 'b']), true],
    ['In, other value', expr('zone', 'In', ['b']), false],
    ['In with no values is invalid', expr('zone', 'In', []), false],
    ['NotIn, label absent', expr('rack', 'NotIn', ['r1']), true],
    ['NotIn, value listed', expr('zone', 'NotIn', ['a']), false],
    ['Exists', expr('zone', 'Exists', []), true],
    ['Exists with values is invalid', expr('zone', 'Exists', ['a']), false],
    ['DoesNotExist', expr('rack', 'DoesNotExist', []), true],
    ['DoesNotExist, present', expr('zone', 'DoesNotExist', []), false],
    ['Gt', expr('cpus', 'Gt', ['4']), true],
    ['Gt, not greater', expr('cpus', 'Gt', ['8']), false],
    ['Lt', expr('cpus', 'Lt', ['16']), true],
    ['Gt on an unparseable label', expr('bad', 'Gt', ['1']), false],
    ['Gt on a missing label', expr('rack', 'Gt', ['1']), false],
    ['Gt with two values is invalid', expr('cpus', 'Gt', ['1', '2']), false],
    ['Gt with a non-integer value is invalid', expr('cpus', 'Gt', ['1.5']), false],
    ['unknown operator is invalid', expr('zone', 'Matches', ['a']), false],
    [
      'matchFields metadata.name In',
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host-1'] }] }],
      true,
    ],
    [
      'matchFields metadata.name In other',
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host-2'] }] }],
      false,
    ],
    [
      'matchFields metadata.name NotIn other',
      [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['host-2'] }] }],
      true,
    ],
    [
      'matchFields with two values is invalid',
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host-1', 'x'] }] }],
      false,
    ],
    [
      'matchFields Exists is invalid',
      [{ matchFields: [{ key: 'metadata.name', operator: 'Exists', values: [] }] }],
      false,
    ],
    [
      'matchFields unknown field In matches nothing',
      [{ matchFields: [{ key: 'metadata.foo', operator: 'In', values: ['bar'] }] }],
      false,
    ],
    [
      'matchFields unknown field NotIn matches everything (errata 4)',
      [{ matchFields: [{ key: 'metadata.foo', operator: 'NotIn', values: ['bar'] }] }],
      true,
    ],
    [
      'terms are ORed',
      [
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      ],
      true,
    ],
    [
      'requirements in a term are ANDed',
      [
        {
          matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }],
          matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host-2'] }],
        },
      ],
      false,
    ],
    [
      'an invalid requirement spoils its term only',
      [
        { matchExpressions: [{ key: 'zone', operator: 'Bogus', values: [] }] },
        { matchExpressions: [{ key: 'zone', operator: 'Exists', values: [] }] },
      ],
      true,
    ],
  ];
  it.each(cases)('%s', (_name, terms, expected) => {
    expect(matchesRequiredNodeAffinity(terms, n)).toBe(expected);
  });
});

describe('tolerations', () => {
  it('ToleratesTaint: effect, key, operator', () => {
    const t = taint('k', 'NoSchedule', 'v');
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, t)).toBe(true);
    expect(toleratesTaint({ key: 'k', value: 'v' }, t)).toBe(true); // empty operator means Equal, empty effect all
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'w' }, t)).toBe(false);
    expect(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, t)).toBe(false);
    expect(toleratesTaint({ operator: 'Exists' }, t)).toBe(true); // empty key + Exists tolerates everything
    expect(toleratesTaint({ key: 'k', operator: 'Lt', value: '9' }, taint('k', 'NoSchedule', '1'))).toBe(false); // gate off
  });

  it('default DaemonSet tolerations, network-unavailable only with hostNetwork', () => {
    const keys = (hostNetwork: boolean) => defaultDaemonTolerations(hostNetwork).map((t) => `${t.key}:${t.effect}`);
    expect(keys(false)).toEqual([
      `${TAINT_NOT_READY}:NoExecute`,
      `${TAINT_UNREACHABLE}:NoExecute`,
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      `${TAINT_UNSCHEDULABLE}:NoSchedule`,
    ]);
    expect(keys(true)).toContain(`${TAINT_NETWORK_UNAVAILABLE}:NoSchedule`);
  });

  it('a matching user toleration with tolerationSeconds is replaced by the infinite default (#92960)', () => {
    const merged = daemonPodTolerations({
      hostNetwork: false,
      tolerations: [
        { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'custom', operator: 'Exists' },
      ],
    });
    expect(merged[0]).toEqual({ key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' });
    expect(merged[1]).toEqual({ key: 'custom', operator: 'Exists' });
    expect(merged).toHaveLength(7);
  });
});
