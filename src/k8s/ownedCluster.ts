import type { DsEventType } from '../../model/events.ts';

/**
 * The events KubeSystem applies through the seam below (pods it creates appear ready, as in
 * every campaign): what a campaign against such a cluster can draw beyond the real-cluster events.
 */
export const OWNED_CLUSTER_EVENTS = [
  'FOREIGN_POD_APPEARED',
  'ORPHAN_POD_APPEARED',
  'NODE_READY',
  'NODE_NOT_READY',
  'POD_BECAME_READY',
  'POD_FAILED',
  'TIME_ADVANCED',
] as const satisfies readonly DsEventType[];

/**
 * A cluster dsconform runs itself (`check --serve` with a controller that reads dsconform's
 * clock, docs/serve.md): the real-cluster campaign drives it through its API like any cluster,
 * and through this seam does what only a kubelet, a node or the passing of time can do. So the
 * campaign can draw the events a real cluster cannot be made to do (a pod becoming ready or
 * failing, a node's Ready condition, a jump in time), and quiescence can pass readiness probes
 * and move the clock to the next deadline, as the simulated campaigns do.
 */
export interface OwnedCluster {
  /** The cluster's clock, which is also the controller's (ms since the epoch). */
  nowMs(): number;
  /** Moves the clock forward (between steps only) and runs the components. */
  advance(ms: number): void;
  /** The node (its cluster name) exists and its Ready condition is True. */
  nodeIsReady(node: string): boolean;
  /** The node's kubelet reports Ready True, False or Unknown; the node lifecycle follows at once. */
  setNodeReady(node: string, status: 'True' | 'False' | 'Unknown'): void;
  /** The pod's readiness probe passes. */
  setPodReady(namespace: string, name: string): void;
  /** The pod's containers fail for good: phase Failed. */
  failPod(namespace: string, name: string): void;
  /** Every running, not-ready pod of the namespace on a Ready node passes its probe; true if any did. */
  passReadinessProbes(namespace: string): boolean;
}
