/**
 * The OwnedCluster seam (src/k8s/ownedCluster.ts) of a served cluster whose clock moves in steps:
 * what a campaign does as the kubelet, the node and time, applied to the simulated cluster behind
 * the API (the components then run, and the API's watchers see the changes as from any writer).
 */

import { nodeReadyStatus } from '../cluster/kubelet.js';
import type { OwnedCluster } from '../k8s/ownedCluster.js';
import type { ClockDriver } from './clockDriver.js';
import type { ServedCluster } from './servedCluster.js';

export function ownedServedCluster(served: ServedCluster, driver: ClockDriver): OwnedCluster {
  const { cluster } = served;
  const thenSettle = <T>(change: () => T): T => {
    const result = change();
    driver.tick();
    return result;
  };
  return {
    nowMs: () => served.nowMs(),
    advance: (ms) => driver.advance(ms),
    nodeIsReady: (node) => {
      const found = cluster.store.get('Node', undefined, node);
      return found !== undefined && nodeReadyStatus(found) === 'True';
    },
    setNodeReady: (node, status) =>
      thenSettle(() => {
        cluster.setNodeReady(node, status);
        cluster.nodeLifecycle.step(); // taints and pod readiness follow at once, as in every campaign
      }),
    setPodReady: (namespace, name) => thenSettle(() => cluster.kubelet.setPodReady(namespace, name, true)),
    failPod: (namespace, name) => thenSettle(() => cluster.kubelet.failPod(namespace, name)),
    passReadinessProbes: (namespace) => thenSettle(() => cluster.kubelet.passReadinessProbes(namespace)),
  };
}
