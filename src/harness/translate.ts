/**
 * The bridge between the model's abstract vocabulary (model/types.ts) and Kubernetes objects: a
 * model DaemonSet spec becomes a manifest, and the objects of a cluster become the model's
 * abstract `Cluster` observation. The harness owns this mapping; the model never sees Kubernetes
 * objects, and the implementation never sees the model.
 */
import type { Container, Toleration as K8sToleration, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type {
  IntOrPercent,
  DaemonSet as ModelDaemonSet,
  Node as ModelNode,
  Pod as ModelPod,
  Revision as ModelRevision,
  DaemonSetSpec as ModelSpec,
  UpdateStrategy as ModelStrategy,
  Taint as ModelTaint,
  PodTemplate as ModelTemplate,
  NodeSelectorTerm as ModelTerm,
  Toleration as ModelToleration,
  Cluster as Observation,
  TaintEffect,
} from '../../model/types.ts';
import { FOREIGN_CONTROLLER_UID } from '../../model/world.ts';
import { CLOCK_ORIGIN_MS, parseTimestamp } from '../cluster/clock.js';
import { compileLabelSelector } from '../cluster/labels.js';
import type { ControllerRevision, DaemonSet, Node, OwnerReference, Pod } from '../cluster/objects.js';
import {
  ControllerRevisionHashLabel,
  controllerRefOf,
  FinalizerForeground,
  FinalizerOrphan,
  PodTemplateGenerationLabel,
  TemplateGenerationAnnotation,
} from '../cluster/objects.js';
import { comparePodsOldestFirst, getTargetNodeName } from '../controller/podTemplate.js';

export const HARNESS_NAMESPACE = 'default';
export const DEFAULT_DS_NAME = 'ds';
/** The one label the harness's DaemonSets select on. */
export const APP_LABEL = 'app';

/** Seconds on the model's clock for an RFC 3339 timestamp of the simulated cluster. */
export function modelTime(timestamp: string | undefined): number | undefined {
  const ms = parseTimestamp(timestamp);
  return ms === undefined ? undefined : Math.floor((ms - CLOCK_ORIGIN_MS) / 1000);
}

// --- model → Kubernetes ---------------------------------------------------------------------------

export function podTemplateSpecFor(template: ModelTemplate, dsName: string): PodTemplateSpec {
  const spec: NonNullable<PodTemplateSpec['spec']> = { containers: [{ name: 'app', image: template.image }] };
  if (Object.keys(template.nodeSelector).length > 0) spec.nodeSelector = { ...template.nodeSelector };
  if (template.requiredNodeAffinity !== undefined) {
    spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: template.requiredNodeAffinity.map((term) => ({
            ...(term.matchExpressions
              ? {
                  matchExpressions: term.matchExpressions.map((r) => ({
                    key: r.key,
                    operator: r.operator,
                    values: [...r.values],
                  })),
                }
              : {}),
            ...(term.matchFields
              ? {
                  matchFields: term.matchFields.map((r) => ({
                    key: r.key,
                    operator: r.operator,
                    values: [...r.values],
                  })),
                }
              : {}),
          })),
        },
      },
    };
  }
  if (template.tolerations.length > 0) spec.tolerations = template.tolerations.map(k8sToleration);
  if (template.hostNetwork) spec.hostNetwork = true;
  if (template.nodeName !== undefined) spec.nodeName = template.nodeName;
  return { metadata: { labels: { [APP_LABEL]: dsName } }, spec };
}

function k8sToleration(t: ModelToleration): K8sToleration {
  const out: K8sToleration = {};
  if (t.key !== undefined) out.key = t.key;
  if (t.operator !== undefined) out.operator = t.operator;
  if (t.value !== undefined) out.value = t.value;
  if (t.effect !== undefined) out.effect = t.effect;
  if (t.tolerationSeconds !== undefined) out.tolerationSeconds = t.tolerationSeconds;
  return out;
}

export function updateStrategyFor(
  strategy: ModelStrategy,
): NonNullable<NonNullable<DaemonSet['spec']>['updateStrategy']> {
  if (strategy.type === 'OnDelete') return { type: 'OnDelete' };
  return {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: strategy.maxUnavailable, maxSurge: strategy.maxSurge },
  };
}

/** The manifest a user would apply for this model spec. */
export function daemonSetManifestFor(spec: ModelSpec, name = DEFAULT_DS_NAME): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: HARNESS_NAMESPACE },
    spec: {
      selector: { matchLabels: { [APP_LABEL]: name } },
      template: podTemplateSpecFor(spec.template, name),
      updateStrategy: updateStrategyFor(spec.updateStrategy),
      minReadySeconds: spec.minReadySeconds,
      revisionHistoryLimit: spec.revisionHistoryLimit,
    },
  };
}

// --- Kubernetes → model ---------------------------------------------------------------------------

const EFFECTS: readonly string[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function observeNode(node: Node): ModelNode {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return {
    name: node.metadata?.name ?? '',
    labels: { ...(node.metadata?.labels ?? {}) },
    taints: (node.spec?.taints ?? [])
      .filter((t) => EFFECTS.includes(t.effect))
      .map((t): ModelTaint => ({ key: t.key, value: t.value ?? '', effect: t.effect as TaintEffect })),
    unschedulable: node.spec?.unschedulable === true,
    ready: ready === 'False' || ready === 'Unknown' ? ready : 'True',
  };
}

function intOrPercent(value: number | string | undefined): IntOrPercent {
  if (value === undefined) return 0;
  return (typeof value === 'number' ? value : value) as IntOrPercent;
}

export function observeTemplate(template: PodTemplateSpec | undefined): ModelTemplate {
  const spec = template?.spec;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const out: {
    -readonly [K in keyof ModelTemplate]: ModelTemplate[K];
  } = {
    image: spec?.containers[0]?.image ?? '',
    nodeSelector: { ...(spec?.nodeSelector ?? {}) },
    tolerations: (spec?.tolerations ?? []).map((t): ModelToleration => {
      const m: { -readonly [K in keyof ModelToleration]: ModelToleration[K] } = {};
      // An empty string is an absent field (Go's omitempty): a template read back from a
      // ControllerRevision written by another implementation may drop `value: ""`.
      if (t.key) m.key = t.key;
      if (t.operator) m.operator = t.operator as NonNullable<ModelToleration['operator']>;
      if (t.value) m.value = t.value;
      if (t.effect) m.effect = t.effect as NonNullable<ModelToleration['effect']>;
      if (t.tolerationSeconds !== undefined) m.tolerationSeconds = t.tolerationSeconds;
      return m;
    }),
    hostNetwork: spec?.hostNetwork === true,
  };
  if (terms !== undefined) {
    out.requiredNodeAffinity = terms.map(
      (term): ModelTerm => ({
        ...(term.matchExpressions
          ? {
              matchExpressions: term.matchExpressions.map((r) => ({
                key: r.key,
                operator: r.operator,
                values: [...(r.values ?? [])],
              })),
            }
          : {}),
        ...(term.matchFields
          ? {
              matchFields: term.matchFields.map((r) => ({
                key: r.key,
                operator: r.operator,
                values: [...(r.values ?? [])],
              })),
            }
          : {}),
      }),
    );
  }
  if (spec?.nodeName) out.nodeName = spec.nodeName;
  return out;
}

export function observeStrategy(ds: DaemonSet): ModelStrategy {
  const strategy = ds.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') return { type: 'OnDelete' };
  return {
    type: 'RollingUpdate',
    maxUnavailable: intOrPercent(strategy?.rollingUpdate?.maxUnavailable),
    maxSurge: intOrPercent(strategy?.rollingUpdate?.maxSurge),
  };
}

/** The hash of the newest revision whose stored template equals the DaemonSet's template. */
export function currentHashOf(ds: DaemonSet, revisions: readonly ControllerRevision[]): string | undefined {
  return currentHashWith(ds, revisions, templateJson);
}

/**
 * What currentHashOf compares, as JSON: the model template of a Kubernetes one, plus the parts of
 * it users change to roll pods that the model does not describe (template labels and annotations,
 * every container's image, command, args and env). Without them a change of only those (a config
 * checksum annotation, an env entry) left the old revision "current" and the model called the
 * rollout's deletes unnecessary. Only string-valued fields are taken, with empty values dropped,
 * so a revision another implementation serialised (Go's omitempty) compares equal.
 */
function templateJson(template: PodTemplateSpec | undefined): string {
  return JSON.stringify([observeTemplate(template), unmodelledTemplateParts(template)]);
}

/** The template's parts outside the model's vocabulary that rollouts are made with, normalised. */
export function unmodelledTemplateParts(template: PodTemplateSpec | undefined): unknown {
  const strings = (map: Readonly<Record<string, string>> | undefined) =>
    Object.entries(map ?? {})
      .filter(([, v]) => v !== '')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const container = (c: Container) => [
    c.name,
    c.image ?? '',
    c.command ?? [],
    c.args ?? [],
    (c.env ?? []).map((e) => [e.name, e.value ?? '', e.valueFrom === undefined ? '' : canonicalJson(e.valueFrom)]),
  ];
  return [
    strings(template?.metadata?.labels),
    strings(template?.metadata?.annotations),
    (template?.spec?.initContainers ?? []).map(container),
    (template?.spec?.containers ?? []).map(container),
  ];
}

/** JSON with sorted keys and without empty values (null, "", false, 0, [], {}), as Go's omitempty writes. */
function canonicalJson(value: unknown): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      const inner = strip((v as Record<string, unknown>)[key]);
      const empty =
        inner === null ||
        inner === '' ||
        inner === false ||
        inner === 0 ||
        (Array.isArray(inner) && inner.length === 0) ||
        (typeof inner === 'object' && inner !== null && Object.keys(inner).length === 0);
      if (!empty) out[key] = inner;
    }
    return out;
  };
  return JSON.stringify(strip(value));
}

function currentHashWith(
  ds: DaemonSet,
  revisions: readonly ControllerRevision[],
  jsonOf: (template: PodTemplateSpec | undefined) => string,
): string | undefined {
  const wanted = jsonOf(ds.spec?.template);
  let best: ControllerRevision | undefined;
  let foreign: ControllerRevision | undefined;
  for (const r of revisions) {
    if (jsonOf(revisionTemplate(r)) !== wanted) continue;
    if (controllerRefOf(r)?.uid !== ds.metadata?.uid) {
      // snapshot: when the revision's name is taken by one whose data Match()es (typically left
      // by an earlier DaemonSet of the same name, not yet collected), the controller works with
      // that one, owner or not (upstream's AlreadyExists branch), so its hash is current.
      if (r.metadata?.name?.startsWith(`${ds.metadata?.name}-`)) foreign ??= r;
      continue;
    }
    if (best === undefined || (r.revision ?? 0) > (best.revision ?? 0)) best = r;
  }
  return (best ?? foreign)?.metadata?.labels?.[ControllerRevisionHashLabel];
}

function revisionTemplate(revision: ControllerRevision): PodTemplateSpec | undefined {
  const data = revision.data as { spec?: { template?: PodTemplateSpec } } | undefined;
  return data?.spec?.template;
}

export function observeDaemonSet(ds: DaemonSet, revisions: readonly ControllerRevision[]): ModelDaemonSet {
  return observeDaemonSetWith(ds, revisions, observeTemplate, templateJson);
}

function observeDaemonSetWith(
  ds: DaemonSet,
  revisions: readonly ControllerRevision[],
  templateOf: (template: PodTemplateSpec | undefined) => ModelTemplate,
  jsonOf: (template: PodTemplateSpec | undefined) => string,
): ModelDaemonSet {
  const status = ds.status;
  const finalizers = ds.metadata?.finalizers ?? [];
  const deleting =
    ds.metadata?.deletionTimestamp == null
      ? undefined
      : finalizers.includes(FinalizerOrphan)
        ? 'Orphan'
        : finalizers.includes(FinalizerForeground)
          ? 'Foreground'
          : undefined;
  const templateGeneration = Number(ds.metadata?.annotations?.[TemplateGenerationAnnotation] ?? '0');
  const currentHash = currentHashWith(ds, revisions, jsonOf);
  const selector = ds.spec?.selector;
  return {
    name: ds.metadata?.name ?? '',
    uid: ds.metadata?.uid ?? '',
    generation: ds.metadata?.generation ?? 0,
    templateGeneration: Number.isFinite(templateGeneration) ? templateGeneration : 0,
    spec: {
      template: templateOf(ds.spec?.template),
      updateStrategy: observeStrategy(ds),
      minReadySeconds: ds.spec?.minReadySeconds ?? 0,
      revisionHistoryLimit: ds.spec?.revisionHistoryLimit ?? 10,
    },
    status: {
      currentNumberScheduled: status?.currentNumberScheduled ?? 0,
      numberMisscheduled: status?.numberMisscheduled ?? 0,
      desiredNumberScheduled: status?.desiredNumberScheduled ?? 0,
      numberReady: status?.numberReady ?? 0,
      numberAvailable: status?.numberAvailable ?? 0,
      updatedNumberScheduled: status?.updatedNumberScheduled ?? 0,
      numberUnavailable: status?.numberUnavailable ?? 0,
      observedGeneration: status?.observedGeneration ?? 0,
    },
    ...(currentHash !== undefined ? { currentHash } : {}),
    ...(deleting !== undefined ? { deleting } : {}),
    ...(selector !== undefined &&
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
      ? { selectsAll: true }
      : {}),
  };
}

/** The `app` label value a relabelled pod gets: it no longer matches the DaemonSet `name`'s selector. */
export function releasedAppLabel(name: string): string {
  return `${name}-released`;
}

/**
 * POD_RELABELED {matches: true}: the oldest pod on the node that was relabelled away, released or
 * still controlled by the DaemonSet `uid`, gets its labels back.
 */
export function podToRelabelBack(
  pods: readonly Pod[],
  name: string,
  uid: string | undefined,
  node: string,
): Pod | undefined {
  const candidates = pods.filter((p) => {
    const ref = controllerRefOf(p);
    return (
      p.metadata?.labels?.[APP_LABEL] === releasedAppLabel(name) &&
      getTargetNodeName(p) === node &&
      (ref === undefined || ref.uid === uid)
    );
  });
  return [...candidates].sort(comparePodsOldestFirst)[0];
}

/** The finalizer POD_FINALIZER_ADDED puts on a pod (someone else's: neither the GC's nor the DaemonSet controller's). */
export const HOLD_FINALIZER = 'example.com/hold';

/** The pod carries POD_FINALIZER_ADDED's finalizer. */
export function isHeld(pod: Pod): boolean {
  return (pod.metadata?.finalizers ?? []).includes(HOLD_FINALIZER);
}

/** POD_FINALIZER_ADDED holds a bound pod that is not being deleted and not held already. */
export function canBeHeld(pod: Pod): boolean {
  return Boolean(pod.spec?.nodeName) && pod.metadata?.deletionTimestamp == null && !isHeld(pod);
}

/** The pod's finalizers once its hold is released (POD_FINALIZER_REMOVED, a run's cleanup); undefined when none is left. */
export function finalizersWithoutHold(pod: Pod): string[] | undefined {
  const kept = (pod.metadata?.finalizers ?? []).filter((f) => f !== HOLD_FINALIZER);
  return kept.length > 0 ? kept : undefined;
}

/** The controller of pods that FOREIGN_POD_APPEARED creates: a ReplicaSet, a kind the simulated cluster does not serve. */
export const FOREIGN_OWNER: OwnerReference = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: 'foreign',
  uid: FOREIGN_CONTROLLER_UID,
  controller: true,
  blockOwnerDeletion: true,
};

export function observePod(pod: Pod): ModelPod {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const hash = pod.metadata?.labels?.[ControllerRevisionHashLabel];
  const generation = pod.metadata?.labels?.[PodTemplateGenerationLabel];
  const controllerUid = controllerRefOf(pod)?.uid;
  const readySince = ready?.status === 'True' ? modelTime(ready.lastTransitionTime) : undefined;
  const phase = pod.status?.phase;
  return {
    name: pod.metadata?.name ?? '',
    node: getTargetNodeName(pod) ?? '',
    bound: Boolean(pod.spec?.nodeName),
    ...(hash !== undefined ? { hash } : {}),
    ...(generation !== undefined && /^\d+$/.test(generation) ? { templateGeneration: Number(generation) } : {}),
    ...(controllerUid !== undefined ? { controllerUid } : {}),
    phase: phase === 'Running' || phase === 'Failed' || phase === 'Succeeded' ? phase : 'Pending',
    ready: ready?.status === 'True',
    ...(readySince !== undefined ? { readySince } : {}),
    terminating: pod.metadata?.deletionTimestamp != null,
    createdAt: modelTime(pod.metadata?.creationTimestamp) ?? 0,
    ...((pod.metadata?.finalizers ?? []).length > 0 ? { held: true } : {}),
  };
}

export function observeRevision(revision: ControllerRevision): ModelRevision {
  return observeRevisionWith(revision, observeTemplate);
}

function observeRevisionWith(
  revision: ControllerRevision,
  templateOf: (template: PodTemplateSpec | undefined) => ModelTemplate,
): ModelRevision {
  const controllerUid = controllerRefOf(revision)?.uid;
  return {
    name: revision.metadata?.name ?? '',
    hash: revision.metadata?.labels?.[ControllerRevisionHashLabel] ?? revision.metadata?.name ?? '',
    revision: revision.revision ?? 0,
    ...(controllerUid !== undefined ? { controllerUid } : {}),
    template: templateOf(revisionTemplate(revision)),
  };
}

export interface ClusterObjects {
  nowMs: number;
  nodes: readonly Node[];
  daemonSets: readonly DaemonSet[];
  pods: readonly Pod[];
  revisions: readonly ControllerRevision[];
}

/**
 * The model's view of a cluster for the DaemonSet `name`: every pod and revision it controls,
 * plus orphans its selector matches. When the DaemonSet is gone, pods and revisions that still
 * carry the harness's app label are reported (orphans left behind, or dependents not yet collected).
 */
export function observeCluster(
  objects: ClusterObjects,
  name = DEFAULT_DS_NAME,
  namespace = HARNESS_NAMESPACE,
): Observation {
  return observeClusterWith(DIRECT, objects, name, namespace);
}

/** How single objects are translated: directly, or through an ObservationCache. */
interface Translator {
  node(node: Node): ModelNode;
  pod(pod: Pod): ModelPod;
  revision(revision: ControllerRevision): ModelRevision;
  daemonSet(ds: DaemonSet, revisions: readonly ControllerRevision[]): ModelDaemonSet;
}

const DIRECT: Translator = {
  node: observeNode,
  pod: observePod,
  revision: observeRevision,
  daemonSet: observeDaemonSet,
};

function observeClusterWith(
  translate: Translator,
  objects: ClusterObjects,
  name: string,
  namespace: string,
): Observation {
  const ds = objects.daemonSets.find(
    (d) => d.metadata?.name === name && (d.metadata?.namespace ?? 'default') === namespace,
  );
  const selector = compileLabelSelector(ds?.spec?.selector ?? { matchLabels: { [APP_LABEL]: name } });
  const relevant = <T extends Pod | ControllerRevision>(obj: T): boolean => {
    if ((obj.metadata?.namespace ?? 'default') !== namespace) return false;
    const ref = controllerRefOf(obj);
    if (ds !== undefined && ref?.uid === ds.metadata?.uid) return true;
    if (ref !== undefined && ref.kind === 'DaemonSet' && ref.name === name) return true; // dependents of a vanished owner
    return ref === undefined && selector.ok && selector.matches(obj.metadata?.labels);
  };
  const revisions = objects.revisions.filter(relevant);
  const matches = (pod: Pod) => selector.ok && selector.matches(pod.metadata?.labels);
  // A controlled pod whose labels stopped matching stays the DaemonSet's until it is released.
  const mine = (pod: Pod): ModelPod => (matches(pod) ? translate.pod(pod) : { ...translate.pod(pod), unmatched: true });
  // Pods beside the DaemonSet: other controllers' pods its selector matches, and pods relabelled away from it.
  const bystander = (pod: Pod): boolean => {
    if ((pod.metadata?.namespace ?? 'default') !== namespace) return false;
    const ref = controllerRefOf(pod);
    if (ref !== undefined) return ref.kind !== 'DaemonSet' && matches(pod);
    return pod.metadata?.labels?.[APP_LABEL] === releasedAppLabel(name);
  };
  const bystanders = objects.pods.filter(bystander).map((p): ModelPod => {
    const pod = translate.pod(p);
    return controllerRefOf(p) !== undefined ? { ...pod, foreign: true } : { ...pod, unmatched: true };
  });
  return {
    time: Math.floor((objects.nowMs - CLOCK_ORIGIN_MS) / 1000),
    nodes: objects.nodes.map((n) => translate.node(n)),
    ...(ds !== undefined ? { daemonSet: translate.daemonSet(ds, revisions) } : {}),
    pods: objects.pods.filter(relevant).map(mine),
    ...(bystanders.length > 0 ? { bystanders } : {}),
    revisions: revisions.map((r) => translate.revision(r)),
  };
}

/**
 * observeCluster for objects read from one ObjectStore, remembering what it translated. Stored
 * objects are deep-frozen and never change (a write stores a new object), so each one's model
 * translation is worked out once and shared by every later observation that contains it, and a
 * store whose lists and clock are unchanged gives the previous observation again. Observations
 * are read-only for everyone (model and harness alike), so sharing them is safe.
 *
 * Use only with objects of an ObjectStore (or other deep-frozen objects): a mutable object's
 * translation would go stale.
 */
export class ObservationCache {
  readonly #nodes = new WeakMap<Node, ModelNode>();
  readonly #pods = new WeakMap<Pod, ModelPod>();
  readonly #revisions = new WeakMap<ControllerRevision, ModelRevision>();
  readonly #templates = new WeakMap<PodTemplateSpec, { model: ModelTemplate; json?: string }>();
  readonly #daemonSets = new WeakMap<DaemonSet, { revisions: readonly ControllerRevision[]; model: ModelDaemonSet }>();
  #last:
    | {
        objects: ClusterObjects;
        name: string;
        namespace: string;
        observation: Observation;
      }
    | undefined;

  readonly #translator: Translator = {
    node: (node) => cached(this.#nodes, node, observeNode),
    pod: (pod) => cached(this.#pods, pod, observePod),
    revision: (revision) => cached(this.#revisions, revision, (r) => observeRevisionWith(r, this.#templateOf)),
    daemonSet: (ds, revisions) => {
      const known = this.#daemonSets.get(ds);
      if (known !== undefined && sameItems(known.revisions, revisions)) return known.model;
      const model = observeDaemonSetWith(ds, revisions, this.#templateOf, this.#templateJson);
      if (Object.isFrozen(ds)) this.#daemonSets.set(ds, { revisions, model });
      return model;
    },
  };

  readonly #templateEntry = (template: PodTemplateSpec | undefined) => {
    if (template === undefined || !Object.isFrozen(template)) return undefined;
    let entry = this.#templates.get(template);
    if (entry === undefined) {
      entry = { model: observeTemplate(template) };
      this.#templates.set(template, entry);
    }
    return entry;
  };

  readonly #templateOf = (template: PodTemplateSpec | undefined): ModelTemplate =>
    this.#templateEntry(template)?.model ?? observeTemplate(template);

  readonly #templateJson = (template: PodTemplateSpec | undefined): string => {
    const entry = this.#templateEntry(template);
    if (entry === undefined) return templateJson(template);
    entry.json ??= JSON.stringify([entry.model, unmodelledTemplateParts(template)]);
    return entry.json;
  };

  observe(objects: ClusterObjects, name = DEFAULT_DS_NAME, namespace = HARNESS_NAMESPACE): Observation {
    const last = this.#last;
    if (
      last !== undefined &&
      last.name === name &&
      last.namespace === namespace &&
      last.objects.nowMs === objects.nowMs &&
      last.objects.nodes === objects.nodes &&
      last.objects.daemonSets === objects.daemonSets &&
      last.objects.pods === objects.pods &&
      last.objects.revisions === objects.revisions &&
      Object.isFrozen(objects.nodes) &&
      Object.isFrozen(objects.daemonSets) &&
      Object.isFrozen(objects.pods) &&
      Object.isFrozen(objects.revisions)
    ) {
      return last.observation;
    }
    const observation = observeClusterWith(this.#translator, objects, name, namespace);
    this.#last = { objects, name, namespace, observation };
    return observation;
  }
}

function cached<K extends object, V>(map: WeakMap<K, V>, key: K, compute: (key: K) => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = compute(key);
    if (Object.isFrozen(key)) map.set(key, value);
  }
  return value;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
