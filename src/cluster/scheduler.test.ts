import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import { failedSchedulingMessage, unfitReason } from './scheduler.js';

const NS = 'default';

/** A pod pinned to `node` the way DaemonSet pods are (matchFields metadata.name In [node]). */
function pinnedPod(
  name: string,
  node: string,
  extra: { tolerations?: Toleration[]; schedulerName?: string } = {},
): Pod {
  return {
    metadata: { name, namespace: NS },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
          },
        },
      },
      ...(extra.tolerations ? { tolerations: extra.tolerations } : {}),
      ...(extra.schedulerName ? { schedulerName: extra.schedulerName } : {}),
    },
  };
}

function nodeOf(cluster: SimulatedCluster, name: string): string | undefined {
  return cluster.store.get('Pod', NS, name)?.spec?.nodeName;
}

function failedScheduling(cluster: SimulatedCluster) {
  return cluster.store.events.filter((e) => e.reason === 'FailedScheduling');
}

describe('Scheduler binding', () => {
  it('binds a pinned pod to its node, and only that node', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.addNode('n2');
    cluster.addNode('n3');
    cluster.store.create('Pod', pinnedPod('p', 'n2'));
    expect(cluster.scheduler.step()).toBe(true);
    expect(nodeOf(cluster, 'p')).toBe('n2');
    expect(cluster.scheduler.step()).toBe(false);
  });

  it('binds an unconstrained pod to the first node in store order', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('zeta');
    cluster.addNode('alpha');
    cluster.store.create('Pod', {
      metadata: { name: 'p', namespace: NS },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    cluster.scheduler.step();
    expect(nodeOf(cluster, 'p')).toBe('alpha');
  });

  it('leaves a pod Pending while its node is missing, with one FailedScheduling event, and binds it when the node appears', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pinnedPod('p', 'n9'));
    expect(cluster.scheduler.step()).toBe(false);
    expect(cluster.scheduler.step()).toBe(false);
    expect(nodeOf(cluster, 'p')).toBeUndefined();
    expect(failedScheduling(cluster)).toEqual([
      {
        timestamp: '2025-01-01T00:00:00Z',
        involvedObject: {
          kind: 'Pod',
          namespace: NS,
          name: 'p',
          uid: cluster.store.get('Pod', NS, 'p')?.metadata?.uid,
        },
        type: 'Warning',
        reason: 'FailedScheduling',
        message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
      },
    ]);
    cluster.addNode('n9');
    expect(cluster.scheduler.step()).toBe(true);
    expect(nodeOf(cluster, 'p')).toBe('n9');
  });

  it('respects NoSchedule and NoExecute taints unless tolerated; ignores PreferNoSchedule', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('soft', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] });
    cluster.addNode('hard', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] });
    cluster.addNode('exec', { taints: [{ key: 'k', effect: 'NoExecute' }] });
    cluster.store.create('Pod', pinnedPod('a', 'soft'));
    cluster.store.create('Pod', pinnedPod('b', 'hard'));
    cluster.store.create('Pod', pinnedPod('c', 'exec'));
    cluster.store.create('Pod', pinnedPod('d', 'hard', { tolerations: [{ key: 'k', operator: 'Exists' }] }));
    cluster.scheduler.step();
    expect(['a', 'b', 'c', 'd'].map((p) => nodeOf(cluster, p))).toEqual(['soft', undefined, undefined, 'hard']);
    const message =
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, " +
      '1 node(s) had untolerated taint {k: v}, 1 node(s) had untolerated taint {k: }.';
    expect(failedScheduling(cluster).map((e) => `${e.involvedObject.name}: ${e.message}`)).toEqual([
      `b: ${message}`,
      `c: ${message}`,
    ]);
  });

  it('does not bind to an unschedulable node unless the pod tolerates the unschedulable taint', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1', { unschedulable: true });
    cluster.store.create('Pod', pinnedPod('plain', 'n1'));
    cluster.store.create(
      'Pod',
      pinnedPod('tolerant', 'n1', {
        tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
      }),
    );
    cluster.scheduler.step();
    expect(nodeOf(cluster, 'plain')).toBeUndefined();
    expect(nodeOf(cluster, 'tolerant')).toBe('n1');
    expect(failedScheduling(cluster)[0]?.message).toBe('0/1 nodes are available: 1 node(s) were unschedulable.');
  });

  it('honours nodeSelector', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1', { labels: { disk: 'hdd' } });
    cluster.addNode('n2', { labels: { disk: 'ssd' } });
    cluster.store.create('Pod', {
      metadata: { name: 'p', namespace: NS },
      spec: { containers: [{ name: 'c', image: 'i' }], nodeSelector: { disk: 'ssd' } },
    });
    cluster.scheduler.step();
    expect(nodeOf(cluster, 'p')).toBe('n2');
  });

  it('skips pods for other schedulers, terminating pods and terminal pods', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.store.create('Pod', pinnedPod('other', 'n1', { schedulerName: 'my-scheduler' }));
    cluster.store.create('Pod', {
      ...pinnedPod('held', 'n1'),
      metadata: { name: 'held', namespace: NS, finalizers: ['x/y'] },
    });
    cluster.store.delete('Pod', NS, 'held');
    const done = cluster.store.create('Pod', pinnedPod('done', 'n1'));
    cluster.store.updateStatus('Pod', { ...done, status: { phase: 'Failed' } });
    expect(cluster.scheduler.step()).toBe(false);
    expect(['other', 'held', 'done'].map((p) => nodeOf(cluster, p))).toEqual([undefined, undefined, undefined]);
    expect(failedScheduling(cluster)).toEqual([]);
  });
});

describe('Scheduler helpers', () => {
  it('reports the first failing filter in plugin order', () => {
    const pod = pinnedPod('p', 'elsewhere');
    expect(unfitReason(pod, { metadata: { name: 'n' }, spec: { unschedulable: true, taints: [] } })).toBe(
      'node(s) were unschedulable',
    );
    expect(unfitReason(pod, { metadata: { name: 'n' }, spec: { taints: [{ key: 'a', effect: 'NoExecute' }] } })).toBe(
      'node(s) had untolerated taint {a: }',
    );
    expect(unfitReason(pod, { metadata: { name: 'n' } })).toBe("node(s) didn't match Pod's node affinity/selector");
    expect(unfitReason(pod, { metadata: { name: 'elsewhere' } })).toBeUndefined();
  });

  it('formats FailedScheduling like the scheduler FitError', () => {
    expect(failedSchedulingMessage([])).toBe('no nodes available to schedule pods');
    expect(failedSchedulingMessage(['b reason', 'a reason', 'b reason'])).toBe(
      '0/3 nodes are available: 1 a reason, 2 b reason.',
    );
  });
});
