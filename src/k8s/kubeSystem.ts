/**
 * One case on a real cluster, as the case runner drives it (SystemUnderTest). The model's
 * environment events become API requests through the RunScope (which only ever touches the
 * run's own objects); the actors' steps (CONTROLLER_SYNC, KUBELET_STEP, SCHEDULER_STEP, GC_STEP)
 * cannot be triggered on a real cluster, so they become waits: poll until the observation stops
 * changing. What needs a simulated kubelet or a simulated clock (a pod becoming ready or failing,
 * a node's Ready condition, a controller restart, a jump in time) is not applied: the outcome
 * says so, and since the model predicts from what it observes, a skipped event never makes a
 * verdict wrong; the real-cluster profile (profile.ts) leaves these events out.
 *
 * Observations are polled (four LISTs), translated back into the model's names (ModelView) and
 * cached: observe() returns the last one.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { DsEvent, PodSelector } from '../../model/events.ts';
import type { Observation } from '../../model/observation.ts';
import { CLOCK_ORIGIN_MS } from '../cluster/clock.js';
import { ControllerRevisionHashLabel, controllerRefOf } from '../cluster/objects.js';
import {
  comparePodsOldestFirst,
  getTargetNodeName,
  getTemplateGeneration,
  isPodReady,
  isPodUpdated,
} from '../controller/podTemplate.js';
import type { ApplyOutcome, SystemSettleResult } from '../harness/system.js';
import type { SystemUnderTest } from '../harness/systemUnderTest.js';
import {
  APP_LABEL,
  canBeHeld,
  DEFAULT_DS_NAME,
  daemonSetManifestFor,
  FOREIGN_OWNER,
  finalizersWithoutHold,
  HOLD_FINALIZER,
  isHeld,
  observeCluster,
  podTemplateSpecFor,
  podToRelabelBack,
  releasedAppLabel,
  updateStrategyFor,
} from '../harness/translate.js';
import { clusterCall } from './failure.js';
import { isKubeError } from './kubeApi.js';
import { ModelView } from './modelView.js';
import { type CaseNames, RESYNC_ANNOTATION } from './names.js';
import { OWNED_CLUSTER_EVENTS, type OwnedCluster } from './ownedCluster.js';
import type { RunScope } from './runScope.js';

export interface KubeSystemTiming {
  /** Milliseconds between two polls. */
  pollIntervalMs: number;
  /** The observation must not change for this long to count as settled. */
  stableForMs: number;
  /** Longest wait for an actor's step (CONTROLLER_SYNC and the others). */
  stepWaitMs: number;
  /** Longest wait for quiescence; past it the case fails with DS-LIVE-01. */
  convergenceTimeoutMs: number;
  /** The cluster's clock (ms); the API server's clock is assumed to agree with this machine's. */
  now: () => number;
  /**
   * Where dsconform serves the API itself (`check --serve`): the controller's requests, so that a
   * wait ends only once the controller has also been idle (nothing in flight, no write) that long;
   * a write that changes nothing the model sees (a status write refused with 409) still counts.
   */
  controllerActivity?: () => { inFlight: number; lastWriteAtMs: number };
  /**
   * Where dsconform runs the controller itself (`check --serve`): CONTROLLER_RESTARTED stops it and
   * starts it again (its memory, expectations and backoff are gone, its informers list anew).
   */
  restartController?: () => Promise<void>;
  /**
   * Where dsconform runs the cluster and the controller reads its clock (`check --serve` with the
   * virtual clock): kubelet, node and clock events are applied through it, time moves only
   * between steps, and quiescence passes readiness probes and moves the clock to the next deadline.
   */
  ownedCluster?: OwnedCluster;
}

/** How many more quiet periods quiescence waits for a controller whose status lags its DaemonSet's generation. */
const GENERATION_LAG_WAITS = 10;

export const REAL_CLUSTER_TIMING: KubeSystemTiming = {
  pollIntervalMs: 250,
  stableForMs: 3000,
  stepWaitMs: 10_000,
  convergenceTimeoutMs: 60_000,
  now: () => Date.now(),
};

/** Events a real cluster cannot be made to do, and why (the outcome's note). */
const NOT_ON_A_REAL_CLUSTER: Partial<Record<DsEvent['type'], string>> = {
  NODE_READY: "a node's Ready condition belongs to its kubelet (kwok)",
  NODE_NOT_READY: "a node's Ready condition belongs to its kubelet (kwok)",
  POD_BECAME_READY: "a pod's readiness belongs to its kubelet (kwok)",
  POD_FAILED: "a pod's phase belongs to its kubelet (kwok)",
  CONTROLLER_RESTARTED: "dsconform cannot restart the cluster's kube-controller-manager",
  CONTROLLER_CRASHES: "dsconform cannot crash the cluster's kube-controller-manager",
  WATCH_RELISTED: "dsconform cannot break the watches of the cluster's kube-controller-manager",
  STATUS_WRITE_CONFLICTS: "dsconform cannot time an update between the cluster's controller's read and write",
  POD_INFORMER_LAGS: "dsconform cannot delay the informers of the cluster's kube-controller-manager",
  WATCH_EVENTS_DUPLICATED: "dsconform cannot repeat the watch events of the cluster's kube-controller-manager",
  POD_CREATES_FAIL: "dsconform cannot make the cluster's API server fail requests",
  POD_DELETES_FAIL: "dsconform cannot make the cluster's API server fail requests",
  FOREIGN_POD_APPEARED:
    "a real cluster's garbage collector deletes a pod whose ReplicaSet owner does not exist (dsconform's own cluster does not serve ReplicaSets)",
};

/** Events a cluster dsconform runs itself applies through its OwnedCluster seam. */
const OWNED_EVENTS: ReadonlySet<DsEvent['type']> = new Set(OWNED_CLUSTER_EVENTS);

/** A failed pod's backoff is at most 15 minutes (kube-controller-manager's failed-pod backoff). */
const LONGEST_BACKOFF_MS = 15 * 60 * 1000;

/** Events that are steps of the cluster's own actors: wait for them. */
const WAIT_EVENTS: ReadonlySet<DsEvent['type']> = new Set([
  'CONTROLLER_SYNC',
  'KUBELET_STEP',
  'SCHEDULER_STEP',
  'GC_STEP',
  'TIME_ADVANCED',
]);

export class KubeSystem implements SystemUnderTest {
  readonly #scope: RunScope;
  readonly #view: ModelView;
  readonly #timing: KubeSystemTiming;
  readonly #dsName = DEFAULT_DS_NAME;
  #last!: Observation;
  /** kube-controller-manager's informers lag behind the harness's polls, unseen (SystemUnderTest). */
  readonly controllerMayLag = true;
  onControllerStep: ((before: Observation) => void | Promise<void>) | undefined;
  /** How many times the DaemonSet has been touched to wake its controller (the annotation's value). */
  #touches = 0;

  private constructor(scope: RunScope, names: CaseNames, timing: KubeSystemTiming) {
    this.#scope = scope;
    this.#view = new ModelView(names);
    this.#timing = timing;
  }

  /** Creates the case's namespace and takes the first observation (no nodes, no DaemonSet). */
  static async create(scope: RunScope, names: CaseNames, timing: KubeSystemTiming): Promise<KubeSystem> {
    const system = new KubeSystem(scope, names, timing);
    await clusterCall(async () => {
      await scope.createNamespace(names);
      system.#last = await system.#poll();
    });
    return system;
  }

  get names(): CaseNames {
    return this.#view.names;
  }

  observe(): Observation {
    return this.#last;
  }

  /** Deletes the case's namespace and nodes; what fails here is retried when the run is closed. */
  async dispose(): Promise<void> {
    await this.#scope.cleanupCase(this.#view.names);
  }

  apply(event: DsEvent): Promise<ApplyOutcome> {
    return clusterCall(() => this.#applyEvent(event));
  }

  async #applyEvent(event: DsEvent): Promise<ApplyOutcome> {
    if (event.type === 'CONTROLLER_RESTARTED' && this.#timing.restartController !== undefined) {
      await this.#timing.restartController();
      this.#last = await this.#poll();
      return { applied: true, note: 'the controller process was stopped and started again' };
    }
    const owned = this.#timing.ownedCluster;
    if (owned !== undefined && OWNED_EVENTS.has(event.type)) {
      const outcome = await this.#applyOwned(owned, event);
      this.#last = await this.#poll();
      return outcome;
    }
    const unsupported = NOT_ON_A_REAL_CLUSTER[event.type];
    if (unsupported !== undefined) return { applied: false, note: `not on a real cluster: ${unsupported}` };
    if (WAIT_EVENTS.has(event.type)) {
      const waited = await this.#waitForQuiet(this.#timing.stepWaitMs, false);
      const jump = event.type === 'TIME_ADVANCED' ? `; real time cannot jump ${event.seconds} s` : '';
      return {
        applied: waited.changes > 0,
        note: `waited ${waited.ms} ms for the cluster (${waited.changes} changes${waited.settled ? '' : ', still changing'})${jump}`,
      };
    }
    let outcome: ApplyOutcome;
    try {
      outcome = await this.#apply(event);
    } catch (e) {
      // A refusal by the API server is an outcome (as in the simulated cluster); anything else ends the run.
      if (!isKubeError(e) || ![404, 409, 422].includes(e.code)) throw e;
      outcome = { applied: false, note: e.message };
    }
    this.#last = await this.#poll();
    return outcome;
  }

  /**
   * Waits until the cluster stops changing. Then, as the simulated cluster's quiescence ends with
   * the informers' periodic resync (12 to 24 h in kube-controller-manager), the DaemonSet is
   * touched (an annotation only the adapter reads), so that the controller syncs it once more,
   * and the wait starts again; it ends when a resync changes nothing. On an owned cluster, started
   * pods first pass their readiness probes and the clock jumps to each deadline (#nextJumpMs).
   */
  async quiesce(options: { maxAdvanceSeconds?: number } = {}): Promise<SystemSettleResult> {
    return clusterCall(async () => {
      const { now, convergenceTimeoutMs, ownedCluster: owned } = this.#timing;
      const maxAdvanceMs = (options.maxAdvanceSeconds ?? 3600) * 1000;
      const started = now();
      let polls = 0;
      let lagWaits = 0;
      let resynced = false;
      // With an owned cluster, virtual time moved by quiescence (what liveness is bounded by).
      let advancedMs = 0;
      let backoffJumps = 0;
      const advanced = (): number => (owned === undefined ? now() - started : advancedMs) / 1000;
      for (;;) {
        const waited = await this.#waitForQuiet(Math.max(0, convergenceTimeoutMs - (now() - started)), true);
        polls += waited.polls;
        if (!waited.settled) {
          const last = waited.lastChange ? `; last change: ${waited.lastChange}` : '';
          return {
            converged: false,
            rounds: polls,
            advancedSeconds: advanced(),
            stillChanging: [`the cluster, still changing after ${now() - started} ms${last}`],
          };
        }
        const quiet = { converged: true, rounds: polls, advancedSeconds: advanced(), stillChanging: [] };
        // A controller in its work queue's backoff (after a conflict, say) is quiet but not done:
        // while it has not observed the DaemonSet's generation, wait a while longer (bounded: a
        // controller that never catches up is judged by DS-EXPECT, not turned into a timeout here).
        if (this.#generationLags() && lagWaits < GENERATION_LAG_WAITS) {
          lagWaits++;
          continue;
        }
        if (owned !== undefined) {
          // As the simulated campaigns' quiescence does: started pods pass their readiness probes,
          // then the clock jumps to the next deadline and the controller is woken (its own
          // requeues run on real time).
          if (owned.passReadinessProbes(this.#view.names.namespace)) continue;
          backoffJumps = this.#failedPodWaits() ? backoffJumps + 1 : 0;
          const jump = this.#nextJumpMs(owned, backoffJumps);
          if (jump !== undefined && advancedMs + jump <= maxAdvanceMs) {
            owned.advance(jump);
            advancedMs += jump;
            await this.#resync();
            continue;
          }
        }
        if (resynced && waited.changes === 0) return quiet;
        resynced = true;
        if (!(await this.#resync())) return quiet;
      }
    });
  }

  /**
   * How far quiescence moves an owned cluster's clock next: to the moment every ready pod is
   * available (minReadySeconds), or, while a failed pod waits out its backoff, by 1, 2, 4... s on
   * successive jumps (the controller's backoff doubles from 1 s up to 15 minutes, and dsconform
   * does not see its entries). Undefined when nothing waits for time.
   */
  #nextJumpMs(owned: OwnedCluster, backoffJumps: number): number | undefined {
    const available = availabilityDeadlineMs(this.#last);
    const jumps: number[] = [];
    if (available !== undefined && available > owned.nowMs()) jumps.push(available - owned.nowMs());
    if (backoffJumps > 0) jumps.push(Math.min(1000 * 2 ** (backoffJumps - 1), LONGEST_BACKOFF_MS));
    return jumps.length > 0 ? Math.min(...jumps) : undefined;
  }

  /**
   * A failed pod of the DaemonSet, on one of its nodes, that its controller has not deleted: it
   * waits out its backoff. (A failed pod nobody controls, or of a DaemonSet being deleted, waits
   * for nothing that time brings.)
   */
  #failedPodWaits(): boolean {
    const ds = this.#last.daemonSet;
    if (ds === undefined || ds.deleting !== undefined) return false;
    const nodes = new Set(this.#last.nodes.map((n) => n.name));
    return this.#last.pods.some(
      (p) => p.phase === 'Failed' && !p.terminating && p.controllerUid === ds.uid && nodes.has(p.node),
    );
  }

  /** The DaemonSet exists, is not being deleted, and its status has not caught up with its spec. */
  #generationLags(): boolean {
    const ds = this.#last.daemonSet;
    return ds !== undefined && ds.deleting === undefined && ds.status.observedGeneration < ds.generation;
  }

  /** Touches the DaemonSet so that its controller syncs it (an informer resync); false if there is none. */
  async #resync(): Promise<boolean> {
    this.#touches++;
    return this.#scope.annotateDaemonSet(this.#view.names.namespace, this.#dsName, {
      [RESYNC_ANNOTATION]: String(this.#touches),
    });
  }

  // --- observing ---------------------------------------------------------------------------------

  async #poll(): Promise<Observation> {
    const { api } = this.#scope;
    const { namespace } = this.#view.names;
    const [nodes, daemonSets, pods, revisions] = await Promise.all([
      api.listNodes(this.#view.nodeSelector),
      api.listDaemonSets(namespace),
      api.listPods(namespace),
      api.listControllerRevisions(namespace),
    ]);
    const byName = <T extends { metadata?: { name?: string } }>(a: T, b: T) =>
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
    return observeCluster(
      {
        nowMs: this.#clusterNowMs(),
        nodes: nodes.map((n) => this.#view.nodeToModelView(n)).sort(byName),
        daemonSets: daemonSets.map((d) => this.#view.daemonSetToModelView(d)),
        pods: pods.map((p) => this.#view.podToModelView(p)).sort(byName),
        revisions: revisions.map((r) => this.#view.revisionToModelView(r)).sort(byName),
      },
      this.#dsName,
    );
  }

  /**
   * Polls until the observation has not changed for `stableForMs` and no pod is about to become
   * available (minReadySeconds), or until `limitMs`. With `report`, every change is shown to the
   * runner as a controller step (it checks the per-step invariants there).
   */
  async #waitForQuiet(
    limitMs: number,
    report: boolean,
  ): Promise<{ settled: boolean; ms: number; polls: number; changes: number; lastChange?: string }> {
    const { now, pollIntervalMs, stableForMs } = this.#timing;
    const started = now();
    let lastChangeAt = started;
    let polls = 0;
    let changes = 0;
    let lastChange: string | undefined;
    for (;;) {
      await sleep(pollIntervalMs);
      const before = this.#last;
      const after = await this.#poll();
      polls++;
      this.#last = after;
      const what = difference(before, after);
      if (what !== undefined) {
        changes++;
        lastChange = what;
        lastChangeAt = now();
        if (report) await this.onControllerStep?.(before);
      }
      const t = now();
      // An owned cluster's clock does not move while waiting: quiescence moves it instead.
      const pending = this.#timing.ownedCluster === undefined ? availabilityDeadlineMs(after) : undefined;
      const activity = this.#timing.controllerActivity?.();
      const busyUntil = activity === undefined ? 0 : activity.inFlight > 0 ? t : activity.lastWriteAtMs;
      if (t - Math.max(lastChangeAt, busyUntil) >= stableForMs && (pending === undefined || t > pending)) {
        return { settled: true, ms: t - started, polls, changes, ...(lastChange ? { lastChange } : {}) };
      }
      if (t - started >= limitMs) {
        return { settled: false, ms: t - started, polls, changes, ...(lastChange ? { lastChange } : {}) };
      }
    }
  }

  // --- acting --------------------------------------------------------------------------------------

  async #apply(event: DsEvent): Promise<ApplyOutcome> {
    const scope = this.#scope;
    const view = this.#view;
    const { namespace } = view.names;
    const noNode = (name: string): ApplyOutcome => ({ applied: false, note: `no node ${name}` });
    const onNode = async (name: string, change: Parameters<RunScope['patchNode']>[1]): Promise<ApplyOutcome> =>
      (await scope.patchNode(view.nodeToCluster(name), change)) ? { applied: true } : noNode(name);
    switch (event.type) {
      case 'NODE_ADDED': {
        if (this.#last.nodes.some((n) => n.name === event.node))
          return { applied: false, note: `node ${event.node} exists` };
        await scope.createNode(
          view.newNode(
            event.node,
            event.labels ?? {},
            (event.taints ?? []).map((t) => this.#stamped(t)),
          ),
        );
        return { applied: true };
      }
      case 'NODE_REMOVED':
        return (await scope.deleteNode(view.nodeToCluster(event.node))) ? { applied: true } : noNode(event.node);
      case 'NODE_LABEL_SET':
        return onNode(event.node, () => ({ metadata: { labels: { [event.key]: event.value } } }));
      case 'NODE_LABEL_REMOVED':
        return onNode(event.node, () => ({ metadata: { labels: { [event.key]: null } } }));
      case 'TAINT_ADDED':
        return onNode(event.node, (node) => {
          const taints = (node.spec?.taints ?? []).filter(
            (t) => !(t.key === event.taint.key && t.effect === event.taint.effect),
          );
          return { spec: { taints: [...taints, this.#stamped(event.taint)] } };
        });
      case 'TAINT_REMOVED':
        return onNode(event.node, (node) => {
          const taints = (node.spec?.taints ?? []).filter((t) => !(t.key === event.key && t.effect === event.effect));
          return { spec: { taints } };
        });
      case 'NODE_CORDONED':
        return onNode(event.node, () => ({ spec: { unschedulable: true } }));
      case 'NODE_UNCORDONED':
        // The node-lifecycle controller removes the unschedulable taint, as the model says.
        return onNode(event.node, () => ({ spec: { unschedulable: null } }));
      case 'DS_CREATED': {
        const manifest = view.daemonSetToCluster(daemonSetManifestFor(event.spec, event.name ?? this.#dsName));
        await scope.createDaemonSet(namespace, manifest);
        return { applied: true };
      }
      case 'TEMPLATE_UPDATED':
        return this.#updateDaemonSet((ds) => {
          const spec = ds.spec as NonNullable<DaemonSet['spec']>;
          spec.template = view.templateToCluster(podTemplateSpecFor(event.template, this.#dsName));
        });
      case 'STRATEGY_CHANGED':
        return this.#updateDaemonSet((ds) => {
          const spec = ds.spec as NonNullable<DaemonSet['spec']>;
          spec.updateStrategy = updateStrategyFor(event.updateStrategy);
          if (event.minReadySeconds !== undefined) spec.minReadySeconds = event.minReadySeconds;
          if (event.revisionHistoryLimit !== undefined) spec.revisionHistoryLimit = event.revisionHistoryLimit;
        });
      case 'DS_DELETED': {
        const ds = (await scope.api.listDaemonSets(namespace)).find((d) => d.metadata?.name === this.#dsName);
        if (ds === undefined) return { applied: false, note: 'no DaemonSet' };
        await scope.deleteDaemonSet(namespace, ds, event.policy);
        return { applied: true };
      }
      case 'POD_DELETED_BY_USER': {
        const pod = await this.#selectPod(event, (p) => p.metadata?.deletionTimestamp == null);
        if (pod === undefined) return { applied: false, note: 'no pod to delete' };
        await scope.deletePod(namespace, pod);
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      case 'ORPHAN_POD_APPEARED':
        await this.#orphanPodAppeared(event.node, event.revision);
        return { applied: true };
      case 'POD_RELABELED':
        return event.matches ? this.#relabelToMatch(event) : this.#relabelAway(event);
      case 'POD_FINALIZER_ADDED': {
        const pod = await this.#selectPod(event, canBeHeld);
        if (pod === undefined) return { applied: false, note: 'no pod to hold' };
        await scope.patchPod(namespace, pod, {
          metadata: { finalizers: [...(pod.metadata?.finalizers ?? []), HOLD_FINALIZER] },
        });
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      case 'POD_FINALIZER_REMOVED': {
        const pod = await this.#selectPod(event, isHeld);
        if (pod === undefined) return { applied: false, note: 'no held pod' };
        await scope.patchPod(namespace, pod, { metadata: { finalizers: finalizersWithoutHold(pod) ?? null } });
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      default:
        return { applied: false, note: `not on a real cluster: ${event.type}` };
    }
  }

  /** Kubelet, node and clock events on a cluster dsconform runs itself (OWNED_CLUSTER_EVENTS). */
  async #applyOwned(owned: OwnedCluster, event: DsEvent): Promise<ApplyOutcome> {
    const { namespace } = this.#view.names;
    const podNamed = (pod: Pod | undefined, act: (name: string) => void, none: string): ApplyOutcome => {
      const name = pod?.metadata?.name;
      if (name === undefined) return { applied: false, note: none };
      act(name);
      return { applied: true, note: name };
    };
    switch (event.type) {
      case 'ORPHAN_POD_APPEARED':
      case 'FOREIGN_POD_APPEARED': {
        // It appears running and ready, as in every campaign (this kubelet makes pods ready only when told).
        const owner = event.type === 'FOREIGN_POD_APPEARED' ? FOREIGN_OWNER : undefined;
        const pod = await this.#orphanPodAppeared(event.node, event.revision, owner);
        owned.setPodReady(namespace, pod.metadata?.name ?? '');
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      case 'TIME_ADVANCED': {
        // Between steps: the clock never moves while the controller is at work.
        const before = await this.#waitForQuiet(this.#timing.stepWaitMs, false);
        owned.advance(event.seconds * 1000);
        // The controller's requeues (backoff, minReadySeconds) run on real time: wake it.
        await this.#resync();
        const after = await this.#waitForQuiet(this.#timing.stepWaitMs, false);
        return {
          applied: true,
          note: `the clock moved ${event.seconds} s; waited ${before.ms} ms for the cluster before, ${after.ms} ms after`,
        };
      }
      case 'NODE_READY':
      case 'NODE_NOT_READY': {
        if (!this.#last.nodes.some((n) => n.name === event.node))
          return { applied: false, note: `no node ${event.node}` };
        owned.setNodeReady(
          this.#view.nodeToCluster(event.node),
          event.type === 'NODE_READY' ? 'True' : (event.status ?? 'False'),
        );
        return { applied: true };
      }
      case 'POD_BECAME_READY': {
        const pod = await this.#selectPod(
          event,
          (p) =>
            p.status?.phase === 'Running' &&
            !isPodReady(p) &&
            p.metadata?.deletionTimestamp == null &&
            owned.nodeIsReady(this.#view.nodeToCluster(p.spec?.nodeName ?? '')),
        );
        return podNamed(pod, (name) => owned.setPodReady(namespace, name), 'no pod to make ready');
      }
      case 'POD_FAILED': {
        const pod = await this.#selectPod(
          event,
          (p) =>
            p.metadata?.deletionTimestamp == null &&
            (p.status?.phase === 'Pending' || p.status?.phase === 'Running' || p.status?.phase === undefined),
        );
        return podNamed(pod, (name) => owned.failPod(namespace, name), 'no pod to fail');
      }
      default:
        return { applied: false, note: `not applied by dsconform's cluster: ${event.type}` };
    }
  }

  /** The cluster's clock: an owned cluster's virtual one, else this machine's (assumed to agree with the API server's). */
  #clusterNowMs(): number {
    return this.#timing.ownedCluster?.nowMs() ?? this.#timing.now();
  }

  /** kubectl taint stamps NoExecute taints with the time they were added; the taint manager reads it. */
  #stamped<T extends { effect: string }>(taint: T): T & { timeAdded?: string } {
    if (taint.effect !== 'NoExecute') return { ...taint };
    return {
      ...taint,
      timeAdded: new Date(Math.floor(this.#clusterNowMs() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    };
  }

  async #updateDaemonSet(mutate: (ds: DaemonSet) => void): Promise<ApplyOutcome> {
    const updated = await this.#scope.updateDaemonSet(this.#view.names.namespace, this.#dsName, mutate);
    return updated === undefined ? { applied: false, note: 'no DaemonSet' } : { applied: true };
  }

  /** The DaemonSet's pods on the node (optionally of one revision class) that qualify; the oldest. Real objects. */
  async #selectPod(selector: PodSelector, qualifies: (pod: Pod) => boolean): Promise<Pod | undefined> {
    const { api } = this.#scope;
    const { namespace } = this.#view.names;
    const ds = (await api.listDaemonSets(namespace)).find((d) => d.metadata?.name === this.#dsName);
    const uid = ds?.metadata?.uid;
    if (ds === undefined || uid === undefined) return undefined;
    const hash = this.#last.daemonSet?.currentHash ?? '';
    const generation = getTemplateGeneration(ds);
    const pods = (await api.listPods(namespace)).filter((real) => {
      const p = this.#view.podToModelView(real);
      if (controllerRefOf(p)?.uid !== uid || getTargetNodeName(p) !== selector.node) return false;
      if (selector.revision !== undefined && (selector.revision === 'current') !== isPodUpdated(p, hash, generation))
        return false;
      return qualifies(p);
    });
    return [...pods].sort(comparePodsOldestFirst)[0];
  }

  /** A pod of the DaemonSet stops matching its selector: its app label gets the released value. */
  async #relabelAway(selector: PodSelector): Promise<ApplyOutcome> {
    const pod = await this.#selectPod(
      selector,
      (p) => p.metadata?.deletionTimestamp == null && p.metadata?.labels?.[APP_LABEL] === this.#dsName,
    );
    if (pod === undefined) return { applied: false, note: 'no pod to relabel' };
    await this.#scope.patchPod(this.#view.names.namespace, pod, {
      metadata: { labels: { [APP_LABEL]: releasedAppLabel(this.#dsName) } },
    });
    return { applied: true, note: pod.metadata?.name ?? '' };
  }

  /** The oldest pod on the node that was relabelled away (released or not) matches the selector again. */
  async #relabelToMatch(selector: PodSelector): Promise<ApplyOutcome> {
    const { api } = this.#scope;
    const { namespace } = this.#view.names;
    const uid = (await api.listDaemonSets(namespace)).find((d) => d.metadata?.name === this.#dsName)?.metadata?.uid;
    const pods = await api.listPods(namespace);
    const chosen = podToRelabelBack(
      pods.map((p) => this.#view.podToModelView(p)),
      this.#dsName,
      uid,
      selector.node,
    );
    const pod = pods.find((p) => p.metadata?.uid !== undefined && p.metadata.uid === chosen?.metadata?.uid);
    if (pod === undefined) return { applied: false, note: 'no relabelled pod' };
    await this.#scope.patchPod(namespace, pod, { metadata: { labels: { [APP_LABEL]: this.#dsName } } });
    return { applied: true, note: pod.metadata?.name ?? '' };
  }

  /** A pod bound to the node appears, with the DaemonSet's labels: an orphan, or another controller's (`owner`). */
  async #orphanPodAppeared(node: string, revision: 'current' | 'none', owner?: OwnerReference): Promise<Pod> {
    const { api } = this.#scope;
    const view = this.#view;
    const { namespace } = view.names;
    const ds = (await api.listDaemonSets(namespace)).find((d) => d.metadata?.name === this.#dsName);
    const labels: Record<string, string> = { [APP_LABEL]: this.#dsName, ...view.runLabels };
    const hash = ds ? this.#last.daemonSet?.currentHash : undefined;
    if (revision === 'current' && hash !== undefined) labels[ControllerRevisionHashLabel] = hash;
    const spec =
      ds?.spec?.template?.spec ?? view.templateToCluster(podTemplateSpecFor(ORPHAN_TEMPLATE, this.#dsName)).spec;
    // Bound at once, as the model's orphan is; its kubelet (kwok) starts it and makes it ready.
    return this.#scope.createPod(namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: owner ? 'foreign-' : `${this.#dsName}-orphan-`,
        labels,
        ...(owner ? { ownerReferences: [owner] } : {}),
      },
      spec: { ...(spec ?? { containers: [{ name: 'app', image: 'orphan' }] }), nodeName: view.nodeToCluster(node) },
    });
  }
}

const ORPHAN_TEMPLATE = { image: 'orphan', nodeSelector: {}, tolerations: [], hostNetwork: false } as const;

/** What differs between two observations, ignoring the clock; undefined if nothing does. */
function difference(a: Observation, b: Observation): string | undefined {
  const { time: _a, lastStep: _la, ...restA } = a;
  const { time: _b, lastStep: _lb, ...restB } = b;
  for (const key of ['nodes', 'daemonSet', 'pods', 'revisions'] as const) {
    if (JSON.stringify(restA[key]) !== JSON.stringify(restB[key])) return key;
  }
  return JSON.stringify(restA) === JSON.stringify(restB) ? undefined : 'observation';
}

/**
 * When the next ready pod becomes available (minReadySeconds after it became ready), as
 * milliseconds on the cluster's clock; the status changes then without any event.
 */
function availabilityDeadlineMs(obs: Observation): number | undefined {
  const minReady = obs.daemonSet?.spec.minReadySeconds ?? 0;
  if (minReady <= 0) return undefined;
  let latest: number | undefined;
  for (const pod of obs.pods) {
    if (!pod.ready || pod.readySince === undefined) continue;
    const at = pod.readySince + minReady;
    if (at >= obs.time && (latest === undefined || at > latest)) latest = at;
  }
  // Model seconds → ms, plus a second for the controller's requeue to land.
  return latest === undefined ? undefined : modelSecondsToMs(latest) + 1000;
}

function modelSecondsToMs(seconds: number): number {
  return CLOCK_ORIGIN_MS + seconds * 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
