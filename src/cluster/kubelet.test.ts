import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { NeverReadyAnnotation, nodeReadyStatus, setPodCondition } from './kubelet.js';

const NS = 'default';

function pod(name: string, nodeName: string, extra: Partial<Pod['metadata'] & object> = {}): Pod {
  return {
    metadata: { name, namespace: NS, ...extra },
    spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName, terminationGracePeriodSeconds: 30 },
  };
}

function condition(p: Pod | undefined, type: string) {
  return p?.status?.conditions?.find((c) => c.type === type);
}

function get(cluster: SimulatedCluster, name: string): Pod | undefined {
  return cluster.store.get('Pod', NS, name);
}

describe('Kubelet start and readiness', () => {
  it('runs a bound pod and makes it Ready with lastTransitionTime from the virtual clock', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.advance(7);
    cluster.store.create('Pod', pod('p', 'n1'));
    expect(cluster.kubelet.step()).toBe(true);
    const p = get(cluster, 'p');
    expect(p?.status?.phase).toBe('Running');
    expect(p?.status?.startTime).toBe('2025-01-01T00:00:07Z');
    expect(condition(p, 'Ready')).toEqual({
      type: 'Ready',
      status: 'True',
      lastTransitionTime: '2025-01-01T00:00:07Z',
    });
    expect(condition(p, 'ContainersReady')?.status).toBe('True');
    expect(cluster.kubelet.step()).toBe(false);
  });

  it('waits readyAfterSeconds from the start before reporting Ready', () => {
    const cluster = new SimulatedCluster({ kubelet: { readyAfterSeconds: 10 } });
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1'));
    cluster.settle();
    expect(get(cluster, 'p')?.status?.phase).toBe('Running');
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('False');
    cluster.advance(9);
    cluster.settle();
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('False');
    cluster.advance(3);
    cluster.settle();
    expect(condition(get(cluster, 'p'), 'Ready')).toEqual({
      type: 'Ready',
      status: 'True',
      lastTransitionTime: '2025-01-01T00:00:12Z',
    });
  });

  it('never readies a pod annotated never-ready', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1', { annotations: { [NeverReadyAnnotation]: 'true' } }));
    cluster.settle();
    cluster.advance(1000);
    cluster.settle();
    expect(get(cluster, 'p')?.status?.phase).toBe('Running');
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('False');
  });

  it('does nothing for pods on NotReady, Unknown or missing nodes, or unbound pods', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('down', { ready: 'False' });
    cluster.addNode('lost', { ready: 'Unknown' });
    cluster.store.create('Pod', pod('a', 'down'));
    cluster.store.create('Pod', pod('b', 'lost'));
    cluster.store.create('Pod', pod('c', 'gone'));
    cluster.store.create('Pod', { ...pod('d', ''), spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    expect(cluster.kubelet.step()).toBe(false);
    cluster.store.delete('Pod', NS, 'a');
    expect(cluster.kubelet.step()).toBe(false);
    expect(get(cluster, 'a')?.metadata?.deletionTimestamp).toBeDefined();
  });

  it('treats a node without conditions as Ready', () => {
    const cluster = new SimulatedCluster();
    cluster.store.create('Node', { metadata: { name: 'bare' } });
    expect(nodeReadyStatus(cluster.store.get('Node', undefined, 'bare') ?? {})).toBe('True');
    cluster.store.create('Pod', pod('p', 'bare'));
    cluster.kubelet.step();
    expect(get(cluster, 'p')?.status?.phase).toBe('Running');
  });

  it('rejects a pod whose required node affinity does not match the node', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1', { labels: { role: 'web' } });
    cluster.store.create('Pod', {
      ...pod('p', 'n1'),
      spec: { ...pod('p', 'n1').spec, nodeSelector: { role: 'db' } },
    } as Pod);
    cluster.kubelet.step();
    expect(get(cluster, 'p')?.status).toMatchObject({ phase: 'Failed', reason: 'NodeAffinity' });
  });

  it('rejects a pod that does not tolerate a NoExecute taint on the node', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1', { taints: [{ key: 'k', effect: 'NoExecute' }] });
    cluster.store.create('Pod', pod('p', 'n1'));
    cluster.kubelet.step();
    expect(get(cluster, 'p')?.status).toMatchObject({ phase: 'Failed', reason: 'Taint' });
  });
});

describe('Kubelet graceful termination', () => {
  it('finishes a deleted pod after terminationSeconds with a grace-0 delete', () => {
    const cluster = new SimulatedCluster({ kubelet: { terminationSeconds: 10 } });
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1'));
    cluster.settle();
    cluster.deletePod(NS, 'p');
    cluster.settle();
    expect(get(cluster, 'p')?.metadata?.deletionTimestamp).toBe('2025-01-01T00:00:30Z');
    cluster.advance(9);
    cluster.settle();
    expect(get(cluster, 'p')).toBeDefined();
    cluster.advance(1);
    cluster.settle();
    expect(get(cluster, 'p')).toBeUndefined();
  });

  it('never outlasts the grace period', () => {
    const cluster = new SimulatedCluster({ kubelet: { terminationSeconds: 600 } });
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1'));
    cluster.settle();
    cluster.deletePod(NS, 'p', { gracePeriodSeconds: 20 });
    cluster.advance(19);
    cluster.settle();
    expect(get(cluster, 'p')).toBeDefined();
    cluster.advance(1);
    cluster.settle();
    expect(get(cluster, 'p')).toBeUndefined();
  });

  it('reports a terminal phase first, so a pod held by a finalizer shows Failed and not Ready', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1', { finalizers: ['example.com/hold'] }));
    cluster.settle();
    const events: string[] = [];
    cluster.store.watch((e) => events.push(`${e.type} ${e.object.metadata?.name}`));
    cluster.deletePod(NS, 'p');
    cluster.settle();
    const held = get(cluster, 'p');
    expect(held?.status?.phase).toBe('Failed');
    expect(condition(held, 'Ready')?.status).toBe('False');
    expect(held?.metadata?.deletionGracePeriodSeconds).toBe(0);
    expect(events).toEqual(['MODIFIED p', 'MODIFIED p', 'MODIFIED p']);
    expect(cluster.kubelet.step()).toBe(false);
  });

  it('a pod on a node that goes NotReady stays terminating until the node comes back', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1'));
    cluster.settle();
    cluster.setNodeReady('n1', 'False');
    cluster.deletePod(NS, 'p');
    cluster.settle();
    expect(get(cluster, 'p')?.metadata?.deletionTimestamp).toBeDefined();
    cluster.setNodeReady('n1', 'True');
    cluster.settle();
    expect(get(cluster, 'p')).toBeUndefined();
  });
});

describe('Kubelet fault injection', () => {
  it('failPod and succeedPod end the pod; the kubelet leaves terminal pods alone', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('a', 'n1'));
    cluster.store.create('Pod', pod('b', 'n1'));
    cluster.settle();
    cluster.advance(5);
    const failed = cluster.kubelet.failPod(NS, 'a', 'OOMKilled');
    expect(failed.status).toMatchObject({ phase: 'Failed', reason: 'OOMKilled' });
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'False', lastTransitionTime: '2025-01-01T00:00:05Z' });
    expect(cluster.kubelet.succeedPod(NS, 'b').status?.phase).toBe('Succeeded');
    expect(cluster.settle().rounds).toBe(1);
  });

  it('setPodReady overrides readiness until the pod is gone', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1'));
    cluster.settle();
    cluster.advance(2);
    cluster.kubelet.setPodReady(NS, 'p', false);
    expect(condition(get(cluster, 'p'), 'Ready')).toMatchObject({
      status: 'False',
      lastTransitionTime: '2025-01-01T00:00:02Z',
    });
    cluster.settle();
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('False');
    cluster.kubelet.setPodReady(NS, 'p', true);
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('True');
  });

  it('setPodReady on a pending pod applies when it starts', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pod('p', 'n1'));
    cluster.kubelet.setPodReady(NS, 'p', false);
    cluster.settle();
    expect(get(cluster, 'p')?.status?.phase).toBe('Running');
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('False');
  });
});

describe("Kubelet readiness: 'events'", () => {
  it('never readies a pod by itself; setPodReady does, and MarkPodsNotReady sticks until the next one', () => {
    const cluster = new SimulatedCluster({ kubelet: { readiness: 'events' } });
    cluster.addNode('n1');
    // Tolerates the not-ready taint, as daemon pods do, so that eviction stays out of the way.
    cluster.store.create('Pod', {
      metadata: { name: 'p', namespace: NS },
      spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: 'n1', tolerations: [{ operator: 'Exists' }] },
    });
    cluster.settle();
    cluster.advance(100);
    cluster.settle();
    expect(get(cluster, 'p')?.status?.phase).toBe('Running');
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('False');
    cluster.kubelet.setPodReady(NS, 'p', true);
    expect(condition(get(cluster, 'p'), 'Ready')).toMatchObject({
      status: 'True',
      lastTransitionTime: '2025-01-01T00:01:40Z',
    });
    cluster.setNodeReady('n1', 'False');
    cluster.settle();
    cluster.setNodeReady('n1', 'True');
    cluster.settle();
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('False');
    cluster.kubelet.setPodReady(NS, 'p', true);
    expect(condition(get(cluster, 'p'), 'Ready')?.status).toBe('True');
  });
});

describe('setPodCondition', () => {
  it('moves lastTransitionTime only when the status changes', () => {
    const status = { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 't0' }] };
    expect(setPodCondition(status, { type: 'Ready', status: 'True' }, 't1')).toBe(false);
    expect(setPodCondition(status, { type: 'Ready', status: 'False', reason: 'X' }, 't2')).toBe(true);
    expect(status.conditions).toEqual([{ type: 'Ready', status: 'False', reason: 'X', lastTransitionTime: 't2' }]);
    expect(setPodCondition(status, { type: 'Ready', status: 'False', reason: 'Y' }, 't3')).toBe(true);
    expect(status.conditions[0]?.lastTransitionTime).toBe('t2');
  });
});
