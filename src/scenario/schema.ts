/**
 * The scenario format, as zod schemas: one source for validation and for the JSON Schema editors
 * use for completion (docs/scenario.schema.json). Steps are single-key mappings (`- taint: {...}`)
 * or bare words (`- settle`); each action's argument has its own schema so that a mistake is
 * reported against that action, not as "no union member matched".
 */
import { z } from 'zod';
import { apiFaultSchema } from '../harness/apiFailureSchema.js';
import { clusterDescriptionSchema } from '../manifests/clusterDescription.js';
import { atMost, INPUT_LIMITS } from '../manifests/limits.js';

// --- shared pieces -----------------------------------------------------------------------------

/** `3`, or a comparison such as `">= 1"`, `"<2"`, `"=0"`. */
export const COUNT_PATTERN = /^\s*(>=|<=|>|<|=)?\s*(\d+)\s*$/;
/** A status field compared with another: `<= numberReady`. */
export const STATUS_RELATION = /^\s*(>=|<=|>|<|=)?\s*([a-zA-Z]+)\s*$/;
const COUNT_EXPECTED = 'expected a whole number or a comparison such as ">= 1"';
export const countSchema = z
  .union(
    [
      z.number().int({ error: COUNT_EXPECTED }).nonnegative({ error: COUNT_EXPECTED }),
      z.string().regex(COUNT_PATTERN, { error: COUNT_EXPECTED }),
    ],
    { error: COUNT_EXPECTED },
  )
  .describe('A whole number, or a comparison such as ">= 1", "< 3".');
export type Count = z.infer<typeof countSchema>;

const nodeName = z.string().min(1).describe('A node name.');

/** Which DaemonSet a step or expectation is about: `name` or `namespace/name`; default: the first one in `manifests`. */
const daemonSetRef = z
  .string()
  .min(1)
  .describe('The DaemonSet: `name` or `namespace/name`. Default: the first DaemonSet of `manifests`.');

const taintEffect = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
const conditionStatus = z.enum(['True', 'False', 'Unknown']);
const podPhase = z.enum(['Pending', 'Running', 'Succeeded', 'Failed']);
const propagationPolicy = z.enum(['Background', 'Foreground', 'Orphan']);

/** One node, as in a cluster description (`dsconform simulate --cluster`); `name` may hold a range `node-{0..4}`. */
export const nodeSchema = clusterDescriptionSchema.shape.nodes.element;

/** A Kubernetes object written inline: anything with apiVersion and kind. */
const inlineObject = z
  .looseObject({ apiVersion: z.string(), kind: z.string() })
  .describe('A Kubernetes object written inline (only DaemonSets are used; other kinds are skipped).');

/** A manifest: a path relative to the scenario file, `{file: path}`, or an object written inline. */
export const manifestRefSchema = z.union([
  z.string().min(1).describe('A YAML file (multi-document) relative to the scenario file.'),
  z.strictObject({ file: z.string().min(1).describe('A YAML file relative to the scenario file.') }),
  inlineObject,
]);

// --- the cluster -------------------------------------------------------------------------------

export const kubeletSchema = z.strictObject({
  readiness: z
    .enum(['auto', 'manual'])
    .optional()
    .describe(
      "auto (default): started pods become Ready after readyAfterSeconds. manual: pods become Ready only through markReady, as in upstream's unit tests.",
    ),
  readyAfterSeconds: z
    .number()
    .nonnegative()
    .max(INPUT_LIMITS.maxSeconds, { error: atMost(INPUT_LIMITS.maxSeconds, 'seconds') })
    .int()
    .optional()
    .describe('Delay of the readiness probe (auto).'),
  terminationSeconds: z
    .number()
    .nonnegative()
    .max(INPUT_LIMITS.maxSeconds, { error: atMost(INPUT_LIMITS.maxSeconds, 'seconds') })
    .int()
    .optional()
    .describe('How long a deleted pod takes to shut down (capped by its grace period). Default 0.'),
});

/** The simulated cluster's components besides the controller, by name. */
export const CLUSTER_COMPONENTS = [
  'scheduler',
  'kubelet',
  'node-lifecycle',
  'taint-eviction',
  'garbage-collector',
  'pod-gc',
] as const;

export const clusterSchema = z.strictObject({
  file: z
    .string()
    .min(1)
    .optional()
    .describe('A cluster description file (the `dsconform simulate --cluster` format), relative to the scenario.'),
  nodes: z
    .array(nodeSchema)
    .optional()
    .describe('Nodes, in order. `name: node-{0..4}` is five nodes with the same labels, taints and conditions.'),
  kubelet: kubeletSchema.optional(),
  disable: z
    .array(z.enum(CLUSTER_COMPONENTS))
    .optional()
    .describe(
      "Cluster components that do not run, e.g. taint-eviction to see the DaemonSet controller's own deletions as upstream's unit tests do.",
    ),
  podGC: z
    .strictObject({
      quarantineSeconds: z
        .number()
        .nonnegative()
        .max(INPUT_LIMITS.maxSeconds, { error: atMost(INPUT_LIMITS.maxSeconds, 'seconds') })
        .int()
        .optional()
        .describe('How long a node must be gone before Pod GC deletes its pods (upstream: 40). Default 0.'),
    })
    .optional(),
});

// --- steps -------------------------------------------------------------------------------------

/** The controller writes of the step just before (sync or settle). */
export const writesSchema = z.strictObject({
  creates: countSchema.optional().describe('Pods the controller created.'),
  deletes: countSchema.optional().describe('Pods the controller deleted (a deletionTimestamp set counts).'),
  statusWrites: countSchema
    .optional()
    .describe('Controller syncs that changed the DaemonSet status (0 or 1 for a sync; a settle counts each).'),
  podPatches: countSchema
    .optional()
    .describe('Pod patches of the controller (other than deletes): adoptions, releases, anything else.'),
  adoptions: countSchema.optional().describe('Pods the controller adopted (set itself as their controller).'),
  releases: countSchema.optional().describe('Pods the controller released (removed itself as their controller).'),
  revisionWrites: countSchema
    .optional()
    .describe(
      'ControllerRevision writes of the controller: creates, updates (renumbering), adoptions, releases, deletes.',
    ),
  revisionCreates: countSchema.optional().describe('ControllerRevisions the controller created.'),
  revisionUpdates: countSchema
    .optional()
    .describe('ControllerRevision updates of the controller: renumbering, adoptions, releases.'),
  revisionDeletes: countSchema.optional().describe('ControllerRevisions the controller deleted (history limit).'),
  events: z
    .record(z.string().min(1), countSchema)
    .optional()
    .describe('Events the controller recorded about DaemonSets during the step, by reason.'),
  daemonSet: daemonSetRef
    .optional()
    .describe(
      "Only the writes about this DaemonSet (its pods before or after the write, its revisions, its status, events about it). In an expect, the expect's daemonSet is the default.",
    ),
});

/** Picks pods of a DaemonSet on a node: the oldest matching one unless `all`. */
const podPick = {
  daemonSet: daemonSetRef.optional(),
  node: nodeName.optional().describe('The node; without it every node.'),
  revision: z
    .union([z.number().int().positive(), z.enum(['current', 'old'])])
    .optional()
    .describe(
      "Only pods of this ControllerRevision number; or `current` / `old`: pods that are (not) of the DaemonSet's current template, as upstream's IsPodUpdated says.",
    ),
  image: z.string().optional().describe("Only pods whose first container's image is this."),
  all: z.boolean().optional().describe('Every matching pod instead of the oldest one (default: all when no node).'),
  alone: z
    .boolean()
    .optional()
    .describe(
      'Only pods that are the single live pod of the DaemonSet on their node (e.g. nodes a rollout has not reached).',
    ),
  limit: z.number().int().positive().optional().describe('At most this many of the matching pods, oldest first.'),
};
const podPickSchema = z.strictObject(podPick);

const nodeOrPick = z.union([
  z.literal('all').describe('Every pod of the DaemonSet.'),
  nodeName.describe('The oldest pod of the DaemonSet on this node.'),
  podPickSchema,
]);

const labelsStep = z.strictObject({
  node: z.union([nodeName, z.array(nodeName)]),
  labels: z.record(z.string(), z.string()).describe('Labels to set (overwriting).'),
});
const unlabelStep = z.strictObject({
  node: z.union([nodeName, z.array(nodeName)]),
  key: z.union([z.string().min(1), z.array(z.string().min(1))]),
});
const taintStep = z.strictObject({
  node: z.union([nodeName, z.array(nodeName)]),
  key: z.string().min(1),
  value: z.string().optional(),
  effect: taintEffect,
});
const untaintStep = z.strictObject({
  node: z.union([nodeName, z.array(nodeName)]),
  key: z.string().min(1),
  effect: taintEffect.optional().describe('Without it, every effect.'),
});
const nodeList = z.union([nodeName, z.array(nodeName)]);

const syncStep = z.union([z.null(), writesSchema]);
const settleStep = z.union([
  z.null(),
  z.strictObject({
    ...writesSchema.shape,
    maxRounds: z
      .number()
      .positive()
      .max(INPUT_LIMITS.maxRounds, { error: atMost(INPUT_LIMITS.maxRounds, 'rounds') })
      .int()
      .optional()
      .describe('Give up after this many rounds (default 500).'),
    advanceTime: z
      .number()
      .nonnegative()
      .max(INPUT_LIMITS.maxSeconds, { error: atMost(INPUT_LIMITS.maxSeconds, 'seconds') })
      .optional()
      .describe(
        'While quiet, let the clock jump to the next thing that happens by itself (the controller’s wake-up for backoff or minReadySeconds, a readiness delay, a pod’s shutdown), up to this many seconds in all.',
      ),
  }),
]);

/** The non-validating store path of upstream's unit tests, marked as such in the step. */
const skipValidation = z
  .literal(true)
  .describe(
    "Write the object past the API server's validation (defaulting still applies), as upstream's unit tests put objects straight into informer caches: for a controller's behaviour with objects a real API server refuses (an empty selector). --trace marks the step.",
  );

const updateStep = z.strictObject({
  daemonSet: daemonSetRef.optional(),
  image: z.string().optional().describe('New image of the first container of the template.'),
  images: z.record(z.string(), z.string()).optional().describe('New images by container name.'),
  patch: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('A JSON merge patch (RFC 7386) of the DaemonSet object: maps merge, lists are replaced, null removes.'),
  manifest: manifestRefSchema.optional().describe('A full replacement: spec, labels and annotations of this manifest.'),
  template: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('A new spec.template (a PodTemplateSpec), replacing the old one whole.'),
  expectError: z
    .string()
    .optional()
    .describe('The API server must refuse the update with a message containing this text.'),
  skipValidation: skipValidation.optional(),
});

const deleteStep = z.union([
  z.null(),
  z.strictObject({
    daemonSet: daemonSetRef.optional(),
    propagationPolicy: propagationPolicy.optional().describe('Default: Background (apps/v1).'),
  }),
]);

/** Any pod of the DaemonSet's namespace by name, instead of a pick (deletePod, patchPod). */
const podByName = z
  .string()
  .min(1)
  .optional()
  .describe(
    "A pod by name, in the DaemonSet's namespace, instead of a pick: any pod (another controller's, an orphan, a terminating one).",
  );

const deletePodStep = z.union([
  nodeName,
  z.strictObject({
    ...podPick,
    name: podByName,
    gracePeriodSeconds: z
      .number()
      .nonnegative()
      .max(INPUT_LIMITS.maxSeconds, { error: atMost(INPUT_LIMITS.maxSeconds, 'seconds') })
      .int()
      .optional(),
  }),
]);

/** A pod of the DaemonSet under test, as the model's events pick it: a node, perhaps a revision class. */
const modelPodPick = z.union([
  nodeName,
  z.strictObject({ node: nodeName, revision: z.enum(['current', 'old']).optional() }),
]);

const createPodStep = z.strictObject({
  node: nodeName,
  daemonSet: daemonSetRef.optional().describe('The DaemonSet whose template, labels and revision the pod copies.'),
  name: z.string().min(1).optional().describe('Default: generated from the DaemonSet name.'),
  owner: z
    .union([
      z.enum(['none', 'daemonSet', 'foreign']),
      z
        .strictObject({
          kind: z.string().min(1),
          name: z.string().min(1),
          apiVersion: z
            .string()
            .min(1)
            .optional()
            .describe(
              'Default by kind: apps/v1 (ReplicaSet, Deployment, StatefulSet, DaemonSet), batch/v1 (Job, CronJob), v1 (ReplicationController).',
            ),
          controller: z.boolean().optional().describe('Default true: the owner is the controller of the pod.'),
        })
        .describe('Any owner: a ReplicaSet, a Job, another DaemonSet (its uid when it exists here)...'),
    ])
    .optional()
    .describe(
      'none (default): an orphan. daemonSet: controlled by the DaemonSet, as if it had created it. foreign: controlled by a ReplicaSet (another controller), which the DaemonSet must leave alone. {kind, name}: owned by that object.',
    ),
  labels: z
    .record(z.string(), z.string())
    .optional()
    .describe('Default: the template labels (so the selector matches).'),
  revision: z
    .union([z.literal('current'), z.literal('none'), z.number().int().positive()])
    .optional()
    .describe('controller-revision-hash label: the current revision (default), none, or a revision number.'),
  image: z.string().optional(),
  phase: podPhase.optional().describe('Default Running.'),
  ready: z.boolean().optional().describe('Default: true when Running.'),
  bound: z
    .boolean()
    .optional()
    .describe(
      'true (default): spec.nodeName is set. false: pinned by node affinity only, as the controller creates pods.',
    ),
  finalizers: z.array(z.string()).optional(),
});

const quiesceStep = z.union([
  z.null(),
  z.strictObject({
    maxAdvanceSeconds: z
      .number()
      .nonnegative()
      .max(INPUT_LIMITS.maxSeconds, { error: atMost(INPUT_LIMITS.maxSeconds, 'seconds') })
      .optional()
      .describe('How far the clock may jump to deadlines in all (default 3600).'),
  }),
]);

const nodeNotReadyStep = z.union([
  nodeName,
  z.strictObject({ node: nodeName, status: z.enum(['False', 'Unknown']).optional() }),
]);

const nodeConditionStep = z.strictObject({
  node: nodeName,
  type: z.enum(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable']),
  status: conditionStatus,
});

// --- expectations ------------------------------------------------------------------------------

export const podExpectationSchema = z.strictObject({
  count: countSchema.optional().describe('Pods of the DaemonSet targeting the node, not terminating.'),
  ready: countSchema.optional().describe('Of those, Ready.'),
  available: countSchema.optional().describe('Of those, Ready for at least minReadySeconds.'),
  terminating: countSchema.optional().describe('Pods with a deletionTimestamp.'),
  revision: z
    .union([z.number().int().positive(), z.array(z.number().int().positive())])
    .optional()
    .describe('ControllerRevision number of every counted pod, or of each (a sorted list) when several.'),
  image: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe("First container's image, like revision."),
  phase: z
    .union([podPhase, z.array(podPhase)])
    .optional()
    .describe('Phase of every counted pod, like revision.'),
});

const podsByNode = z
  .record(z.string(), z.union([countSchema, podExpectationSchema]))
  .describe('Per node: a count, or details. The key "*" applies to every existing node not listed.');

const statusFields = [
  'currentNumberScheduled',
  'desiredNumberScheduled',
  'numberMisscheduled',
  'numberReady',
  'numberAvailable',
  'numberUnavailable',
  'updatedNumberScheduled',
  'observedGeneration',
  'collisionCount',
] as const;
export type StatusField = (typeof statusFields)[number];

export /** What podDetails and podsNamed may say of a pod. */
const podDetailsSchema = z.strictObject({
  labels: z
    .record(z.string(), z.union([z.string(), z.null()]))
    .optional()
    .describe('These labels, with these values (null: the label is absent); others may be there too.'),
  annotations: z
    .record(z.string(), z.union([z.string(), z.null()]))
    .optional()
    .describe('These annotations, as labels.'),
  tolerations: z
    .array(z.record(z.string(), z.unknown()))
    .optional()
    .describe('Each of these tolerations is among the pod’s (the API server’s defaults included).'),
  owner: z
    .union([z.literal('none'), z.strictObject({ kind: z.string().min(1), name: z.string().min(1) })])
    .optional()
    .describe("The pod's controller (the ownerReference with controller: true), or none."),
  nodeAffinity: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("spec.affinity.nodeAffinity exactly (e.g. the DaemonSet's node pinning)."),
});

const expectSchema = z.strictObject({
  daemonSet: daemonSetRef.optional(),
  exists: z.boolean().optional().describe('The DaemonSet object exists (it may be deleting).'),
  deleting: z.boolean().optional().describe('The DaemonSet has a deletionTimestamp.'),
  generation: z.number().int().positive().optional(),
  pods: podsByNode.optional(),
  podsTotal: countSchema.optional().describe('Pods of the DaemonSet, not terminating, on any node.'),
  terminating: countSchema.optional().describe('Pods of the DaemonSet with a deletionTimestamp.'),
  orphans: z
    .union([countSchema, z.record(z.string(), countSchema)])
    .optional()
    .describe(
      "Pods in the DaemonSet's namespace that no controller owns (released or orphaned), not terminating; in all or per node.",
    ),
  status: z
    .partialRecord(
      z.enum(statusFields),
      z.union(
        [
          countSchema,
          z
            .string()
            .regex(STATUS_RELATION, {
              error: 'expected a count, or a comparison with another status field such as "<= numberReady"',
            })
            .refine((text) => (statusFields as readonly string[]).includes(STATUS_RELATION.exec(text)?.[2] ?? ''), {
              error: `a comparison names one of the status fields: ${statusFields.join(', ')}`,
            }),
        ],
        {
          error: `expected a whole number, a comparison such as ">= 1", or a comparison with another status field such as "<= numberReady" (${statusFields.join(', ')})`,
        },
      ),
    )
    .optional()
    .describe(
      'DaemonSet status fields; an absent field reads as 0. A value is a count, or a comparison with another field: "<= numberReady", "= desiredNumberScheduled".',
    ),
  revisions: z
    .union([
      countSchema,
      z.strictObject({
        count: countSchema.optional(),
        current: z.number().int().positive().optional().describe('The highest revision number.'),
        matchesTemplate: z
          .union([z.number().int().positive(), z.literal('none')])
          .optional()
          .describe(
            "The number of the revision whose template is the DaemonSet's current one (after a rollback, not the highest), or none.",
          ),
        orphaned: countSchema
          .optional()
          .describe(
            'ControllerRevisions of its namespace that no controller owns and its selector matches (the last one seen, after it is gone): what an orphaning delete leaves for the next DaemonSet with that selector to adopt.',
          ),
      }),
    ])
    .optional()
    .describe(
      'ControllerRevisions the DaemonSet controls (found by the uid last seen, also while or after it is deleted).',
    ),
  events: z
    .record(z.string(), countSchema)
    .optional()
    .describe('Events about the DaemonSet by reason, counted since the scenario started.'),
  writes: writesSchema.optional().describe('What the controller wrote during the step just before.'),
  kept: z
    .strictObject({
      snapshot: z.string().min(1),
      image: z.string().optional(),
      revision: z.number().int().positive().optional(),
    })
    .optional()
    .describe(
      'Every pod of the DaemonSet live at the snapshot (optionally only those of an image/revision) still exists, not terminating.',
    ),
  podsBy: z
    .strictObject({
      revision: z
        .record(z.string(), countSchema)
        .optional()
        .describe('Live pods per ControllerRevision number (`?`: none).'),
      image: z.record(z.string(), countSchema).optional().describe("Live pods per first container's image."),
      templateGeneration: z
        .record(z.string(), countSchema)
        .optional()
        .describe('Live pods per pod-template-generation label (`?`: none).'),
    })
    .optional()
    .describe('Counts of the DaemonSet’s live pods across all nodes, grouped; a value not named counts nothing.'),
  gone: z
    .strictObject({ snapshot: z.string().min(1) })
    .optional()
    .describe('None of the pods of the DaemonSet at the snapshot exists any more (not even terminating).'),
  podDetails: z
    .record(z.string(), podDetailsSchema)
    .optional()
    .describe('Details of every live pod of the DaemonSet on the node (the key), as the API server stores them.'),
  podsNamed: z
    .record(
      z.string().min(1),
      z.strictObject({
        exists: z.boolean().optional().describe('The pod exists (default true; false: it is gone).'),
        terminating: z.boolean().optional().describe('It has a deletionTimestamp.'),
        ...podDetailsSchema.shape,
      }),
    )
    .optional()
    .describe(
      "Any pod of the DaemonSet's namespace by name (an orphan, a released pod, another controller's): whether it exists and its details, as for podDetails.",
    ),
});
export type Expectation = z.infer<typeof expectSchema>;
export type PodExpectation = z.infer<typeof podExpectationSchema>;

// --- the step table ----------------------------------------------------------------------------

/** Every step, by its key. A step written as a bare word (`- settle`) has a null argument. */
export const STEP_SCHEMAS = {
  sync: syncStep.describe(
    'One controller step: it sees every change so far and syncs every DaemonSet once; then the rest of the cluster (scheduler, kubelet, GC) catches up.',
  ),
  settle: settleStep.describe('Controller and cluster run until nothing changes.'),
  advance: z
    .number()
    .positive()
    .max(INPUT_LIMITS.maxSeconds, { error: atMost(INPUT_LIMITS.maxSeconds, 'seconds') })
    .describe('Move the virtual clock forward by this many seconds.'),
  label: labelsStep,
  unlabel: unlabelStep,
  taint: taintStep,
  untaint: untaintStep,
  cordon: nodeList,
  uncordon: nodeList,
  addNode: nodeSchema,
  removeNode: nodeList,
  nodeReady: nodeList,
  nodeNotReady: nodeNotReadyStep,
  nodeCondition: nodeConditionStep,
  createDaemonSet: z
    .union([
      z
        .strictObject({
          manifest: manifestRefSchema,
          expectError: z
            .string()
            .min(1)
            .optional()
            .describe('The API server must refuse the create with a message containing this text.'),
          skipValidation: skipValidation.optional(),
        })
        .describe(
          'A create the API server must refuse (with `expectError`), or one written past validation (`skipValidation: true`).',
        ),
      manifestRefSchema,
    ])
    .describe('Create the DaemonSets of a manifest (e.g. again, after a deletion).'),
  updateDaemonSet: updateStep,
  deleteDaemonSet: deleteStep,
  markReady: nodeOrPick.describe('Running pods pass their readiness probe (kubelet readiness: manual).'),
  markNotReady: nodeOrPick,
  failPod: nodeOrPick.describe('The pod’s containers fail: phase Failed.'),
  succeedPod: nodeOrPick.describe('The pod’s containers exit 0: phase Succeeded.'),
  deletePod: deletePodStep.describe('A user deletes the pod (gracefully).'),
  createPod: createPodStep,
  failCreates: apiFaultSchema.describe(
    'A fault: the API server fails the pod creates of the next sync from the (after + 1)-th on (reason: InternalError 500 by default, TooManyRequests 429, Timeout 504; applied: a timeout after the pod was made); the controller must stop after the failed slow-start batch.',
  ),
  failDeletes: apiFaultSchema.describe(
    'A fault: the API server fails the pod deletes of the next sync from the (after + 1)-th on (reason and applied as for failCreates); the controller must lower its expectations and retry.',
  ),
  crashController: z
    .strictObject({ afterWrites: z.number().int().min(0).max(1000) })
    .describe(
      "A fault: the controller crashes in the next sync once it has sent afterWrites writes; the rest of that sync's writes are never sent, and it restarts with nothing in memory.",
    ),
  addFinalizer: modelPodPick.describe(
    'Someone adds a finalizer (example.com/hold) to the oldest pod of the DaemonSet under test on the node: once deleted, it stays Terminating (and, stopped, terminal) until removeFinalizer.',
  ),
  removeFinalizer: modelPodPick.describe(
    'The finalizer addFinalizer put on the oldest held pod on the node is removed.',
  ),
  relabelPod: z
    .strictObject({
      node: nodeName,
      revision: z.enum(['current', 'old']).optional(),
      matches: z.boolean(),
    })
    .describe(
      'A user changes the app label of a pod of the DaemonSet under test: matches false, it stops matching the selector (the DaemonSet releases it); matches true, the oldest pod on the node relabelled earlier matches again.',
    ),
  patchPod: z
    .strictObject({
      ...podPick,
      name: podByName,
      terminating: z
        .boolean()
        .optional()
        .describe("Pick among the DaemonSet's terminating pods (held by a finalizer) instead of its live ones."),
      patch: z
        .record(z.string(), z.unknown())
        .describe(
          'A JSON merge patch (RFC 7386) of the pod: metadata.labels, annotations, finalizers, ownerReferences... (null removes; lists are replaced whole).',
        ),
      expectError: z
        .string()
        .optional()
        .describe('The API server must refuse the patch with a message containing this text.'),
    })
    .describe(
      "A user patches a pod's metadata: labels, annotations, finalizers (removing the last one lets a deleted pod go), owner references. Without name, the pod is picked as for deletePod.",
    ),
  restartController: z.null().describe('The controller restarts: expectations, backoff and queues are lost.'),
  conflictStatus: z
    .null()
    .describe(
      "A fault: someone else updates the DaemonSet (an annotation) just before the controller's next status write, which gets 409 Conflict.",
    ),
  breakWatches: z
    .null()
    .describe(
      "A fault: the controller's watches break; the events since its last step are lost, and before its next step its informers LIST again (a deletion seen only as a tombstone).",
    ),
  lagPodInformer: z
    .null()
    .describe(
      "A fault: the controller's pod informer falls one step behind; its next sync sees none of the pod events since its previous sync (they arrive, in order, at the sync after).",
    ),
  duplicateEvents: z
    .null()
    .describe(
      "A fault: the controller's next sync gets every watch event since its previous sync twice, each again right after itself.",
    ),
  kubelet: z
    .null()
    .describe('One pass of every kubelet on a Ready node: bound pods start, terminating pods finish (stepwise style).'),
  schedule: z
    .null()
    .describe('One pass of the scheduler: unbound pods whose node exists and fits them are bound (stepwise style).'),
  collectGarbage: z
    .null()
    .describe(
      'One pass of taint eviction, the garbage collector and Pod GC (stepwise style): dependents of a vanished owner go, Foreground and Orphan deletions progress.',
    ),
  quiesce: quiesceStep.describe(
    'A healthy cluster acts until nothing moves, as at the end of a `dsconform check` case: controller and every component settle, started pods on Ready nodes pass readiness, the clock jumps to the next deadline, one informer resync. With `invariants`, the settled state is compared with the model’s prediction (DS-EXPECT).',
  ),
  snapshot: z
    .union([z.string().min(1), z.strictObject({ name: z.string().min(1), daemonSet: daemonSetRef.optional() })])
    .describe(
      "Remember a DaemonSet's pods now (the first one's unless daemonSet), under this name (see expect.kept and expect.gone).",
    ),
  expect: expectSchema,
} as const;
export type StepKind = keyof typeof STEP_SCHEMAS;
export const STEP_KINDS = Object.keys(STEP_SCHEMAS) as StepKind[];
/** Steps that may be written as a bare word. */
export const BARE_STEPS: readonly StepKind[] = [
  'sync',
  'settle',
  'restartController',
  'breakWatches',
  'conflictStatus',
  'lagPodInformer',
  'duplicateEvents',
  'deleteDaemonSet',
  'kubelet',
  'schedule',
  'collectGarbage',
  'quiesce',
];

/** How the cluster moves between steps; see docs/scenarios.md. */
export const SCENARIO_STYLES = ['catch-up', 'stepwise'] as const;
export type ScenarioStyle = (typeof SCENARIO_STYLES)[number];

export type StepArgs = { [K in StepKind]: z.infer<(typeof STEP_SCHEMAS)[K]> };

// --- the document ------------------------------------------------------------------------------

/** Everything but the steps, which are checked one by one against STEP_SCHEMAS. */
export const scenarioHeaderSchema = z.strictObject({
  name: z.string().min(1).optional().describe('Default: the file name without extension.'),
  description: z.string().min(1).describe('What the scenario pins, in a sentence or two.'),
  upstream: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('The upstream test(s) it is taken from, e.g. "TestDaemonSetUpdatesPods (update_test.go)".'),
  issue: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('Issue(s) it is a regression case for, e.g. "kubernetes/kubernetes#54096".'),
  tags: z.array(z.string()).optional(),
  requires: z
    .array(z.enum(['taints', 'rollingUpdate', 'surge', 'revisions']))
    .optional()
    .describe('Implementation features the scenario needs; skipped where one is missing.'),
  style: z
    .enum(SCENARIO_STYLES)
    .optional()
    .describe(
      'catch-up (default): after each user action the rest of the cluster (scheduler, kubelets, GC) runs until quiet; the controller only in sync and settle. stepwise: nothing moves unless a step says so (sync, kubelet, schedule, collectGarbage, settle, quiesce), readiness comes from markReady, and a step with nothing to act on does nothing; the form of a random run of `dsconform check` (`replay --save-scenario` writes it).',
    ),
  invariants: z
    .union([
      z.literal('all'),
      z.array(z.string().regex(/^DS-[A-Z]+-\d+$/, { error: 'expected an invariant ID such as DS-PLACE-01' })),
    ])
    .optional()
    .describe(
      "Check the model's invariants (docs/invariants.md) after every step and every controller step of settle and quiesce, as `dsconform check` does: `all`, or a list of IDs. They observe the first DaemonSet and judge what the model can describe (docs/scenarios.md).",
    ),
  cluster: clusterSchema,
  manifests: z.array(manifestRefSchema).optional(),
  steps: z.array(z.unknown()).max(INPUT_LIMITS.maxSteps, { error: atMost(INPUT_LIMITS.maxSteps, 'steps') }),
});
export type ScenarioHeader = z.infer<typeof scenarioHeaderSchema>;

/** The whole document, steps included: the source of the JSON Schema (the loader checks steps one by one). */
export function scenarioDocumentSchema() {
  const step = z.union(
    STEP_KINDS.map((kind) => {
      const object = z.strictObject({ [kind]: STEP_SCHEMAS[kind] });
      return BARE_STEPS.includes(kind) ? z.union([z.literal(kind), object]) : object;
    }) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]],
  );
  return scenarioHeaderSchema.extend({ steps: z.array(step) });
}

/** Schemas used in many places get a name in the JSON Schema's $defs. */
function definitions() {
  const defs = z.registry<{ id: string; description?: string }>();
  defs.add(countSchema, { id: 'count', description: countSchema.description ?? '' });
  defs.add(nodeSchema, { id: 'node' });
  defs.add(manifestRefSchema, { id: 'manifest' });
  defs.add(podPickSchema, { id: 'podPick' });
  defs.add(writesSchema, { id: 'writes' });
  defs.add(podExpectationSchema, { id: 'podExpectation' });
  defs.add(expectSchema, { id: 'expect' });
  return defs;
}

export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(scenarioDocumentSchema(), { io: 'input', unrepresentable: 'any', metadata: definitions() }),
    title: 'dsconform scenario',
  };
}

/** The exact text of docs/scenario.schema.json. */
export function scenarioSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
