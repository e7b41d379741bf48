import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { desiredNodeTaints } from './nodeLifecycle.js';

const NS = 'default';

function taintsOf(cluster: SimulatedCluster, name: string): string[] {
  const node = cluster.store.get('Node', undefined, name);
  return (node?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}${t.timeAdded ? `@${t.timeAdded}` : ''}`);
}

function pod(name: string, node: string): Pod {
  return {
    metadata: { name, namespace: NS },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      nodeName: node,
      // Tolerate the lifecycle taints so that eviction does not get in the way.
      tolerations: [{ operator: 'Exists' }],
    },
  };
}

function ready(cluster: SimulatedCluster, name: string) {
  return cluster.store.get('Pod', NS, name)?.status?.conditions?.find((c) => c.type === 'Ready');
}

describe('NodeLifecycle taints', () => {
  it('not-ready taints for Ready=False, unreachable for Unknown, none for True', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.settle();
    expect(taintsOf(cluster, 'n1')).toEqual([]);
    cluster.advance(10);
    cluster.setNodeReady('n1', 'False');
    expect(cluster.nodeLifecycle.step()).toBe(true);
    expect(taintsOf(cluster, 'n1')).toEqual([
      'node.kubernetes.io/not-ready:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute@2025-01-01T00:00:10Z',
    ]);
    expect(cluster.nodeLifecycle.step()).toBe(false);
    cluster.advance(5);
    cluster.setNodeReady('n1', 'Unknown');
    cluster.nodeLifecycle.step();
    expect(taintsOf(cluster, 'n1')).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute@2025-01-01T00:00:15Z',
    ]);
    cluster.setNodeReady('n1', 'True');
    cluster.nodeLifecycle.step();
    expect(taintsOf(cluster, 'n1')).toEqual([]);
  });

  it('keeps timeAdded of a taint that stays', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1', { ready: 'False' });
    cluster.settle();
    cluster.advance(100);
    cluster.cordon('n1');
    cluster.settle();
    expect(taintsOf(cluster, 'n1')).toEqual([
      'node.kubernetes.io/not-ready:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute@2025-01-01T00:00:00Z',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
  });

  it('cordon adds the unschedulable taint, uncordon removes it; other taints are left alone', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1', { taints: [{ key: 'mine', effect: 'NoSchedule' }] });
    cluster.cordon('n1');
    cluster.settle();
    expect(taintsOf(cluster, 'n1')).toEqual(['mine:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']);
    cluster.uncordon('n1');
    cluster.settle();
    expect(taintsOf(cluster, 'n1')).toEqual(['mine:NoSchedule']);
  });

  it('removes a lifecycle taint someone else put on a Ready node', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] });
    cluster.settle();
    expect(taintsOf(cluster, 'n1')).toEqual([]);
  });

  it('turns pressure conditions into NoSchedule taints', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.setNodeCondition('n1', 'MemoryPressure', 'True');
    cluster.setNodeCondition('n1', 'DiskPressure', 'False');
    cluster.settle();
    expect(taintsOf(cluster, 'n1')).toEqual(['node.kubernetes.io/memory-pressure:NoSchedule']);
  });

  it('desiredNodeTaints is a pure function of the node', () => {
    const node: Node = {
      metadata: { name: 'n' },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
    };
    expect(desiredNodeTaints(node, 'T')).toEqual([
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'T' },
    ]);
  });
});

describe('NodeLifecycle MarkPodsNotReady', () => {
  it('marks pods on a NotReady node not Ready; the kubelet readies them again when the node returns', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.addNode('n2');
    cluster.store.create('Pod', pod('a', 'n1'));
    cluster.store.create('Pod', pod('b', 'n2'));
    cluster.settle();
    cluster.advance(30);
    cluster.setNodeReady('n1', 'Unknown');
    cluster.settle();
    expect(ready(cluster, 'a')).toMatchObject({ status: 'False', lastTransitionTime: '2025-01-01T00:00:30Z' });
    expect(ready(cluster, 'b')?.status).toBe('True');
    expect(cluster.store.get('Pod', NS, 'a')?.status?.phase).toBe('Running');
    expect(cluster.store.events.filter((e) => e.reason === 'NodeNotReady').map((e) => e.involvedObject.name)).toEqual([
      'a',
    ]);
    cluster.advance(30);
    cluster.setNodeReady('n1', 'True');
    cluster.settle();
    expect(ready(cluster, 'a')).toMatchObject({ status: 'True', lastTransitionTime: '2025-01-01T00:01:00Z' });
  });
});
