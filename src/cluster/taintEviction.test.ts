import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { evictionDecision } from './taintEviction.js';

const NS = 'default';

function pod(name: string, node: string, tolerations: Toleration[] = []): Pod {
  return {
    metadata: { name, namespace: NS },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      nodeName: node,
      terminationGracePeriodSeconds: 30,
      ...(tolerations.length > 0 ? { tolerations } : {}),
    },
  };
}

function setup(...pods: Pod[]): SimulatedCluster {
  const cluster = new SimulatedCluster();
  cluster.addNode('n1');
  for (const p of pods) cluster.store.create('Pod', p);
  cluster.settle();
  return cluster;
}

function terminating(cluster: SimulatedCluster, name: string): boolean {
  return cluster.store.get('Pod', NS, name)?.metadata?.deletionTimestamp !== undefined;
}

const TAINT = { key: 'dedicated', value: 'x', effect: 'NoExecute' } as const;

describe('TaintEviction', () => {
  it('deletes a pod that does not tolerate a NoExecute taint at once, marking DisruptionTarget first', () => {
    const cluster = setup(pod('p', 'n1'));
    const seen: Pod[] = [];
    cluster.store.watch((e) => {
      if (e.kind === 'Pod') seen.push(e.object as Pod);
    });
    cluster.addTaint('n1', TAINT);
    expect(cluster.taintEviction.step()).toBe(true);
    expect(terminating(cluster, 'p')).toBe(true); // graceful: the kubelet finishes it
    const marked = seen[0];
    expect(marked?.metadata?.deletionTimestamp).toBeUndefined();
    expect(marked?.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'DeletionByTaintManager',
    });
    expect(cluster.store.events.map((e) => e.reason)).toContain('TaintManagerEviction');
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
  });

  it('evicts a pod tolerating for 300 s at t+300, not at t+299', () => {
    const cluster = setup(
      pod('p', 'n1', [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]),
    );
    cluster.advance(50);
    cluster.addTaint('n1', TAINT);
    expect(cluster.nodes()[0]?.spec?.taints?.[0]?.timeAdded).toBe('2025-01-01T00:00:50Z');
    cluster.settle();
    expect(cluster.taintEviction.scheduledEvictions().get('default/p')?.fireAtMs).toBe(cluster.clock.nowMs() + 300_000);
    cluster.advance(299);
    cluster.settle();
    expect(terminating(cluster, 'p')).toBe(false);
    cluster.advance(1);
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
  });

  it('never evicts a pod tolerating forever', () => {
    const cluster = setup(pod('p', 'n1', [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }]));
    cluster.addTaint('n1', TAINT);
    cluster.settle();
    cluster.advance(1e6);
    cluster.settle();
    expect(terminating(cluster, 'p')).toBe(false);
  });

  it('cancels the scheduled eviction when the taint goes, and starts a fresh window when it returns', () => {
    const cluster = setup(
      pod('p', 'n1', [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]),
    );
    cluster.addTaint('n1', TAINT);
    cluster.settle();
    cluster.advance(50);
    cluster.removeTaint('n1', 'dedicated', 'NoExecute');
    cluster.settle();
    expect(cluster.taintEviction.scheduledEvictions().size).toBe(0);
    cluster.addTaint('n1', TAINT);
    cluster.settle();
    cluster.advance(59);
    cluster.settle();
    expect(terminating(cluster, 'p')).toBe(false);
    cluster.advance(1);
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
  });

  it('starts the window when the pod is first seen on the tainted node, not at timeAdded', () => {
    const cluster = setup();
    cluster.addTaint('n1', TAINT);
    cluster.advance(1000);
    cluster.store.create(
      'Pod',
      pod('late', 'n1', [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]),
    );
    cluster.settle();
    expect(terminating(cluster, 'late')).toBe(false);
    cluster.advance(10);
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
  });

  it('leaves terminating pods and pods on other nodes alone', () => {
    const cluster = new SimulatedCluster({ kubelet: { terminationSeconds: 100 } });
    cluster.addNode('n1');
    cluster.addNode('n2');
    cluster.store.create('Pod', pod('a', 'n1'));
    cluster.store.create('Pod', pod('b', 'n2'));
    cluster.settle();
    cluster.deletePod(NS, 'a');
    cluster.addTaint('n1', TAINT);
    expect(cluster.taintEviction.step()).toBe(false);
    expect(terminating(cluster, 'b')).toBe(false);
  });
});

describe('evictionDecision', () => {
  const a = { key: 'a', effect: 'NoExecute' };
  const b = { key: 'b', effect: 'NoExecute' };

  it('evicts now when any taint is untolerated, or a used toleration is zero or negative', () => {
    expect(evictionDecision([], [])).toEqual({ kind: 'none' });
    expect(evictionDecision([a], [])).toEqual({ kind: 'now' });
    expect(evictionDecision([a, b], [{ key: 'a', operator: 'Exists' }])).toEqual({ kind: 'now' });
    expect(evictionDecision([a], [{ key: 'a', operator: 'Exists', tolerationSeconds: 0 }])).toEqual({ kind: 'now' });
    expect(evictionDecision([a], [{ key: 'a', operator: 'Exists', tolerationSeconds: -5 }])).toEqual({ kind: 'now' });
  });

  it('takes the shortest finite toleration among the first match of each taint', () => {
    expect(
      evictionDecision(
        [a, b],
        [
          { key: 'a', operator: 'Exists', tolerationSeconds: 100 },
          { key: 'b', operator: 'Exists', tolerationSeconds: 50 },
        ],
      ),
    ).toEqual({ kind: 'later', seconds: 50 });
    // Only the first toleration that matches a taint counts (GetMatchingTolerations).
    expect(
      evictionDecision(
        [a],
        [
          { key: 'a', operator: 'Exists' },
          { key: 'a', operator: 'Exists', tolerationSeconds: 10 },
        ],
      ),
    ).toEqual({ kind: 'none' });
    expect(
      evictionDecision(
        [a],
        [
          { operator: 'Exists', tolerationSeconds: 7 },
          { key: 'a', operator: 'Exists' },
        ],
      ),
    ).toEqual({ kind: 'later', seconds: 7 });
  });
});
