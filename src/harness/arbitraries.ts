/**
 * fast-check arbitraries for the model's event vocabulary (model/events.ts): small scopes by
 * default, so that collisions (the same label, the same taint, the same node) are common and
 * counterexamples stay short. Weights say how often each kind of event is drawn.
 */
import fc from 'fast-check';
import type { DsEvent, DsEventType } from '../../model/events.ts';
import type {
  DaemonSetSpec,
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
  // No finite tolerationSeconds: with one, the taint manager evicts a pod the DaemonSet controller
  // recreates at once, forever (semantics note §1.3). Scenarios cover that livelock instead.
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
      requiredNodeAffinity: fc.option(fc.array(nodeSelectorTerm(scope), { minLength: 1, maxLength: 2 }), {
        freq: 3,
        nil: undefined,
      }),
      tolerations: taints ? fc.array(toleration, { maxLength: 2 }) : fc.constant([]),
      hostNetwork: fc.boolean(),
      nodeName: fc.option(nodeName(scope), { freq: 8, nil: undefined }),
    })
    .map(({ requiredNodeAffinity, nodeName: pinned, ...rest }) => ({
      ...rest,
      ...(requiredNodeAffinity !== undefined ? { requiredNodeAffinity } : {}),
      ...(pinned !== undefined ? { nodeName: pinned } : {}),
    }));
}

const budget = (values: readonly IntOrPercent[]) => fc.constantFrom(...values);

/** Valid strategies only: exactly one budget non-zero (the API rejects the rest). */
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
            taints: fc.uniqueArray(taint, { maxLength: 1, selector: (t) => `${t.key}:${t.effect}` }),
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
            updateStrategy: updateStrategy(scope.features),
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
      return selector.map((s) => ({ type, ...s }));
    case 'ORPHAN_POD_APPEARED':
      return fc
        .record({ node, revision: fc.constantFrom('current' as const, 'none' as const) })
        .map((e) => ({ type, ...e }));
    case 'TIME_ADVANCED':
      return fc.constantFrom(1, 5, 30).map((seconds) => ({ type, seconds }));
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
 * A case: some nodes, a DaemonSet, then a random run of events. Starting from a created
 * DaemonSet keeps most of the budget on interesting behaviour; shrinking may drop the prefix.
 */
export function eventSequence(scope: Partial<Scope> = {}): fc.Arbitrary<DsEvent[]> {
  const full: Scope = {
    ...DEFAULT_SCOPE,
    ...scope,
    weights: { ...DEFAULT_WEIGHTS, ...(scope.weights ?? {}) },
    features: { ...DEFAULT_SCOPE.features, ...(scope.features ?? {}) },
  };
  const setup = fc.tuple(
    fc.uniqueArray(eventOf('NODE_ADDED', full), {
      minLength: 1,
      maxLength: full.nodes,
      selector: (e) => (e as { node: string }).node,
    }),
    eventOf('DS_CREATED', full),
  );
  return fc
    .tuple(setup, fc.array(anyEvent(full), { maxLength: full.maxEvents, size: 'max' }))
    .map(([[nodes, create], rest]) => [...nodes, create, ...rest]);
}
