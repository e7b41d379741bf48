import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from './cluster.js';
import type { ClusterComponent } from './component.js';
import { type DaemonSet, KINDS, newControllerRef } from './objects.js';

const NS = 'default';

function daemonSet(name = 'ds'): DaemonSet {
  return {
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
}

/**
 * A toy stand-in for the DaemonSet controller (the real one is tested elsewhere): one pinned pod
 * per node for every DaemonSet that is not being deleted, created with generateName.
 */
class ToyDaemonController implements ClusterComponent {
  readonly name = 'toy-daemon';
  constructor(private readonly cluster: SimulatedCluster) {}

  step(): boolean {
    let changed = false;
    for (const ds of this.cluster.daemonSets()) {
      if (ds.metadata?.deletionTimestamp) continue;
      for (const node of this.cluster.nodes()) {
        const nodeName = node.metadata?.name ?? '';
        const has = this.cluster
          .pods(NS)
          .some(
            (p) =>
              p.metadata?.ownerReferences?.some((r) => r.uid === ds.metadata?.uid) &&
              JSON.stringify(p.spec?.affinity).includes(`"${nodeName}"`),
          );
        if (has) continue;
        const pod: Pod = {
          metadata: {
            generateName: `${ds.metadata?.name}-`,
            namespace: NS,
            labels: { app: ds.metadata?.name ?? '' },
            ownerReferences: [newControllerRef(ds)],
          },
          spec: {
            containers: [{ name: 'c', image: 'busybox' }],
            tolerations: [
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
              { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
            ],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
                },
              },
            },
          },
        };
        this.cluster.store.create('Pod', pod);
        changed = true;
      }
    }
    return changed;
  }
}

/** Everything observable: every stored object, the event log, and the store's revision. */
function dump(cluster: SimulatedCluster): string {
  return JSON.stringify({
    objects: KINDS.map((kind) => cluster.store.list(kind)),
    events: cluster.store.events,
    resourceVersion: cluster.store.resourceVersion,
    now: cluster.clock.nowTimestamp(),
  });
}

function scenario(): { dump: string; watch: string[] } {
  const cluster = new SimulatedCluster({ kubelet: { readyAfterSeconds: 5, terminationSeconds: 3 } });
  const watch: string[] = [];
  cluster.store.watch((e) =>
    watch.push(`${e.type} ${e.kind} ${e.object.metadata?.name} ${e.object.metadata?.resourceVersion}`),
  );
  cluster.addController(new ToyDaemonController(cluster));
  for (const name of ['n1', 'n2', 'n3']) cluster.addNode(name, { labels: { zone: name === 'n3' ? 'b' : 'a' } });
  cluster.createDaemonSet(daemonSet('agent'));
  cluster.settle();
  cluster.advance(5);
  cluster.settle();
  cluster.setNodeReady('n2', 'Unknown');
  cluster.cordon('n1');
  cluster.settle();
  cluster.removeNode('n3');
  cluster.advance(10);
  cluster.settle();
  cluster.addNode('n4');
  cluster.settle();
  cluster.deleteDaemonSet(NS, 'agent', 'Foreground');
  cluster.settle();
  cluster.advance(3);
  cluster.settle();
  return { dump: dump(cluster), watch };
}

describe('SimulatedCluster settle', () => {
  it('converges and counts the final quiet round', () => {
    const cluster = new SimulatedCluster();
    expect(cluster.settle()).toEqual({ converged: true, rounds: 1, stillChanging: [] });
    cluster.addNode('n1');
    cluster.store.create('Pod', {
      metadata: { name: 'p', namespace: NS },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    const result = cluster.settle();
    expect(result.converged).toBe(true);
    expect(result.rounds).toBe(2); // round 1: bind + run; round 2: quiet
    expect(cluster.pods()[0]?.status?.phase).toBe('Running');
  });

  it('reports non-convergence with the components still changing', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    let flips = 0;
    cluster.addController({
      name: 'flapper',
      step: () => {
        cluster.setNodeLabel('n1', 'flip', String(++flips % 2));
        return true;
      },
    });
    const result = cluster.settle({ maxRounds: 25 });
    expect(result).toEqual({ converged: false, rounds: 25, stillChanging: ['flapper'] });
  });

  it('names every component that changed in the last round', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    let n = 0;
    cluster.addController({
      name: 'pod-churn',
      step: () => {
        cluster.store.create('Pod', {
          metadata: { name: `p${++n}`, namespace: NS },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        });
        return true;
      },
    });
    expect(cluster.settle({ maxRounds: 3 }).stillChanging).toEqual(['pod-churn', 'scheduler', 'kubelet']);
  });

  it('steps controllers first, in the order added, then the built-in components', () => {
    const cluster = new SimulatedCluster();
    const order: string[] = [];
    for (const name of ['b', 'a']) {
      cluster.addController({
        name,
        step: () => {
          order.push(name);
          return false;
        },
      });
    }
    expect(cluster.round()).toBe(false);
    expect(order).toEqual(['b', 'a']);
    expect(cluster.components().map((c) => c.name)).toEqual([
      'b',
      'a',
      'scheduler',
      'kubelet',
      'node-lifecycle',
      'taint-eviction',
      'garbage-collector',
      'pod-gc',
    ]);
  });
});

describe('SimulatedCluster environment', () => {
  it('addNode sets labels, taints (NoExecute stamped), unschedulable and the Ready condition', () => {
    const cluster = new SimulatedCluster();
    cluster.advance(1);
    const node = cluster.addNode('n1', {
      labels: { a: 'b' },
      taints: [
        { key: 'x', effect: 'NoSchedule' },
        { key: 'y', effect: 'NoExecute' },
      ],
      unschedulable: true,
      ready: 'False',
    });
    expect(node.metadata?.labels).toEqual({ a: 'b' });
    expect(node.spec?.taints).toEqual([
      { key: 'x', effect: 'NoSchedule' },
      { key: 'y', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:01Z' },
    ]);
    expect(node.spec?.unschedulable).toBe(true);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      lastTransitionTime: '2025-01-01T00:00:01Z',
    });
  });

  it('setNodeLabel, addTaint (replacing same key and effect), removeTaint, cordon and uncordon', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1', { labels: { keep: 'me' } });
    expect(cluster.setNodeLabel('n1', 'role', 'gpu').metadata?.labels).toEqual({ keep: 'me', role: 'gpu' });
    expect(cluster.setNodeLabel('n1', 'keep', undefined).metadata?.labels).toEqual({ role: 'gpu' });
    cluster.addTaint('n1', { key: 'k', value: '1', effect: 'NoSchedule' });
    cluster.addTaint('n1', { key: 'k', value: '2', effect: 'NoSchedule' });
    cluster.addTaint('n1', { key: 'k', effect: 'NoExecute' });
    expect(cluster.nodes()[0]?.spec?.taints).toEqual([
      { key: 'k', value: '2', effect: 'NoSchedule' },
      { key: 'k', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' },
    ]);
    expect(cluster.removeTaint('n1', 'k', 'NoSchedule').spec?.taints).toHaveLength(1);
    expect(cluster.removeTaint('n1', 'k').spec?.taints).toBeUndefined();
    expect(cluster.cordon('n1').spec?.unschedulable).toBe(true);
    expect(cluster.uncordon('n1').spec?.unschedulable).toBeUndefined();
  });

  it('setNodeReady moves lastTransitionTime only on a change', () => {
    const cluster = new SimulatedCluster();
    cluster.addNode('n1');
    cluster.advance(10);
    const rv = cluster.store.resourceVersion;
    cluster.setNodeReady('n1', 'True');
    expect(cluster.store.resourceVersion).toBe(rv);
    const node = cluster.setNodeReady('n1', 'Unknown');
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      lastTransitionTime: '2025-01-01T00:00:10Z',
    });
  });

  it('creates, updates and deletes DaemonSets and pods', () => {
    const cluster = new SimulatedCluster();
    const ds = cluster.createDaemonSet(daemonSet());
    expect(ds.metadata?.generation).toBe(1);
    const updated = cluster.updateDaemonSet(NS, 'ds', (d) => {
      d.spec = { ...(d.spec as NonNullable<DaemonSet['spec']>), minReadySeconds: 10 };
    });
    expect(updated.metadata?.generation).toBe(2);
    expect(cluster.daemonSets().map((d) => d.metadata?.name)).toEqual(['ds']);
    expect(cluster.deleteDaemonSet(NS, 'ds', 'Orphan')?.metadata?.finalizers).toEqual(['orphan']);
    cluster.settle();
    expect(cluster.daemonSets()).toEqual([]);
    cluster.store.create('Pod', {
      metadata: { name: 'p', namespace: NS },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    expect(cluster.deletePod(NS, 'p')).toBeUndefined();
    expect(cluster.pods()).toEqual([]);
    expect(cluster.revisions()).toEqual([]);
  });
});

describe('SimulatedCluster end to end', () => {
  it('runs a DaemonSet lifecycle with a toy controller: pods land, survive NotReady, and go with the node', () => {
    const cluster = new SimulatedCluster();
    cluster.addController(new ToyDaemonController(cluster));
    cluster.addNode('n1');
    cluster.addNode('n2');
    cluster.createDaemonSet(daemonSet());
    expect(cluster.settle().converged).toBe(true);
    expect(cluster.pods().map((p) => `${p.spec?.nodeName} ${p.status?.phase}`)).toEqual(
      expect.arrayContaining(['n1 Running', 'n2 Running']),
    );
    cluster.setNodeReady('n2', 'False');
    cluster.settle();
    const onN2 = cluster.pods().find((p) => p.spec?.nodeName === 'n2');
    expect(onN2?.metadata?.deletionTimestamp).toBeUndefined(); // tolerated forever
    expect(onN2?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    cluster.removeNode('n2');
    cluster.settle();
    expect(cluster.pods().map((p) => p.spec?.nodeName)).toEqual(['n1']);
    cluster.deleteDaemonSet(NS, 'ds');
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
  });

  it('is deterministic: the same inputs give the same store, events and watch stream, byte for byte', () => {
    const first = scenario();
    const second = scenario();
    expect(second.dump).toBe(first.dump);
    expect(second.watch).toEqual(first.watch);
    expect(first.watch.length).toBeGreaterThan(20);
  });
});
