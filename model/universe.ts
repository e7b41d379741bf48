/**
 * A small, finite universe of concrete events for traversing the machine: a few nodes, one
 * label, a few taints, two templates, three strategies. `universeEvents(world)` lists the
 * events worth trying in a world: those that change something, plus refused writes (they
 * exercise the validation guards). Everything is deterministic and in a fixed order.
 */
import type { DsEvent } from './events.ts';
import { sameWorld } from './quiescence.ts';
import { applyEventQuietly } from './step.ts';
import type { DaemonSetSpec, PodTemplate, Taint, UpdateStrategy } from './types.ts';
import { rejection, type World, type WorldInput } from './world.ts';

/** Label that the templates' required affinity avoids (`role NotIn [edge]`). */
export const EDGE_LABEL = { key: 'role', value: 'edge' } as const;

const avoidEdge = [{ matchExpressions: [{ key: EDGE_LABEL.key, operator: 'NotIn', values: [EDGE_LABEL.value] }] }];

/** Template A: no tolerations beyond the defaults. */
export const TEMPLATE_A: PodTemplate = {
  image: 'daemon:v1',
  nodeSelector: {},
  requiredNodeAffinity: avoidEdge,
  tolerations: [],
  hostNetwork: false,
};

/** Template B: a new image that also tolerates `dedicated` NoSchedule taints. */
export const TEMPLATE_B: PodTemplate = {
  image: 'daemon:v2',
  nodeSelector: {},
  requiredNodeAffinity: avoidEdge,
  tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
  hostNetwork: false,
};

export const ROLLING: UpdateStrategy = { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 };
export const SURGE: UpdateStrategy = { type: 'RollingUpdate', maxUnavailable: 0, maxSurge: 1 };
export const ON_DELETE: UpdateStrategy = { type: 'OnDelete' };
/** Rejected by validation: both budgets non-zero. */
export const INVALID_STRATEGY: UpdateStrategy = { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 1 };

const spec = (updateStrategy: UpdateStrategy): DaemonSetSpec => ({
  template: TEMPLATE_A,
  updateStrategy,
  minReadySeconds: 0,
  revisionHistoryLimit: 1,
});

export const SPECS = {
  rolling: spec(ROLLING),
  surge: spec(SURGE),
  onDelete: spec(ON_DELETE),
  invalid: spec(INVALID_STRATEGY),
} as const;

export const TAINTS: readonly Taint[] = [
  { key: 'dedicated', value: 'infra', effect: 'NoSchedule' },
  { key: 'dedicated', value: 'infra', effect: 'NoExecute' },
];

/** Extra taint of the full universe (ignored by eligibility). */
export const SOFT_TAINT: Taint = { key: 'dedicated', value: 'infra', effect: 'PreferNoSchedule' };

export interface UniverseOptions {
  /** Nodes present at the start (default 2). */
  readonly nodes?: number;
  /** Further node names NODE_ADDED may add (default 1). */
  readonly extraNodes?: number;
  /**
   * `full` adds PreferNoSchedule taints, Unknown readiness, orphans without hash, a longer clock
   * step, minReadySeconds 5, percent budgets and revisionHistoryLimit 0.
   */
  readonly size?: 'small' | 'full';
  /** Which event types to offer (default: all). */
  readonly eventTypes?: readonly DsEvent['type'][];
}

const nodeName = (i: number) => `node-${i}`;

export function universeInput(options: UniverseOptions = {}): WorldInput {
  return { nodes: Array.from({ length: options.nodes ?? 2 }, (_, i) => nodeName(i)) };
}

/** Every event of the universe, before filtering by effect. */
export function candidateEvents(world: World, options: UniverseOptions = {}): DsEvent[] {
  const full = options.size === 'full';
  const total = (options.nodes ?? 2) + (options.extraNodes ?? 1);
  const names = Array.from({ length: total }, (_, i) => nodeName(i));
  const present = world.nodes.map((n) => n.name);
  const events: DsEvent[] = [];
  for (const node of names) if (!present.includes(node)) events.push({ type: 'NODE_ADDED', node });
  const taints = full ? [...TAINTS, SOFT_TAINT] : TAINTS;
  for (const node of present) {
    events.push(
      { type: 'NODE_REMOVED', node },
      { type: 'NODE_LABEL_SET', node, key: EDGE_LABEL.key, value: EDGE_LABEL.value },
      { type: 'NODE_LABEL_REMOVED', node, key: EDGE_LABEL.key },
      ...taints.map((taint): DsEvent => ({ type: 'TAINT_ADDED', node, taint })),
      ...taints.map((t): DsEvent => ({ type: 'TAINT_REMOVED', node, key: t.key, effect: t.effect })),
      { type: 'NODE_CORDONED', node },
      { type: 'NODE_UNCORDONED', node },
      { type: 'NODE_READY', node },
      { type: 'NODE_NOT_READY', node },
    );
    if (full) events.push({ type: 'NODE_NOT_READY', node, status: 'Unknown' });
    events.push(
      { type: 'POD_BECAME_READY', node },
      { type: 'POD_FAILED', node },
      { type: 'POD_DELETED_BY_USER', node },
      { type: 'ORPHAN_POD_APPEARED', node, revision: 'current' },
      { type: 'FOREIGN_POD_APPEARED', node, revision: 'current' },
      { type: 'POD_RELABELED', node, matches: false },
      { type: 'POD_RELABELED', node, matches: true },
      { type: 'POD_FINALIZER_ADDED', node },
      { type: 'POD_FINALIZER_REMOVED', node },
    );
    if (full) events.push({ type: 'ORPHAN_POD_APPEARED', node, revision: 'none' });
  }
  events.push(
    { type: 'DS_CREATED', spec: SPECS.rolling },
    { type: 'DS_CREATED', spec: SPECS.surge },
    { type: 'DS_CREATED', spec: SPECS.onDelete },
    { type: 'DS_CREATED', spec: SPECS.invalid },
    { type: 'TEMPLATE_UPDATED', template: TEMPLATE_A },
    { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B },
    { type: 'STRATEGY_CHANGED', updateStrategy: ROLLING },
    { type: 'STRATEGY_CHANGED', updateStrategy: SURGE },
    { type: 'STRATEGY_CHANGED', updateStrategy: ON_DELETE },
    { type: 'STRATEGY_CHANGED', updateStrategy: INVALID_STRATEGY },
    { type: 'DS_DELETED', policy: 'Background' },
    { type: 'DS_DELETED', policy: 'Foreground' },
    { type: 'DS_DELETED', policy: 'Orphan' },
    { type: 'CONTROLLER_RESTARTED' },
    { type: 'POD_CREATES_FAIL', after: 0 },
    { type: 'POD_CREATES_FAIL', after: 1 },
    { type: 'POD_DELETES_FAIL', after: 0 },
    { type: 'CONTROLLER_CRASHES', afterWrites: 1 },
    { type: 'WATCH_RELISTED' },
    { type: 'STATUS_WRITE_CONFLICTS' },
    { type: 'POD_INFORMER_LAGS' },
    { type: 'WATCH_EVENTS_DUPLICATED' },
    { type: 'TIME_ADVANCED', seconds: 1 },
  );
  if (full) {
    events.push(
      { type: 'TIME_ADVANCED', seconds: 60 },
      { type: 'DS_CREATED', spec: { ...SPECS.surge, minReadySeconds: 5 } },
      {
        type: 'STRATEGY_CHANGED',
        updateStrategy: { type: 'RollingUpdate', maxUnavailable: '50%', maxSurge: 0 },
        minReadySeconds: 5,
      },
      {
        type: 'STRATEGY_CHANGED',
        updateStrategy: { type: 'RollingUpdate', maxUnavailable: 0, maxSurge: '50%' },
        revisionHistoryLimit: 0,
      },
    );
  }
  events.push({ type: 'CONTROLLER_SYNC' }, { type: 'KUBELET_STEP' }, { type: 'SCHEDULER_STEP' }, { type: 'GC_STEP' });
  const allowed = options.eventTypes;
  return allowed ? events.filter((e) => allowed.includes(e.type)) : events;
}

/**
 * Events every state may meet even when they change nothing in the model's world: the
 * controller's sync and restart (doing nothing, e.g. while deleting, is checked too), and the
 * faults the model's world does not record (a broken watch, a conflicting status write, a lagging
 * pod informer, events delivered twice).
 */
export function alwaysWorthTrying(event: DsEvent): boolean {
  switch (event.type) {
    case 'CONTROLLER_SYNC':
    case 'CONTROLLER_RESTARTED':
    case 'WATCH_RELISTED':
    case 'STATUS_WRITE_CONFLICTS':
    case 'POD_INFORMER_LAGS':
    case 'WATCH_EVENTS_DUPLICATED':
      return true;
    default:
      return false;
  }
}

/**
 * The events worth trying in `world`: those that change it; writes the API refuses (one
 * duplicate create, invalid specs: they drive the validation guards); a repeated delete;
 * the controller's sync and restart even when they should change nothing. TIME_ADVANCED counts only when
 * something is waiting for time.
 */
export function universeEvents(world: World, options: UniverseOptions = {}): DsEvent[] {
  let alreadyExists = false;
  return candidateEvents(world, options).filter((event) => {
    if (alwaysWorthTrying(event)) return true;
    // A repeated delete of an object already being deleted changes nothing but is a real request.
    if (event.type === 'DS_DELETED' && world.daemonSet?.deleting !== undefined) return event.policy === 'Background';
    if (event.type === 'DS_CREATED' || event.type === 'STRATEGY_CHANGED') {
      const why = rejection(world, event);
      if (why?.startsWith('AlreadyExists') && !alreadyExists) {
        alreadyExists = true;
        return true;
      }
      if (why !== undefined) return why.startsWith('Invalid');
    }
    if (event.type === 'TIME_ADVANCED') {
      return world.pods.some((p) => p.phase === 'Failed') || (world.daemonSet?.spec.minReadySeconds ?? 0) > 0;
    }
    return !sameWorld(applyEventQuietly(world, event), world);
  });
}
