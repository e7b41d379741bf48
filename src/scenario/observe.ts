/**
 * What an expectation looks at: a DaemonSet's pods grouped by the node they target, each with
 * its revision number (through the ControllerRevision that carries its hash), readiness and
 * image; the DaemonSet's revisions; the unowned pods of its namespace.
 */
import type { SimulatedCluster } from '../cluster/cluster.js';
import type { ControllerRevision, DaemonSet, Pod } from '../cluster/objects.js';
import { ControllerRevisionHashLabel, controllerRefOf } from '../cluster/objects.js';
import { comparePodsOldestFirst, getTargetNodeName, isPodAvailable, isPodReady } from '../controller/podTemplate.js';

/** A DaemonSet as the scenario knows it, even after it is gone (uid and selector of the last one seen). */
export interface DaemonSetRef {
  readonly namespace: string;
  readonly name: string;
}

export interface PodFacts {
  readonly pod: Pod;
  readonly name: string;
  readonly uid: string;
  readonly node: string;
  readonly terminating: boolean;
  readonly ready: boolean;
  readonly available: boolean;
  readonly phase: string;
  /** The ControllerRevision number of its hash, or undefined when no revision carries it. */
  readonly revision: number | undefined;
  readonly image: string;
}

export const refText = (ref: DaemonSetRef) => `${ref.namespace}/${ref.name}`;

/** The ControllerRevisions a DaemonSet controls, by revision number. */
export function revisionsOf(
  cluster: SimulatedCluster,
  ref: DaemonSetRef,
  uid: string | undefined,
): ControllerRevision[] {
  if (uid === undefined) return [];
  return cluster
    .revisions(ref.namespace)
    .filter((r) => controllerRefOf(r)?.uid === uid)
    .slice()
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

/** Pods controlled by the DaemonSet with `uid`, oldest first. */
export function podsOf(
  cluster: SimulatedCluster,
  ref: DaemonSetRef,
  uid: string | undefined,
  ds: DaemonSet | undefined,
): PodFacts[] {
  if (uid === undefined) return [];
  const byHash = new Map<string, number>();
  for (const r of cluster.revisions(ref.namespace)) {
    const hash = r.metadata?.labels?.[ControllerRevisionHashLabel];
    // Only the DaemonSet's own revisions, or unowned ones of its name after an orphaning delete.
    const owner = controllerRefOf(r);
    if (
      hash !== undefined &&
      (owner?.uid === uid || (owner === undefined && r.metadata?.name?.startsWith(`${ref.name}-`)))
    )
      byHash.set(hash, r.revision ?? 0);
  }
  const now = cluster.clock.nowMs();
  const minReady = ds?.spec?.minReadySeconds ?? 0;
  return cluster
    .pods(ref.namespace)
    .filter((p) => controllerRefOf(p)?.uid === uid)
    .slice()
    .sort(comparePodsOldestFirst)
    .map((pod) => factsOf(pod, byHash, minReady, now));
}

function factsOf(pod: Pod, byHash: ReadonlyMap<string, number>, minReady: number, now: number): PodFacts {
  const hash = pod.metadata?.labels?.[ControllerRevisionHashLabel];
  return {
    pod,
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    node: getTargetNodeName(pod) ?? '',
    terminating: pod.metadata?.deletionTimestamp != null,
    ready: isPodReady(pod),
    available: isPodAvailable(pod, minReady, now),
    phase: pod.status?.phase ?? 'Pending',
    revision: hash === undefined ? undefined : byHash.get(hash),
    image: pod.spec?.containers?.[0]?.image ?? '',
  };
}

/** Pods in the DaemonSet's namespace that no controller owns, not terminating (released or orphaned pods). */
export function orphansOf(cluster: SimulatedCluster, ref: DaemonSetRef): Pod[] {
  return cluster
    .pods(ref.namespace)
    .filter((p) => controllerRefOf(p) === undefined && p.metadata?.deletionTimestamp == null);
}

/** One line per pod, for failure messages: `node-0  ds-abc12  rev 2  Running  ready`. */
export function podTable(pods: readonly PodFacts[]): string[] {
  if (pods.length === 0) return ['(no pods)'];
  const rows = pods.map((p) => [
    p.node || '(no node)',
    p.name,
    p.revision === undefined ? 'rev ?' : `rev ${p.revision}`,
    p.terminating ? `${p.phase}, terminating` : p.phase,
    p.available ? 'available' : p.ready ? 'ready' : 'not ready',
    p.image,
  ]);
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '', 'en', { numeric: true }))
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
}
