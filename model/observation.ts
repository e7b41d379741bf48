/**
 * The contract between the model and the harness: an {@link Observation} is an abstract
 * snapshot of one implementation (or of the model itself) after a step. The harness builds it
 * from whatever it runs; every oracle and invariant check reads only this shape.
 *
 * How to build one from a cluster:
 * - `time`: the virtual clock in seconds (the same clock the events advance).
 * - `nodes`: every Node object: name, labels, taints, `spec.unschedulable`, the Ready condition.
 * - `daemonSet`: the DaemonSet object if it exists (also while it has a deletionTimestamp):
 *   uid, `metadata.generation`, the `deprecated.daemonset.template.generation` annotation, the
 *   spec in the model's terms (types.ts), the status, `deleting` when a deletionTimestamp is set
 *   (with the finalizer that says which policy), and `currentHash`: the hash label of the
 *   ControllerRevision whose stored template equals `spec.template`, when one exists.
 * - `pods`: every pod controlled by this DaemonSet or by an earlier DaemonSet of the same name
 *   (any UID), plus every pod without controller whose labels match the selector. `node` is `spec.nodeName`, or for an unbound
 *   pod the value of its `metadata.name In [..]` node-affinity field requirement. Times in seconds.
 * - `revisions`: every ControllerRevision of the DaemonSet's name prefix or selector, with its
 *   hash label, revision number and controller UID; `template` when it can be decoded.
 * - `lastStep`: the event just applied and the writes the DaemonSet controller made while it
 *   was applied (empty for events that do not run the controller).
 */
import type { DsEvent } from './events.ts';
import type { Cluster, Toleration } from './types.ts';
import type { World } from './world.ts';

export interface CreatedPod {
  /** The node the pod was created for. */
  readonly node: string;
  /** Its name, when known (lets shape checks find it in `pods`). */
  readonly pod?: string;
  /** Its `controller-revision-hash` label. */
  readonly hash?: string;
  /**
   * Optional creation details for the pod-shape invariant (DS-SHAPE-01); the harness fills
   * what it can read from the create request.
   */
  readonly shape?: {
    readonly nodeName?: string;
    readonly tolerations: readonly Toleration[];
    /** Required node-affinity terms, each as the list of its matchFields `key op values`. */
    readonly requiredTerms: readonly (readonly string[])[];
    readonly controllerRef: boolean;
    readonly blockOwnerDeletion: boolean;
  };
}

export interface ControllerWrites {
  readonly creates: readonly CreatedPod[];
  /** Names of pods the controller asked the API server to delete. */
  readonly deletes: readonly string[];
  readonly statusWritten: boolean;
  /** ControllerRevision creates, updates and deletes. */
  readonly revisionWrites: number;
  /** Pod patches: adoption, release, relabelling. */
  readonly podPatches: number;
  /** Names of the pods patched, when the harness knows them (DS-OWN-04 checks them). */
  readonly patched?: readonly string[];
  /**
   * Outcome of every pod-create call in issue order (true = accepted), when the harness injects
   * API failures; lets DS-SYNC-03 check slow start.
   */
  readonly createAttempts?: readonly boolean[];
  /**
   * How many of the step's pod creates the API server refused because a fault was injected
   * (whatever the controller's kind: a process learns of them on its next step).
   */
  readonly createFailures?: number;
  /** How many of the step's pod deletes the API server refused because a fault was injected. */
  readonly deleteFailures?: number;
  /**
   * The controller crashed part-way through this step (CONTROLLER_CRASHES): the writes are the
   * ones it sent before, and it restarted with nothing in memory. A per-sync lower bound on writes
   * (DS-ROLL-08) does not apply to such a step.
   */
  readonly crashed?: boolean;
}

/**
 * A sync's deletes when the API server fails them from the (`failAfter` + 1)-th on (POD_DELETES_FAIL):
 * syncNodes sends every delete (no slow start), and a refused one leaves its pod, unless the
 * server had done it before its reply timed out (`applied`).
 */
export function deleteAttemptWrites(
  deletes: readonly string[],
  failAfter: number | undefined,
  applied = false,
): Pick<ControllerWrites, 'deletes' | 'deleteFailures'> {
  if (applied && failAfter !== undefined && failAfter < deletes.length)
    return { deletes: [...deletes], deleteFailures: deletes.length - failAfter };
  const done = failAfter === undefined ? [...deletes] : deletes.slice(0, failAfter);
  return done.length < deletes.length
    ? { deletes: done, deleteFailures: deletes.length - done.length }
    : { deletes: done };
}

/** What a step's create attempts add to its writes: the failures, and (`oneByOne`) the attempts themselves. */
export function createAttemptWrites(
  attempts: readonly boolean[],
  oneByOne = true,
): Pick<ControllerWrites, 'createAttempts' | 'createFailures'> {
  const createFailures = attempts.filter((ok) => !ok).length;
  return oneByOne ? { createAttempts: attempts, createFailures } : { createFailures };
}

export const NO_WRITES: ControllerWrites = {
  creates: [],
  deletes: [],
  statusWritten: false,
  revisionWrites: 0,
  podPatches: 0,
};

export interface StepRecord {
  readonly event: DsEvent;
  /** Writes made by the DaemonSet controller during this step. */
  readonly controller: ControllerWrites;
  /** The event was refused by the API (invalid spec, NotFound, AlreadyExists). */
  readonly rejected?: string;
  /**
   * The cluster as the controller's informers showed it when this sync began, where that was not
   * the cluster itself (POD_INFORMER_LAGS: the pods as of its previous sync). Step invariants
   * judge what the sync decided against this: a controller can only act on what it has seen.
   */
  readonly seen?: Observation;
  /**
   * With `seen`: pods that exist although the API server answered the controller's create with an
   * error (a timeout after the work was done) and that this sync had not seen yet. A controller
   * cannot know of them: upstream counts such a create as never made.
   */
  readonly unacknowledged?: readonly string[];
}

export interface Observation extends Cluster {
  readonly lastStep?: StepRecord;
}

/**
 * What a step is judged against: the observation before it, or, for a sync over a lagging cache,
 * what that sync saw (StepRecord.seen).
 */
export function judgedAgainst(after: Observation, before: Observation): Observation {
  return after.lastStep?.seen ?? before;
}

export function writeCount(w: ControllerWrites): number {
  return w.creates.length + w.deletes.length + (w.statusWritten ? 1 : 0) + w.revisionWrites + w.podPatches;
}

/** The model's own observation of its world: the same shape the harness builds. */
export function observe(world: World): Observation {
  const { controller: _memory, templates: _templates, serial: _serial, ...observation } = world;
  return observation;
}
