/**
 * Partial-order reduction for bounded exploration (src/harness/explore.ts): a one-level
 * "diamond" rule over node-local environment events that skips transitions, never states.
 *
 * The rule. State x was created from its parent s by a node-local event u (the class below), and
 * s also had a node-local event t on another node that created a new state y = s·t, with t before
 * u in a fixed order (their keys). Then x's transition t is skipped: it leads to x·t = s·u·t, which
 * is s·t·u = y·u, and y·u is computed when y is expanded (y is at x's level, below the bound, and
 * y never skips u by the same rule, since u is not before t).
 *
 * Why it is sound for what explore checks:
 * - Commutation: the events of the class change only their own node and the pods on it, in place
 *   (model/world.ts applyEnvironmentEvent: updateNode, updatePod, deletePod, a filter of the
 *   node list); each reads only its node, the pods on it and what no event of the class changes
 *   (the DaemonSet, the clock), and none takes the serial, so on different nodes they commute
 *   exactly (the same world either way, so the same key), and neither enables or disables the
 *   other. A test checks both on every pair of every state of small explorations.
 * - Checks: the skipped transition's target is reached (y·u), so every state check (`always`,
 *   `quiescent`, the replay on a target) still runs on it. The skipped transition's own `step`
 *   check says nothing beyond that: a class event writes nothing for the controller (lastStep
 *   controller NO_WRITES, event not CONTROLLER_SYNC), which every controller-step invariant
 *   requires (model/invariants.ts: controllerStep, writesOf, the CONTROLLER_SYNC guards); it does
 *   not change the DaemonSet or the revisions, which DS-STATUS-03 (a decrease), DS-HIST-03 (a new
 *   revision) and DS-DEL-03/04 (the DaemonSet gone) need; what is left of the step scope on it is
 *   DS-STATUS-03's observedGeneration ≤ generation, a property of the target state, checked on
 *   y·u. DS-BACKOFF-01 looks only at controller deletions.
 * - Counts: the states are exactly those explored without the reduction, and the transitions
 *   without it are the transitions computed plus those skipped (each skipped one is enabled).
 * NODE_ADDED, ORPHAN_/FOREIGN_POD_APPEARED (they take the world's serial for names and append),
 * POD_RELABELED (it moves pods between the pod list and the bystanders), the DaemonSet's events,
 * faults, the clock and the actors' steps are not in the class.
 */
import type { DsEvent } from '../../model/events.ts';

/** The node a node-local environment event acts on, or undefined for events outside the class. */
export function porNode(event: DsEvent): string | undefined {
  switch (event.type) {
    case 'NODE_REMOVED':
    case 'NODE_LABEL_SET':
    case 'NODE_LABEL_REMOVED':
    case 'TAINT_ADDED':
    case 'TAINT_REMOVED':
    case 'NODE_CORDONED':
    case 'NODE_UNCORDONED':
    case 'NODE_READY':
    case 'NODE_NOT_READY':
    case 'POD_BECAME_READY':
    case 'POD_FAILED':
    case 'POD_DELETED_BY_USER':
    case 'POD_FINALIZER_ADDED':
    case 'POD_FINALIZER_REMOVED':
      return event.node;
    default:
      return undefined;
  }
}

/**
 * The fixed order of the rule: events of the class compare by this key, one per event (every field
 * of the event, `\u0000`-separated; made for each candidate of many states, so not JSON).
 */
export function porKey(event: DsEvent): string {
  const sep = '\u0000';
  switch (event.type) {
    case 'NODE_LABEL_SET':
      return `${event.type}${sep}${event.node}${sep}${event.key}${sep}${event.value}`;
    case 'NODE_LABEL_REMOVED':
      return `${event.type}${sep}${event.node}${sep}${event.key}`;
    case 'TAINT_ADDED':
      return `${event.type}${sep}${event.node}${sep}${event.taint.key}${sep}${event.taint.value}${sep}${event.taint.effect}`;
    case 'TAINT_REMOVED':
      return `${event.type}${sep}${event.node}${sep}${event.key}${sep}${event.effect}`;
    case 'NODE_NOT_READY':
      return `${event.type}${sep}${event.node}${sep}${event.status ?? ''}`;
    case 'POD_BECAME_READY':
    case 'POD_FAILED':
    case 'POD_DELETED_BY_USER':
    case 'POD_FINALIZER_ADDED':
    case 'POD_FINALIZER_REMOVED':
      return `${event.type}${sep}${event.node}${sep}${event.revision ?? ''}`;
    default:
      return JSON.stringify(event);
  }
}

/**
 * The skip predicate for the transitions of a state created from its parent by `via`, given the
 * keys of the class events that created new states from that parent (asked for only when `via` is
 * in the class). Undefined when nothing can be skipped.
 */
export function porSkip(
  via: DsEvent,
  createdFromParent: () => ReadonlySet<string>,
): ((event: DsEvent) => boolean) | undefined {
  const viaNode = porNode(via);
  if (viaNode === undefined) return undefined;
  const created = createdFromParent();
  if (created.size <= 1) return undefined;
  const viaKey = porKey(via);
  return (event) => {
    const node = porNode(event);
    if (node === undefined || node === viaNode) return false;
    const key = porKey(event);
    return key < viaKey && created.has(key);
  };
}
