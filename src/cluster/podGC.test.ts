import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';

const NS = 'default';

function pod(name: string, node: string | undefined, finalizers?: string[]): Pod {
  return {
    metadata: { name, namespace: NS, ...(finalizers ? { finalizers } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      ...(node ? { nodeName: node } : {}),
      terminationGracePeriodSeconds: 30,
    },
  };
}

function names(cluster: SimulatedCluster): string[] {
  return cluster.pods().map((p) => p.metadata?.name ?? '');
}

describe('PodGC orphaned pods', () => {
  it('force-deletes pods bound to a node that no longer exists, marking them first', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.addNode('n2');
    cluster.store.create('Pod', pod('a', 'n1'));
    cluster.store.create('Pod', pod('b', 'n2'));
    cluster.settle();
    const marks: Pod[] = [];
    cluster.store.watch((e) => {
      if (e.kind === 'Pod' && e.type === 'MODIFIED') marks.push(e.object as Pod);
    });
    cluster.removeNode('n1');
    expect(cluster.podGC.step()).toBe(true);
    expect(names(cluster)).toEqual(['b']);
    expect(marks).toHaveLength(1);
    expect(marks[0]?.status?.phase).toBe('Failed');
    expect(marks[0]?.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'DeletionByPodGC',
      message: 'PodGC: node no longer exists',
    });
  });

  it('waits for the quarantine', () => {
    const cluster = new SimulatedCluster({ podGC: { quarantineSeconds: 40 } });
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('a', 'n1'));
    cluster.settle();
    cluster.removeNode('n1');
    cluster.settle();
    cluster.advance(39);
    cluster.settle();
    expect(names(cluster)).toEqual(['a']);
    cluster.advance(1);
    cluster.settle();
    expect(names(cluster)).toEqual([]);
  });

  it('forgets a node that comes back within the quarantine', () => {
    const cluster = new SimulatedCluster({ podGC: { quarantineSeconds: 40 } });
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('a', 'n1'));
    cluster.settle();
    cluster.removeNode('n1');
    cluster.settle();
    cluster.advance(30);
    cluster.addNode('n1');
    cluster.settle();
    // Gone again: the quarantine starts afresh from when Pod GC sees it missing.
    cluster.removeNode('n1');
    cluster.settle();
    cluster.advance(39);
    cluster.settle();
    expect(names(cluster)).toEqual(['a']);
    cluster.advance(1);
    cluster.settle();
    expect(names(cluster)).toEqual([]);
  });

  it('also takes terminating pods of the missing node; finalizers still hold them', () => {
    const cluster = new SimulatedCluster({ kubelet: { terminationSeconds: 1000 } });
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('a', 'n1'));
    cluster.store.create('Pod', pod('held', 'n1', ['example.com/hold']));
    cluster.settle();
    cluster.deletePod(NS, 'a');
    cluster.removeNode('n1');
    cluster.settle();
    expect(names(cluster)).toEqual(['held']);
    const held = cluster.pods()[0];
    expect(held?.metadata?.deletionGracePeriodSeconds).toBe(0);
    expect(held?.status?.phase).toBe('Failed');
    expect(cluster.podGC.step()).toBe(false);
  });
});

describe('PodGC other passes', () => {
  it('force-deletes unbound terminating pods (held by a finalizer past the API delete)', () => {
    const cluster = new SimulatedCluster();
    cluster.store.create('Pod', pod('p', undefined, ['example.com/hold']));
    cluster.store.delete('Pod', NS, 'p');
    expect(cluster.podGC.step()).toBe(true);
    expect(cluster.pods()[0]?.status?.phase).toBe('Failed');
    expect(cluster.podGC.step()).toBe(false);
  });

  it('force-deletes terminating pods on a NotReady out-of-service node', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1'));
    cluster.settle();
    cluster.setNodeReady('n1', 'False');
    cluster.deletePod(NS, 'p');
    cluster.settle();
    expect(names(cluster)).toEqual(['p']);
    cluster.addTaint('n1', { key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' });
    cluster.settle();
    expect(names(cluster)).toEqual([]);
  });

  it('deletes terminated pods beyond the threshold, oldest first', () => {
    const cluster = new SimulatedCluster({ podGC: { terminatedPodThreshold: 1 } });
    cluster.addNode('n1');
    for (const name of ['c', 'a', 'b']) {
      cluster.store.create('Pod', pod(name, 'n1'));
      cluster.advance(1);
    }
    cluster.settle();
    for (const name of ['a', 'b', 'c']) cluster.kubelet.failPod(NS, name);
    cluster.settle();
    expect(names(cluster)).toEqual(['b']);
  });
});
