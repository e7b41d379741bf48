/**
 * Clusters for the controller benchmarks, shaped like upstream's benchmark_test.go: nodes
 * `node-i` labelled with hostname, one of three zones and one region; a DaemonSet `bench` whose
 * template optionally carries the "exclusion" affinity (one required term, six NotIn expressions).
 */
import type { Affinity } from 'kubernetes-types/core/v1.js';
import { SimulatedCluster } from '../src/cluster/cluster.js';
import type { DaemonSet } from '../src/cluster/objects.js';
import { objectKey } from '../src/cluster/objects.js';
import { Backoff } from '../src/controller/backoff.js';
import { DaemonSetController, type DaemonSetControllerOptions } from '../src/controller/controller.js';
import { StoreDaemonSetControl } from '../src/controller/daemonSetControl.js';
import { ControllerExpectations } from '../src/controller/expectations.js';
import { REFERENCE_RULES } from '../src/controller/rules.js';
import type { SyncContext } from '../src/controller/syncContext.js';

export type AffinityCase = 'none' | 'exclusion';

/** exclusionNodeAffinity() of upstream's benchmark, value for value. */
export function exclusionNodeAffinity(): Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: 'example.com/papaya', operator: 'NotIn', values: ['true'] },
              { key: 'example.com/kumquat', operator: 'NotIn', values: ['true'] },
              { key: 'quince', operator: 'NotIn', values: ['dragonfruit'] },
              { key: 'lychee', operator: 'NotIn', values: ['rambutan'] },
              { key: 'example.com/durian', operator: 'NotIn', values: ['mangosteen', 'tamarind', 'persimmon'] },
              { key: 'example.com/guava', operator: 'NotIn', values: ['starfruit'] },
            ],
          },
        ],
      },
    },
  };
}

const LABELS = { name: 'simple-daemon', type: 'production' };

/** newDaemonSet("bench") of upstream's tests, with the chosen affinity. */
export function benchDaemonSet(affinity: AffinityCase): DaemonSet {
  return {
    metadata: { name: 'bench', namespace: 'default' },
    spec: {
      selector: { matchLabels: { ...LABELS } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { ...LABELS } },
        spec: {
          containers: [{ name: 'foo', image: 'foo/bar', terminationMessagePath: '/dev/termination-log' }],
          dnsPolicy: 'Default',
          ...(affinity === 'exclusion' ? { affinity: exclusionNodeAffinity() } : {}),
        },
      },
    },
  };
}

/** A simulated cluster with `nodes` Ready nodes labelled as upstream's benchmark labels them. */
export function benchCluster(nodes: number): SimulatedCluster {
  // The kubelet makes started pods Ready by itself, so a settled cluster is a healthy one.
  const cluster = new SimulatedCluster({ kubelet: { readiness: 'auto' } });
  for (let i = 0; i < nodes; i++) {
    cluster.addNode(`node-${i}`, {
      labels: {
        'kubernetes.io/hostname': `node-${i}`,
        'topology.kubernetes.io/zone': `zone-${i % 3}`,
        'topology.kubernetes.io/region': 'region-1',
      },
    });
  }
  return cluster;
}

export interface ControllerWorld {
  cluster: SimulatedCluster;
  controller: DaemonSetController;
  key: string;
}

/** The cluster, the DaemonSet and a reference controller whose informers have seen everything. */
export function controllerWorld(
  nodes: number,
  affinity: AffinityCase,
  options: DaemonSetControllerOptions = {},
): ControllerWorld {
  const cluster = benchCluster(nodes);
  const ds = cluster.createDaemonSet(benchDaemonSet(affinity));
  const controller = new DaemonSetController(cluster.store, options);
  cluster.addController(controller);
  controller.processEvents();
  return { cluster, controller, key: objectKey(ds.metadata ?? {}) };
}

/**
 * A SyncContext for the cached DaemonSet, built the way the controller builds its own (same
 * cache, same claim through `nodesToDaemonPods`), for calling one part of a sync on its own.
 */
export function syncContextFor(world: ControllerWorld): SyncContext {
  const { controller, cluster, key } = world;
  const ds = controller.cache.daemonSets.get(key) as DaemonSet;
  const store = cluster.store;
  return {
    ds,
    key,
    nodes: controller.cache.nodes.list(),
    nowMs: cluster.clock.nowMs(),
    control: new StoreDaemonSetControl(store),
    cache: controller.cache,
    expectations: new ControllerExpectations(() => cluster.clock.nowMs()),
    failedPodsBackoff: new Backoff(),
    burstReplicas: 250,
    rules: REFERENCE_RULES,
    enqueueAfter: () => {},
    nodesToDaemonPods: (includeDeletedTerminal) => controller.nodesToDaemonPods(ds, includeDeletedTerminal),
    daemonPods: () => [...controller.nodesToDaemonPods(ds, true).values()].flat(),
    nodeByName: (name) => controller.cache.nodes.get(name),
  };
}
