/**
 * What deleting a DaemonSet leaves behind (note §6). Its dependents are its pods and its
 * ControllerRevisions (controller references with blockOwnerDeletion).
 * - Background: the object goes at once; the garbage collector then deletes every dependent.
 * - Foreground: the object stays (deletionTimestamp set) until no dependent is left in the API,
 *   i.e. until its pods finished terminating; then it goes.
 * - Orphan: dependents lose their controller reference and stay; then the object goes.
 * While the object has a deletionTimestamp the controller writes nothing.
 */
import { isPodTerminal } from './pods.ts';
import type { Cluster, DeletionPolicy } from './types.ts';

export interface DeletionExpectation {
  /** The DaemonSet object no longer exists once things settle. */
  readonly daemonSetRemoved: boolean;
  /** Pods that must still exist, with no controller (Orphan). */
  readonly orphanedPods: readonly string[];
  /** Revisions that must still exist, with no controller (Orphan). */
  readonly orphanedRevisions: readonly string[];
  /** False when dependents sit on nodes whose kubelet is down, so their deletion never finishes. */
  readonly exact: boolean;
  readonly reasons: readonly string[];
}

/**
 * The settled outcome of deleting the DaemonSet with UID `uid` under `policy`, from the cluster
 * as it is now. In every case no pod or revision references `uid` afterwards.
 */
export function expectedAfterDeletion(cluster: Cluster, uid: string, policy: DeletionPolicy): DeletionExpectation {
  const readyNodes = new Set(cluster.nodes.filter((n) => n.ready === 'True').map((n) => n.name));
  const existing = new Set(cluster.nodes.map((n) => n.name));
  const owned = cluster.pods.filter((p) => p.controllerUid === uid);
  if (policy === 'Orphan') {
    return {
      daemonSetRemoved: true,
      // Pod GC still removes pods bound to nodes that no longer exist.
      orphanedPods: owned.filter((p) => !p.terminating && !(p.bound && !existing.has(p.node))).map((p) => p.name),
      orphanedRevisions: cluster.revisions.filter((r) => r.controllerUid === uid).map((r) => r.name),
      exact: true,
      reasons: [],
    };
  }
  // A bound pod that must terminate on an existing node whose kubelet is down stays Terminating.
  const stuck = owned.filter((p) => p.bound && !isPodTerminal(p) && existing.has(p.node) && !readyNodes.has(p.node));
  const reasons = stuck.map((p) => `pod ${p.name} cannot finish terminating: node ${p.node} is not Ready`);
  return {
    // A Background delete removed the object already; Foreground waits for every dependent.
    daemonSetRemoved: policy === 'Background' || stuck.length === 0,
    orphanedPods: [],
    orphanedRevisions: [],
    exact: stuck.length === 0,
    reasons,
  };
}
