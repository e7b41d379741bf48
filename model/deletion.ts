/**
 * What deleting a DaemonSet leaves behind (note §6). Its dependents are its pods and its
 * ControllerRevisions (controller references with blockOwnerDeletion).
 * - Background: the object goes at once; the garbage collector then deletes every dependent.
 * - Foreground: the object stays (deletionTimestamp set) until no dependent is left in the API,
 *   i.e. until its pods finished terminating; then it goes.
 * - Orphan: dependents lose their controller reference and stay; then the object goes.
 * While the object has a deletionTimestamp the controller writes nothing.
 */
import { daemonPodTolerations, schedulerFits, toleratesTaint } from './eligibility.ts';
import { isPodTerminal } from './pods.ts';
import type { Cluster, DeletionPolicy, Node, Pod, PodTemplate, Toleration } from './types.ts';

export interface DeletionExpectation {
  /** The DaemonSet object no longer exists once things settle (`maybe`: either outcome is correct). */
  readonly daemonSetRemoved: boolean | 'maybe';
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
      // Pod GC still removes pods bound to nodes that no longer exist, and taint eviction still
      // removes bound pods that do not tolerate (forever) a NoExecute taint of their node.
      orphanedPods: owned
        .filter((p) => !p.terminating && !(p.bound && !existing.has(p.node)) && !mayBeTaintEvicted(cluster, p))
        .map((p) => p.name),
      orphanedRevisions: cluster.revisions.filter((r) => r.controllerUid === uid).map((r) => r.name),
      exact: true,
      reasons: [],
    };
  }
  // A bound pod that must terminate on an existing node whose kubelet is down stays Terminating.
  const kubeletDown = (node: string) => existing.has(node) && !readyNodes.has(node);
  // A held pod (someone else's finalizer) stays in the API, Terminating, until the finalizer goes.
  const stuck = owned.filter((p) => p.held || (p.bound && !isPodTerminal(p) && kubeletDown(p.node)));
  // An unbound pod for such a node races the garbage collector against the scheduler: deleted
  // while unbound it goes at once (CheckGracefulDelete), bound first it stays Terminating.
  const mayStick = owned.filter(
    (p) => !p.bound && !p.terminating && !isPodTerminal(p) && kubeletDown(p.node) && mayBeBound(cluster, p),
  );
  const reasons = [
    ...stuck.map((p) =>
      p.held
        ? `pod ${p.name} stays until its finalizer is removed`
        : `pod ${p.name} cannot finish terminating: node ${p.node} is not Ready`,
    ),
    ...mayStick.map((p) => `pod ${p.name} may be bound to node ${p.node}, which is not Ready, before it is deleted`),
  ];
  return {
    // A Background delete removed the object already; Foreground waits for every dependent.
    daemonSetRemoved: policy === 'Background' || (stuck.length === 0 && (mayStick.length === 0 ? true : 'maybe')),
    orphanedPods: [],
    orphanedRevisions: [],
    exact: reasons.length === 0,
    reasons,
  };
}

/** Whether the scheduler could still bind this unbound pod to its node. */
function mayBeBound(cluster: Cluster, pod: Pod): boolean {
  const node = cluster.nodes.find((n) => n.name === pod.node);
  if (!node) return false;
  const template = podTemplate(cluster, pod);
  return template === undefined || schedulerFits(node, template);
}

/**
 * Whether the taint eviction controller may delete this pod, which no DaemonSet controller
 * protects once it is orphaned: it is bound to a node with a NoExecute taint that its tolerations
 * do not tolerate, or tolerate only for a while (tainteviction's getPodEvictionDecision). A pod
 * whose template the cluster no longer records may be evicted by any NoExecute taint.
 */
export function mayBeTaintEvicted(cluster: Cluster, pod: Pod): boolean {
  if (!pod.bound) return false;
  const taints = cluster.nodes.find((n) => n.name === pod.node)?.taints.filter((t) => t.effect === 'NoExecute') ?? [];
  if (taints.length === 0) return false;
  const template = podTemplate(cluster, pod);
  if (!template) return true;
  const tolerations = daemonPodTolerations(template);
  return taints.some((taint) => {
    const match = tolerations.find((t) => toleratesTaint(t, taint));
    return match === undefined || match.tolerationSeconds != null;
  });
}

export type TaintEvictionOutlook = 'never' | 'maybe' | 'always';

/**
 * What the taint eviction controller does to this pod (tainteviction's getPodEvictionDecision): a
 * bound pod goes if some NoExecute taint of its node is not tolerated, or only for a while, by its
 * own tolerations. The observation does not carry tolerations, so they are read from the pod's
 * template: a pod a DaemonSet controller made carries the default daemon tolerations as well
 * (AddOrUpdateDaemonPodTolerations), an orphan made from the template may not. A pod with the
 * pod-template-generation label counts as made by a controller; without it, or without a known
 * template, the outcome is `maybe` wherever the two readings differ.
 */
export function taintEvictionOutlook(cluster: Cluster, pod: Pod): TaintEvictionOutlook {
  if (!pod.bound) return 'never';
  const node = cluster.nodes.find((n) => n.name === pod.node);
  if (!node) return 'never';
  return evictionOutlookOn(node, podTemplate(cluster, pod), pod.templateGeneration !== undefined);
}

/**
 * The same for a pod made from `template` (undefined: unknown) bound to `node`; `byController`:
 * it certainly carries the default daemon tolerations.
 */
export function evictionOutlookOn(
  node: Node,
  template: PodTemplate | undefined,
  byController: boolean,
): TaintEvictionOutlook {
  const taints = node.taints.filter((t) => t.effect === 'NoExecute');
  if (taints.length === 0) return 'never';
  if (!template) return 'maybe';
  // Each taint is matched by the first toleration that tolerates it (GetMatchingTolerations): none
  // or a non-positive tolerationSeconds evicts at once, a positive one after a while, which a
  // settling cluster may or may not reach.
  const decision = (tolerations: readonly Toleration[]): 'none' | 'later' | 'now' => {
    let later = false;
    for (const taint of taints) {
      const match = tolerations.find((t) => toleratesTaint(t, taint));
      if (match === undefined || (match.tolerationSeconds != null && match.tolerationSeconds <= 0)) return 'now';
      if (match.tolerationSeconds != null) later = true;
    }
    return later ? 'later' : 'none';
  };
  const withDefaults = decision(daemonPodTolerations(template));
  if (withDefaults === 'now') return 'always';
  if (withDefaults === 'none' && (byController || decision(template.tolerations) === 'none')) return 'never';
  return 'maybe';
}

/**
 * The template a pod was made from, when the cluster says: its revision's (by the pod's hash
 * label), else the DaemonSet's own template for a pod of the current hash.
 */
export function podTemplate(cluster: Cluster, pod: Pod): PodTemplate | undefined {
  if (pod.hash === undefined) return undefined;
  const stored = cluster.revisions.find((r) => r.hash === pod.hash && r.template !== undefined)?.template;
  if (stored) return stored;
  const ds = cluster.daemonSet;
  return ds !== undefined && ds.currentHash === pod.hash ? ds.spec.template : undefined;
}
