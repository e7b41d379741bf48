/**
 * The controller reuses a claim (and its grouping by node) across syncs while the DaemonSet object
 * and the pod cache are unchanged. These cases check that a change to the pods alone, with the
 * same DaemonSet object, is never hidden by that reuse.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../cluster/cluster.js';
import type { DaemonSet } from '../cluster/objects.js';
import { objectKey } from '../cluster/objects.js';
import { DaemonSetController } from './controller.js';

const LABELS = { app: 'reuse' };

function settledWorld() {
  const cluster = new SimulatedCluster({ kubelet: { readiness: 'auto' } });
  for (const name of ['node-0', 'node-1', 'node-2']) cluster.addNode(name);
  const created = cluster.createDaemonSet({
    metadata: { name: 'reuse', namespace: 'default' },
    spec: {
      selector: { matchLabels: LABELS },
      template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    },
  });
  const controller = new DaemonSetController(cluster.store);
  cluster.addController(controller);
  expect(cluster.settle({ maxRounds: 1000 }).converged).toBe(true);
  controller.processEvents();
  const key = objectKey(created.metadata ?? {});
  const ds = () => controller.cache.daemonSets.get(key) as DaemonSet;
  return { cluster, controller, key, ds };
}

describe('a claim reused across syncs', () => {
  it('is reused while nothing changed, and read-only', () => {
    const { controller, ds } = settledWorld();
    const first = controller.nodesToDaemonPods(ds(), false);
    expect(controller.nodesToDaemonPods(ds(), false)).toBe(first);
    const pods = first.get('node-0') as unknown[];
    expect(() => pods.push(pods[0])).toThrow(TypeError);
  });

  it('is claimed again after a pod changes, though the DaemonSet object is the same', () => {
    const { cluster, controller, ds } = settledWorld();
    const before = ds();
    expect(controller.nodesToDaemonPods(before, false).get('node-1')).toHaveLength(1);
    const pod = cluster.pods().find((p) => p.spec?.nodeName === 'node-1');
    // An unscheduled-style removal: no grace period, so the pod is gone from the store at once.
    cluster.deletePod('default', pod?.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    controller.processEvents();
    expect(ds()).toBe(before);
    expect(controller.nodesToDaemonPods(before, false).get('node-1')).toBeUndefined();
  });

  it('adopts an orphan that appears, and releases a pod relabelled away, with the same DaemonSet object', () => {
    const { cluster, controller, ds, key } = settledWorld();
    controller.nodesToDaemonPods(ds(), false);
    const owned = cluster.pods().find((p) => p.spec?.nodeName === 'node-2');
    cluster.store.update('Pod', { ...owned, metadata: { ...owned?.metadata, labels: { app: 'other' } } });
    cluster.store.create('Pod', {
      metadata: { name: 'orphan', namespace: 'default', labels: LABELS },
      spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'i' }] },
    });
    controller.processEvents();
    controller.syncDaemonSet(key);
    const orphan = cluster.pods().find((p) => p.metadata?.name === 'orphan');
    expect(orphan?.metadata?.ownerReferences?.[0]?.uid).toBe(ds().metadata?.uid);
    const released = cluster.pods().find((p) => p.metadata?.name === owned?.metadata?.name);
    expect(released?.metadata?.ownerReferences ?? []).toEqual([]);
  });
});
