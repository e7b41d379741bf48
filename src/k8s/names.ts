/**
 * The names the real-cluster adapter puts on what it creates. Everything carries the run label;
 * nothing without it is ever changed. Node and namespace names embed the run id and the case
 * number, so two runs (or two cases of one run) never share an object.
 */
import { randomBytes } from 'node:crypto';

/** On every namespace, node, DaemonSet (and its pod template) the adapter creates. */
export const RUN_LABEL = 'dsconform.io/run';
/** Which case of the run an object belongs to; the DaemonSet's nodeSelector uses it to stay on the case's nodes. */
export const CASE_LABEL = 'dsconform.io/case';

/** Bumped on the DaemonSet to make its controller sync it again, as an informer resync would. */
export const RESYNC_ANNOTATION = 'dsconform.io/resync';

/** What kwok looks for to fake a kubelet for a node (https://kwok.sigs.k8s.io/docs/user/kwok-in-cluster/). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_TYPE_LABEL = 'type';
export const KWOK_TYPE_VALUE = 'kwok';
/** kwok's conventional taint on fake nodes, which keeps ordinary workloads off them. */
export const KWOK_TAINT = { key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' } as const;
/** Added to every DaemonSet template the adapter creates, so its pods may run on the fake nodes. */
export const KWOK_TOLERATION = { key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' } as const;

/** A fresh run id: short, lowercase, valid in DNS labels. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** The names of one case: its namespace, and its nodes' prefix (n0 → `<prefix>n0`). */
export interface CaseNames {
  runId: string;
  caseId: string;
  namespace: string;
  nodePrefix: string;
}

export function caseNames(runId: string, caseNumber: number): CaseNames {
  const caseId = String(caseNumber);
  const base = `dsconform-${runId}-${caseId}`;
  return { runId, caseId, namespace: base, nodePrefix: `${base}-` };
}

/** Whether a namespace or node name is one this run would create (both start `dsconform-<run>-`). */
export function isRunNamespace(runId: string, name: string): boolean {
  return name.startsWith(`dsconform-${runId}-`);
}
