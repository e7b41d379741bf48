/**
 * Running one scenario against an implementation: build its cluster on a fresh simulated system,
 * create its manifests, then perform the steps in order. User actions are followed by the rest
 * of the cluster catching up (scheduler, kubelet, node lifecycle, GC), never by the controller:
 * the controller runs only in `sync` and `settle`, so a scenario states exactly when it acts.
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { ApiFailureReason, DsEvent, PodSelector } from '../../model/events.ts';
import type { Observation } from '../../model/observation.ts';
import type { Violation } from '../../model/oracle.ts';
import type { TaintEffect } from '../../model/types.ts';
import { isApiError } from '../cluster/apiError.js';
import { parseTimestamp } from '../cluster/clock.js';
import type { SimulatedCluster } from '../cluster/cluster.js';
import { selectorMatches } from '../cluster/labels.js';
import type { ControllerRevision, DaemonSet, OwnerReference } from '../cluster/objects.js';
import { ControllerRevisionHashLabel, controllerRefOf, deepCopy, newControllerRef } from '../cluster/objects.js';
import { mergePatch } from '../cluster/patch.js';
import { getTemplateGeneration, isPodUpdated } from '../controller/podTemplate.js';
import type { Implementation } from '../harness/implementation.js';
import type { ApplyOutcome, SimulatedSystem, SystemSettleResult } from '../harness/system.js';
import { currentHashOf, FOREIGN_OWNER, HARNESS_NAMESPACE } from '../harness/translate.js';
import type { DaemonSetManifest } from '../manifests/daemonSetManifest.js';
import { InputError, type SourceLocation } from '../manifests/inputError.js';
import type { PathSegment } from '../manifests/yamlFile.js';
import { AdapterError } from '../protocol/adapterError.js';
import { DaemonSetMonitors } from './daemonSetMonitors.js';
import { checkExpectation, expectationName, type Mismatch, type Observed } from './expectations.js';
import { quiesceNeedsEveryComponent, type Scenario, type Step, scenarioNodes, stepLabel } from './load.js';
import { createArguments, type ManifestRef, resolveManifest } from './manifests.js';
import { type DaemonSetRef, orphansOf, type PodFacts, podsOf, podTable, refText, revisionsOf } from './observe.js';
import type { Expectation, StepArgs } from './schema.js';
import {
  concatWrites,
  countWrites,
  daemonSetEvents,
  NO_STEP_WRITES,
  type StepWrites,
  stepWrites,
  type Writes,
  type WritesOf,
} from './stepWrites.js';

/** Why a scenario failed: the step, and the first expectation that did not hold there. */
export interface ScenarioFailure {
  /** 1-based step number. */
  readonly step: number;
  readonly kind: string;
  /** Where the failing expectation (or the step) is written. */
  readonly location: SourceLocation;
  /** The expectation's name, e.g. `pods.node-0.count`, when an expectation failed. */
  readonly expectation?: string;
  readonly message: string;
  /** The DaemonSet's pods at that moment, one line each. */
  readonly pods: readonly string[];
}

export type ScenarioVerdict = 'pass' | 'fail' | 'skipped' | 'error';

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly verdict: ScenarioVerdict;
  readonly durationMs: number;
  readonly failure?: ScenarioFailure;
  readonly skippedBecause?: readonly string[];
  /** For 'error': bad input found while running, or the implementation could not be run. */
  readonly error?: string;
  readonly errorKind?: 'input' | 'implementation';
}

/** An expectation or a step that could not do what it says because of what the controller did. */
class StepFailure extends Error {
  readonly path: PathSegment[] | undefined;
  readonly expectation: string | undefined;

  constructor(message: string, path?: PathSegment[], expectation?: string) {
    super(message);
    this.path = path;
    this.expectation = expectation;
  }
}

interface Known {
  ref: DaemonSetRef;
  /** The last DaemonSet object seen under this name: pods and orphans are found through it after deletion. */
  last: DaemonSet | undefined;
}

const DEFAULT_SETTLE_ROUNDS = 500;
const CATCH_UP_ROUNDS = 1000;

/** The apiVersion of the owners a createPod step may name by kind alone. */
const OWNER_API_VERSIONS: Record<string, string> = {
  ReplicaSet: 'apps/v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  ReplicationController: 'v1',
};

/** `expectError`: the API server must have refused the write (`refusal`), with a message containing the text. */
function judgeRefusal(write: 'create' | 'update' | 'patch', expectError: string, refusal: string | undefined): void {
  if (refusal === undefined)
    throw new StepFailure(
      `expectError: expected the API server to refuse the ${write} (${JSON.stringify(expectError)}), but it was accepted`,
      ['expectError'],
      'expectError',
    );
  if (!refusal.includes(expectError))
    throw new StepFailure(
      `expectError: expected a refusal containing ${JSON.stringify(expectError)}, got: ${refusal}`,
      ['expectError'],
      'expectError',
    );
}
export interface RunOptions {
  /** Called after each step that completed, with the default DaemonSet's pods and the controller's last writes. */
  onStep?: (step: Step, pods: readonly string[], writes: Writes | undefined, refused?: string) => void;
  /** Called after each step that completed, with the system's observation in the model's terms. */
  onObservation?: (step: Step, observation: Observation) => void;
  /** Called once for the step that failed, with the system's observation then. */
  onFailedStep?: (step: Step, observation: Observation) => void;
}

/** Runs one scenario on a fresh system of `implementation`. Never throws for a failing scenario. */
export async function runScenario(
  scenario: Scenario,
  implementation: Implementation,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const missing = scenario.requires.filter((f) => !implementation.features[f]);
  if (missing.length > 0) {
    return {
      scenario,
      verdict: 'skipped',
      durationMs: 0,
      skippedBecause: missing.map((f) => `the implementation does not support ${f}`),
    };
  }
  let system: SimulatedSystem | undefined;
  let run: ScenarioRun | undefined;
  let current: Step | undefined;
  try {
    system = await implementation.makeSystem();
    run = new ScenarioRun(scenario, system);
    run.setUp();
    for (const step of scenario.steps) {
      current = step;
      await run.perform(step);
      options.onStep?.(step, run.podLines(), run.lastWrites, run.lastRefusal);
      options.onObservation?.(step, system.observe());
    }
    return { scenario, verdict: 'pass', durationMs: elapsed() };
  } catch (e) {
    if (e instanceof StepFailure && current !== undefined) {
      if (system !== undefined) options.onFailedStep?.(current, system.observe());
      const location = e.path ? current.locate(e.path) : current.location;
      return {
        scenario,
        verdict: 'fail',
        durationMs: elapsed(),
        failure: {
          step: current.number,
          kind: current.kind,
          location,
          ...(e.expectation !== undefined ? { expectation: e.expectation } : {}),
          message: e.message,
          pods: run?.podLines() ?? [],
        },
      };
    }
    if (e instanceof InputError)
      return { scenario, verdict: 'error', errorKind: 'input', error: e.message, durationMs: elapsed() };
    if (e instanceof AdapterError)
      return { scenario, verdict: 'error', errorKind: 'implementation', error: e.message, durationMs: elapsed() };
    throw e;
  } finally {
    await system?.dispose();
  }
}

export { stepLabel } from './load.js';
/** The scenario steps' JSON merge patch (RFC 7386), the API server's own. */
export { mergePatch };

class ScenarioRun {
  readonly #scenario: Scenario;
  readonly #system: SimulatedSystem;
  readonly #cluster: SimulatedCluster;
  readonly #disabled: ReadonlySet<string>;
  readonly #known = new Map<string, Known>();
  #default: DaemonSetRef | undefined;
  #lastWrites: StepWrites | undefined;
  #lastRefusal: string | undefined;
  readonly #snapshots = new Map<string, PodFacts[]>();
  /** The model's invariants, when the scenario asks for them. */
  #monitor: DaemonSetMonitors | undefined;

  constructor(scenario: Scenario, system: SimulatedSystem) {
    this.#scenario = scenario;
    this.#system = system;
    this.#cluster = system.cluster;
    this.#disabled = new Set(scenario.disabled);
    const { kubelet, podGC } = scenario;
    // The harness's systems default to event-driven readiness; a scenario chooses.
    this.#cluster.kubelet.readiness =
      kubelet.readiness === 'manual' || scenario.style === 'stepwise' ? 'events' : 'auto';
    if (kubelet.readyAfterSeconds !== undefined) this.#cluster.kubelet.readyAfterSeconds = kubelet.readyAfterSeconds;
    if (kubelet.terminationSeconds !== undefined) this.#cluster.kubelet.terminationSeconds = kubelet.terminationSeconds;
    if (podGC.quarantineSeconds !== undefined) this.#cluster.podGC.quarantineSeconds = podGC.quarantineSeconds;
  }

  /** Nodes, then (once node lifecycle has turned conditions into taints) the manifests' DaemonSets. */
  setUp(): void {
    for (const node of this.#scenario.nodes) {
      try {
        this.#cluster.addNode(node.name, {
          labels: { ...node.labels },
          taints: [...node.taints],
          unschedulable: node.unschedulable,
          ready: node.ready,
        });
        for (const c of node.conditions) this.#cluster.setNodeCondition(node.name, c.type, c.status);
      } catch (e) {
        if (!isApiError(e)) throw e;
        throw new InputError(node.location, e.message);
      }
    }
    this.#catchUp();
    for (const manifest of this.#scenario.manifests) this.#create(manifest, 'input');
    this.#catchUp();
    if (this.#scenario.invariants.length > 0)
      this.#monitor = new DaemonSetMonitors(
        this.#system,
        this.#scenario.invariants,
        [...this.#known.values()].map((k) => k.ref),
      );
  }

  /** The controller's writes in the last sync or settle, all counted. */
  get lastWrites(): Writes | undefined {
    return this.#lastWrites === undefined ? undefined : countWrites(this.#lastWrites);
  }

  /** The API server's refusal of the last step's write, when it was refused (as expected or not). */
  get lastRefusal(): string | undefined {
    return this.#lastRefusal;
  }

  /** The default DaemonSet's pods, for a failure message. */
  podLines(): string[] {
    if (this.#default === undefined) return [];
    return podTable(this.#podsOf(this.#default));
  }

  async perform(step: Step): Promise<void> {
    this.#lastRefusal = undefined;
    switch (step.kind) {
      case 'sync': {
        // Like upstream's tests calling syncHandler: every DaemonSet is synced, queued or not.
        // A stepwise run syncs what the controller's queue holds, as a random run's CONTROLLER_SYNC.
        if (!this.#stepwise) this.#system.driver.resync();
        const mark = this.#eventMark();
        const { writes } = await this.#controllerStep();
        if (!this.#stepwise) this.#catchUp();
        this.#lastWrites = { entries: writes.entries, events: this.#eventsSince(mark) };
        if (step.args) this.#checkWrites(step, step.args);
        this.#checkInvariants();
        return;
      }
      case 'settle':
        if (this.#stepwise) await this.#settleStepwise(step);
        else await this.#settle(step);
        // The components' last moves after the last controller step: the next step starts from here.
        this.#monitor?.record();
        return;
      case 'quiesce':
        await this.#quiesce(step);
        return;
      case 'snapshot':
        this.#remember();
        if (typeof step.args === 'string') this.#snapshots.set(step.args, this.#podsOf(this.#ref(step, undefined)));
        else this.#snapshots.set(step.args.name, this.#podsOf(this.#ref(step, step.args.daemonSet)));
        return;
      case 'expect':
        this.#expect(step as Step & { kind: 'expect' });
        return;
    }
    const outcome = await this.#act(step);
    if (!outcome.applied) this.#lastRefusal ??= outcome.note;
    if (!this.#stepwise) {
      // In catch-up style a refused action is a mistake in the scenario; stepwise it does nothing.
      if (!outcome.applied && outcome.note !== undefined)
        throw new InputError(step.location, `${stepLabel(step)}: the API server refused it: ${outcome.note}`);
      this.#catchUp();
    }
    this.#checkInvariants();
  }

  get #stepwise(): boolean {
    return this.#scenario.style === 'stepwise';
  }

  /**
   * A user action or an actor's step. Where a step has the form of one of the model's events it
   * goes through the same code as `dsconform check` (SimulatedSystem.apply); anything else is
   * recorded as a user action of the nearest event type.
   */
  async #act(step: Step): Promise<ApplyOutcome> {
    const system = this.#system;
    const cluster = this.#cluster;
    const each = async (events: DsEvent[]): Promise<ApplyOutcome> => {
      let applied = false;
      for (const event of events) applied = (await system.apply(event)).applied || applied;
      return { applied };
    };
    /**
     * Node changes: stepwise, as the model's events (the node-lifecycle controller follows at
     * once, as in a random run); catch-up, the cluster's own calls, and the catch-up that follows
     * runs node lifecycle unless it is disabled. An API refusal comes back as the outcome's note.
     */
    const nodeChange = (events: DsEvent[], native: () => void): Promise<ApplyOutcome> =>
      this.#stepwise ? each(events) : system.applyAction(events[0]?.type ?? 'NODE_ADDED', native);
    switch (step.kind) {
      case 'advance':
        return system.apply({ type: 'TIME_ADVANCED', seconds: step.args });
      case 'kubelet':
      case 'schedule':
      case 'collectGarbage': {
        const components = {
          kubelet: ['kubelet'],
          schedule: ['scheduler'],
          collectGarbage: ['taint-eviction', 'garbage-collector', 'pod-gc'],
        }[step.kind];
        const off = components.filter((c) => this.#disabled.has(c));
        if (off.length > 0)
          throw new InputError(step.location, `${stepLabel(step)}: ${off.join(', ')} is disabled in cluster.disable`);
        const type = { kubelet: 'KUBELET_STEP', schedule: 'SCHEDULER_STEP', collectGarbage: 'GC_STEP' } as const;
        return system.apply({ type: type[step.kind] });
      }
      case 'restartController':
        return system.apply({ type: 'CONTROLLER_RESTARTED' });
      case 'label': {
        const nodes = this.#nodes(step, step.args.node);
        const labels = Object.entries(step.args.labels);
        return nodeChange(
          nodes.flatMap((node) =>
            labels.map(([key, value]): DsEvent => ({ type: 'NODE_LABEL_SET', node, key, value })),
          ),
          () => {
            for (const node of nodes) for (const [key, value] of labels) cluster.setNodeLabel(node, key, value);
          },
        );
      }
      case 'unlabel': {
        const keys = typeof step.args.key === 'string' ? [step.args.key] : step.args.key;
        const nodes = this.#nodes(step, step.args.node);
        return nodeChange(
          nodes.flatMap((node) => keys.map((key): DsEvent => ({ type: 'NODE_LABEL_REMOVED', node, key }))),
          () => {
            for (const node of nodes) for (const key of keys) cluster.setNodeLabel(node, key, undefined);
          },
        );
      }
      case 'taint': {
        const { key, value, effect } = step.args;
        const nodes = this.#nodes(step, step.args.node);
        return nodeChange(
          // The model's taints always carry a value; the empty one matches like an absent one.
          nodes.map((node): DsEvent => ({ type: 'TAINT_ADDED', node, taint: { key, effect, value: value ?? '' } })),
          () => {
            for (const node of nodes)
              cluster.addTaint(node, { key, effect, ...(value !== undefined ? { value } : {}) });
          },
        );
      }
      case 'untaint': {
        const { key, effect } = step.args;
        const nodes = this.#nodes(step, step.args.node);
        const native = () => {
          for (const node of nodes) cluster.removeTaint(node, key, effect);
        };
        if (effect === undefined) return system.applyAction('TAINT_REMOVED', native);
        return nodeChange(
          nodes.map((node): DsEvent => ({ type: 'TAINT_REMOVED', node, key, effect })),
          native,
        );
      }
      case 'cordon':
      case 'uncordon': {
        const type = step.kind === 'cordon' ? 'NODE_CORDONED' : 'NODE_UNCORDONED';
        const nodes = this.#nodes(step, step.args);
        return nodeChange(
          nodes.map((node): DsEvent => ({ type, node })),
          () => {
            for (const node of nodes) {
              if (type === 'NODE_CORDONED') cluster.cordon(node);
              else cluster.uncordon(node);
            }
          },
        );
      }
      case 'removeNode': {
        const nodes = this.#nodes(step, step.args);
        return nodeChange(
          nodes.map((node): DsEvent => ({ type: 'NODE_REMOVED', node })),
          () => {
            for (const node of nodes) cluster.removeNode(node);
          },
        );
      }
      case 'nodeReady':
      case 'nodeNotReady': {
        const { node, status } =
          step.kind === 'nodeReady'
            ? { node: step.args, status: 'True' as const }
            : typeof step.args === 'string'
              ? { node: step.args, status: 'False' as const }
              : { node: step.args.node, status: step.args.status ?? 'False' };
        const nodes = this.#nodes(step, node);
        return nodeChange(
          nodes.map(
            (name): DsEvent =>
              status === 'True'
                ? { type: 'NODE_READY', node: name }
                : { type: 'NODE_NOT_READY', node: name, ...(status === 'Unknown' ? { status } : {}) },
          ),
          () => {
            for (const name of nodes) cluster.setNodeReady(name, status);
          },
        );
      }
      case 'nodeCondition': {
        const nodes = this.#nodes(step, step.args.node);
        return system.applyAction(step.args.status === 'True' ? 'NODE_READY' : 'NODE_NOT_READY', () => {
          for (const node of nodes) cluster.setNodeCondition(node, step.args.type, step.args.status);
          if (this.#stepwise) cluster.nodeLifecycle.step(); // conditions turn into taints at once
        });
      }
      case 'addNode':
        return this.#addNode(step as Step & { kind: 'addNode' });
      case 'createDaemonSet': {
        const { ref, sub, expectError, skipValidation } = createArguments(step.args);
        const manifests = this.#manifests(step, ref, sub);
        if (skipValidation)
          return system.applyAction('DS_CREATED', () =>
            cluster.store.withoutValidation(() => {
              for (const manifest of manifests) this.#create(manifest, this.#stepwise ? 'no-op' : 'input');
            }),
          );
        if (expectError === undefined) {
          return system.applyAction('DS_CREATED', () => {
            for (const manifest of manifests) this.#create(manifest, this.#stepwise ? 'no-op' : 'input');
          });
        }
        // The refusal goes through as the step's outcome (a trace shows it, in either style); then it is judged.
        let refusal: string | undefined;
        await system.applyAction('DS_CREATED', () => {
          try {
            for (const manifest of manifests) this.#create(manifest, 'no-op');
          } catch (e) {
            if (isApiError(e)) {
              refusal = e.message;
              this.#lastRefusal = e.message;
            }
            throw e;
          }
        });
        judgeRefusal('create', expectError, refusal);
        // Refused as expected: nothing was created, and that is no mistake in the scenario (no note).
        return { applied: false };
      }
      case 'updateDaemonSet': {
        const args = step.args;
        const spec = args.template !== undefined || args.image !== undefined || args.images !== undefined;
        return system.applyAction(spec ? 'TEMPLATE_UPDATED' : 'STRATEGY_CHANGED', () =>
          this.#update(step as Step & { kind: 'updateDaemonSet' }),
        );
      }
      case 'deleteDaemonSet': {
        const ref = this.#ref(step, step.args?.daemonSet);
        if (cluster.store.get('DaemonSet', ref.namespace, ref.name) === undefined) {
          if (this.#stepwise) return system.applyAction('DS_DELETED', () => {});
          throw new StepFailure(`${stepLabel(step)}: DaemonSet ${refText(ref)} does not exist`);
        }
        this.#remember();
        return system.applyAction('DS_DELETED', () => {
          cluster.deleteDaemonSet(ref.namespace, ref.name, step.args?.propagationPolicy);
        });
      }
      case 'markReady':
      case 'failPod':
      case 'deletePod': {
        const type =
          step.kind === 'markReady'
            ? 'POD_BECAME_READY'
            : step.kind === 'failPod'
              ? 'POD_FAILED'
              : 'POD_DELETED_BY_USER';
        const selector = this.#modelPodSelector(step, step.args);
        if (selector !== undefined) return system.apply({ type, ...selector });
        return system.applyAction(type, () => this.#podAction(step as Step & { kind: typeof step.kind }));
      }
      case 'markNotReady':
      case 'succeedPod':
        return system.applyAction(step.kind === 'markNotReady' ? 'NODE_NOT_READY' : 'POD_FAILED', () =>
          this.#podAction(step as Step & { kind: typeof step.kind }),
        );
      case 'failCreates':
        return system.apply(apiFault('POD_CREATES_FAIL', (step as Step & { kind: 'failCreates' }).args));
      case 'breakWatches':
        return system.apply({ type: 'WATCH_RELISTED' });
      case 'conflictStatus':
        return system.apply({ type: 'STATUS_WRITE_CONFLICTS' });
      case 'lagPodInformer':
        return system.apply({ type: 'POD_INFORMER_LAGS' });
      case 'duplicateEvents':
        return system.apply({ type: 'WATCH_EVENTS_DUPLICATED' });
      case 'failDeletes':
        return system.apply(apiFault('POD_DELETES_FAIL', (step as Step & { kind: 'failDeletes' }).args));
      case 'crashController':
        return system.apply({
          type: 'CONTROLLER_CRASHES',
          afterWrites: (step as Step & { kind: 'crashController' }).args.afterWrites,
        });
      case 'addFinalizer':
      case 'removeFinalizer': {
        const pick = (step as Step & { kind: 'addFinalizer' }).args;
        const selector = typeof pick === 'string' ? { node: pick } : pick;
        const type = step.kind === 'addFinalizer' ? 'POD_FINALIZER_ADDED' : 'POD_FINALIZER_REMOVED';
        return system.apply({
          type,
          node: selector.node,
          ...(selector.revision ? { revision: selector.revision } : {}),
        });
      }
      case 'patchPod':
        return this.#patchPod(step as Step & { kind: 'patchPod' });
      case 'relabelPod': {
        const { node, revision, matches } = (step as Step & { kind: 'relabelPod' }).args;
        return system.apply({ type: 'POD_RELABELED', node, ...(revision !== undefined ? { revision } : {}), matches });
      }
      case 'createPod': {
        const orphan = this.#modelOrphan(step as Step & { kind: 'createPod' });
        if (orphan !== undefined) return system.apply(orphan);
        const owner = (step as Step & { kind: 'createPod' }).args.owner;
        const controlled = owner === 'foreign' || (typeof owner === 'object' && owner.controller !== false);
        const type = controlled ? 'FOREIGN_POD_APPEARED' : 'ORPHAN_POD_APPEARED';
        return system.applyAction(type, () => this.#createPod(step as Step & { kind: 'createPod' }));
      }
      default:
        throw new Error(`unhandled step ${step.kind}`);
    }
  }

  #addNode(step: Step & { kind: 'addNode' }): Promise<ApplyOutcome> {
    const cluster = this.#cluster;
    const nodes = scenarioNodes(step.args, step.location);
    for (const node of nodes) {
      if (cluster.store.get('Node', undefined, node.name))
        throw new InputError(step.location, `${stepLabel(step)}: node "${node.name}" already exists`);
    }
    const { unschedulable, ready, conditions } = step.args;
    if (this.#stepwise && unschedulable === undefined && ready === undefined && conditions === undefined) {
      const events = nodes.map(
        (node): DsEvent => ({
          type: 'NODE_ADDED',
          node: node.name,
          ...(Object.keys(node.labels).length > 0 ? { labels: node.labels } : {}),
          ...(node.taints.length > 0
            ? {
                taints: node.taints.map((t) => ({ key: t.key, value: t.value ?? '', effect: t.effect as TaintEffect })),
              }
            : {}),
        }),
      );
      return (async () => {
        for (const event of events) await this.#system.apply(event);
        return { applied: true };
      })();
    }
    return this.#system.applyAction('NODE_ADDED', () => {
      for (const node of nodes) {
        cluster.addNode(node.name, {
          labels: { ...node.labels },
          taints: [...node.taints],
          unschedulable: node.unschedulable,
          ready: node.ready,
        });
        for (const c of node.conditions) cluster.setNodeCondition(node.name, c.type, c.status);
      }
      if (this.#stepwise) cluster.nodeLifecycle.step(); // conditions turn into taints at once
    });
  }

  /** A pod step in the model's form (a node, perhaps `revision: current|old`) on the observed DaemonSet. */
  #modelPodSelector(step: Step, arg: StepArgs['markReady'] | StepArgs['deletePod']): PodSelector | undefined {
    if (!this.#stepwise) return undefined;
    const pick = typeof arg === 'string' ? (arg === 'all' ? undefined : { node: arg }) : arg;
    if (pick === undefined || pick.node === undefined) return undefined;
    const extra = Object.entries(pick).filter(
      ([k, v]) => v !== undefined && !['node', 'revision', 'daemonSet'].includes(k),
    );
    if (extra.length > 0 || typeof pick.revision === 'number') return undefined;
    if (!this.#observes(this.#ref(step, pick.daemonSet))) return undefined;
    return { node: pick.node, ...(pick.revision !== undefined ? { revision: pick.revision } : {}) };
  }

  /** `createPod: {node, owner: none, revision: current|none}` of the observed DaemonSet: ORPHAN_POD_APPEARED. */
  #modelOrphan(step: Step & { kind: 'createPod' }): DsEvent | undefined {
    if (!this.#stepwise) return undefined;
    const { node, revision, owner, daemonSet, ...rest } = step.args;
    if (Object.values(rest).some((v) => v !== undefined) || owner === 'daemonSet' || typeof owner === 'object')
      return undefined;
    if (revision !== undefined && revision !== 'current' && revision !== 'none') return undefined;
    if (this.#default !== undefined && !this.#observes(this.#ref(step, daemonSet))) return undefined;
    const type = owner === 'foreign' ? 'FOREIGN_POD_APPEARED' : 'ORPHAN_POD_APPEARED';
    return { type, node, revision: revision ?? 'current' };
  }

  /** `createPod`'s `owner: {kind, name, apiVersion?, controller?}` as an ownerReference (a real uid where the owner is here). */
  #ownerReference(
    step: Step,
    owner: { kind: string; name: string; apiVersion?: string | undefined; controller?: boolean | undefined },
    namespace: string,
  ): OwnerReference {
    const apiVersion = owner.apiVersion ?? OWNER_API_VERSIONS[owner.kind];
    if (apiVersion === undefined)
      throw new InputError(
        step.locate(['owner', 'kind']),
        `${stepLabel(step)}: say the apiVersion of a ${owner.kind} owner (owner.apiVersion); it is known for ${Object.keys(OWNER_API_VERSIONS).join(', ')}`,
      );
    const existing =
      owner.kind === 'DaemonSet' ? this.#cluster.store.get('DaemonSet', namespace, owner.name) : undefined;
    return {
      apiVersion,
      kind: owner.kind,
      name: owner.name,
      uid: existing?.metadata?.uid ?? `owner-${owner.kind.toLowerCase()}-${owner.name}`,
      ...(owner.controller === false ? {} : { controller: true, blockOwnerDeletion: true }),
    };
  }

  /** True when `ref` is the DaemonSet the system observes (the model's events address it). */
  #observes(ref: DaemonSetRef): boolean {
    return (
      ref.namespace === HARNESS_NAMESPACE &&
      this.#system.daemonSetNamespace === HARNESS_NAMESPACE &&
      ref.name === this.#system.daemonSetName
    );
  }

  #podAction(step: Step & { kind: 'markReady' | 'markNotReady' | 'failPod' | 'succeedPod' | 'deletePod' }): void {
    const cluster = this.#cluster;
    const running = (p: PodFacts) => p.phase === 'Running' || p.phase === 'Pending';
    switch (step.kind) {
      case 'markReady':
      case 'markNotReady': {
        const ready = step.kind === 'markReady';
        for (const p of this.#pick(step, step.args, running, 'mark'))
          cluster.kubelet.setPodReady(p.pod.metadata?.namespace ?? '', p.name, ready);
        return;
      }
      case 'failPod':
      case 'succeedPod':
        for (const p of this.#pick(step, step.args, running, 'end')) {
          const ns = p.pod.metadata?.namespace ?? '';
          if (step.kind === 'failPod') cluster.kubelet.failPod(ns, p.name);
          else cluster.kubelet.succeedPod(ns, p.name);
        }
        return;
      case 'deletePod': {
        const args = step.args;
        const grace = typeof args === 'object' ? args.gracePeriodSeconds : undefined;
        if (typeof args === 'object' && args.name !== undefined) {
          // Any pod by name: another controller's, an orphan.
          const ref = this.#ref(step, args.daemonSet);
          if (cluster.store.get('Pod', ref.namespace, args.name) === undefined)
            throw new StepFailure(`${stepLabel(step)}: there is no pod ${ref.namespace}/${args.name}`, ['name']);
          cluster.deletePod(ref.namespace, args.name, grace !== undefined ? { gracePeriodSeconds: grace } : {});
          return;
        }
        for (const p of this.#pick(step, args, () => true, 'delete'))
          cluster.deletePod(
            p.pod.metadata?.namespace ?? '',
            p.name,
            grace !== undefined ? { gracePeriodSeconds: grace } : {},
          );
        return;
      }
    }
  }

  /**
   * `patchPod`: a JSON merge patch of one pod (or of the picked ones) through the API server's
   * update, as `kubectl patch --type merge` would send it. A refusal is judged like an update's.
   */
  async #patchPod(step: Step & { kind: 'patchPod' }): Promise<ApplyOutcome> {
    const { name, patch, expectError, terminating, ...pick } = step.args;
    const ref = this.#ref(step, pick.daemonSet);
    let targets: { namespace: string; name: string }[];
    if (name !== undefined) {
      if (this.#cluster.store.get('Pod', ref.namespace, name) === undefined)
        throw new StepFailure(`${stepLabel(step)}: there is no pod ${ref.namespace}/${name}`, ['name']);
      targets = [{ namespace: ref.namespace, name }];
    } else if (terminating === true) {
      const held = this.#podsOf(ref).filter((p) => p.terminating && (pick.node === undefined || p.node === pick.node));
      if (held.length === 0)
        throw new StepFailure(
          `${stepLabel(step)}: no terminating pod of ${refText(ref)}${pick.node ? ` on ${pick.node}` : ''} to patch`,
        );
      targets = (pick.all === true || pick.node === undefined ? held : held.slice(0, 1)).map((p) => ({
        namespace: p.pod.metadata?.namespace ?? ref.namespace,
        name: p.name,
      }));
    } else {
      targets = this.#pick(step, pick, () => true, 'patch').map((p) => ({
        namespace: p.pod.metadata?.namespace ?? ref.namespace,
        name: p.name,
      }));
    }
    let refusal: string | undefined;
    await this.#system.applyAction('POD_RELABELED', () => {
      try {
        for (const target of targets) {
          this.#cluster.store.modify('Pod', target.namespace, target.name, (pod) => {
            const patched = mergePatch(pod, patch) as Pod;
            for (const key of Object.keys(pod)) delete (pod as Record<string, unknown>)[key];
            Object.assign(pod, patched);
          });
        }
      } catch (e) {
        if (isApiError(e)) {
          refusal = e.message;
          this.#lastRefusal = e.message;
          if (expectError !== undefined) return; // judged below
        }
        throw e;
      }
    });
    if (expectError === undefined) return { applied: refusal === undefined, ...(refusal ? { note: refusal } : {}) };
    judgeRefusal('patch', expectError, refusal);
    return { applied: false };
  }

  // --- the controller and the cluster ------------------------------------------------------------

  /** The model's invariants after a step (when the scenario asks for them). */
  #checkInvariants(prev?: readonly Observation[]): void {
    if (this.#monitor === undefined) return;
    const violation = this.#monitor.afterStep(prev);
    if (violation) this.#failInvariant(violation);
  }

  #failInvariant(v: Violation): never {
    throw new StepFailure(`${v.id}: ${v.message}${v.node ? ` [node ${v.node}]` : ''}`, undefined, v.id);
  }

  /** One controller step, with what it wrote (events apart: see #eventsSince). */
  async #controllerStep(): Promise<{ wrote: boolean; writes: StepWrites }> {
    const { applied } = await this.#system.apply({ type: 'CONTROLLER_SYNC' });
    return { wrote: applied, writes: this.#writesOfLastStep() };
  }

  /** The controller's writes in the system's last step, each tied to the DaemonSets it concerns. */
  #writesOfLastStep(): StepWrites {
    const w = this.#system.lastStep?.controller;
    if (w === undefined) return NO_STEP_WRITES;
    const ownerOfPod = (name: string) =>
      this.#cluster
        .pods()
        .find((p) => p.metadata?.name === name)
        ?.metadata?.ownerReferences?.find((o) => o.controller === true)?.uid;
    return { entries: stepWrites(w, this.#system.lastStepChanges, ownerOfPod), events: [] };
  }

  /** Where the cluster's event list ends now. */
  #eventMark(): number {
    return this.#cluster.store.events.length;
  }

  /** The events about DaemonSets recorded since `mark` (only the DaemonSet controller records those). */
  #eventsSince(mark: number): StepWrites['events'] {
    return daemonSetEvents(this.#cluster.store.events.slice(mark));
  }

  /** One pass of every enabled cluster component; true if any changed something. */
  #componentsRound(): boolean {
    let changed = false;
    for (const component of this.#cluster.components()) {
      if (this.#disabled.has(component.name)) continue;
      if (component.step()) changed = true;
    }
    return changed;
  }

  /** The cluster without the controller runs until quiet. */
  #catchUp(): void {
    for (let i = 0; i < CATCH_UP_ROUNDS; i++) if (!this.#componentsRound()) return;
    throw new StepFailure(`the cluster did not settle within ${CATCH_UP_ROUNDS} rounds`);
  }

  async #settle(step: Step & { kind: 'settle' }): Promise<void> {
    const args = step.args ?? {};
    const maxRounds = args.maxRounds ?? DEFAULT_SETTLE_ROUNDS;
    const budgetMs = (args.advanceTime ?? 0) * 1000;
    let advancedMs = 0;
    const mark = this.#eventMark();
    let total = NO_STEP_WRITES;
    for (let round = 1; round <= maxRounds; round++) {
      const before = this.#monitor?.observeAll();
      const { wrote, writes } = await this.#controllerStep();
      if (wrote) this.#checkInvariants(before);
      total = concatWrites(total, writes);
      const changed = this.#componentsRound() || wrote;
      if (changed) continue;
      const now = this.#cluster.clock.nowMs();
      const wake = this.#nextDeadlineMs(now);
      if (wake !== undefined && advancedMs + (wake - now) <= budgetMs) {
        this.#cluster.clock.advance(wake - now);
        advancedMs += wake - now;
        continue;
      }
      this.#lastWrites = { entries: total.entries, events: this.#eventsSince(mark) };
      this.#checkWrites(step, args);
      return;
    }
    this.#lastWrites = { entries: total.entries, events: this.#eventsSince(mark) };
    throw new StepFailure(
      `${stepLabel(step)}: the controller and the cluster were still changing after ${maxRounds} rounds`,
    );
  }

  /** `settle` in a stepwise run: the system's own rounds (controller, then every component), as while a random run settles. */
  async #settleStepwise(step: Step & { kind: 'settle' }): Promise<void> {
    const args = step.args ?? {};
    const mark = this.#eventMark();
    let total = NO_STEP_WRITES;
    let found: Violation | undefined;
    let before: Observation[] | undefined;
    this.#system.beforeControllerStep = () => {
      before = this.#monitor?.observeAll();
    };
    this.#system.onControllerStep = () => {
      total = concatWrites(total, this.#writesOfLastStep());
      if (found === undefined && this.#monitor) found = this.#monitor.afterStep(before);
    };
    let settled: SystemSettleResult;
    try {
      settled = await this.#system.settle({
        maxRounds: args.maxRounds ?? DEFAULT_SETTLE_ROUNDS,
        maxAdvanceSeconds: args.advanceTime ?? 0,
      });
    } finally {
      this.#system.onControllerStep = undefined;
      this.#system.beforeControllerStep = undefined;
    }
    this.#lastWrites = { entries: total.entries, events: this.#eventsSince(mark) };
    if (found) this.#failInvariant(found);
    if (!settled.converged)
      throw new StepFailure(
        `${stepLabel(step)}: the controller and the cluster were still changing after ${settled.rounds} rounds`,
      );
    this.#checkWrites(step, args);
  }

  /** `quiesce`: the end of a random run; with invariants, the model's prediction and liveness too. */
  async #quiesce(step: Step & { kind: 'quiesce' }): Promise<void> {
    if (this.#disabled.size > 0)
      throw new InputError(step.location, quiesceNeedsEveryComponent(step, [...this.#disabled]));
    const maxAdvanceSeconds = step.args?.maxAdvanceSeconds ?? 3600;
    if (this.#monitor) {
      const found = await this.#monitor.quiesce(maxAdvanceSeconds);
      if (found) this.#failInvariant(found);
      return;
    }
    const settled = await this.#system.quiesce({ maxAdvanceSeconds });
    if (!settled.converged)
      throw new StepFailure(
        `${stepLabel(step)}: the cluster did not settle after ${settled.rounds} rounds; still changing: ${settled.stillChanging.join(', ')}`,
      );
  }

  /**
   * The next moment something happens by itself: the controller's own wake-up (failed-pod
   * backoff, minReadySeconds), a pod passing its readiness delay, a pod finishing its shutdown.
   */
  #nextDeadlineMs(now: number): number | undefined {
    const candidates: number[] = [];
    const wake = this.#system.driver.nextWakeupMs();
    if (wake !== undefined) candidates.push(wake);
    const { kubelet } = this.#cluster;
    for (const pod of this.#cluster.pods()) {
      const meta = pod.metadata ?? {};
      const deletion = parseTimestamp(meta.deletionTimestamp ?? undefined);
      if (deletion !== undefined) {
        const start = deletion - (meta.deletionGracePeriodSeconds ?? 0) * 1000;
        candidates.push(Math.min(start + kubelet.terminationSeconds * 1000, deletion));
      } else if (kubelet.readiness === 'auto' && pod.status?.phase === 'Running') {
        const started = parseTimestamp(pod.status.startTime);
        if (started !== undefined) candidates.push(started + kubelet.readyAfterSeconds * 1000);
      }
    }
    const future = candidates.filter((t) => t > now);
    return future.length > 0 ? Math.min(...future) : undefined;
  }

  /** `sync: {creates, deletes, …}`: the writes of the step just done. */
  #checkWrites(
    step: Step,
    args: NonNullable<Expectation['writes']> & { maxRounds?: number | undefined; advanceTime?: number | undefined },
  ): void {
    const { maxRounds: _rounds, advanceTime: _time, ...writes } = args;
    if (Object.keys(writes).length === 0) return;
    const observed = { ...this.#observed(undefined), writes: this.#writesFor(step, writes.daemonSet) };
    const found = checkExpectation({ writes }, observed);
    // Written on the step itself: located without the `writes` prefix, named with it.
    if (found) throw new StepFailure(found.message, found.path.slice(1), expectationName(found.path));
  }

  #failExpectation(found: Mismatch): never {
    throw new StepFailure(found.message, found.path, expectationName(found.path));
  }

  // --- DaemonSets --------------------------------------------------------------------------------

  #manifests(step: Step, ref: ManifestRef, sub: PathSegment[]): DaemonSetManifest[] {
    return resolveManifest(ref, this.#scenario.document, ['steps', step.number - 1, step.kind, ...sub]);
  }

  /** Creates a manifest's DaemonSet; a refusal is bad input, or (stepwise) lets the API error through to make the step a no-op. */
  #create(manifest: DaemonSetManifest, refusal: 'input' | 'no-op'): void {
    let created: DaemonSet;
    try {
      created = this.#cluster.createDaemonSet(manifest.daemonSet);
    } catch (e) {
      if (!isApiError(e) || refusal === 'no-op') throw e;
      const field = e.causes[0]?.field;
      const where =
        field !== undefined
          ? manifest.locate(field)
          : e.reason === 'AlreadyExists'
            ? manifest.locate('metadata.name')
            : manifest.location;
      throw new InputError(where, e.message);
    }
    const ref = { namespace: created.metadata?.namespace ?? 'default', name: created.metadata?.name ?? '' };
    this.#known.set(refText(ref), { ref, last: created });
    this.#monitor?.watch(ref);
    if (this.#default === undefined) {
      this.#default = ref;
      // The model's observations address the scenario's first DaemonSet.
      this.#system.addressDaemonSet(ref.namespace, ref.name);
    }
  }

  #update(step: Step & { kind: 'updateDaemonSet' }): void {
    const args = step.args;
    const ref = this.#ref(step, args.daemonSet);
    if (this.#cluster.store.get('DaemonSet', ref.namespace, ref.name) === undefined) {
      if (this.#stepwise && args.expectError === undefined) return; // as TEMPLATE_UPDATED without a DaemonSet
      throw new StepFailure(`${stepLabel(step)}: DaemonSet ${refText(ref)} does not exist`);
    }
    const replacement = args.manifest
      ? this.#manifests(step, args.manifest as ManifestRef, ['manifest'])[0]
      : undefined;
    const mutate = (ds: DaemonSet) => {
      if (replacement) {
        const source = replacement.daemonSet;
        (ds as { spec?: unknown }).spec = deepCopy(source.spec);
        ds.metadata ??= {};
        if (source.metadata?.labels) ds.metadata.labels = { ...source.metadata.labels };
        else delete ds.metadata.labels;
        ds.metadata.annotations = { ...(source.metadata?.annotations ?? {}) };
      }
      if (args.patch) {
        const patched = mergePatch(ds, args.patch) as DaemonSet;
        for (const key of Object.keys(ds)) delete (ds as Record<string, unknown>)[key];
        Object.assign(ds, patched);
      }
      if (args.template !== undefined && ds.spec) ds.spec.template = deepCopy(args.template) as PodTemplateSpec;
      const containers = ds.spec?.template?.spec?.containers ?? [];
      if (args.image !== undefined) {
        const first = containers[0];
        if (first === undefined) throw new InputError(step.locate(['image']), 'the template has no containers');
        first.image = args.image;
      }
      for (const [name, image] of Object.entries(args.images ?? {})) {
        const all = [...containers, ...(ds.spec?.template?.spec?.initContainers ?? [])];
        const container = all.find((c) => c.name === name);
        if (container === undefined)
          throw new InputError(step.locate(['images', name]), `the template has no container named "${name}"`);
        container.image = image;
      }
    };
    try {
      const write = () => this.#cluster.updateDaemonSet(ref.namespace, ref.name, mutate);
      if (args.skipValidation) this.#cluster.store.withoutValidation(write);
      else write();
    } catch (e) {
      if (!isApiError(e)) throw e;
      this.#lastRefusal = e.message;
      if (args.expectError === undefined && this.#stepwise) throw e; // the step does nothing
      if (args.expectError === undefined)
        throw new InputError(step.location, `${stepLabel(step)}: the API server refused the update: ${e.message}`);
      judgeRefusal('update', args.expectError, e.message);
      return;
    }
    if (args.expectError !== undefined) judgeRefusal('update', args.expectError, undefined);
  }

  /** `name`, `namespace/name`, or the default DaemonSet. */
  #ref(step: Step, text: string | undefined): DaemonSetRef {
    if (text === undefined) {
      // Stepwise, before any DaemonSet exists, steps address the one the model's events would.
      if (this.#default === undefined && this.#stepwise)
        return { namespace: this.#system.daemonSetNamespace, name: this.#system.daemonSetName };
      if (this.#default === undefined)
        throw new InputError(step.location, `${stepLabel(step)}: no DaemonSet yet (add one under manifests)`);
      return this.#default;
    }
    const slash = text.indexOf('/');
    if (slash >= 0) return { namespace: text.slice(0, slash), name: text.slice(slash + 1) };
    const named = [...this.#known.values()].filter((k) => k.ref.name === text);
    if (named.length > 1)
      throw new InputError(
        step.location,
        `${stepLabel(step)}: several DaemonSets are named "${text}": write namespace/name`,
      );
    return named[0]?.ref ?? { namespace: 'default', name: text };
  }

  /** Keeps the latest object of every known DaemonSet, so that its pods can be found after it is gone. */
  #remember(): void {
    for (const known of this.#known.values()) {
      const ds = this.#cluster.store.get('DaemonSet', known.ref.namespace, known.ref.name);
      if (ds !== undefined) known.last = ds;
    }
  }

  /** The last sync's or settle's writes, all of them or (`text`) those about one DaemonSet. */
  #writesFor(step: Step, text: string | undefined): Writes | undefined {
    if (this.#lastWrites === undefined) return undefined;
    if (text === undefined) return countWrites(this.#lastWrites);
    const ref = this.#ref(step, text);
    const of: WritesOf = { uid: this.#lastSeen(ref)?.metadata?.uid, key: refText(ref) };
    return countWrites(this.#lastWrites, of);
  }

  #lastSeen(ref: DaemonSetRef): DaemonSet | undefined {
    this.#remember();
    return this.#cluster.store.get('DaemonSet', ref.namespace, ref.name) ?? this.#known.get(refText(ref))?.last;
  }

  #podsOf(ref: DaemonSetRef): PodFacts[] {
    const ds = this.#lastSeen(ref);
    return podsOf(this.#cluster, ref, ds?.metadata?.uid, ds);
  }

  // --- pods --------------------------------------------------------------------------------------

  /** The pods a pod step acts on; fails when a step aimed at a node finds none there. */
  #pick(
    step: Step,
    arg: StepArgs['markReady'] | StepArgs['deletePod'],
    qualifies: (p: PodFacts) => boolean,
    verb: string,
  ): PodFacts[] {
    const pick = typeof arg === 'string' ? (arg === 'all' ? { all: true } : { node: arg }) : arg;
    const ref = this.#ref(step, pick.daemonSet);
    const pods = this.#podsOf(ref);
    const liveOn = (node: string) => pods.filter((p) => !p.terminating && p.node === node).length;
    const ofRevision = this.#revisionFilter(pick.revision, ref);
    const candidates = pods.filter(
      (p) =>
        !p.terminating &&
        (pick.alone !== true || liveOn(p.node) === 1) &&
        qualifies(p) &&
        (pick.node === undefined || p.node === pick.node) &&
        ofRevision(p) &&
        (pick.image === undefined || p.image === pick.image),
    );
    const all = pick.all ?? pick.node === undefined;
    if (all) return pick.limit !== undefined ? candidates.slice(0, pick.limit) : candidates;
    const oldest = candidates[0];
    if (oldest === undefined) {
      const which = [
        pick.revision !== undefined ? ` of revision ${pick.revision}` : '',
        pick.image !== undefined ? ` with image ${pick.image}` : '',
      ].join('');
      throw new StepFailure(`${stepLabel(step)}: no pod${which} of ${refText(ref)} on ${pick.node} to ${verb}`);
    }
    return [oldest];
  }

  /** A revision number, or `current` / `old` as upstream's IsPodUpdated against the current template. */
  #revisionFilter(wanted: number | 'current' | 'old' | undefined, ref: DaemonSetRef): (p: PodFacts) => boolean {
    if (wanted === undefined) return () => true;
    if (typeof wanted === 'number') return (p) => p.revision === wanted;
    const ds = this.#lastSeen(ref);
    if (ds === undefined) return () => wanted === 'old';
    const hash = currentHashOf(ds, revisionsOf(this.#cluster, ref, ds.metadata?.uid)) ?? '';
    const generation = getTemplateGeneration(ds);
    return (p) => isPodUpdated(p.pod, hash, generation) === (wanted === 'current');
  }

  #createPod(step: Step & { kind: 'createPod' }): void {
    const args = step.args;
    const ref = this.#ref(step, args.daemonSet);
    const ds = this.#lastSeen(ref);
    if (ds === undefined)
      throw new InputError(step.location, `${stepLabel(step)}: no DaemonSet ${refText(ref)} to copy`);
    const template = ds.spec?.template;
    const labels: Record<string, string> = { ...(args.labels ?? template?.metadata?.labels ?? {}) };
    const revisions = revisionsOf(this.#cluster, ref, ds.metadata?.uid);
    const wanted = args.revision ?? 'current';
    if (wanted !== 'none') {
      const revision: ControllerRevision | undefined =
        wanted === 'current' ? revisions.at(-1) : revisions.find((r) => r.revision === wanted);
      if (revision === undefined && wanted !== 'current')
        throw new StepFailure(`${stepLabel(step)}: ${refText(ref)} has no revision ${wanted}`, ['revision']);
      const hash = revision?.metadata?.labels?.[ControllerRevisionHashLabel];
      if (hash !== undefined) labels[ControllerRevisionHashLabel] = hash;
    }
    const spec = deepCopy(template?.spec ?? { containers: [{ name: 'app', image: 'pause' }] });
    const first = spec.containers[0];
    if (args.image !== undefined && first !== undefined) first.image = args.image;
    if (args.bound === false) {
      spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [args.node] }] }],
          },
        },
      };
    } else spec.nodeName = args.node;
    const phase = args.phase ?? 'Running';
    const ready = args.ready ?? phase === 'Running';
    const now = this.#cluster.clock.nowTimestamp();
    const pod: Pod = {
      metadata: {
        ...(args.name !== undefined ? { name: args.name } : { generateName: `${ref.name}-` }),
        namespace: ref.namespace,
        labels,
        ...(args.owner === 'daemonSet' ? { ownerReferences: [newControllerRef(ds)] } : {}),
        ...(args.owner === 'foreign' ? { ownerReferences: [{ ...FOREIGN_OWNER }] } : {}),
        ...(typeof args.owner === 'object'
          ? { ownerReferences: [this.#ownerReference(step, args.owner, ref.namespace)] }
          : {}),
        ...(args.finalizers ? { finalizers: [...args.finalizers] } : {}),
      },
      spec,
      status: {
        phase,
        ...(phase !== 'Pending' ? { startTime: now } : {}),
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
      },
    };
    const created = this.#api(step, () => this.#cluster.store.create('Pod', pod));
    // Pin readiness so that the kubelet keeps what the scenario said.
    if (phase === 'Running' || phase === 'Pending')
      this.#cluster.kubelet.setPodReady(ref.namespace, created.metadata?.name ?? '', ready);
  }

  // --- expectations ------------------------------------------------------------------------------

  #observed(ref: DaemonSetRef | undefined): Observed {
    const empty: Observed = {
      ds: undefined,
      pods: [],
      existingNodes: [],
      orphans: [],
      revisions: [],
      orphanedRevisions: 0,
      events: new Map(),
      writes: this.#lastWrites === undefined ? undefined : countWrites(this.#lastWrites),
      snapshot: (name) => this.#snapshots.get(name),
    };
    if (ref === undefined) return empty;
    const ds = this.#cluster.store.get('DaemonSet', ref.namespace, ref.name);
    const last = this.#lastSeen(ref);
    const controlled = revisionsOf(this.#cluster, ref, ds?.metadata?.uid ?? last?.metadata?.uid);
    const hash = ds !== undefined ? currentHashOf(ds, controlled) : undefined;
    const templateRevision =
      hash === undefined
        ? undefined
        : controlled.find((r) => r.metadata?.labels?.[ControllerRevisionHashLabel] === hash)?.revision;
    const events = new Map<string, number>();
    for (const e of this.#cluster.store.events) {
      const o = e.involvedObject;
      if (o.kind === 'DaemonSet' && o.name === ref.name && (o.namespace ?? 'default') === ref.namespace)
        events.set(e.reason, (events.get(e.reason) ?? 0) + 1);
    }
    return {
      ...empty,
      ds,
      podNamed: (name) => this.#cluster.store.get('Pod', ref.namespace, name),
      pods: podsOf(this.#cluster, ref, last?.metadata?.uid, last),
      existingNodes: this.#cluster
        .nodes()
        .map((n) => n.metadata?.name ?? '')
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
      orphans: orphansOf(this.#cluster, ref).map((p) => ({
        node: p.spec?.nodeName ?? '',
      })),
      // Its revisions, while it exists and (deleting, Foreground) after: found by the uid last seen.
      revisions: controlled.map((r) => r.revision ?? 0),
      orphanedRevisions: this.#cluster
        .revisions(ref.namespace)
        .filter((r) => controllerRefOf(r) === undefined && selectorMatches(last?.spec?.selector, r.metadata?.labels))
        .length,
      ...(templateRevision !== undefined ? { templateRevision } : {}),
      events,
    };
  }

  #expect(step: Step & { kind: 'expect' }): void {
    const ref = this.#ref(step, step.args.daemonSet);
    const writes = this.#writesFor(step, step.args.writes?.daemonSet ?? step.args.daemonSet);
    const found = checkExpectation(step.args, { ...this.#observed(ref), writes });
    if (found) this.#failExpectation(found);
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** Node names of a step; a node that does not exist is a mistake in the scenario. */
  #nodes(step: Step, names: string | string[]): string[] {
    const list = typeof names === 'string' ? [names] : names;
    for (const name of list) {
      if (this.#cluster.store.get('Node', undefined, name) === undefined)
        throw new InputError(step.location, `${stepLabel(step)}: there is no node "${name}"`);
    }
    return list;
  }

  /** A user action the API server may refuse: that is a mistake in the scenario. */
  #api<T>(step: Step, action: () => T): T {
    try {
      return action();
    } catch (e) {
      if (!isApiError(e)) throw e;
      throw new InputError(step.location, `${stepLabel(step)}: the API server refused it: ${e.message}`);
    }
  }
}

/** A failCreates/failDeletes step as the model's event. */
function apiFault<T extends 'POD_CREATES_FAIL' | 'POD_DELETES_FAIL'>(
  type: T,
  args: { after: number; reason?: ApiFailureReason | undefined; applied?: boolean | undefined },
): DsEvent {
  return {
    type,
    after: args.after,
    ...(args.reason !== undefined ? { reason: args.reason } : {}),
    ...(args.applied !== undefined ? { applied: args.applied } : {}),
  } as DsEvent;
}
