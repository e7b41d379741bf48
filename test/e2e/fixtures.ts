/** Fixtures for the e2e catalogue (test/e2e/framework/daemonset/fixtures.go, in our own words). */
import { SimulatedCluster, type SimulatedClusterOptions } from '../../src/cluster/cluster.js';
import type { DaemonSet, Pod } from '../../src/cluster/objects.js';
import { ControllerRevisionHashLabel, controllerRefOf } from '../../src/cluster/objects.js';
import { DaemonSetController } from '../../src/controller/controller.js';
import { isPodAvailable } from '../../src/controller/podTemplate.js';
import { nodeShouldRunDaemonPod } from '../../src/controller/shouldRun.js';

export const NS = 'default';
export const DS_NAME = 'daemon-set';

export function newCluster(nodes: number, options: SimulatedClusterOptions = {}) {
  const cluster = new SimulatedCluster(options);
  for (let i = 0; i < nodes; i++) cluster.addNode(`node-${i}`);
  const controller = new DaemonSetController(cluster.store);
  cluster.addController(controller);
  return { cluster, controller };
}

export function newDaemonSet(
  image = 'registry.k8s.io/e2e-test-images/httpd:2.4.38-4',
  extra: Partial<NonNullable<DaemonSet['spec']>> = {},
): DaemonSet {
  return {
    metadata: { name: DS_NAME, namespace: NS, labels: { 'daemonset-name': DS_NAME } },
    spec: {
      selector: { matchLabels: { 'daemonset-name': DS_NAME } },
      template: {
        metadata: { labels: { 'daemonset-name': DS_NAME } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 9376 }] }] },
      },
      ...extra,
    },
  };
}

export function daemonPods(cluster: SimulatedCluster): Pod[] {
  const ds = cluster.store.get('DaemonSet', NS, DS_NAME);
  return cluster.pods(NS).filter((p) => ds !== undefined && controllerRefOf(p)?.uid === ds.metadata?.uid);
}

/**
 * CheckRunningOnAllNodes: exactly one available, non-terminating daemon pod on every node where
 * shouldRun holds, and none elsewhere.
 */
export function runningOnAllEligibleNodes(cluster: SimulatedCluster): boolean {
  const ds = cluster.store.get('DaemonSet', NS, DS_NAME);
  if (ds === undefined) return false;
  const now = cluster.clock.nowMs();
  const live = daemonPods(cluster).filter((p) => p.metadata?.deletionTimestamp == null);
  for (const node of cluster.nodes()) {
    const name = node.metadata?.name;
    const onNode = live.filter((p) => p.spec?.nodeName === name);
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    if (shouldRun) {
      if (onNode.length !== 1 || !isPodAvailable(onNode[0] as Pod, ds.spec?.minReadySeconds ?? 0, now)) return false;
    } else if (onNode.length > 0) return false;
  }
  return true;
}

/** CheckDaemonStatus: desired == current == ready. */
export function statusConsistent(cluster: SimulatedCluster): boolean {
  const s = cluster.store.get('DaemonSet', NS, DS_NAME)?.status;
  return (
    s !== undefined &&
    s.desiredNumberScheduled === s.currentNumberScheduled &&
    s.currentNumberScheduled === s.numberReady
  );
}

export function hashesOf(pods: readonly Pod[]): string[] {
  return [...new Set(pods.map((p) => p.metadata?.labels?.[ControllerRevisionHashLabel] ?? ''))].sort();
}

export function imagesOf(pods: readonly Pod[]): string[] {
  return [...new Set(pods.map((p) => p.spec?.containers[0]?.image ?? ''))].sort();
}
