/**
 * The system under test for simulated runs: dsconform's simulated cluster plus one controller
 * driver. It applies the model's events (model/events.ts) to the cluster with the same meaning
 * the model gives them, steps the actors, settles, and reports what it observes in the model's
 * vocabulary.
 */
import type { Pod as K8sPod } from 'kubernetes-types/core/v1.js';
import {
  type ApiFailure,
  type DsEvent,
  type DsEventType,
  isAppliedTimeout,
  type PodSelector,
} from '../../model/events.ts';
import { EXPECTATIONS_TIMEOUT_SECONDS } from '../../model/liveness.ts';
import {
  type ControllerWrites,
  type CreatedPod,
  createAttemptWrites,
  type Observation,
  type StepRecord,
} from '../../model/observation.ts';
import { ApiError, isApiError } from '../cluster/apiError.js';
import { SimulatedCluster } from '../cluster/cluster.js';
import type { DaemonSet, OwnerReference } from '../cluster/objects.js';
import { ControllerRevisionHashLabel, controllerRefOf, jsonEqual } from '../cluster/objects.js';
import type { WatchEvent } from '../cluster/store.js';
import {
  comparePodsOldestFirst,
  getTargetNodeName,
  getTemplateGeneration,
  isPodUpdated,
} from '../controller/podTemplate.js';
import type { ControllerDriver } from './driver.js';
import {
  APP_LABEL,
  type ClusterObjects,
  canBeHeld,
  DEFAULT_DS_NAME,
  daemonSetManifestFor,
  FOREIGN_OWNER,
  finalizersWithoutHold,
  HARNESS_NAMESPACE,
  HOLD_FINALIZER,
  isHeld,
  ObservationCache,
  observeTemplate,
  podTemplateSpecFor,
  podToRelabelBack,
  releasedAppLabel,
  updateStrategyFor,
} from './translate.js';

/** The annotation someone else's update sets before a status write conflicts (STATUS_WRITE_CONFLICTS). */
export const TOUCHED_ANNOTATION = 'example.com/touched';

export interface ApplyOutcome {
  /** False when the event did not apply (no such node or pod, or the API server refused it). */
  applied: boolean;
  /** Why not, or what happened, for traces. */
  note?: string;
}

export interface SystemSettleResult {
  converged: boolean;
  rounds: number;
  /** Virtual seconds that settle moved the clock forward to let delayed work run. */
  advancedSeconds: number;
  stillChanging: string[];
}

export interface SettleOptions {
  maxRounds?: number;
  /** Let the clock run forward to the controller's next wake-up while quiet, up to this many seconds in all. */
  maxAdvanceSeconds?: number;
}

export type DriverFactory = (cluster: SimulatedCluster) => ControllerDriver;

export class SimulatedSystem {
  readonly cluster: SimulatedCluster;
  #driver: ControllerDriver;
  #dsName: string;
  /** Observations (and quiescence's readiness probes) look at this namespace; the model's events act in the harness's. */
  #dsNamespace = HARNESS_NAMESPACE;
  /** Watch events seen while the controller steps: exactly its writes. */
  #recording: WatchEvent[] | undefined;
  #lastChanges: readonly WatchEvent[] = [];
  #lastStep: StepRecord | undefined;
  /** Translations of the store's (deep-frozen) objects, shared between observations. */
  readonly #observations = new ObservationCache();
  /** observeFor's caches, one per DaemonSet (a cache remembers one DaemonSet's last observation). */
  readonly #otherObservations = new Map<string, ObservationCache>();
  /** What the last step's sync saw when it was not the cluster (a lagging pod informer). */
  #lastSeenObjects: ClusterObjects | undefined;
  #seenObjects: ClusterObjects | undefined;
  #lastObservation: { observation: Observation; lastStep: StepRecord; withStep: Observation } | undefined;

  constructor(factory: DriverFactory, options: { dsName?: string } = {}) {
    // Readiness comes from POD_BECAME_READY events only, so both sides agree on when a pod is ready.
    this.cluster = new SimulatedCluster({ kubelet: { readiness: 'events' } });
    this.#driver = factory(this.cluster);
    this.#dsName = options.dsName ?? DEFAULT_DS_NAME;
    this.cluster.store.watch((event) => {
      this.#recording?.push(event);
      if (event.kind === 'Pod') this.#notePodSinceStep(event as WatchEvent<'Pod'>);
    });
  }

  /** The DaemonSet that observations and the model's events address: `name` in the harness namespace by default. */
  get daemonSetName(): string {
    return this.#dsName;
  }
  get daemonSetNamespace(): string {
    return this.#dsNamespace;
  }
  /** Observe another DaemonSet (a scenario's first one). */
  addressDaemonSet(namespace: string, name: string): void {
    this.#dsNamespace = namespace;
    this.#dsName = name;
  }

  /** The last event or controller step, with the controller's writes during it. */
  get lastStep(): StepRecord | undefined {
    return this.#lastStep;
  }

  /** The watch events the controller's writes caused in the last step (what `lastStep.controller` sums up). */
  get lastStepChanges(): readonly WatchEvent[] {
    return this.#lastChanges;
  }

  get driver(): ControllerDriver {
    return this.#driver;
  }

  observe(): Observation {
    const observation = this.#observeWithPods(this.cluster.store.list('Pod'));
    const lastStep = this.#lastStep;
    if (!lastStep) return observation;
    // The same observation with the same last step: give the same (immutable) object again.
    const known = this.#lastObservation;
    if (known?.observation === observation && known.lastStep === lastStep) return known.withStep;
    const withStep = { ...observation, lastStep };
    this.#lastObservation = { observation, lastStep, withStep };
    return withStep;
  }

  async dispose(): Promise<void> {
    await this.#driver.dispose();
  }

  /** The cluster now, with these pods. */
  #observeWithPods(pods: readonly K8sPod[]): Observation {
    return this.#observations.observe(this.#objectsWithPods(pods), this.#dsName, this.#dsNamespace);
  }

  #objectsWithPods(pods: readonly K8sPod[]): ClusterObjects {
    const { store } = this.cluster;
    return {
      nowMs: this.cluster.clock.nowMs(),
      nodes: store.list('Node'),
      daemonSets: store.list('DaemonSet'),
      pods,
      revisions: store.list('ControllerRevision'),
    };
  }

  /**
   * The system as it concerns one DaemonSet among several (a scenario with invariants for each):
   * its observation, the last step's writes narrowed to those about it, and what its last sync
   * saw when that was not the cluster. Nothing here changes which DaemonSet `observe()` addresses.
   */
  observeFor(namespace: string, name: string): Observation {
    let cache = this.#otherObservations.get(`${namespace}/${name}`);
    if (cache === undefined) {
      cache = new ObservationCache();
      this.#otherObservations.set(`${namespace}/${name}`, cache);
    }
    const observation = cache.observe(this.#objectsWithPods(this.cluster.store.list('Pod')), name, namespace);
    const step = this.#lastStep;
    if (step === undefined) return observation;
    const several = this.cluster.store.count('DaemonSet') > 1;
    const podNamed = (pod: string) => this.cluster.store.get('Pod', namespace, pod);
    const controller = writesAbout(step.controller, this.#lastChanges, { namespace, name, several, podNamed });
    const seen =
      this.#lastSeenObjects === undefined ? undefined : cache.observe(this.#lastSeenObjects, name, namespace);
    const { seen: _theirs, ...rest } = step;
    return { ...observation, lastStep: { ...rest, controller, ...(seen !== undefined ? { seen } : {}) } };
  }

  /**
   * Called after every controller step that wrote something while settling, with `observe()`
   * showing that step as `lastStep`: the harness checks its step invariants there too.
   */
  onControllerStep: ((before: Observation) => void | Promise<void>) | undefined;

  /** Called just before each controller step of a round, where `before` is taken (observers of other DaemonSets take theirs). */
  beforeControllerStep: (() => void) | undefined;

  /** One round: the controller, then every cluster component once. */
  async round(): Promise<string[]> {
    const changed: string[] = [];
    const before = this.onControllerStep ? this.observe() : undefined;
    this.beforeControllerStep?.();
    this.#recording = [];
    let wrote: boolean;
    try {
      wrote = await this.#controllerSync();
    } finally {
      this.#lastStep = this.#stepRecord({ type: 'CONTROLLER_SYNC' });
    }
    // A crash is a step to judge and a change even when nothing was sent: the restart forgets
    // expectations and backoff, so the next round may act where this one did not.
    if (wrote || this.#lastStep.controller.crashed) {
      changed.push(this.#driver.name);
      if (before) await this.onControllerStep?.(before);
    } else if (this.#lastStep.seen !== undefined) {
      // A sync over a lagging pod cache is not a quiet one: the events it did not see are still to come.
      changed.push(this.#driver.name);
    }
    for (const component of this.cluster.components()) {
      if (component.step()) changed.push(component.name);
    }
    return changed;
  }

  /** Rounds until quiet; then, if allowed, advance to the controller's next wake-up and go on. */
  async settle(options: SettleOptions = {}): Promise<SystemSettleResult> {
    const maxRounds = options.maxRounds ?? 500;
    const maxAdvanceMs = (options.maxAdvanceSeconds ?? 0) * 1000;
    let advancedMs = 0;
    let rounds = 0;
    let changed: string[] = [];
    while (rounds < maxRounds) {
      rounds++;
      changed = await this.round();
      if (changed.length > 0) continue;
      const wake = this.#driver.nextWakeupMs();
      const now = this.cluster.clock.nowMs();
      if (wake === undefined || advancedMs + Math.max(0, wake - now) > maxAdvanceMs) {
        return { converged: true, rounds, advancedSeconds: advancedMs / 1000, stillChanging: [] };
      }
      const delta = Math.max(0, wake - now);
      this.cluster.clock.advance(delta);
      advancedMs += delta;
    }
    return { converged: false, rounds, advancedSeconds: advancedMs / 1000, stillChanging: changed };
  }

  /**
   * Quiescence as the model defines it (model/quiescence.ts): a healthy environment acts until
   * nothing moves. Every actor settles, every started pod on a Ready node passes its readiness
   * probe, and when all is quiet the clock jumps to the next deadline (minReadySeconds, the
   * controller's own requeues such as failed-pod backoff).
   */
  async quiesce(options: { maxIterations?: number; maxAdvanceSeconds?: number } = {}): Promise<SystemSettleResult> {
    const maxIterations = options.maxIterations ?? 200;
    const maxAdvanceMs = (options.maxAdvanceSeconds ?? 3600) * 1000;
    let rounds = 0;
    let advancedMs = 0;
    for (let i = 0; i < maxIterations; i++) {
      const settled = await this.settle({ maxRounds: 200 });
      rounds += settled.rounds;
      if (!settled.converged) return { ...settled, rounds, advancedSeconds: advancedMs / 1000 };
      if (this.cluster.kubelet.passReadinessProbes(this.#dsNamespace)) continue;
      const now = this.cluster.clock.nowMs();
      const deadline = this.#nextDeadlineMs();
      if (deadline === undefined || deadline <= now || advancedMs + (deadline - now) > maxAdvanceMs) {
        // Watch events were lost (a relist): a controller may wait for what it expected from its
        // writes until its expectations expire (the spec's liveness bound allows that much time),
        // and the resync below is what then wakes it up.
        if (this.#eventsLost) {
          this.#eventsLost = false;
          const expiry = (EXPECTATIONS_TIMEOUT_SECONDS + 1) * 1000;
          this.cluster.clock.advance(expiry);
          advancedMs += expiry;
        }
        // Last, the informers' periodic resync: if it moves anything, keep going.
        this.#driver.resync();
        const afterResync = await this.settle({ maxRounds: 200 });
        rounds += afterResync.rounds;
        if (afterResync.rounds > 1 || !afterResync.converged) continue;
        return { converged: true, rounds, advancedSeconds: advancedMs / 1000, stillChanging: [] };
      }
      this.cluster.clock.advance(deadline - now);
      advancedMs += deadline - now;
    }
    return { converged: false, rounds, advancedSeconds: advancedMs / 1000, stillChanging: ['quiesce'] };
  }

  /** The earliest future moment something time-driven happens: a controller requeue or a pod becoming available. */
  #nextDeadlineMs(): number | undefined {
    const now = this.cluster.clock.nowMs();
    const candidates: number[] = [];
    const wake = this.#driver.nextWakeupMs();
    if (wake !== undefined && wake > now) candidates.push(wake);
    const minReady = this.cluster.store.get('DaemonSet', this.#dsNamespace, this.#dsName)?.spec?.minReadySeconds ?? 0;
    if (minReady > 0) {
      for (const pod of this.cluster.store.list('Pod', this.#dsNamespace)) {
        const since = pod.status?.conditions?.find(
          (c) => c.type === 'Ready' && c.status === 'True',
        )?.lastTransitionTime;
        const at = since === undefined ? undefined : Date.parse(since) + minReady * 1000;
        if (at !== undefined && at > now) candidates.push(at);
      }
    }
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  }

  /** Applies one model event to the cluster. Events that cannot apply are no-ops, as in the model. */
  async apply(event: DsEvent): Promise<ApplyOutcome> {
    let outcome: ApplyOutcome;
    this.#recording = event.type === 'CONTROLLER_SYNC' ? [] : undefined;
    try {
      outcome = await this.#apply(event);
    } catch (e) {
      if (!isApiError(e)) throw e;
      outcome = { applied: false, note: e.message };
    } finally {
      this.#lastStep = this.#stepRecord(event);
    }
    const refusedByApi =
      !outcome.applied && outcome.note !== undefined && /invalid|not found|already exists/i.test(outcome.note);
    if (refusedByApi && outcome.note) this.#lastStep = { ...this.#lastStep, rejected: outcome.note };
    return outcome;
  }

  /**
   * A user action outside the model's vocabulary (a scenario step such as creating a DaemonSet
   * from a hand-written manifest), recorded like an event of that type: no controller writes,
   * and an API refusal makes it a no-op. Invariants read only the type of `lastStep.event`.
   */
  async applyAction(type: DsEventType, action: () => void | Promise<void>): Promise<ApplyOutcome> {
    let outcome: ApplyOutcome = { applied: true };
    try {
      await action();
    } catch (e) {
      if (!isApiError(e)) throw e;
      outcome = { applied: false, note: e.message };
    }
    this.#lastChanges = [];
    this.#lastStep = {
      event: { type } as DsEvent,
      controller: summarizeWrites([]),
      ...(outcome.note !== undefined ? { rejected: outcome.note } : {}),
    };
    return outcome;
  }

  async #apply(event: DsEvent): Promise<ApplyOutcome> {
    const { cluster } = this;
    const nodeExists = (name: string) => cluster.store.get('Node', undefined, name) !== undefined;
    const missingNode = (name: string): ApplyOutcome => ({ applied: false, note: `no node ${name}` });
    switch (event.type) {
      case 'NODE_ADDED':
        if (nodeExists(event.node)) return { applied: false, note: `node ${event.node} exists` };
        cluster.addNode(event.node, {
          ...(event.labels ? { labels: { ...event.labels } } : {}),
          ...(event.taints ? { taints: event.taints.map((t) => ({ ...t })) } : {}),
        });
        return { applied: true };
      case 'NODE_REMOVED':
        if (!nodeExists(event.node)) return missingNode(event.node);
        cluster.removeNode(event.node);
        return { applied: true };
      case 'NODE_LABEL_SET':
        if (!nodeExists(event.node)) return missingNode(event.node);
        cluster.setNodeLabel(event.node, event.key, event.value);
        return { applied: true };
      case 'NODE_LABEL_REMOVED':
        if (!nodeExists(event.node)) return missingNode(event.node);
        cluster.setNodeLabel(event.node, event.key, undefined);
        return { applied: true };
      case 'TAINT_ADDED':
        if (!nodeExists(event.node)) return missingNode(event.node);
        cluster.addTaint(event.node, { ...event.taint });
        return { applied: true };
      case 'TAINT_REMOVED':
        if (!nodeExists(event.node)) return missingNode(event.node);
        cluster.removeTaint(event.node, event.key, event.effect);
        return { applied: true };
      case 'NODE_CORDONED':
      case 'NODE_UNCORDONED':
        if (!nodeExists(event.node)) return missingNode(event.node);
        if (event.type === 'NODE_CORDONED') cluster.cordon(event.node);
        else cluster.uncordon(event.node);
        cluster.nodeLifecycle.step(); // the unschedulable taint follows at once
        return { applied: true };
      case 'NODE_READY':
      case 'NODE_NOT_READY':
        if (!nodeExists(event.node)) return missingNode(event.node);
        cluster.setNodeReady(event.node, event.type === 'NODE_READY' ? 'True' : (event.status ?? 'False'));
        cluster.nodeLifecycle.step(); // taints and pod readiness follow at once
        return { applied: true };
      case 'DS_CREATED':
        cluster.createDaemonSet(daemonSetManifestFor(event.spec, event.name ?? this.#dsName));
        return { applied: true };
      case 'TEMPLATE_UPDATED':
        return this.#updateDaemonSet((ds) => {
          const spec = ds.spec as NonNullable<DaemonSet['spec']>;
          spec.template = podTemplateSpecFor(event.template, this.#dsName);
        });
      case 'STRATEGY_CHANGED':
        return this.#updateDaemonSet((ds) => {
          const spec = ds.spec as NonNullable<DaemonSet['spec']>;
          spec.updateStrategy = updateStrategyFor(event.updateStrategy);
          if (event.minReadySeconds !== undefined) spec.minReadySeconds = event.minReadySeconds;
          if (event.revisionHistoryLimit !== undefined) spec.revisionHistoryLimit = event.revisionHistoryLimit;
        });
      case 'DS_DELETED':
        if (this.#daemonSet() === undefined) return { applied: false, note: 'no DaemonSet' };
        cluster.deleteDaemonSet(HARNESS_NAMESPACE, this.#dsName, event.policy);
        return { applied: true };
      case 'POD_BECAME_READY': {
        const pod = this.#selectPod(event, (p) => cluster.kubelet.awaitsReadinessProbe(p));
        if (pod === undefined) return { applied: false, note: 'no pod to make ready' };
        cluster.kubelet.setPodReady(HARNESS_NAMESPACE, pod.metadata?.name ?? '', true);
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      case 'POD_FAILED': {
        const pod = this.#selectPod(
          event,
          (p) =>
            p.metadata?.deletionTimestamp == null &&
            (p.status?.phase === 'Pending' || p.status?.phase === 'Running' || p.status?.phase === undefined),
        );
        if (pod === undefined) return { applied: false, note: 'no pod to fail' };
        cluster.kubelet.failPod(HARNESS_NAMESPACE, pod.metadata?.name ?? '');
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      case 'POD_DELETED_BY_USER': {
        const pod = this.#selectPod(event, (p) => p.metadata?.deletionTimestamp == null);
        if (pod === undefined) return { applied: false, note: 'no pod to delete' };
        cluster.deletePod(HARNESS_NAMESPACE, pod.metadata?.name ?? '');
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      case 'ORPHAN_POD_APPEARED':
        return this.#orphanPodAppeared(event.node, event.revision);
      case 'FOREIGN_POD_APPEARED':
        return this.#orphanPodAppeared(event.node, event.revision, FOREIGN_OWNER);
      case 'POD_RELABELED':
        return event.matches ? this.#relabelToMatch(event) : this.#relabelAway(event);
      case 'POD_FINALIZER_ADDED': {
        const pod = this.#selectPod(event, canBeHeld);
        if (pod === undefined) return { applied: false, note: 'no pod to hold' };
        cluster.store.modify('Pod', HARNESS_NAMESPACE, pod.metadata?.name ?? '', (p) => {
          const meta = p.metadata as { finalizers?: string[] };
          meta.finalizers = [...(meta.finalizers ?? []), HOLD_FINALIZER];
        });
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      case 'POD_FINALIZER_REMOVED': {
        const pod = this.#selectPod(event, isHeld);
        if (pod === undefined) return { applied: false, note: 'no held pod' };
        cluster.store.modify('Pod', HARNESS_NAMESPACE, pod.metadata?.name ?? '', (p) => {
          const meta = p.metadata as { finalizers?: string[] };
          const kept = finalizersWithoutHold(p);
          if (kept !== undefined) meta.finalizers = kept;
          else delete meta.finalizers;
        });
        return { applied: true, note: pod.metadata?.name ?? '' };
      }
      case 'CONTROLLER_RESTARTED':
        this.#relistArmed = false; // a restarted controller LISTs from empty caches anyway
        this.#podLagArmed = false;
        this.#informersFresh = true;
        await this.#driver.restart();
        return { applied: true };
      case 'TIME_ADVANCED':
        cluster.advance(event.seconds);
        return { applied: true };
      case 'CONTROLLER_SYNC':
        return { applied: await this.#controllerSync() };
      case 'POD_CREATES_FAIL':
        this.#createsFail = { after: Math.max(0, Math.floor(event.after)), failure: event };
        return { applied: true };
      case 'STATUS_WRITE_CONFLICTS':
        this.#statusConflictArmed = true;
        return { applied: true };
      case 'POD_INFORMER_LAGS':
        this.#podLagArmed = true;
        return { applied: true };
      case 'WATCH_EVENTS_DUPLICATED':
        this.#driver.duplicateEvents();
        return { applied: true };
      case 'WATCH_RELISTED':
        if (!this.#driver.relist())
          return { applied: false, note: 'the implementation does not declare the relist capability' };
        this.#relistArmed = true;
        return { applied: true };
      case 'POD_DELETES_FAIL':
        this.#deletesFail = { after: Math.max(0, Math.floor(event.after)), failure: event };
        return { applied: true };
      case 'CONTROLLER_CRASHES':
        this.#crashAfterWrites = Math.max(0, Math.floor(event.afterWrites));
        return { applied: true };
      case 'KUBELET_STEP':
        return { applied: cluster.kubelet.step() };
      case 'SCHEDULER_STEP':
        return { applied: cluster.scheduler.step() };
      case 'GC_STEP': {
        const a = cluster.taintEviction.step();
        const b = cluster.garbageCollector.step();
        const c = cluster.podGC.step();
        return { applied: a || b || c };
      }
    }
  }

  /**
   * Pod creates of the next controller sync fail from the (after + 1)-th on, as `failure` says
   * (POD_CREATES_FAIL: 500 by default; a timeout may have been applied).
   */
  #createsFail: { after: number; failure: ApiFailure } | undefined;
  /** The create attempts of the controller step being recorded, when a failure was armed for it. */
  #attempts: boolean[] | undefined;
  /**
   * A relist (WATCH_RELISTED) hid a pod from what the controller's expectations wait for (see
   * #notePodSinceStep): such an expectation is met only when it expires, so quiescence lets that
   * much time pass.
   */
  #eventsLost = false;
  /** The controller's next status write of a DaemonSet is preceded by someone else's update (STATUS_WRITE_CONFLICTS). */
  #statusConflictArmed = false;
  /** How many such updates were made (the annotation's value). */
  #touches = 0;
  /** The next controller step begins with a relist (WATCH_RELISTED applied). */
  #relistArmed = false;
  /** The controller's next step gets no pod watch events (POD_INFORMER_LAGS). */
  #podLagArmed = false;
  /** The controller has not stepped since it (re)started: its informers' first LIST is still to come. */
  #informersFresh = true;
  /** The pods as the controller's informer last delivered them (at its last step that did not lag). */
  #podsSeen: readonly K8sPod[] = [];
  /** What the step being recorded saw, where it was not the cluster (a lagging pod informer). */
  #seen: Observation | undefined;
  /** Pods made by creates answered with an error, since the controller last saw every pod. */
  #unacknowledged: string[] = [];
  /**
   * For each pod with a watch event since the controller's last step began: whether it was added
   * since (its informer never saw it) and the controller reference ('' none) it had before, or
   * at creation; and whether a relist now would hide what the controller's expectations wait for.
   */
  #podRefsSinceStep = new Map<string, { added: boolean; ref: string }>();
  #podsUnseenIfRelisted = false;
  /** The next controller sync crashes once it has sent this many writes (CONTROLLER_CRASHES). */
  #crashAfterWrites: number | undefined;
  /** Pod deletes of the next controller sync fail likewise (POD_DELETES_FAIL). */
  #deletesFail: { after: number; failure: ApiFailure } | undefined;
  /** How many pod deletes the API server refused in the controller step being recorded. */
  #deleteFailures = 0;
  /** The pod deletes the controller sent in the step being recorded, when it was judged against what it saw (lagging). */
  #deleteRequests: string[] = [];
  /** The controller step being recorded crashed part-way (its writes are the ones sent before). */
  #crashed = false;

  /**
   * What a relist cannot show: a pod added and deleted, terminating or handed to another owner
   * since the controller last looked, or one deleted whose controller reference changed since
   * (its tombstone names the owner the cache knew). upstream's addPod/deletePod meet an expectation
   * only through the controller reference of the object they are given; such a pod's is met only
   * when the expectations expire.
   */
  #notePodSinceStep(event: WatchEvent<'Pod'>): void {
    const uid = event.object.metadata?.uid ?? '';
    const ref = (pod: K8sPod) => controllerRefOf(pod)?.uid ?? '';
    let first = this.#podRefsSinceStep.get(uid);
    if (first === undefined) {
      // What the informer held before: nothing (added since), or the state before this event.
      first = { added: event.type === 'ADDED', ref: ref(event.oldObject ?? event.object) };
      this.#podRefsSinceStep.set(uid, first);
    }
    const changed = ref(event.object) !== first.ref;
    // A pod added since that the LIST shows terminating meets no creation either: addPod treats
    // a terminating pod as a deletion.
    const terminating = event.object.metadata?.deletionTimestamp != null;
    if (first.added ? event.type === 'DELETED' || changed || terminating : event.type === 'DELETED' && changed)
      this.#podsUnseenIfRelisted = true;
  }

  /** The step just taken: the event, what the controller wrote, and what it saw if that was not the cluster. */
  #stepRecord(event: DsEvent): StepRecord {
    const seen = this.#seen;
    this.#seen = undefined;
    this.#lastSeenObjects = seen === undefined ? undefined : this.#seenObjects;
    this.#seenObjects = undefined;
    const unacknowledged = seen !== undefined && this.#unacknowledged.length > 0 ? [...this.#unacknowledged] : [];
    return {
      event,
      controller: this.#takeWrites(),
      ...(seen !== undefined ? { seen } : {}),
      ...(unacknowledged.length > 0 ? { unacknowledged } : {}),
    };
  }

  /** What the controller wrote in the step just recorded (its watch events, and its create attempts). */
  #takeWrites(): ControllerWrites {
    this.#lastChanges = this.#recording ?? [];
    const recorded = summarizeWrites(this.#lastChanges);
    const unseenDeletes = this.#deleteRequests.filter((name) => !recorded.deletes.includes(name));
    this.#deleteRequests = [];
    const summary =
      unseenDeletes.length > 0 ? { ...recorded, deletes: [...recorded.deletes, ...unseenDeletes] } : recorded;
    const writes =
      this.#crashed || this.#deleteFailures > 0
        ? {
            ...summary,
            ...(this.#crashed ? { crashed: true } : {}),
            ...(this.#deleteFailures > 0 ? { deleteFailures: this.#deleteFailures } : {}),
          }
        : summary;
    this.#deleteFailures = 0;
    const attempts = this.#attempts;
    this.#recording = undefined;
    this.#attempts = undefined;
    this.#crashed = false;
    // A process sends a step's writes as one list: its attempts say nothing about slow start.
    return attempts === undefined
      ? writes
      : { ...writes, ...createAttemptWrites(attempts, this.#driver.writesOneByOne === true) };
  }

  /**
   * One controller step. With a create failure armed, the API server fails the step's pod creates
   * from the (n + 1)-th on (500), and every create attempt is recorded, in order, for DS-SYNC-03.
   * With a crash armed, the writes the controller sends after the first n never reach the API
   * server (the crashed process never sent them), and the controller restarts after the step.
   */
  async #controllerSync(): Promise<boolean> {
    // A lagging pod informer: the step sees the pods its previous step saw. Not after a
    // (re)start (the informers' first LIST is waited for) nor with a relist (a fresh LIST).
    const lagging = this.#podLagArmed && !this.#relistArmed && !this.#informersFresh;
    this.#podLagArmed = false;
    this.#informersFresh = false;
    if (lagging) {
      this.#seenObjects = this.#objectsWithPods(this.#podsSeen);
      this.#seen = this.#observations.observe(this.#seenObjects, this.#dsName, this.#dsNamespace);
      this.#driver.lagPodEvents();
    } else {
      this.#podsSeen = this.cluster.store.list('Pod');
      this.#unacknowledged = [];
      // The step's relist drops exactly the events since the previous step began.
      if (this.#relistArmed && this.#podsUnseenIfRelisted) this.#eventsLost = true;
      this.#podRefsSinceStep.clear();
      this.#podsUnseenIfRelisted = false;
    }
    this.#relistArmed = false;
    const createsFail = this.#createsFail;
    const failAfter = createsFail?.after;
    const crashAfter = this.#crashAfterWrites;
    const deletesFail = this.#deletesFail;
    const deletesFailAfter = deletesFail?.after;
    if (
      failAfter === undefined &&
      crashAfter === undefined &&
      deletesFailAfter === undefined &&
      !this.#statusConflictArmed &&
      !lagging
    )
      return this.#driver.step();
    this.#createsFail = undefined;
    this.#crashAfterWrites = undefined;
    this.#deletesFail = undefined;
    let deletes = 0;
    const attempts: boolean[] = [];
    if (failAfter !== undefined) this.#attempts = attempts;
    let sent = 0;
    let touching = false;
    this.cluster.store.setFaultInjector(({ verb, kind, namespace, name }) => {
      if (touching) return undefined; // someone else's update, not the controller's
      if (crashAfter !== undefined) {
        // What a crashed controller never sent: refused here, and the restart below forgets the outcome.
        if (sent >= crashAfter)
          return new ApiError('InternalError', 'not sent: the controller crashed (CONTROLLER_CRASHES)');
        sent++;
      }
      if (this.#statusConflictArmed && verb === 'updateStatus' && kind === 'DaemonSet') {
        // Another writer's update lands first: the controller's write, made with the
        // resourceVersion it read, now conflicts (the store's optimistic concurrency). It is not
        // a controller write, so it is left out of the step's record.
        this.#statusConflictArmed = false;
        touching = true;
        const recording = this.#recording;
        this.#recording = undefined;
        try {
          const touch = String(++this.#touches);
          this.cluster.store.modify('DaemonSet', namespace ?? HARNESS_NAMESPACE, name, (ds) => {
            ds.metadata = {
              ...(ds.metadata ?? {}),
              annotations: { ...(ds.metadata?.annotations ?? {}), [TOUCHED_ANNOTATION]: touch },
            };
          });
        } finally {
          touching = false;
          this.#recording = recording;
        }
      }
      if (deletesFailAfter !== undefined && verb === 'delete' && kind === 'Pod' && deletes++ >= deletesFailAfter) {
        this.#deleteFailures++;
        return injectedFailure(deletesFail?.failure ?? {}, 'pod deletes fail in this sync (POD_DELETES_FAIL)');
      }
      // Over a lagging cache a delete may meet a pod already terminating or gone, which no watch
      // event records: the request is the controller's decision all the same.
      if (lagging && verb === 'delete' && kind === 'Pod') this.#deleteRequests.push(name);
      if (failAfter === undefined || verb !== 'create' || kind !== 'Pod') return undefined;
      const ok = attempts.length < failAfter;
      attempts.push(ok);
      if (ok) return undefined;
      const failure = injectedFailure(createsFail?.failure ?? {}, 'pod creates fail in this sync (POD_CREATES_FAIL)');
      if (!(failure instanceof ApiError)) this.#unacknowledged.push(name);
      return failure;
    });
    try {
      return await this.#driver.step();
    } finally {
      this.cluster.store.setFaultInjector(undefined);
      if (crashAfter !== undefined) {
        this.#crashed = true;
        this.#informersFresh = true;
        await this.#driver.restart();
      }
    }
  }

  #daemonSet(): DaemonSet | undefined {
    return this.cluster.store.get('DaemonSet', HARNESS_NAMESPACE, this.#dsName);
  }

  #updateDaemonSet(mutate: (ds: DaemonSet) => void): ApplyOutcome {
    if (this.#daemonSet() === undefined) return { applied: false, note: 'no DaemonSet' };
    this.cluster.updateDaemonSet(HARNESS_NAMESPACE, this.#dsName, mutate);
    return { applied: true };
  }

  /** The current revision's hash, as the DaemonSet's revisions say (undefined before the first sync). */
  #currentHash(): string | undefined {
    return this.observe().daemonSet?.currentHash;
  }

  /** PodSelector: the DaemonSet's pods for the node, optionally of one revision class, that qualify; the oldest. */
  #selectPod(selector: PodSelector, qualifies: (pod: K8sPod) => boolean): K8sPod | undefined {
    const ds = this.#daemonSet();
    const uid = ds?.metadata?.uid;
    const hash = ds ? this.#currentHash() : undefined;
    const generation = ds ? getTemplateGeneration(ds) : undefined;
    const candidates = this.cluster.store.list('Pod', HARNESS_NAMESPACE).filter((p) => {
      const ref = controllerRefOf(p);
      if (uid === undefined || ref?.uid !== uid) return false;
      if (getTargetNodeName(p) !== selector.node) return false;
      if (selector.revision !== undefined && ds !== undefined) {
        const updated = isPodUpdated(p, hash ?? '', generation);
        if ((selector.revision === 'current') !== updated) return false;
      }
      return qualifies(p);
    });
    return [...candidates].sort(comparePodsOldestFirst)[0];
  }

  /** A pod of the DaemonSet stops matching its selector: its app label gets the released value. */
  #relabelAway(selector: PodSelector): ApplyOutcome {
    const pod = this.#selectPod(
      selector,
      (p) => p.metadata?.deletionTimestamp == null && p.metadata?.labels?.[APP_LABEL] === this.#dsName,
    );
    if (pod === undefined) return { applied: false, note: 'no pod to relabel' };
    this.#setAppLabel(pod, releasedAppLabel(this.#dsName));
    return { applied: true, note: pod.metadata?.name ?? '' };
  }

  /** The oldest pod on the node that was relabelled away (released or not) matches the selector again. */
  #relabelToMatch(selector: PodSelector): ApplyOutcome {
    const uid = this.#daemonSet()?.metadata?.uid;
    const pod = podToRelabelBack(this.cluster.store.list('Pod', HARNESS_NAMESPACE), this.#dsName, uid, selector.node);
    if (pod === undefined) return { applied: false, note: 'no relabelled pod' };
    this.#setAppLabel(pod, this.#dsName);
    return { applied: true, note: pod.metadata?.name ?? '' };
  }

  #setAppLabel(pod: K8sPod, value: string): void {
    this.cluster.store.modify('Pod', HARNESS_NAMESPACE, pod.metadata?.name ?? '', (p) => {
      const meta = p.metadata as { labels?: Record<string, string> };
      meta.labels = { ...(meta.labels ?? {}), [APP_LABEL]: value };
    });
  }

  #orphanPodAppeared(node: string, revision: 'current' | 'none', owner?: OwnerReference): ApplyOutcome {
    const ds = this.#daemonSet();
    const labels: Record<string, string> = { [APP_LABEL]: this.#dsName };
    const hash = ds ? this.#currentHash() : undefined;
    if (revision === 'current' && hash !== undefined) labels[ControllerRevisionHashLabel] = hash;
    const template = ds?.spec?.template;
    const now = this.cluster.clock.nowTimestamp();
    this.cluster.store.create('Pod', {
      metadata: {
        generateName: owner ? 'foreign-' : `${this.#dsName}-orphan-`,
        namespace: HARNESS_NAMESPACE,
        labels,
        ...(owner ? { ownerReferences: [owner] } : {}),
      },
      spec: { ...(template?.spec ?? { containers: [{ name: 'app', image: 'orphan' }] }), nodeName: node },
      status: {
        phase: 'Running',
        startTime: now,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      },
    });
    return { applied: true };
  }
}

/** The error an injected API fault answers with: at once, or (a timeout the server had applied) once the request took effect. */
function injectedFailure(failure: ApiFailure, what: string): ApiError | { afterApplying: ApiError } {
  if (isAppliedTimeout(failure))
    return {
      afterApplying: new ApiError('Timeout', `injected: the reply timed out, the request was applied: ${what}`),
    };
  return new ApiError(failure.reason ?? 'InternalError', `injected: ${what}`);
}

/**
 * What a pod's watch event says the controller did: created it, deleted it (gone, or newly
 * terminating), or patched it; undefined for the end of a deletion already under way.
 */
export function podWriteOf(event: WatchEvent): 'create' | 'delete' | 'patch' | undefined {
  const wasTerminating = event.oldObject?.metadata?.deletionTimestamp != null;
  if (event.type === 'ADDED') return 'create';
  if (event.type === 'DELETED') return wasTerminating ? undefined : 'delete';
  return event.object.metadata?.deletionTimestamp != null && !wasTerminating ? 'delete' : 'patch';
}

/** A DaemonSet's watch event changed its status (a status write). */
export function statusChanged(event: WatchEvent): boolean {
  return !jsonEqual((event.object as DaemonSet).status, (event.oldObject as DaemonSet | undefined)?.status);
}

/** What the controller wrote, read back from the watch events of its step. */
export function summarizeWrites(events: readonly WatchEvent[]): ControllerWrites {
  const creates: CreatedPod[] = [];
  const deletes: string[] = [];
  let statusWritten = false;
  let revisionWrites = 0;
  const patched: string[] = [];
  for (const event of events) {
    if (event.kind === 'ControllerRevision') revisionWrites++;
    else if (event.kind === 'DaemonSet') statusWritten ||= statusChanged(event);
    else if (event.kind === 'Pod') {
      const pod = event.object as K8sPod;
      const name = pod.metadata?.name ?? '';
      const write = podWriteOf(event);
      if (write === 'create') creates.push(createdPod(pod));
      else if (write === 'delete') deletes.push(name);
      else if (write === 'patch') patched.push(name);
    }
  }
  return { creates, deletes, statusWritten, revisionWrites, podPatches: patched.length, patched };
}

function createdPod(pod: K8sPod): CreatedPod {
  const ref = controllerRefOf(pod);
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const hash = pod.metadata?.labels?.[ControllerRevisionHashLabel];
  return {
    node: getTargetNodeName(pod) ?? '',
    pod: pod.metadata?.name ?? '',
    ...(hash !== undefined ? { hash } : {}),
    shape: {
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      tolerations: observeTemplate({ spec: pod.spec ?? { containers: [] } }).tolerations,
      requiredTerms: terms.map((t) => [
        ...(t.matchExpressions ?? []).map((r) => `${r.key} ${r.operator} ${(r.values ?? []).join(',')}`),
        ...(t.matchFields ?? []).map((r) => `${r.key} ${r.operator} ${(r.values ?? []).join(',')}`),
      ]),
      controllerRef: ref !== undefined,
      blockOwnerDeletion: ref?.blockOwnerDeletion === true,
    },
  };
}

/**
 * A step's writes narrowed to those about one DaemonSet (by name, as an observation finds its
 * pods): its pods' creates, deletes and patches, its status, its revisions. With several
 * DaemonSets the create attempts cannot be told apart, so they are left out (DS-SYNC-03 then
 * judges only single-DaemonSet steps); the failure counts only ever excuse a check, so they stay.
 */
export function writesAbout(
  writes: ControllerWrites,
  changes: readonly WatchEvent[],
  about: {
    namespace: string;
    name: string;
    /** More than one DaemonSet exists: the create attempts are left out. */
    several: boolean;
    /** A pod as stored now (a delete of a pod already terminating shows no change). */
    podNamed: (name: string) => K8sPod | undefined;
  },
): ControllerWrites {
  const { namespace, name, several, podNamed } = about;
  const ours = (o: { metadata?: { namespace?: string; name?: string } } | undefined, ref = controllerRefOf(o ?? {})) =>
    ref?.kind === 'DaemonSet' && ref.name === name && (o?.metadata?.namespace ?? 'default') === namespace;
  const podsTouched = new Set<string>();
  let statusWritten = false;
  let revisionWrites = 0;
  for (const change of changes) {
    const before = change.oldObject;
    const after = change.object;
    if (change.kind === 'Pod') {
      if (ours(before) || ours(after)) podsTouched.add(after.metadata?.name ?? '');
    } else if (change.kind === 'DaemonSet') {
      if (after.metadata?.name === name && after.metadata?.namespace === namespace)
        statusWritten ||= statusChanged(change);
    } else if (change.kind === 'ControllerRevision') {
      const unowned = (o: typeof after | undefined) =>
        o !== undefined && controllerRefOf(o) === undefined && (o.metadata?.name ?? '').startsWith(`${name}-`);
      if (ours(before) || ours(after) || unowned(before) || unowned(after)) revisionWrites++;
    }
  }
  const { createAttempts: _attempts, ...rest } = writes;
  const patched = (writes.patched ?? []).filter((n) => podsTouched.has(n));
  return {
    ...(several ? rest : writes),
    creates: writes.creates.filter((c) => c.pod === undefined || podsTouched.has(c.pod)),
    deletes: writes.deletes.filter((n) => podsTouched.has(n) || ours(podNamed(n))),
    statusWritten,
    revisionWrites,
    podPatches: writes.patched === undefined ? writes.podPatches : patched.length,
    ...(writes.patched !== undefined ? { patched } : {}),
  };
}
