/**
 * The model's own vocabulary: an abstract view of nodes, a DaemonSet, its pods and
 * ControllerRevisions. Everything here is plain JSON data (no classes, no Dates): the
 * harness builds the same shapes from whatever implementation it runs (see
 * `observation.ts`), and the machine keeps them in its context.
 *
 * Times are seconds on a virtual clock; nothing in the model reads a real clock.
 */

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: TaintEffect;
}

/** Status of the node's `Ready` condition. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Node {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** `spec.unschedulable` (cordon). The DaemonSet controller ignores it; only its taint matters. */
  readonly unschedulable: boolean;
  /** The node's Ready condition. The controller never reads it; the kubelet stops working when it is not True. */
  readonly ready: ConditionStatus;
}

/**
 * `Equal` is the API default when the operator is empty. `Lt`/`Gt` exist behind an alpha gate that
 * the model treats as off (they never tolerate).
 */
export type TolerationOperator = 'Exists' | 'Equal' | 'Lt' | 'Gt';

export interface Toleration {
  /** Empty or absent matches every key (the API then requires operator Exists). */
  readonly key?: string;
  readonly operator?: TolerationOperator;
  readonly value?: string;
  /** Empty or absent matches every effect. */
  readonly effect?: TaintEffect | '';
  /** Only the taint-eviction controller reads it; eligibility ignores it. */
  readonly tolerationSeconds?: number;
}

/** Label-selector operators usable in node affinity `matchExpressions`. */
export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  readonly key: string;
  /** Any other string is a parse error: the term that holds it never matches. */
  readonly operator: NodeSelectorOperator | (string & {});
  readonly values: readonly string[];
}

/** Terms are ORed; requirements inside a term (expressions and fields) are ANDed. */
export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  /** Only `metadata.name` exists as a node field; only `In`/`NotIn` with exactly one value parse. */
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

/**
 * The part of `spec.template` the model reasons about. `image` stands for every other template
 * field: changing it (or anything else here) makes a new revision.
 */
export interface PodTemplate {
  readonly image: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`; absent = no requirement. */
  readonly requiredNodeAffinity?: readonly NodeSelectorTerm[];
  readonly tolerations: readonly Toleration[];
  readonly hostNetwork: boolean;
  /** `spec.template.spec.nodeName`: restricts the DaemonSet to that one node. */
  readonly nodeName?: string;
}

/** An int, or a percent string such as `"25%"` (intstr.IntOrString). */
export type IntOrPercent = number | `${number}%`;

export type UpdateStrategy =
  | { readonly type: 'RollingUpdate'; readonly maxUnavailable: IntOrPercent; readonly maxSurge: IntOrPercent }
  | { readonly type: 'OnDelete' };

export interface DaemonSetSpec {
  readonly template: PodTemplate;
  readonly updateStrategy: UpdateStrategy;
  readonly minReadySeconds: number;
  readonly revisionHistoryLimit: number;
}

/** The seven counters plus observedGeneration (`collisionCount` and conditions are not modelled). */
export interface DaemonSetStatus {
  readonly currentNumberScheduled: number;
  readonly numberMisscheduled: number;
  readonly desiredNumberScheduled: number;
  readonly numberReady: number;
  readonly numberAvailable: number;
  readonly updatedNumberScheduled: number;
  readonly numberUnavailable: number;
  readonly observedGeneration: number;
}

export type DeletionPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DaemonSet {
  readonly name: string;
  readonly uid: string;
  /** `metadata.generation`: bumped by every spec change. */
  readonly generation: number;
  /** Annotation `deprecated.daemonset.template.generation`: bumped by every template change. */
  readonly templateGeneration: number;
  readonly spec: DaemonSetSpec;
  readonly status: DaemonSetStatus;
  /**
   * Hash label of the ControllerRevision that matches `spec.template`. The model computes it
   * itself; an observation of an implementation may leave it out until such a revision exists.
   */
  readonly currentHash?: string;
  /**
   * Set once a Foreground or Orphan delete was requested (deletionTimestamp plus the matching
   * finalizer). A Background delete removes the object at once, so it never shows here.
   */
  readonly deleting?: 'Foreground' | 'Orphan';
  /** `spec.selector` is `{}`. The API rejects it; present only to express P24 on an observation. */
  readonly selectsAll?: boolean;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface Pod {
  readonly name: string;
  /** The node the pod is for: `spec.nodeName` when bound, else the pinned `metadata.name In [node]` affinity. */
  readonly node: string;
  /** `spec.nodeName` is set (the scheduler bound it, or it was created bound). */
  readonly bound: boolean;
  /** `controller-revision-hash` label; absent when the pod has none. */
  readonly hash?: string;
  /** `pod-template-generation` label. */
  readonly templateGeneration?: number;
  /** UID of the controlling owner (a DaemonSet); absent for an orphan. */
  readonly controllerUid?: string;
  readonly phase: PodPhase;
  /** Ready condition is True. */
  readonly ready: boolean;
  /** When the Ready condition last became True (lastTransitionTime). */
  readonly readySince?: number;
  /** `metadata.deletionTimestamp` is set (graceful deletion in progress). */
  readonly terminating: boolean;
  readonly createdAt: number;
  /**
   * Its labels no longer match the DaemonSet's selector (a user relabelled it): the DaemonSet
   * releases it if it controls it (ClaimPods) and never adopts it.
   */
  readonly unmatched?: boolean;
  /** Controlled by another kind of controller (a ReplicaSet, say): never the DaemonSet's to claim or touch. */
  readonly foreign?: boolean;
  /**
   * A finalizer (someone else's, not the garbage collector's) keeps the pod in the API after its
   * deletion until it is removed: the pod stays Terminating, and once its kubelet has stopped it,
   * terminal and Terminating at once.
   */
  readonly held?: boolean;
}

export interface Revision {
  readonly name: string;
  readonly hash: string;
  readonly revision: number;
  /** UID of the controlling DaemonSet; absent once orphaned. */
  readonly controllerUid?: string;
  /** The template the revision stores (used to know where an old pod can be scheduled). */
  readonly template?: PodTemplate;
}

/** Pod selection used by pod events, independent of pod names (which implementations choose). */
export type RevisionClass = 'current' | 'old';

/** What the API server holds at one instant, plus the virtual clock: the input of every pure rule. */
export interface Cluster {
  /** Seconds on the virtual clock. */
  readonly time: number;
  readonly nodes: readonly Node[];
  /** Absent when no DaemonSet object exists (never created, or removed). */
  readonly daemonSet?: DaemonSet;
  /** Pods controlled by the DaemonSet or an earlier one of the same name, plus orphans matching its selector. */
  readonly pods: readonly Pod[];
  /**
   * Pods beside the DaemonSet that it must leave alone: pods of other controllers that its selector
   * matches (`foreign`), and pods it released after a user relabelled them (`unmatched`, no controller).
   */
  readonly bystanders?: readonly Pod[];
  readonly revisions: readonly Revision[];
}
