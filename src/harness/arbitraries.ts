/**
 * fast-check arbitraries for the model's event vocabulary (model/events.ts): small scopes by
 * default, so that collisions (the same label, the same taint, the same node) are common and
 * counterexamples stay short. Weights say how often each kind of event is drawn.
 */
import fc from 'fast-check';
import type { ApiFailure, DsEvent, DsEventType } from '../../model/events.ts';
import type {
  DaemonSetSpec,
  DeletionPolicy,
  IntOrPercent,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodTemplate,
  Taint,
  TaintEffect,
  Toleration,
  UpdateStrategy,
} from '../../model/types.ts';

/** What the generated specs may use (implementations declare what they lack). */
export interface GeneratorFeatures {
  taints: boolean;
  rollingUpdate: boolean;
  surge: boolean;
}

export interface Scope {
  /** Node names drawn from n0..n{nodes-1}. */
  nodes: number;
  features: GeneratorFeatures;
  /** Longest event sequence. */
  maxEvents: number;
  /** Relative weight per event type (0 switches it off). */
  weights: Partial<Record<DsEventType, number>>;
}

/** Steps dominate so that the controller gets to react between environment changes. */
export const DEFAULT_WEIGHTS: Record<DsEventType, number> = {
  NODE_ADDED: 4,
  NODE_REMOVED: 2,
  NODE_LABEL_SET: 3,
  NODE_LABEL_REMOVED: 2,
  TAINT_ADDED: 3,
  TAINT_REMOVED: 2,
  NODE_CORDONED: 1,
  NODE_UNCORDONED: 1,
  NODE_READY: 1,
  NODE_NOT_READY: 1,
  DS_CREATED: 3,
  TEMPLATE_UPDATED: 3,
  STRATEGY_CHANGED: 1,
  DS_DELETED: 1,
  POD_BECAME_READY: 6,
  POD_FAILED: 2,
  POD_DELETED_BY_USER: 1,
  ORPHAN_POD_APPEARED: 1,
  FOREIGN_POD_APPEARED: 1,
  POD_RELABELED: 1,
  POD_FINALIZER_ADDED: 1,
  POD_FINALIZER_REMOVED: 1,
  // Faults: only the faults profile draws them (a protocol process cannot stop part-way through a
  // step's writes, and where a crash cuts a step depends on the order an implementation writes in).
  POD_CREATES_FAIL: 0,
  POD_DELETES_FAIL: 0,
  CONTROLLER_CRASHES: 0,
  WATCH_RELISTED: 0,
  STATUS_WRITE_CONFLICTS: 0,
  POD_INFORMER_LAGS: 0,
  WATCH_EVENTS_DUPLICATED: 0,
  CONTROLLER_RESTARTED: 1,
  TIME_ADVANCED: 2,
  CONTROLLER_SYNC: 10,
  KUBELET_STEP: 5,
  SCHEDULER_STEP: 4,
  GC_STEP: 3,
};

export const DEFAULT_SCOPE: Scope = {
  nodes: 3,
  maxEvents: 30,
  weights: DEFAULT_WEIGHTS,
  features: { taints: true, rollingUpdate: true, surge: true },
};

const LABEL_KEYS = ['zone', 'role', 'cpu'] as const;
const LABEL_VALUES: Record<(typeof LABEL_KEYS)[number], readonly string[]> = {
  zone: ['a', 'b'],
  role: ['edge', 'worker'],
  cpu: ['2', '8'],
};
/**
 * Keys users taint nodes with. The `node.kubernetes.io/*` taints belong to the node-lifecycle
 * controller, which removes them from healthy nodes; they arise here from NODE_NOT_READY and
 * NODE_CORDONED instead, as they do in a cluster.
 */
const TAINT_KEYS = ['dedicated', 'example.com/gpu'] as const;
/** Keys tolerations name: users' keys and the lifecycle-owned ones the default tolerations cover. */
const TOLERATION_KEYS = [
  ...TAINT_KEYS,
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/unschedulable',
] as const;
const EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const IMAGES = ['v1', 'v2', 'v3'] as const;

/** How an injected fault fails a request: 500 (what shrinking goes to), 429, a timeout, a timeout the server had applied. */
const apiFailure = fc.constantFrom<ApiFailure>(
  {},
  {},
  { reason: 'TooManyRequests' },
  { reason: 'Timeout' },
  { reason: 'Timeout', applied: true },
);

export function nodeName(scope: Pick<Scope, 'nodes'>): fc.Arbitrary<string> {
  return fc.integer({ min: 0, max: Math.max(0, scope.nodes - 1) }).map((i) => `n${i}`);
}

const labelKey = fc.constantFrom(...LABEL_KEYS);
const labelPair = labelKey.chain((key) => fc.constantFrom(...LABEL_VALUES[key]).map((value) => ({ key, value })));

export const taint: fc.Arbitrary<Taint> = fc.record({
  key: fc.constantFrom(...TAINT_KEYS),
  value: fc.constantFrom('', 'x'),
  effect: fc.constantFrom(...EFFECTS),
});

/** A toleration of a lifecycle NoExecute taint for a while (see below). */
const lifecycleToleration: fc.Arbitrary<Toleration> = fc.record({
  key: fc.constantFrom('node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'),
  operator: fc.constantFrom('Equal' as const, 'Equal' as const, 'Exists' as const),
  effect: fc.constant('NoExecute' as const),
  tolerationSeconds: fc.constantFrom(0, 5, 300),
});

export const toleration: fc.Arbitrary<Toleration> = fc.oneof(
  // Exists on a key, with or without an effect.
  fc.record(
    {
      key: fc.constantFrom(...TOLERATION_KEYS),
      operator: fc.constant('Exists' as const),
      effect: fc.constantFrom(...EFFECTS),
    },
    { requiredKeys: ['key', 'operator'] },
  ),
  // Equal with a value.
  fc.record({
    key: fc.constantFrom(...TOLERATION_KEYS),
    operator: fc.constant('Equal' as const),
    value: fc.constantFrom('', 'x'),
    effect: fc.constantFrom(...EFFECTS),
  }),
  // Empty key with Exists tolerates everything (of the effect, if given).
  fc.record({ operator: fc.constant('Exists' as const), effect: fc.constantFrom<TaintEffect | ''>('', ...EFFECTS) }),
  // Finite tolerationSeconds only for the lifecycle NoExecute taints: a user's `Exists` one is
  // replaced by the default (never evicted, §2.1), an `Equal ""` one is not and lets the taint
  // manager evict the pod after that long; no replacement comes, since a NotReady node also has
  // the NoSchedule taint. On users' keys a finite one makes the controller recreate what the
  // taint manager evicts, forever (§1.3): scenarios cover that livelock instead.
  lifecycleToleration,
);

const expressionRequirement: fc.Arbitrary<NodeSelectorRequirement> = fc.oneof(
  labelPair.map(({ key, value }) => ({ key, operator: 'In', values: [value] })),
  labelPair.map(({ key, value }) => ({ key, operator: 'NotIn', values: [value] })),
  labelKey.map((key) => ({ key, operator: 'Exists', values: [] })),
  labelKey.map((key) => ({ key, operator: 'DoesNotExist', values: [] })),
  fc.constantFrom('1', '4').map((v) => ({ key: 'cpu', operator: 'Gt', values: [v] })),
  fc.constantFrom('4', '16').map((v) => ({ key: 'cpu', operator: 'Lt', values: [v] })),
);

function fieldRequirement(scope: Pick<Scope, 'nodes'>): fc.Arbitrary<NodeSelectorRequirement> {
  return fc.record({
    key: fc.constant('metadata.name'),
    operator: fc.constantFrom('In', 'NotIn'),
    values: nodeName(scope).map((n) => [n]),
  });
}

function nodeSelectorTerm(scope: Pick<Scope, 'nodes'>): fc.Arbitrary<NodeSelectorTerm> {
  return fc
    .record(
      {
        matchExpressions: fc.array(expressionRequirement, { minLength: 1, maxLength: 2 }),
        matchFields: fc.array(fieldRequirement(scope), { minLength: 1, maxLength: 1 }),
      },
      { requiredKeys: [] },
    )
    .filter((t) => t.matchExpressions !== undefined || t.matchFields !== undefined);
}

export function podTemplate(scope: Pick<Scope, 'nodes'> & Partial<Pick<Scope, 'features'>>): fc.Arbitrary<PodTemplate> {
  const taints = scope.features?.taints ?? true;
  return fc
    .record({
      image: fc.constantFrom(...IMAGES),
      nodeSelector: fc.oneof(
        { weight: 3, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: labelPair.map(({ key, value }) => ({ [key]: value })) },
      ),
      // fc.option's `freq` is the odds of *nil* (1 in freq): most templates need no affinity and no pin,
      // or the DaemonSet fits no node in most cases and every rule past eligibility goes unreached.
      requiredNodeAffinity: fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.array(nodeSelectorTerm(scope), { minLength: 1, maxLength: 2 }) },
      ),
      tolerations: taints ? fc.array(toleration, { maxLength: 2 }) : fc.constant([]),
      hostNetwork: fc.boolean(),
      nodeName: fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: nodeName(scope) }),
    })
    .map(({ requiredNodeAffinity, nodeName: pinned, tolerations, ...rest }) => ({
      ...rest,
      tolerations: withoutEvictionLoop(tolerations),
      ...(requiredNodeAffinity !== undefined ? { requiredNodeAffinity } : {}),
      ...(pinned !== undefined ? { nodeName: pinned } : {}),
    }));
}

const LIFECYCLE_KEYS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/**
 * A pod that tolerates a NotReady node's NoSchedule taint may run there, and with a finite
 * tolerationSeconds for its NoExecute one the taint manager evicts it, the controller (with
 * surge) creates another, and so on while the node stays NotReady: a livelock of Kubernetes
 * itself (§1.3), which scenarios cover. With a finite lifecycle toleration, the tolerations that
 * would let the pod be placed on a NotReady node are left out.
 */
function withoutEvictionLoop(tolerations: readonly Toleration[]): Toleration[] {
  if (!tolerations.some((t) => t.tolerationSeconds != null)) return [...tolerations];
  const toleratesNoSchedule = (t: Toleration) =>
    ['', 'NoSchedule'].includes(t.effect ?? '') &&
    (!t.key || LIFECYCLE_KEYS.includes(t.key)) &&
    (t.operator === 'Exists' || (t.value ?? '') === '');
  return tolerations.filter((t) => t.tolerationSeconds != null || !toleratesNoSchedule(t));
}

const budget = (values: readonly IntOrPercent[]) => fc.constantFrom(...values);

/**
 * Valid strategies: exactly one budget non-zero. `invalidUpdateStrategy` draws the ones the API
 * server refuses (§7.8), for STRATEGY_CHANGED only.
 */
export function updateStrategy(features: Partial<GeneratorFeatures> = {}): fc.Arbitrary<UpdateStrategy> {
  const onDelete = fc.constant({ type: 'OnDelete' as const });
  if (features.rollingUpdate === false) return onDelete;
  const noSurge = budget([1, 2, '25%', '34%', '50%', '100%']).map((mu) => ({
    type: 'RollingUpdate' as const,
    maxUnavailable: mu,
    maxSurge: 0,
  }));
  const surge = budget([1, 2, '25%', '50%']).map((ms) => ({
    type: 'RollingUpdate' as const,
    maxUnavailable: 0,
    maxSurge: ms,
  }));
  if (features.surge === false) return fc.oneof({ weight: 3, arbitrary: noSurge }, { weight: 1, arbitrary: onDelete });
  return fc.oneof(
    { weight: 3, arbitrary: noSurge },
    { weight: 2, arbitrary: surge },
    { weight: 1, arbitrary: onDelete },
  );
}

export const invalidUpdateStrategy: fc.Arbitrary<UpdateStrategy> = fc.constantFrom<UpdateStrategy>(
  { type: 'RollingUpdate', maxUnavailable: 0, maxSurge: 0 },
  { type: 'RollingUpdate', maxUnavailable: '0%', maxSurge: 0 },
  { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 1 },
  { type: 'RollingUpdate', maxUnavailable: '101%', maxSurge: 0 },
);

export function daemonSetSpec(
  scope: Pick<Scope, 'nodes'> & Partial<Pick<Scope, 'features'>>,
): fc.Arbitrary<DaemonSetSpec> {
  return fc.record({
    template: podTemplate(scope),
    updateStrategy: updateStrategy(scope.features),
    minReadySeconds: fc.constantFrom(0, 0, 5),
    revisionHistoryLimit: fc.constantFrom(0, 1, 10),
  });
}

/** One event of the given type. */
export function eventOf(
  type: DsEventType,
  scope: Pick<Scope, 'nodes'> & Partial<Pick<Scope, 'features'>>,
): fc.Arbitrary<DsEvent> {
  const node = nodeName(scope);
  const selector = fc.record(
    { node, revision: fc.constantFrom('current' as const, 'old' as const) },
    { requiredKeys: ['node'] },
  );
  switch (type) {
    case 'NODE_ADDED':
      return fc
        .record(
          {
            node,
            labels: fc
              .array(labelPair, { maxLength: 2 })
              .map((pairs) => Object.fromEntries(pairs.map((p) => [p.key, p.value]))),
            // One node in four joins tainted: taints come mostly from TAINT_ADDED, so that most
            // cases have nodes to roll a DaemonSet over.
            taints: fc.oneof(
              { weight: 3, arbitrary: fc.constant([] as Taint[]) },
              { weight: 1, arbitrary: taint.map((t) => [t]) },
            ),
          },
          { requiredKeys: ['node'] },
        )
        .map((e) => ({ type, ...e }));
    case 'NODE_REMOVED':
    case 'NODE_CORDONED':
    case 'NODE_UNCORDONED':
    case 'NODE_READY':
      return node.map((n) => ({ type, node: n }));
    case 'NODE_NOT_READY':
      return fc
        .record({ node, status: fc.constantFrom('False' as const, 'Unknown' as const) })
        .map((e) => ({ type, ...e }));
    case 'NODE_LABEL_SET':
      return fc.tuple(node, labelPair).map(([n, { key, value }]) => ({ type, node: n, key, value }));
    case 'NODE_LABEL_REMOVED':
      return fc.tuple(node, labelKey).map(([n, key]) => ({ type, node: n, key }));
    case 'TAINT_ADDED':
      return fc.tuple(node, taint).map(([n, t]) => ({ type, node: n, taint: t }));
    case 'TAINT_REMOVED':
      return fc.tuple(node, taint).map(([n, t]) => ({ type, node: n, key: t.key, effect: t.effect }));
    case 'DS_CREATED':
      return daemonSetSpec(scope).map((spec) => ({ type, spec }));
    case 'TEMPLATE_UPDATED':
      return podTemplate(scope).map((template) => ({ type, template }));
    case 'STRATEGY_CHANGED':
      return fc
        .record(
          {
            updateStrategy:
              scope.features?.rollingUpdate === false
                ? updateStrategy(scope.features)
                : fc.oneof(
                    { weight: 4, arbitrary: updateStrategy(scope.features) },
                    { weight: 1, arbitrary: invalidUpdateStrategy },
                  ),
            minReadySeconds: fc.constantFrom(0, 5),
            revisionHistoryLimit: fc.constantFrom(0, 2),
          },
          { requiredKeys: ['updateStrategy'] },
        )
        .map((e) => ({ type, ...e }));
    case 'DS_DELETED':
      return fc
        .constantFrom('Background' as const, 'Foreground' as const, 'Orphan' as const)
        .map((policy) => ({ type, policy }));
    case 'POD_BECAME_READY':
    case 'POD_FAILED':
    case 'POD_DELETED_BY_USER':
    case 'POD_FINALIZER_ADDED':
    case 'POD_FINALIZER_REMOVED':
      return selector.map((s) => ({ type, ...s }));
    case 'POD_RELABELED':
      return fc
        .tuple(
          selector,
          fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        )
        .map(([s, matches]) => ({ type, ...s, matches }));
    case 'ORPHAN_POD_APPEARED':
    case 'FOREIGN_POD_APPEARED':
      return fc
        .record({ node, revision: fc.constantFrom('current' as const, 'none' as const) })
        .map((e) => ({ type, ...e }));
    case 'TIME_ADVANCED':
      return fc.constantFrom(1, 5, 30).map((seconds) => ({ type, seconds }));
    case 'POD_CREATES_FAIL':
    case 'POD_DELETES_FAIL':
      return fc
        .tuple(fc.constantFrom(...(type === 'POD_CREATES_FAIL' ? [0, 1, 2] : [0, 1])), apiFailure)
        .map(([after, failure]) => ({ type, after, ...failure }));
    case 'CONTROLLER_CRASHES':
      return fc.constantFrom(1, 2, 4).map((afterWrites) => ({ type, afterWrites }));
    default:
      return fc.constant({ type } as DsEvent);
  }
}

/** One event, drawn by weight. */
export function anyEvent(
  scope: Pick<Scope, 'nodes' | 'weights'> & Partial<Pick<Scope, 'features'>>,
): fc.Arbitrary<DsEvent> {
  const weights = { ...DEFAULT_WEIGHTS, ...scope.weights };
  const choices = (Object.entries(weights) as [DsEventType, number][])
    .filter(([, w]) => w > 0)
    .map(([type, weight]) => ({ weight, arbitrary: eventOf(type, scope) }));
  return fc.oneof(...choices);
}

/**
 * What a case draws before it is resolved into events: an event, or a placeholder that stands
 * for events that depend on what came before in the case (a generator of single events cannot
 * know the current template, and a crash-looping node is a run of steps, not one event).
 */
type Draw =
  | DsEvent
  /** `kubectl set image`: the last template set in the case, with only its image changed. */
  | { readonly type: '@IMAGE'; readonly image: string }
  /** A node whose kubelet fails every daemon pod it starts, `times` times in a row (upstream #65240). */
  | { readonly type: '@CRASH_LOOP'; readonly node: string; readonly times: number }
  /** The cluster gets time to converge: every actor steps, started pods pass readiness, time passes. */
  | { readonly type: '@SETTLE' }
  /**
   * Delete and re-create (`kubectl delete --cascade=...` then `kubectl apply` of the same
   * manifest, the usual way to change an immutable selector): the DaemonSet is deleted with
   * `policy` once its pods are there (a user may be deleting them by hand at that moment), the
   * garbage collector and kubelets run (or not yet), and the last spec set in the case is
   * created again, its image changed or not.
   */
  | {
      readonly type: '@RECREATE';
      readonly policy: DeletionPolicy;
      /** A user is deleting the pods (one per node, by hand) when the DaemonSet is deleted. */
      readonly deletingPods: boolean;
      readonly image?: string;
      /** False: re-created at once, before the garbage collector got to the old DaemonSet's pods. */
      readonly collect: boolean;
      /**
       * Then the re-created DaemonSet, once it has claimed what it found, is deleted too (tearing
       * down after a migration): a Foreground deletion must wait for the pods it adopted.
       */
      readonly teardown?: 'Foreground' | 'Background';
    }
  /** A pod is created for `node`, which is deleted before the scheduler binds it (§3.4). */
  | { readonly type: '@VANISH'; readonly node: string }
  /**
   * The pod on `node` fails and a sync deletes it (terminal: it goes at once); the controller's
   * watches break before the DELETED event arrives, so its next sync meets the deletion only as a
   * relist's tombstone (issue 15).
   */
  | { readonly type: '@LOST_DELETE'; readonly node: string }
  /**
   * A sync writes pods, then the controller's pod informer lags (issue 15): the next sync, woken
   * by `node` joining or the template changing to `image`, has not seen those writes yet; only its
   * expectations keep it from acting on the pods it has not seen.
   */
  | { readonly type: '@LAGGING_CACHE'; readonly node: string; readonly image?: string }
  /** A user relabels the pod on `node` away (released, replaced), then back (adopted again, the older of two). */
  | { readonly type: '@RELABEL'; readonly node: string; readonly back: boolean }
  /**
   * The pod on `node` gets a finalizer, then fails: deleted, it stays terminal and Terminating
   * (#118587). Then the finalizer goes, or the DaemonSet is deleted in the foreground (it waits), or neither.
   */
  | { readonly type: '@HELD_FAILURE'; readonly node: string; readonly after: 'release' | 'foreground' | 'none' };

/**
 * A crash loop, round by round: the pod fails, a sync deletes it (from the second round on, the
 * first sync is inside the backoff, and a second later the next one deletes it: the backoff
 * doubles, 1 s, 2 s, ...), the kubelet finishes it, a sync creates the replacement, the
 * scheduler binds it and the kubelet starts it, to fail in the next round.
 */
function crashLoop(node: string, times: number): DsEvent[] {
  const out: DsEvent[] = [];
  for (let round = 0; round < times; round++) {
    out.push({ type: 'POD_FAILED', node }, { type: 'CONTROLLER_SYNC' });
    if (round > 0) out.push({ type: 'TIME_ADVANCED', seconds: 1 }, { type: 'CONTROLLER_SYNC' });
    out.push(
      { type: 'KUBELET_STEP' },
      { type: 'CONTROLLER_SYNC' },
      { type: 'SCHEDULER_STEP' },
      { type: 'KUBELET_STEP' },
    );
  }
  return out;
}

type Placeholder = Exclude<Draw, DsEvent>['type'];

/** The events a case's draws stand for, in order. */
export function resolveDraws(draws: readonly Draw[], nodes: readonly string[]): DsEvent[] {
  let template: PodTemplate | undefined;
  let spec: DaemonSetSpec | undefined;
  const out: DsEvent[] = [];
  for (const d of draws) {
    switch (d.type) {
      case '@SETTLE':
        out.push({ type: 'CONTROLLER_SYNC' }, { type: 'SCHEDULER_STEP' }, { type: 'KUBELET_STEP' });
        for (const node of nodes) out.push({ type: 'POD_BECAME_READY', node });
        out.push({ type: 'TIME_ADVANCED', seconds: 30 }, { type: 'CONTROLLER_SYNC' });
        break;
      case '@RECREATE':
        if (spec === undefined || template === undefined) break;
        out.push({ type: 'CONTROLLER_SYNC' }, { type: 'SCHEDULER_STEP' }, { type: 'KUBELET_STEP' });
        // A user was deleting pods by hand when the DaemonSet went: an Orphan delete leaves them
        // terminating and unowned, and the new DaemonSet must not adopt them.
        if (d.deletingPods) for (const node of nodes) out.push({ type: 'POD_DELETED_BY_USER', node });
        out.push({ type: 'DS_DELETED', policy: d.policy });
        // One pass orphans the dependents (without it the old object is still there, and the create
        // is refused, which plain DS_CREATED events cover); the other policies wait for the pods.
        if (d.policy === 'Orphan') out.push({ type: 'GC_STEP' });
        else if (d.collect) out.push({ type: 'GC_STEP' }, { type: 'KUBELET_STEP' }, { type: 'GC_STEP' });
        template = d.image !== undefined ? { ...template, image: d.image } : template;
        spec = { ...spec, template };
        out.push({ type: 'DS_CREATED', spec });
        // The teardown's garbage collector makes two passes: the first deletes the dependents, the
        // second must still find the Foreground deletion waiting for them.
        if (d.teardown !== undefined)
          out.push(
            { type: 'CONTROLLER_SYNC' },
            { type: 'DS_DELETED', policy: d.teardown },
            { type: 'GC_STEP' },
            { type: 'GC_STEP' },
          );
        break;
      case '@IMAGE':
        if (template === undefined || template.image === d.image) break;
        template = { ...template, image: d.image };
        out.push({ type: 'TEMPLATE_UPDATED', template });
        break;
      case '@CRASH_LOOP':
        out.push(...crashLoop(d.node, d.times));
        break;
      case '@VANISH':
        out.push({ type: 'CONTROLLER_SYNC' }, { type: 'NODE_REMOVED', node: d.node }, { type: 'CONTROLLER_SYNC' });
        break;
      case '@LOST_DELETE':
        out.push(
          { type: 'POD_FAILED', node: d.node },
          { type: 'CONTROLLER_SYNC' },
          { type: 'WATCH_RELISTED' },
          { type: 'CONTROLLER_SYNC' },
        );
        break;
      case '@LAGGING_CACHE':
        out.push({ type: 'CONTROLLER_SYNC' }, { type: 'POD_INFORMER_LAGS' }, { type: 'NODE_ADDED', node: d.node });
        if (d.image !== undefined && template !== undefined && template.image !== d.image) {
          template = { ...template, image: d.image };
          out.push({ type: 'TEMPLATE_UPDATED', template });
        }
        out.push({ type: 'CONTROLLER_SYNC' });
        break;
      case '@HELD_FAILURE':
        out.push(
          { type: 'POD_FINALIZER_ADDED', node: d.node },
          { type: 'POD_FAILED', node: d.node },
          { type: 'CONTROLLER_SYNC' },
          { type: 'KUBELET_STEP' },
          { type: 'CONTROLLER_SYNC' },
        );
        if (d.after === 'release') out.push({ type: 'POD_FINALIZER_REMOVED', node: d.node });
        if (d.after === 'foreground')
          out.push({ type: 'DS_DELETED', policy: 'Foreground' }, { type: 'GC_STEP' }, { type: 'CONTROLLER_SYNC' });
        break;
      case '@RELABEL':
        out.push({ type: 'POD_RELABELED', node: d.node, matches: false }, { type: 'CONTROLLER_SYNC' });
        if (d.back) out.push({ type: 'POD_RELABELED', node: d.node, matches: true }, { type: 'CONTROLLER_SYNC' });
        break;
      default:
        if (d.type === 'DS_CREATED') {
          spec = d.spec;
          template = d.spec.template;
        }
        if (d.type === 'TEMPLATE_UPDATED') template = d.template;
        out.push(d);
    }
  }
  return out;
}

/** One draw: an event by weight, or a placeholder weighted like the events it stands in for. */
function anyDraw(scope: Scope, focus: readonly Placeholder[] = []): fc.Arbitrary<Draw> {
  const weights = { ...DEFAULT_WEIGHTS, ...scope.weights };
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  // fc.oneof weights are integers: events as a whole weigh 100, a placeholder its events' share of
  // that (those the case focuses on eight times as much).
  const share = (w: number, placeholder: Placeholder) =>
    total > 0 && w > 0 ? Math.max(1, Math.round((100 * w) / total)) * (focus.includes(placeholder) ? 8 : 1) : 0;
  const choices: fc.WeightedArbitrary<Draw>[] = [{ weight: 100, arbitrary: anyEvent(scope) }];
  /** A placeholder, if its events are drawn at all. */
  const offer = (weight: number, arbitrary: fc.Arbitrary<Draw>) => {
    if (weight > 0) choices.push({ weight, arbitrary });
  };
  offer(
    share(weights.TEMPLATE_UPDATED, '@IMAGE'),
    fc.constantFrom(...IMAGES).map((i) => ({ type: '@IMAGE' as const, image: i })),
  );
  offer(
    share(weights.POD_FAILED / 4, '@CRASH_LOOP'),
    fc
      .record({ node: nodeName(scope), times: fc.integer({ min: 2, max: 3 }) })
      .map((c) => ({ type: '@CRASH_LOOP' as const, ...c })),
  );
  offer(share(weights.CONTROLLER_SYNC / 5, '@SETTLE'), fc.constant({ type: '@SETTLE' as const }));
  offer(
    share(weights.DS_DELETED, '@RECREATE'),
    fc
      .record(
        {
          policy: fc.constantFrom<DeletionPolicy>('Orphan', 'Orphan', 'Background', 'Foreground'),
          deletingPods: fc.constantFrom(false, false, true),
          image: fc.constantFrom(...IMAGES),
          collect: fc.constantFrom(true, false),
          // Three stories in four tear the re-created DaemonSet down again (shrinking goes to none).
          teardown: fc.constantFrom<'none' | 'Foreground' | 'Background'>(
            'none',
            'Foreground',
            'Foreground',
            'Background',
          ),
        },
        { requiredKeys: ['policy', 'collect', 'deletingPods', 'teardown'] },
      )
      .map(({ teardown, ...r }) => ({
        type: '@RECREATE' as const,
        ...r,
        ...(teardown === 'none' ? {} : { teardown }),
      })),
  );
  offer(
    share(weights.POD_FINALIZER_ADDED / 2, '@HELD_FAILURE'),
    fc
      .record({
        node: nodeName(scope),
        // A profile without deletions never deletes the DaemonSet here either.
        after: fc.constantFrom<'release' | 'foreground' | 'none'>(
          ...(weights.DS_DELETED > 0
            ? (['release', 'foreground', 'foreground', 'none'] as const)
            : (['release', 'none'] as const)),
        ),
      })
      .map((r) => ({ type: '@HELD_FAILURE' as const, ...r })),
  );
  offer(
    share(weights.POD_RELABELED / 2, '@RELABEL'),
    fc
      .record({ node: nodeName(scope), back: fc.constantFrom(true, true, false) })
      .map((r) => ({ type: '@RELABEL' as const, ...r })),
  );
  offer(
    share(weights.NODE_REMOVED / 2, '@VANISH'),
    nodeName(scope).map((node) => ({ type: '@VANISH' as const, node })),
  );
  offer(
    share(weights.WATCH_RELISTED, '@LOST_DELETE'),
    nodeName(scope).map((node) => ({ type: '@LOST_DELETE' as const, node })),
  );
  offer(
    share(weights.POD_INFORMER_LAGS, '@LAGGING_CACHE'),
    fc
      // Only profiles that change templates change one here.
      .record({ node: nodeName(scope), image: fc.option(fc.constantFrom(...IMAGES), { nil: undefined }) })
      .map((r) => ({
        type: '@LAGGING_CACHE' as const,
        node: r.node,
        ...(r.image !== undefined && weights.TEMPLATE_UPDATED > 0 ? { image: r.image } : {}),
      })),
  );
  return fc.oneof(...choices);
}

/** Event types a swarm case may switch off: users' and the environment's, never the actors' steps. */
const SWARM_TYPES = (Object.keys(DEFAULT_WEIGHTS) as DsEventType[]).filter(
  (t) => !['CONTROLLER_SYNC', 'KUBELET_STEP', 'SCHEDULER_STEP', 'GC_STEP', 'DS_CREATED'].includes(t),
);

/**
 * A case: some nodes, a DaemonSet, then a random run of events. Starting from a created
 * DaemonSet keeps most of the budget on interesting behaviour; shrinking may drop the prefix.
 *
 * Swarm testing (Groce et al., 2012): half the cases switch a random set of event types off, so
 * that what the others would interrupt (a long rollout, a crash loop, a deletion and a re-create)
 * gets to happen.
 */
export function eventSequence(scope: Partial<Scope> = {}): fc.Arbitrary<DsEvent[]> {
  const full: Scope = {
    ...DEFAULT_SCOPE,
    ...scope,
    weights: { ...DEFAULT_WEIGHTS, ...(scope.weights ?? {}) },
    features: { ...DEFAULT_SCOPE.features, ...(scope.features ?? {}) },
  };
  const swarmOff = fc.oneof(
    fc.constant([] as DsEventType[]),
    fc.subarray(SWARM_TYPES.filter((t) => (full.weights[t] ?? 0) > 0)),
  );
  const names = Array.from({ length: full.nodes }, (_, i) => `n${i}`);
  const caseWith = (setup: fc.Arbitrary<[DsEvent[], DsEvent]>, focus: Focus = NO_FOCUS) => {
    const weights = { ...full.weights };
    for (const [type, factor] of Object.entries(focus.boost ?? {}) as [DsEventType, number][]) {
      weights[type] = (weights[type] ?? 0) * factor;
    }
    const draw = anyDraw({ ...full, weights }, focus.placeholders);
    return fc
      .tuple(setup, swarmOff, fc.array(draw, { maxLength: full.maxEvents, size: 'max' }))
      .map(([[nodes, create], off, rest]) => {
        const kept = off.length === 0 ? rest : rest.filter((d) => !(off as string[]).includes(d.type));
        // maxEvents bounds the draws; the events they stand for may be a few times as many.
        return [...nodes, ...resolveDraws([create, ...kept], names)];
      });
  };
  // Four cases in five are focused: a DaemonSet that fits every node (the nodes join untainted) and
  // a kind of story drawn eight times as often, so that a rollout over several available pods,
  // a crash loop, a recreate or a node going NotReady happens often enough to reach the rules
  // that need them (unfocused cases reach the common paths anyway).
  const focuses = FOCUSES.filter((f) => f.needs.every((t) => (full.weights[t] ?? 0) > 0));
  const focused = focuses.reduce((n, f) => n + f.weight, 0);
  return fc.oneof(
    { weight: Math.max(1, Math.round(focused / 4)), arbitrary: caseWith(caseSetup(full, false)) },
    ...focuses.map((focus, i) => ({
      weight: focus.weight,
      arbitrary: caseWith(caseSetup(full, true, focus), withSecondStory(focus, focuses[(i + 1) % focuses.length])),
    })),
  );
}

interface Focus {
  /** How often, against the other focuses (unfocused cases weigh a quarter of all of them). */
  readonly weight: number;
  readonly placeholders: readonly Placeholder[];
  /** Half the DaemonSets roll with surge (maxSurge > 0). */
  readonly surge?: boolean;
  /** Event types drawn this many times as often. */
  readonly boost?: Partial<Record<DsEventType, number>>;
  /** The template tolerates the lifecycle NoExecute taints for a while (finite tolerationSeconds). */
  readonly lifecycleTolerations?: boolean;
  /** Event types the profile must draw for the focus to make sense. */
  readonly needs: readonly DsEventType[];
  /** At least this many nodes join at the start (budgets of several pods need several nodes). */
  readonly minNodes?: number;
}
const NO_FOCUS: Focus = { weight: 0, placeholders: [], needs: [] };

/**
 * A focus that also draws the stories of `other` (its placeholders, not its set-up or boosts): a
 * case tells two stories, so each story is told in twice as many cases.
 */
function withSecondStory(focus: Focus, other: Focus | undefined): Focus {
  if (!other || other === focus) return focus;
  return { ...focus, placeholders: [...new Set([...focus.placeholders, ...other.placeholders])] };
}
const FOCUSES: readonly Focus[] = [
  {
    weight: 4,
    placeholders: ['@IMAGE', '@SETTLE'],
    surge: true,
    boost: { TAINT_ADDED: 4, STRATEGY_CHANGED: 6, NODE_NOT_READY: 3 },
    needs: ['TEMPLATE_UPDATED'],
    minNodes: 3,
  },
  { weight: 2, placeholders: ['@CRASH_LOOP'], needs: ['POD_FAILED'] },
  { weight: 3, placeholders: ['@RECREATE', '@SETTLE'], boost: { ORPHAN_POD_APPEARED: 4 }, needs: ['DS_DELETED'] },
  { weight: 1, placeholders: ['@VANISH'], needs: ['NODE_REMOVED'] },
  // Failed pods a finalizer holds while they are deleted; the finalizer goes, or the DaemonSet does.
  {
    weight: 2,
    placeholders: ['@HELD_FAILURE', '@SETTLE'],
    boost: { POD_FINALIZER_REMOVED: 3, DS_DELETED: 2 },
    needs: ['POD_FINALIZER_ADDED'],
  },
  // Pods relabelled away and back (release, re-adoption), beside pods of other controllers.
  {
    weight: 1,
    placeholders: ['@RELABEL', '@SETTLE'],
    boost: { POD_RELABELED: 3, FOREIGN_POD_APPEARED: 3 },
    needs: ['POD_RELABELED'],
  },
  {
    weight: 4,
    placeholders: ['@SETTLE'],
    boost: { NODE_NOT_READY: 6, NODE_READY: 3, TIME_ADVANCED: 2 },
    lifecycleTolerations: true,
    needs: ['NODE_NOT_READY'],
  },
];

/** A DaemonSet spec, half with a surge strategy when the focus asks for it. */
function focusedSpec(scope: Scope, focus: Focus): fc.Arbitrary<DaemonSetSpec> {
  const spec = daemonSetSpec(scope);
  if (!focus.surge || scope.features.surge === false || scope.features.rollingUpdate === false) return spec;
  // Budgets of 2 and more let one sync surge onto several nodes (R-ROLL-SURGE-SEVERAL, DS-ROLL-08).
  const surge = budget([2, '50%', '100%']).map((ms) => ({
    type: 'RollingUpdate' as const,
    maxUnavailable: 0,
    maxSurge: ms,
  }));
  // And maxUnavailable of 2 and more lets one sync replace several (R-ROLL-BUDGET-SEVERAL).
  const several = budget([2, '50%', '100%']).map((mu) => ({
    type: 'RollingUpdate' as const,
    maxUnavailable: mu,
    maxSurge: 0,
  }));
  return fc.oneof(
    spec,
    fc.tuple(spec, surge).map(([s, updateStrategy]) => ({ ...s, updateStrategy })),
    fc.tuple(spec, several).map(([s, updateStrategy]) => ({ ...s, updateStrategy })),
  );
}

/** The nodes that join and the DaemonSet created first; `plain`: untainted nodes, a template without placement constraints. */
function caseSetup(scope: Scope, plain: boolean, focus: Focus = NO_FOCUS): fc.Arbitrary<[DsEvent[], DsEvent]> {
  const nodes = fc.uniqueArray(eventOf('NODE_ADDED', scope), {
    minLength: Math.min(scope.nodes, focus.minNodes ?? 1),
    maxLength: scope.nodes,
    size: 'max',
    selector: (e) => (e as { node: string }).node,
  });
  if (!plain) return fc.tuple(nodes, eventOf('DS_CREATED', scope));
  return fc.tuple(
    nodes.map((added) => added.map((e) => ({ ...e, taints: [] }) as DsEvent)),
    fc
      .tuple(
        focusedSpec(scope, focus),
        focus.lifecycleTolerations ? fc.array(lifecycleToleration, { minLength: 1, maxLength: 2 }) : fc.constant([]),
      )
      .map(
        ([
          {
            template: { requiredNodeAffinity: _a, nodeName: _n, ...template },
            ...spec
          },
          extra,
        ]): DsEvent => ({
          type: 'DS_CREATED',
          spec: {
            ...spec,
            template: {
              ...template,
              nodeSelector: {},
              tolerations: withoutEvictionLoop([...template.tolerations, ...extra]),
            },
          },
        }),
      ),
  );
}
