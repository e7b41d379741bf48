/**
 * A random run as a scenario: `dsconform replay FILE --save-scenario out.yaml`. Every model
 * event becomes the scenario step of the same meaning in the stepwise style (nothing moves
 * unless a step says so), the run ends with `quiesce`, and `invariants: all` makes the scenario
 * judge like `dsconform check`: the same events fail at the same step for the same reason.
 */
import { Document, isMap, isSeq, visit, type Node as YamlNode } from 'yaml';
import type { DsEvent } from '../../model/events.ts';
import type { Taint, UpdateStrategy } from '../../model/types.ts';
import { ROLLOUT_EVENTS, TAINT_EVENTS } from '../harness/profiles.js';
import { DEFAULT_DS_NAME, daemonSetManifestFor, podTemplateSpecFor } from '../harness/translate.js';

/** Where the run comes from and what went wrong, for the scenario's header. */
export interface SavedRunOrigin {
  /** The scenario's name. */
  readonly name: string;
  /** The counterexample file, as given on the command line. */
  readonly source: string;
  readonly implementation: string;
  readonly invariant: string;
  readonly message: string;
  /** Index of the event after which the violation showed; -1 = at quiescence. */
  readonly step: number;
  readonly profile?: string;
  readonly seed?: number;
  readonly caseIndex?: number;
}

export interface SavedRun {
  readonly text: string;
  /** For each event, the 1-based scenario step that performs it (undefined: folded into the cluster, or a no-op dropped). */
  readonly stepOfEvent: readonly (number | undefined)[];
  /** The step of the final `quiesce`. */
  readonly quiesceStep: number;
}

type StepObject = string | Record<string, unknown>;

const taintArgs = (t: Taint) => ({ key: t.key, ...(t.value !== '' ? { value: t.value } : {}), effect: t.effect });

/** `spec.updateStrategy` as a merge patch that replaces the old one whole. */
function strategyPatch(strategy: UpdateStrategy): Record<string, unknown> {
  if (strategy.type === 'OnDelete') return { type: 'OnDelete', rollingUpdate: null };
  return {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: strategy.maxUnavailable, maxSurge: strategy.maxSurge },
  };
}

/** The scenario step of one event; undefined for an event no step needs (a zero advance). */
export function stepForEvent(event: DsEvent, dsName = DEFAULT_DS_NAME): StepObject | undefined {
  switch (event.type) {
    case 'NODE_ADDED':
      return {
        addNode: {
          name: event.node,
          ...(event.labels && Object.keys(event.labels).length > 0 ? { labels: { ...event.labels } } : {}),
          ...(event.taints && event.taints.length > 0 ? { taints: event.taints.map(taintArgs) } : {}),
        },
      };
    case 'NODE_REMOVED':
      return { removeNode: event.node };
    case 'NODE_LABEL_SET':
      return { label: { node: event.node, labels: { [event.key]: event.value } } };
    case 'NODE_LABEL_REMOVED':
      return { unlabel: { node: event.node, key: event.key } };
    case 'TAINT_ADDED':
      return { taint: { node: event.node, ...taintArgs(event.taint) } };
    case 'TAINT_REMOVED':
      return { untaint: { node: event.node, key: event.key, effect: event.effect } };
    case 'NODE_CORDONED':
      return { cordon: event.node };
    case 'NODE_UNCORDONED':
      return { uncordon: event.node };
    case 'NODE_READY':
      return { nodeReady: event.node };
    case 'NODE_NOT_READY':
      return { nodeNotReady: event.status === 'Unknown' ? { node: event.node, status: 'Unknown' } : event.node };
    case 'DS_CREATED':
      return { createDaemonSet: daemonSetManifestFor(event.spec, event.name ?? dsName) };
    case 'TEMPLATE_UPDATED':
      return { updateDaemonSet: { template: podTemplateSpecFor(event.template, dsName) } };
    case 'STRATEGY_CHANGED':
      return {
        updateDaemonSet: {
          patch: {
            spec: {
              updateStrategy: strategyPatch(event.updateStrategy),
              ...(event.minReadySeconds !== undefined ? { minReadySeconds: event.minReadySeconds } : {}),
              ...(event.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: event.revisionHistoryLimit } : {}),
            },
          },
        },
      };
    case 'DS_DELETED':
      return { deleteDaemonSet: { propagationPolicy: event.policy } };
    case 'POD_BECAME_READY':
    case 'POD_FAILED':
    case 'POD_DELETED_BY_USER': {
      const kind =
        event.type === 'POD_BECAME_READY' ? 'markReady' : event.type === 'POD_FAILED' ? 'failPod' : 'deletePod';
      return { [kind]: event.revision !== undefined ? { node: event.node, revision: event.revision } : event.node };
    }
    case 'ORPHAN_POD_APPEARED':
      return { createPod: { node: event.node, owner: 'none', revision: event.revision } };
    case 'FOREIGN_POD_APPEARED':
      return { createPod: { node: event.node, owner: 'foreign', revision: event.revision } };
    case 'POD_CREATES_FAIL':
      return { failCreates: withoutType(event) };
    case 'WATCH_RELISTED':
      return 'breakWatches';
    case 'STATUS_WRITE_CONFLICTS':
      return 'conflictStatus';
    case 'POD_INFORMER_LAGS':
      return 'lagPodInformer';
    case 'WATCH_EVENTS_DUPLICATED':
      return 'duplicateEvents';
    case 'POD_DELETES_FAIL':
      return { failDeletes: withoutType(event) };
    case 'CONTROLLER_CRASHES':
      return { crashController: { afterWrites: event.afterWrites } };
    case 'POD_FINALIZER_ADDED':
    case 'POD_FINALIZER_REMOVED': {
      const kind = event.type === 'POD_FINALIZER_ADDED' ? 'addFinalizer' : 'removeFinalizer';
      return { [kind]: event.revision !== undefined ? { node: event.node, revision: event.revision } : event.node };
    }
    case 'POD_RELABELED':
      return {
        relabelPod: {
          node: event.node,
          ...(event.revision !== undefined ? { revision: event.revision } : {}),
          matches: event.matches,
        },
      };
    case 'CONTROLLER_RESTARTED':
      return 'restartController';
    case 'TIME_ADVANCED':
      return event.seconds > 0 ? { advance: event.seconds } : undefined;
    case 'CONTROLLER_SYNC':
      return 'sync';
    case 'KUBELET_STEP':
      return 'kubelet';
    case 'SCHEDULER_STEP':
      return 'schedule';
    case 'GC_STEP':
      return 'collectGarbage';
  }
}

/**
 * Node events only the user makes, so whether a node exists is the same on every implementation:
 * an event about a missing node (or adding an existing one) does nothing anywhere and is dropped.
 */
function nodeEventIsNoOp(event: DsEvent, nodes: Set<string>): boolean {
  if (event.type === 'NODE_ADDED') {
    if (nodes.has(event.node)) return true;
    nodes.add(event.node);
    return false;
  }
  if (!('node' in event) || event.type === 'ORPHAN_POD_APPEARED' || event.type === 'FOREIGN_POD_APPEARED') return false;
  const podEvents = [
    'POD_BECAME_READY',
    'POD_FAILED',
    'POD_DELETED_BY_USER',
    'POD_RELABELED',
    'POD_FINALIZER_ADDED',
    'POD_FINALIZER_REMOVED',
  ];
  if (podEvents.includes(event.type)) return false;
  if (!nodes.has(event.node)) return true;
  if (event.type === 'NODE_REMOVED') nodes.delete(event.node);
  return false;
}

/**
 * Implementation features the events need (see `requires` in docs/scenarios.md): `check` only
 * generates RollingUpdate strategies, and surge budgets, for implementations that have them.
 */
function requiredFeatures(events: readonly DsEvent[]): string[] {
  const types = new Set(events.map((e) => e.type));
  const strategies = events.flatMap((e) =>
    e.type === 'DS_CREATED' ? [e.spec.updateStrategy] : e.type === 'STRATEGY_CHANGED' ? [e.updateStrategy] : [],
  );
  const rolling = strategies.filter((s) => s.type === 'RollingUpdate');
  const surge = rolling.some((s) => s.maxSurge !== 0 && s.maxSurge !== '0%');
  return [
    ...(TAINT_EVENTS.some((t) => types.has(t)) ? ['taints'] : []),
    ...(rolling.length > 0 || ROLLOUT_EVENTS.some((t) => types.has(t)) ? ['rollingUpdate'] : []),
    ...(surge ? ['surge'] : []),
  ];
}

/** Small argument mappings on one line, as scenarios are written by hand; manifests and templates in block style. */
function compact(doc: Document): void {
  visit(doc, {
    Map(_key, node) {
      const small = node.items.every((pair) => {
        const value = pair.value as YamlNode | null;
        if (isMap(value))
          return value.items.length <= 2 && value.items.every((p) => !isMap(p.value) && !isSeq(p.value));
        return !isSeq(value);
      });
      if (small && node.items.length <= 4) node.flow = true;
    },
    Seq(_key, node) {
      if (node.items.every((item) => !isMap(item) && !isSeq(item))) node.flow = true;
    },
  });
}

export function scenarioFromRun(events: readonly DsEvent[], origin: SavedRunOrigin): SavedRun {
  const nodes = new Set<string>();
  const stepOfEvent: (number | undefined)[] = [];
  const clusterNodes: Record<string, unknown>[] = [];
  const steps: StepObject[] = [];
  let leading = true;
  for (const event of events) {
    if (nodeEventIsNoOp(event, nodes)) {
      stepOfEvent.push(undefined);
      continue;
    }
    const step = stepForEvent(event);
    if (leading && event.type === 'NODE_ADDED' && typeof step === 'object') {
      // Nodes there from the start are the scenario's cluster.
      clusterNodes.push(step.addNode as Record<string, unknown>);
      stepOfEvent.push(undefined);
      continue;
    }
    leading = false;
    if (step === undefined) {
      stepOfEvent.push(undefined);
      continue;
    }
    steps.push(step);
    stepOfEvent.push(steps.length);
  }
  steps.push('quiesce');
  const quiesceStep = steps.length;
  const requires = requiredFeatures(events);
  const where = origin.step === -1 ? 'at quiescence' : `after event ${origin.step + 1}`;
  const run = [
    origin.profile !== undefined ? `profile ${origin.profile}` : undefined,
    origin.seed !== undefined ? `seed ${origin.seed}` : undefined,
    origin.caseIndex !== undefined ? `case ${origin.caseIndex}` : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(', ');
  const document = {
    name: origin.name,
    description: `Regression case from a random run${run ? ` (${run})` : ''}: ${origin.implementation} violated ${origin.invariant} ${where}: ${origin.message}`,
    tags: ['counterexample', origin.invariant],
    ...(requires.length > 0 ? { requires } : {}),
    style: 'stepwise',
    invariants: 'all',
    cluster: { nodes: clusterNodes },
    steps,
  };
  const doc = new Document(document);
  compact(doc);
  doc.commentBefore = [
    ` Saved by \`dsconform replay ${origin.source} --save-scenario\`.`,
    ' Stepwise: nothing moves unless a step says so, as in the random run; `invariants: all`',
    ' checks the model after every step and `quiesce` compares the settled cluster with its prediction.',
    ' Run it: npx dsconform scenario <this file> [--controller "<command>"]',
  ].join('\n');
  const failedAt = origin.step === -1 ? quiesceStep : stepOfEvent[origin.step];
  if (failedAt !== undefined) {
    const node = doc.getIn(['steps', failedAt - 1], true) as YamlNode | undefined;
    if (node) node.commentBefore = ` ${origin.implementation} violated ${origin.invariant} here`;
  }
  return { text: doc.toString({ lineWidth: 0 }), stepOfEvent, quiesceStep };
}

/** An event's fields, as a scenario step's arguments. */
function withoutType<E extends { type: string }>({ type: _type, ...args }: E): Omit<E, 'type'> {
  return args;
}
