import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ApiError } from './apiError.js';
import { SimulatedCluster } from './cluster.js';
import { type ControllerRevision, type DaemonSet, newControllerRef, type OwnerReference } from './objects.js';

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

/** A daemon pod as the DaemonSet controller would create it: owned, pinned to one node. */
function daemonPod(
  owner: DaemonSet,
  node: string,
  extra: { finalizers?: string[]; owners?: OwnerReference[]; bound?: boolean } = {},
): Pod {
  const name = owner.metadata?.name ?? 'ds';
  return {
    metadata: {
      name: `${name}-${node}`,
      namespace: NS,
      labels: { app: name },
      ownerReferences: extra.owners ?? [newControllerRef(owner)],
      ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      terminationGracePeriodSeconds: 30,
      ...(extra.bound === false ? {} : { nodeName: node }),
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
          },
        },
      },
    },
  };
}

function revision(owner: DaemonSet, name = 'ds-rev1'): ControllerRevision {
  return { metadata: { name, namespace: NS, ownerReferences: [newControllerRef(owner)] }, revision: 1 };
}

/** Two nodes, a DaemonSet, one running pod per node, one revision. */
function setup(kubelet: { terminationSeconds?: number } = {}) {
  const cluster = new SimulatedCluster({ kubelet });
  cluster.addNode('n1');
  cluster.addNode('n2');
  const ds = cluster.createDaemonSet(daemonSet());
  return { cluster, ds };
}

function names(objects: readonly { metadata?: { name?: string } }[]): string[] {
  return objects.map((o) => o.metadata?.name ?? '');
}

describe('GarbageCollector, Background', () => {
  it('deletes dependents whose only owner is gone; pods terminate gracefully through the kubelet', () => {
    const { cluster, ds } = setup({ terminationSeconds: 5 });
    cluster.store.create('Pod', daemonPod(ds, 'n1'));
    cluster.store.create('Pod', daemonPod(ds, 'n2'));
    cluster.store.create('ControllerRevision', revision(ds));
    expect(cluster.settle().converged).toBe(true);
    expect(cluster.deleteDaemonSet(NS, 'ds')).toBeUndefined(); // background: the owner goes at once
    expect(cluster.settle().converged).toBe(true);
    expect(cluster.revisions()).toEqual([]);
    // Pods are terminating, not gone: the kubelet needs terminationSeconds.
    expect(cluster.pods().map((p) => p.metadata?.deletionTimestamp)).toEqual([
      '2025-01-01T00:00:30Z',
      '2025-01-01T00:00:30Z',
    ]);
    cluster.advance(5);
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
  });

  it('removes only the dangling reference when another owner remains', () => {
    const { cluster, ds } = setup();
    const other = cluster.createDaemonSet(daemonSet('other'));
    const otherRef: OwnerReference = { ...newControllerRef(other), controller: false };
    cluster.store.create('Pod', daemonPod(ds, 'n1', { owners: [newControllerRef(ds), otherRef] }));
    cluster.deleteDaemonSet(NS, 'ds');
    cluster.settle();
    const pod = cluster.pods()[0];
    expect(pod?.metadata?.deletionTimestamp).toBeUndefined();
    expect(pod?.metadata?.ownerReferences).toEqual([otherRef]);
  });

  it('deletes dependents of a replaced owner (same name, new uid)', () => {
    const { cluster, ds } = setup();
    cluster.store.create('Pod', daemonPod(ds, 'n1'));
    cluster.store.delete('DaemonSet', NS, 'ds');
    cluster.createDaemonSet(daemonSet());
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
    expect(names(cluster.daemonSets())).toEqual(['ds']);
  });

  it('keeps a pod with its own finalizer until the finalizer is removed', () => {
    const { cluster, ds } = setup();
    cluster.store.create('Pod', daemonPod(ds, 'n1', { finalizers: ['example.com/hold'] }));
    cluster.deleteDaemonSet(NS, 'ds');
    cluster.settle();
    const held = cluster.pods()[0];
    expect(held?.metadata?.deletionTimestamp).toBeDefined();
    expect(held?.metadata?.deletionGracePeriodSeconds).toBe(0); // the kubelet has finished with it
    expect(held?.status?.phase).toBe('Failed');
    cluster.store.modify('Pod', NS, 'ds-n1', (p) => {
      p.metadata = { ...p.metadata, finalizers: [] };
    });
    expect(cluster.pods()).toEqual([]);
  });

  it('leaves references to kinds it cannot resolve alone', () => {
    const { cluster, ds } = setup();
    const foreign: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'x-1' };
    const old: OwnerReference = { ...newControllerRef(ds), apiVersion: 'extensions/v1beta1' };
    cluster.store.create('Pod', daemonPod(ds, 'n1', { owners: [foreign] }));
    cluster.store.create('Pod', daemonPod(ds, 'n2', { owners: [old] }));
    cluster.deleteDaemonSet(NS, 'ds');
    cluster.settle();
    expect(cluster.pods().map((p) => p.metadata?.deletionTimestamp)).toEqual([undefined, undefined]);
  });
});

describe('GarbageCollector, Foreground', () => {
  it('keeps the owner until every blocking dependent is gone from the API', () => {
    const { cluster, ds } = setup({ terminationSeconds: 10 });
    cluster.store.create('Pod', daemonPod(ds, 'n1'));
    cluster.store.create('Pod', daemonPod(ds, 'n2'));
    cluster.store.create('ControllerRevision', revision(ds));
    cluster.settle();
    const deleting = cluster.deleteDaemonSet(NS, 'ds', 'Foreground');
    expect(deleting?.metadata?.finalizers).toEqual(['foregroundDeletion']);
    cluster.settle();
    // Revisions went at once; pods are terminating and still block the owner.
    expect(cluster.revisions()).toEqual([]);
    expect(cluster.pods().every((p) => p.metadata?.deletionTimestamp !== undefined)).toBe(true);
    expect(cluster.daemonSets()[0]?.metadata?.finalizers).toEqual(['foregroundDeletion']);
    cluster.advance(9);
    cluster.settle();
    expect(cluster.daemonSets()).toHaveLength(1);
    cluster.advance(1);
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
    expect(cluster.daemonSets()).toEqual([]);
  });

  it('a pod finalizer (example.com/hold) keeps a foreground owner alive until it is removed', () => {
    const { cluster, ds } = setup();
    cluster.store.create('Pod', daemonPod(ds, 'n1', { finalizers: ['example.com/hold'] }));
    cluster.store.create('Pod', daemonPod(ds, 'n2'));
    cluster.deleteDaemonSet(NS, 'ds', 'Foreground');
    expect(cluster.settle().converged).toBe(true);
    expect(names(cluster.pods())).toEqual(['ds-n1']);
    expect(names(cluster.daemonSets())).toEqual(['ds']);
    cluster.store.modify('Pod', NS, 'ds-n1', (p) => {
      p.metadata = { ...p.metadata, finalizers: [] };
    });
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
    expect(cluster.daemonSets()).toEqual([]);
  });

  it('deletes non-blocking dependents too, without waiting for them', () => {
    const { cluster, ds } = setup({ terminationSeconds: 100 });
    const loose: OwnerReference = { ...newControllerRef(ds), blockOwnerDeletion: false };
    cluster.store.create('Pod', daemonPod(ds, 'n1', { owners: [loose] }));
    cluster.settle();
    cluster.deleteDaemonSet(NS, 'ds', 'Foreground');
    cluster.settle();
    expect(cluster.daemonSets()).toEqual([]);
    expect(cluster.pods()[0]?.metadata?.deletionTimestamp).toBeDefined();
  });

  it('deletes a dependent that has dependents of its own in the foreground', () => {
    const { cluster, ds } = setup({ terminationSeconds: 3 });
    const rev = cluster.store.create('ControllerRevision', revision(ds));
    const revRef: OwnerReference = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      name: rev.metadata?.name ?? '',
      uid: rev.metadata?.uid ?? '',
      blockOwnerDeletion: true,
    };
    cluster.store.create('Pod', daemonPod(ds, 'n1', { owners: [revRef] }));
    cluster.settle();
    cluster.deleteDaemonSet(NS, 'ds', 'Foreground');
    cluster.settle();
    expect(cluster.revisions()[0]?.metadata?.finalizers).toEqual(['foregroundDeletion']);
    expect(names(cluster.daemonSets())).toEqual(['ds']);
    cluster.advance(3);
    cluster.settle();
    expect(cluster.pods()).toEqual([]);
    expect(cluster.revisions()).toEqual([]);
    expect(cluster.daemonSets()).toEqual([]);
  });

  it('a dependent with another live owner loses only the reference to the deleting owner', () => {
    const { cluster, ds } = setup();
    const other = cluster.createDaemonSet(daemonSet('other'));
    const otherRef: OwnerReference = { ...newControllerRef(other), controller: false };
    cluster.store.create('Pod', daemonPod(ds, 'n1', { owners: [newControllerRef(ds), otherRef] }));
    cluster.deleteDaemonSet(NS, 'ds', 'Foreground');
    cluster.settle();
    expect(names(cluster.daemonSets())).toEqual(['other']);
    const pod = cluster.pods()[0];
    expect(pod?.metadata?.deletionTimestamp).toBeUndefined();
    expect(pod?.metadata?.ownerReferences).toEqual([otherRef]);
  });
});

describe('GarbageCollector, Orphan', () => {
  it('strips the owner reference from every dependent, then lets the owner go', () => {
    const { cluster, ds } = setup();
    cluster.store.create('Pod', daemonPod(ds, 'n1'));
    cluster.store.create('Pod', daemonPod(ds, 'n2'));
    cluster.store.create('ControllerRevision', revision(ds));
    cluster.settle();
    cluster.deleteDaemonSet(NS, 'ds', 'Orphan');
    cluster.settle();
    expect(cluster.daemonSets()).toEqual([]);
    expect(cluster.pods()).toHaveLength(2);
    for (const pod of cluster.pods()) {
      expect(pod.metadata?.ownerReferences).toBeUndefined();
      expect(pod.metadata?.deletionTimestamp).toBeUndefined();
      expect(pod.metadata?.labels).toEqual({ app: 'ds' });
      expect(pod.status?.phase).toBe('Running');
    }
    expect(cluster.revisions()[0]?.metadata?.ownerReferences).toBeUndefined();
  });

  it('keeps references to other owners, and pod finalizers do not matter', () => {
    const { cluster, ds } = setup();
    const other = cluster.createDaemonSet(daemonSet('other'));
    const otherRef: OwnerReference = { ...newControllerRef(other), controller: false };
    cluster.store.create(
      'Pod',
      daemonPod(ds, 'n1', { owners: [newControllerRef(ds), otherRef], finalizers: ['example.com/hold'] }),
    );
    cluster.deleteDaemonSet(NS, 'ds', 'Orphan');
    cluster.settle();
    expect(names(cluster.daemonSets())).toEqual(['other']);
    expect(cluster.pods()[0]?.metadata?.ownerReferences).toEqual([otherRef]);
  });

  it('a dependent with the orphan finalizer orphans its own dependents when collected', () => {
    const { cluster, ds } = setup();
    const rev = cluster.store.create('ControllerRevision', {
      ...revision(ds),
      metadata: { ...revision(ds).metadata, finalizers: ['orphan'] },
    });
    const revRef: OwnerReference = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      name: rev.metadata?.name ?? '',
      uid: rev.metadata?.uid ?? '',
    };
    cluster.store.create('Pod', daemonPod(ds, 'n1', { owners: [revRef] }));
    cluster.deleteDaemonSet(NS, 'ds');
    cluster.settle();
    expect(cluster.revisions()).toEqual([]);
    expect(cluster.pods()[0]?.metadata?.ownerReferences).toBeUndefined();
    expect(cluster.pods()[0]?.metadata?.deletionTimestamp).toBeUndefined();
  });
});

describe('GarbageCollector step', () => {
  it('reports no change when there is nothing to collect', () => {
    const { cluster, ds } = setup();
    cluster.store.create('Pod', daemonPod(ds, 'n1'));
    cluster.settle();
    expect(cluster.garbageCollector.step()).toBe(false);
  });

  it('retries after an injected failure', () => {
    const { cluster, ds } = setup();
    cluster.store.create('Pod', daemonPod(ds, 'n1', { bound: false }));
    cluster.store.delete('DaemonSet', NS, 'ds');
    cluster.store.setFaultInjector(({ verb }) =>
      verb === 'delete' ? new ApiError('ServiceUnavailable', 'injected') : undefined,
    );
    expect(cluster.garbageCollector.step()).toBe(false);
    expect(cluster.pods()).toHaveLength(1);
    cluster.store.setFaultInjector(undefined);
    expect(cluster.garbageCollector.step()).toBe(true);
    expect(cluster.pods()).toEqual([]);
  });
});
