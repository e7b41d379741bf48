/**
 * The environment vocabulary: every event the model reacts to, as plain JSON (`type` is the
 * discriminant). The harness applies the same events to an implementation, so each event
 * states exactly what it does to the cluster. Pods are never named in events (implementations
 * pick their own names); pod events pick a pod with {@link PodSelector}.
 */
import type {
  DaemonSetSpec,
  DeletionPolicy,
  PodTemplate,
  RevisionClass,
  Taint,
  TaintEffect,
  UpdateStrategy,
} from './types.ts';

/**
 * Picks one pod on `node` among the observed pods there (see `Observation.pods`), optionally
 * only those whose revision is current or old (IsPodUpdated against the current revision), that
 * the event can apply to; among them the oldest (bound first, then creation time, then name).
 * When no pod qualifies the event does nothing. Without a DaemonSet every pod counts as old.
 */
export interface PodSelector {
  readonly node: string;
  readonly revision?: RevisionClass;
}

// --- nodes -----------------------------------------------------------------------------------

/** A node joins: Ready, schedulable, with the given labels and taints. No-op if it exists. */
export interface NodeAdded {
  readonly type: 'NODE_ADDED';
  readonly node: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
}
/** The Node object is deleted. Its pods stay until Pod GC (GC_STEP) or the controller removes them. */
export interface NodeRemoved {
  readonly type: 'NODE_REMOVED';
  readonly node: string;
}
export interface NodeLabelSet {
  readonly type: 'NODE_LABEL_SET';
  readonly node: string;
  readonly key: string;
  readonly value: string;
}
export interface NodeLabelRemoved {
  readonly type: 'NODE_LABEL_REMOVED';
  readonly node: string;
  readonly key: string;
}
/** Adds the taint unless one with the same key and effect exists (then its value is replaced). */
export interface TaintAdded {
  readonly type: 'TAINT_ADDED';
  readonly node: string;
  readonly taint: Taint;
}
/** Removes the taint with this key and effect. */
export interface TaintRemoved {
  readonly type: 'TAINT_REMOVED';
  readonly node: string;
  readonly key: string;
  readonly effect: TaintEffect;
}
/** `spec.unschedulable = true`; the node-lifecycle controller adds `node.kubernetes.io/unschedulable:NoSchedule`. */
export interface NodeCordoned {
  readonly type: 'NODE_CORDONED';
  readonly node: string;
}
/** `spec.unschedulable = false` and the unschedulable taint removed. */
export interface NodeUncordoned {
  readonly type: 'NODE_UNCORDONED';
  readonly node: string;
}
/**
 * The Ready condition becomes True; the node-lifecycle controller removes the `not-ready` and
 * `unreachable` taints (both effects). Pods on the node keep their readiness until POD_BECAME_READY.
 */
export interface NodeReady {
  readonly type: 'NODE_READY';
  readonly node: string;
}
/**
 * The Ready condition becomes False (`status` False, default) or Unknown (the node stopped
 * reporting). The node-lifecycle controller then adds `node.kubernetes.io/not-ready` (False) or
 * `node.kubernetes.io/unreachable` (Unknown) taints with effects NoSchedule and NoExecute, and
 * marks the node's pods not ready. While not Ready the node's kubelet does nothing: pods there
 * do not start, become ready or finish terminating.
 */
export interface NodeNotReady {
  readonly type: 'NODE_NOT_READY';
  readonly node: string;
  readonly status?: 'False' | 'Unknown';
}

// --- the DaemonSet object --------------------------------------------------------------------

/**
 * `kubectl create` of the DaemonSet (name `ds` unless given). Rejected without effect when the
 * spec is invalid (see `validateDaemonSetSpec`) or a DaemonSet object of that name exists.
 */
export interface DsCreated {
  readonly type: 'DS_CREATED';
  readonly spec: DaemonSetSpec;
  readonly name?: string;
}
/** Replaces `spec.template` (generation and template generation bump if it differs). */
export interface TemplateUpdated {
  readonly type: 'TEMPLATE_UPDATED';
  readonly template: PodTemplate;
}
/**
 * Replaces the spec fields outside the template: `updateStrategy`, and `minReadySeconds` /
 * `revisionHistoryLimit` when given. Rejected when invalid. Bumps generation only.
 */
export interface StrategyChanged {
  readonly type: 'STRATEGY_CHANGED';
  readonly updateStrategy: UpdateStrategy;
  readonly minReadySeconds?: number;
  readonly revisionHistoryLimit?: number;
}
/** DELETE with `propagationPolicy`. Background removes the object at once; the other two set deletionTimestamp. */
export interface DsDeleted {
  readonly type: 'DS_DELETED';
  readonly policy: DeletionPolicy;
}

// --- pods ------------------------------------------------------------------------------------

/** A Running, not-ready pod's Ready condition becomes True now (readiness probe passed). Needs a Ready node. */
export interface PodBecameReady extends PodSelector {
  readonly type: 'POD_BECAME_READY';
}
/** A non-terminating Pending or Running pod's phase becomes Failed (and not ready). */
export interface PodFailed extends PodSelector {
  readonly type: 'POD_FAILED';
}
/** A user deletes a non-terminating pod gracefully (deletionTimestamp set; the kubelet finishes it). */
export interface PodDeletedByUser extends PodSelector {
  readonly type: 'POD_DELETED_BY_USER';
}
/**
 * A pod without owner appears on `node`, bound, Running and Ready now, with labels that match
 * the DaemonSet's selector and, for `revision: 'current'`, the current revision's hash label
 * (no hash label for `'none'`, or when no DaemonSet exists).
 */
export interface OrphanPodAppeared {
  readonly type: 'ORPHAN_POD_APPEARED';
  readonly node: string;
  readonly revision: 'current' | 'none';
}

/**
 * A pod controlled by another controller (a ReplicaSet) appears on `node`, bound, Running and
 * Ready now, with labels that match the DaemonSet's selector (and, for `revision: 'current'`,
 * the current revision's hash label). The DaemonSet must ignore it.
 */
export interface ForeignPodAppeared {
  readonly type: 'FOREIGN_POD_APPEARED';
  readonly node: string;
  readonly revision: 'current' | 'none';
}
/**
 * A user changes a pod's labels. `matches: false`: the selected pod of the DaemonSet (or orphan)
 * stops matching the selector, so the DaemonSet releases it and it keeps running. `matches: true`:
 * the oldest pod on `node` that stopped matching (released or not) matches again, so the DaemonSet
 * controls or adopts it once more.
 */
export interface PodRelabeled extends PodSelector {
  readonly type: 'POD_RELABELED';
  readonly matches: boolean;
}

/** Someone adds a finalizer to the selected bound, non-terminating pod (a backup tool, a policy agent, …). */
export interface PodFinalizerAdded extends PodSelector {
  readonly type: 'POD_FINALIZER_ADDED';
}
/**
 * The finalizer of the selected held pod is removed: a pod whose deletion has nothing else to
 * wait for (its kubelet stopped it, it was never bound, or its node is gone) leaves the API.
 */
export interface PodFinalizerRemoved extends PodSelector {
  readonly type: 'POD_FINALIZER_REMOVED';
}

// --- faults ----------------------------------------------------------------------------------

/**
 * How the API server fails a request (POD_CREATES_FAIL, POD_DELETES_FAIL): 500 InternalError (the
 * default), 429 TooManyRequests (throttled), or 504 Timeout. Upstream's controller treats them
 * all alike: the write is not known to have happened.
 */
export type ApiFailureReason = 'InternalError' | 'TooManyRequests' | 'Timeout';

/** The failure of a request that a fault injects. */
export interface ApiFailure {
  readonly reason?: ApiFailureReason;
  /**
   * Timeout only: the server had done the work before the reply timed out (the pod was created
   * or deleted all the same). The controller is told the write failed; its watch shows the result.
   */
  readonly applied?: boolean;
}

/** The failing request took effect before its reply was lost: only a timeout can say so. */
export function isAppliedTimeout(failure: ApiFailure): boolean {
  return failure.applied === true && failure.reason === 'Timeout';
}

/**
 * The API server fails the DaemonSet controller's pod creates in its next sync from the
 * (`after` + 1)-th on (500 InternalError unless `reason` says otherwise); creates after that sync
 * work again. The controller issues creates in slow-start batches of 1, 2, 4, … and must stop
 * after a batch with a failure.
 */
export interface PodCreatesFail extends ApiFailure {
  readonly type: 'POD_CREATES_FAIL';
  readonly after: number;
}

/**
 * The controller process crashes in its next sync once it has sent `afterWrites` write requests
 * (pod, ControllerRevision and status writes; Events do not count): those are applied, the rest of
 * that sync's writes are never sent, and the controller restarts with nothing in memory
 * (expectations, failed-pod backoff) and informers that LIST the cluster afresh.
 */
export interface ControllerCrashes {
  readonly type: 'CONTROLLER_CRASHES';
  readonly afterWrites: number;
}

/**
 * The controller's watches break and re-connect (a fault): the watch events since its previous
 * step are lost, and before its next step its informers LIST again, inferring deletions of
 * objects the LIST lacks (client-go's DeletedFinalStateUnknown tombstones). The cluster itself
 * does not change.
 */
export interface WatchRelisted {
  readonly type: 'WATCH_RELISTED';
}

/**
 * Someone else updates the DaemonSet (an annotation; no spec change) between the controller's
 * read and its next status write (a fault): that write, made with the resourceVersion the
 * controller read, gets 409 Conflict. Upstream reads the DaemonSet again and retries once
 * (storeDaemonSetStatus); a controller behind the protocol learns of it from the write's result
 * and the DaemonSet's MODIFIED event. Nothing the model knows changes.
 */
export interface StatusWriteConflicts {
  readonly type: 'STATUS_WRITE_CONFLICTS';
}

/**
 * The API server fails the DaemonSet controller's pod deletes in its next sync from the
 * (`after` + 1)-th on (500 InternalError unless `reason` says otherwise); deletes after that sync
 * work again. Upstream's syncNodes lowers the expectation of a failed delete (it may never be
 * observed) and returns the error, so the sync is retried.
 */
export interface PodDeletesFail extends ApiFailure {
  readonly type: 'POD_DELETES_FAIL';
  readonly after: number;
}

/**
 * The controller's pod informer falls one step behind (a fault): its next sync sees none of the
 * pod watch events since its previous sync; they arrive, in order, at the sync after. Nodes,
 * DaemonSets and ControllerRevisions are seen as they are. Real informers lag like this (each
 * has its own watch) but never skip or reorder an object's events; upstream's expectations are
 * what keep a lagging controller from acting on pods it has not seen yet. Step invariants judge
 * that sync against the pods it saw. No effect on the first sync after a restart, whose informers
 * have just listed (WaitForCacheSync).
 */
export interface PodInformerLags {
  readonly type: 'POD_INFORMER_LAGS';
}

/**
 * The controller's next sync gets every watch event since its previous sync twice, each again
 * right after itself (a fault: at-least-once delivery). The repeat carries the resourceVersion
 * the informer already holds, so an informer that works like client-go's sees an update that
 * changes nothing (an add of a cached object is an update) or a second delete of what is gone.
 * A controller must not count an event twice. No effect with a relist in the same step.
 */
export interface WatchEventsDuplicated {
  readonly type: 'WATCH_EVENTS_DUPLICATED';
}

// --- controller memory and time --------------------------------------------------------------

/** The controller process restarts: in-memory state (expectations, failed-pod backoff) is lost. */
export interface ControllerRestarted {
  readonly type: 'CONTROLLER_RESTARTED';
}
/** The virtual clock moves forward (availability after minReadySeconds, failed-pod backoff). */
export interface TimeAdvanced {
  readonly type: 'TIME_ADVANCED';
  readonly seconds: number;
}

// --- steps of the actors around the cluster --------------------------------------------------

/** One `syncDaemonSet` of the DaemonSet controller over an up-to-date cache. */
export interface ControllerSync {
  readonly type: 'CONTROLLER_SYNC';
}
/**
 * Every kubelet on a Ready node does one pass: bound Pending pods start (Running, not ready),
 * terminating pods finish and disappear from the API.
 */
export interface KubeletStep {
  readonly type: 'KUBELET_STEP';
}
/** The default scheduler binds every unbound, non-terminating pod whose pinned node exists and fits it. */
export interface SchedulerStep {
  readonly type: 'SCHEDULER_STEP';
}
/**
 * One pass of the garbage collector and Pod GC: dependents of a vanished owner are deleted,
 * Foreground and Orphan deletions progress (dependents deleted or released, then the finalizer
 * removed), pods bound to missing nodes and terminating unbound pods are removed.
 */
export interface GcStep {
  readonly type: 'GC_STEP';
}

export type DsEvent =
  | NodeAdded
  | NodeRemoved
  | NodeLabelSet
  | NodeLabelRemoved
  | TaintAdded
  | TaintRemoved
  | NodeCordoned
  | NodeUncordoned
  | NodeReady
  | NodeNotReady
  | DsCreated
  | TemplateUpdated
  | StrategyChanged
  | DsDeleted
  | PodBecameReady
  | PodFailed
  | PodDeletedByUser
  | OrphanPodAppeared
  | ForeignPodAppeared
  | PodRelabeled
  | PodFinalizerAdded
  | PodFinalizerRemoved
  | PodCreatesFail
  | PodDeletesFail
  | ControllerCrashes
  | WatchRelisted
  | StatusWriteConflicts
  | PodInformerLags
  | WatchEventsDuplicated
  | ControllerRestarted
  | TimeAdvanced
  | ControllerSync
  | KubeletStep
  | SchedulerStep
  | GcStep;

export type DsEventType = DsEvent['type'];

/** The faults (issue 15): failures of the API server and of the controller's informers and process. */
export const FAULT_EVENT_TYPES = [
  'POD_CREATES_FAIL',
  'POD_DELETES_FAIL',
  'CONTROLLER_CRASHES',
  'WATCH_RELISTED',
  'STATUS_WRITE_CONFLICTS',
  'POD_INFORMER_LAGS',
  'WATCH_EVENTS_DUPLICATED',
] as const satisfies readonly DsEventType[];

/** Every event type, in documentation order. */
export const EVENT_TYPES = [
  'NODE_ADDED',
  'NODE_REMOVED',
  'NODE_LABEL_SET',
  'NODE_LABEL_REMOVED',
  'TAINT_ADDED',
  'TAINT_REMOVED',
  'NODE_CORDONED',
  'NODE_UNCORDONED',
  'NODE_READY',
  'NODE_NOT_READY',
  'DS_CREATED',
  'TEMPLATE_UPDATED',
  'STRATEGY_CHANGED',
  'DS_DELETED',
  'POD_BECAME_READY',
  'POD_FAILED',
  'POD_DELETED_BY_USER',
  'ORPHAN_POD_APPEARED',
  'FOREIGN_POD_APPEARED',
  'POD_RELABELED',
  'POD_FINALIZER_ADDED',
  'POD_FINALIZER_REMOVED',
  ...FAULT_EVENT_TYPES,
  'CONTROLLER_RESTARTED',
  'TIME_ADVANCED',
  'CONTROLLER_SYNC',
  'KUBELET_STEP',
  'SCHEDULER_STEP',
  'GC_STEP',
] as const satisfies readonly DsEventType[];

/** The events that are steps of an actor (as opposed to changes made by users or the environment). */
export const STEP_EVENT_TYPES = ['CONTROLLER_SYNC', 'KUBELET_STEP', 'SCHEDULER_STEP', 'GC_STEP'] as const;

export type StepEventType = (typeof STEP_EVENT_TYPES)[number];

export function isStepEvent(event: DsEvent): event is ControllerSync | KubeletStep | SchedulerStep | GcStep {
  return (STEP_EVENT_TYPES as readonly string[]).includes(event.type);
}
