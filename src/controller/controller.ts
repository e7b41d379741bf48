/**
 * The reference DaemonSet controller (pkg/controller/daemon/daemon_controller.go), informer-driven
 * over the simulated cluster. Watch events are consumed at the start of each step; each queued
 * DaemonSet then gets one syncDaemonSet pass. All writes go through a DaemonSetControl.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { VirtualClock } from '../cluster/clock.js';
import type { ClusterComponent } from '../cluster/component.js';
import { compileLabelSelector, isEmptySelector } from '../cluster/labels.js';
import type { ControllerRevision, DaemonSet } from '../cluster/objects.js';
import { controllerRefOf, LIST_ORDER, objectKey } from '../cluster/objects.js';
import type { ObjectStore, WatchEvent } from '../cluster/store.js';
import { Backoff } from './backoff.js';
import { claimObjects } from './claim.js';
import { type DaemonSetControl, StoreDaemonSetControl } from './daemonSetControl.js';
import { ControllerExpectations } from './expectations.js';
import { canonicalJson } from './hash.js';
import { cleanupHistory, constructHistory } from './history.js';
import { InformerCache } from './informerCache.js';
import { manage } from './manage.js';
import { getTargetNodeName, isPodReady, isPodTerminal } from './podTemplate.js';
import { rollingUpdate } from './rollingUpdate.js';
import { type ControllerRules, REFERENCE_RULES } from './rules.js';
import { updateDaemonSetStatus } from './status.js';
import { BURST_REPLICAS, type SyncContext } from './syncContext.js';

/** A claim's result over one pod cache version: the pods, and their grouping by node once asked for. */
interface ClaimedPods {
  version: number;
  pods: Pod[];
  grouped: Map<boolean, ReadonlyMap<string, readonly Pod[]>>;
}

export interface DaemonSetControllerOptions {
  /** Where writes go; defaults to the store itself. Tests wrap it to count or fail writes. */
  control?: DaemonSetControl;
  /**
   * Consume the watch events of the controller's own writes immediately, as upstream's unit-test
   * fake pod control does (so rollingUpdate runs in the same sync as manage). Off by default:
   * a real informer sees them later.
   */
  observeOwnWritesImmediately?: boolean;
  burstReplicas?: number;
  /** Replaces some of the controller's rules (for mutants; the reference never sets this). */
  rules?: Partial<ControllerRules>;
}

export interface SyncRecord {
  key: string;
  error?: string;
}

const BACKOFF_GC_INTERVAL_MS = 60_000;
const RATE_LIMIT_BASE_MS = 5;
const RATE_LIMIT_MAX_MS = 1000 * 1000;

export class DaemonSetController implements ClusterComponent {
  readonly name = 'daemonset-controller';
  readonly cache = new InformerCache();
  readonly expectations: ControllerExpectations;
  readonly failedPodsBackoff = new Backoff();
  readonly #clock: VirtualClock;
  readonly #control: DaemonSetControl;
  readonly #options: DaemonSetControllerOptions;
  readonly #rules: ControllerRules;
  #pending: WatchEvent[] = [];
  /** The pod LIST a controller that does not wait for cache sync gets only after its first step. */
  #unsyncedPods: WatchEvent[] = [];
  readonly #store: ObjectStore;
  #queue: string[] = [];
  #queued = new Set<string>();
  #nodeQueue: string[] = [];
  #delayed: { key: string; atMs: number }[] = [];
  #failures = new Map<string, number>();
  #writes = 0;
  /** The last claim of each DaemonSet object that wrote nothing, by the pod cache version it read (see #context). */
  readonly #claims = new WeakMap<DaemonSet, ClaimedPods>();
  #lastBackoffGcMs: number;
  #unwatch: () => void;
  /** The last sync of each step, for tests and traces. */
  readonly syncLog: SyncRecord[] = [];

  constructor(store: ObjectStore, options: DaemonSetControllerOptions = {}) {
    this.#clock = store.clock;
    this.#options = options;
    this.#rules = { ...REFERENCE_RULES, ...(options.rules ?? {}) };
    this.expectations = new ControllerExpectations(() => this.#clock.nowMs());
    this.#lastBackoffGcMs = this.#clock.nowMs();
    this.#control = countingControl(options.control ?? new StoreDaemonSetControl(store), () => {
      this.#writes++;
      if (this.#options.observeOwnWritesImmediately) this.processEvents();
    });
    this.#store = store;
    // Informers start with a LIST (every object arrives as an add), then WATCH.
    for (const kind of LIST_ORDER) {
      // A controller that does not wait for its caches to sync (mutants only) syncs once before its
      // pod informer's LIST has arrived.
      const late = kind === 'Pod' && !this.#rules.waitForCacheSync;
      for (const object of store.list(kind))
        (late ? this.#unsyncedPods : this.#pending).push({ type: 'ADDED', kind, object } as WatchEvent);
    }
    this.#unwatch = store.watch((event) => this.#pending.push(event));
  }

  /** Stops watching (a controller restart is: stop the old instance, construct a new one). */
  stop(): void {
    this.#unwatch();
  }

  /** The rules this controller applies (the reference's, or a mutant's). */
  get rules(): ControllerRules {
    return this.#rules;
  }

  /** Number of writes issued so far. */
  get writes(): number {
    return this.#writes;
  }

  /** Queued DaemonSet keys (after processEvents). */
  get queue(): readonly string[] {
    return this.#queue;
  }

  /** Removes and returns every queued DaemonSet key without syncing (a test taking items off the workqueue). */
  takeQueued(): string[] {
    const keys = this.#queue;
    this.#queue = [];
    this.#queued.clear();
    return keys;
  }

  /** Node names waiting in the node-update queue (upstream nodeUpdateQueue). */
  get nodeQueue(): readonly string[] {
    return this.#nodeQueue;
  }

  /**
   * Runs syncNodeUpdate for every queued node name without syncing any DaemonSet: the DaemonSets it
   * decides to wake up land in `queue`. `step()` does this itself before syncing.
   */
  processNodeQueue(): void {
    this.#processNodeQueue();
  }

  /** getNodesToDaemonPods for a cached DaemonSet: claims (adopts/releases) and groups its pods by target node. */
  nodesToDaemonPods(ds: DaemonSet, includeDeletedTerminal: boolean): ReadonlyMap<string, readonly Pod[]> {
    return this.#context(ds, objectKey(ds.metadata ?? {}), this.cache.nodes.list()).nodesToDaemonPods(
      includeDeletedTerminal,
    );
  }

  /** controlledHistories: the namespace's ControllerRevisions this DaemonSet controls, after adopting/releasing. */
  controlledHistories(ds: DaemonSet): ControllerRevision[] {
    return this.#controlledHistories(this.#context(ds, objectKey(ds.metadata ?? {}), this.cache.nodes.list()));
  }

  /** When the earliest delayed resync is due, if any (so a driver knows time matters). */
  nextDelayedMs(): number | undefined {
    return this.#delayed.reduce<number | undefined>(
      (min, d) => (min === undefined || d.atMs < min ? d.atMs : min),
      undefined,
    );
  }

  /**
   * One controller step: consume events, then sync every queued DaemonSet once. True if it wrote
   * anything. `holdPodEvents`: the pod informer lags (a fault the harness injects), so the pod
   * events pending now are consumed only by the next step, before any newer one.
   * `duplicateEvents`: each pending event is delivered twice (a fault the harness injects).
   */
  step(options: { holdPodEvents?: boolean; duplicateEvents?: boolean } = {}): boolean {
    const before = this.#writes;
    const held = options.holdPodEvents ? this.#pending.filter((e) => e.kind === 'Pod') : [];
    if (held.length > 0) this.#pending = this.#pending.filter((e) => e.kind !== 'Pod');
    if (options.duplicateEvents) this.#pending = this.#pending.flatMap((e) => [e, e]);
    this.processEvents();
    this.#releaseDueDelayed();
    this.#processNodeQueue();
    const nowMs = this.#clock.nowMs();
    if (nowMs - this.#lastBackoffGcMs >= BACKOFF_GC_INTERVAL_MS) {
      this.failedPodsBackoff.gc(nowMs);
      this.#lastBackoffGcMs = nowMs;
    }
    const keys = this.#queue;
    this.#queue = [];
    this.#queued.clear();
    for (const key of keys) this.#processKey(key);
    if (held.length > 0) this.#pending = [...held, ...this.#pending];
    if (this.#unsyncedPods.length > 0) {
      this.#pending = [...this.#unsyncedPods, ...this.#pending];
      this.#unsyncedPods = [];
    }
    return this.#writes !== before;
  }

  /**
   * The watches broke: the events not yet consumed are lost, and every informer LISTs again
   * (client-go's DeltaFIFO.Replace): each listed object comes as an update of the cached one (or
   * an add), then each cached object the LIST lacks as a deletion whose final state is unknown
   * (a tombstone carrying the last state the cache saw). `step()` consumes them.
   */
  relist(): void {
    // Every informer relists on its own upstream; here all LISTs come first, then every tombstone
    // (the order the protocol adapters use too).
    this.#pending = [];
    const tombstones: WatchEvent[] = [];
    for (const kind of LIST_ORDER) {
      const cached = new Map(this.cache.listOf(kind).map((o) => [objectKey(o.metadata ?? {}), o]));
      for (const object of this.#store.list(kind)) {
        const key = objectKey(object.metadata ?? {});
        this.#pending.push({ type: cached.has(key) ? 'MODIFIED' : 'ADDED', kind, object } as WatchEvent);
        cached.delete(key);
      }
      for (const object of cached.values())
        tombstones.push({ type: 'DELETED', kind, object, tombstone: true } as WatchEvent);
    }
    this.#pending.push(...tombstones);
  }

  /** Consumes pending watch events: caches first, then the event handlers. */
  processEvents(): void {
    while (this.#pending.length > 0) {
      const events = this.#pending;
      this.#pending = [];
      for (const event of events) {
        const previous = this.cache.apply(event);
        this.#handle(event, previous);
      }
    }
  }

  /** Runs syncDaemonSet for one key right now, rethrowing its error (upstream's syncHandler, for tests). */
  syncDaemonSet(key: string): void {
    const error = this.#sync(key);
    if (error) throw error;
  }

  enqueue(key: string): void {
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
  }

  enqueueAfter(key: string, delayMs: number): void {
    if (delayMs <= 0) {
      this.enqueue(key);
      return;
    }
    // client-go's delaying queue (delayingType.AddAfter → insert) keeps one waiting entry per
    // key: a second AddAfter only moves it sooner, never adds a later wake-up.
    const atMs = this.#clock.nowMs() + delayMs;
    const waiting = this.#delayed.find((d) => d.key === key);
    if (waiting === undefined) this.#delayed.push({ key, atMs });
    else if (atMs < waiting.atMs) waiting.atMs = atMs;
  }

  // --- event handlers (daemon_controller.go) -------------------------------------------------

  #handle(event: WatchEvent, previous: unknown): void {
    if (event.tombstone && !this.#rules.handleTombstones) return;
    if (event.kind === 'DaemonSet')
      this.#handleDaemonSet(event as WatchEvent<'DaemonSet'>, previous as DaemonSet | undefined);
    else if (event.kind === 'Pod') this.#handlePod(event as WatchEvent<'Pod'>, previous as Pod | undefined);
    else if (event.kind === 'Node') this.#handleNode(event as WatchEvent<'Node'>, previous as Node | undefined);
    else this.#handleRevision(event as WatchEvent<'ControllerRevision'>, previous as ControllerRevision | undefined);
  }

  #handleDaemonSet(event: WatchEvent<'DaemonSet'>, previous: DaemonSet | undefined): void {
    const key = objectKey(event.object.metadata ?? {});
    if (event.type === 'DELETED') {
      this.expectations.delete(key);
      this.enqueue(key);
      return;
    }
    if (event.type === 'MODIFIED' && previous && previous.metadata?.uid !== event.object.metadata?.uid) {
      this.expectations.delete(key); // deleted and re-created behind our back
    }
    this.enqueue(key);
  }

  #ownerKey(
    obj: { metadata?: { namespace?: string } },
    ref: { kind: string; name: string; uid: string } | undefined,
  ): string | undefined {
    if (ref === undefined || ref.kind !== 'DaemonSet') return undefined;
    const key = `${obj.metadata?.namespace ?? 'default'}/${ref.name}`;
    const ds = this.cache.daemonSets.get(key);
    return ds?.metadata?.uid === ref.uid ? key : undefined; // resolveControllerRef
  }

  /** GetPodDaemonSets / GetHistoryDaemonSets: DaemonSets whose (non-empty, valid) selector matches. */
  #matchingDaemonSets(obj: { metadata?: { namespace?: string; labels?: Record<string, string> } }): string[] {
    if (!obj.metadata?.labels) return [];
    const keys: string[] = [];
    for (const ds of this.cache.daemonSets.list()) {
      if ((ds.metadata?.namespace ?? 'default') !== (obj.metadata.namespace ?? 'default')) continue;
      if (isEmptySelector(ds.spec?.selector)) continue;
      const selector = compileLabelSelector(ds.spec?.selector);
      if (selector.ok && selector.matches(obj.metadata.labels)) keys.push(objectKey(ds.metadata ?? {}));
    }
    return keys;
  }

  #podDeleted(pod: Pod): void {
    const key = this.#ownerKey(pod, controllerRefOf(pod));
    if (key === undefined) return;
    this.expectations.deletionObserved(key);
    this.enqueue(key);
  }

  #handlePod(event: WatchEvent<'Pod'>, previous: Pod | undefined): void {
    const pod = event.object;
    if (event.type === 'DELETED') {
      this.#podDeleted(pod);
      return;
    }
    // client-go's processDeltas: an add of an object the cache holds is an update.
    if (previous === undefined) {
      if (pod.metadata?.deletionTimestamp != null) {
        this.#podDeleted(pod); // on restart a terminating pod must not count as a new creation
        return;
      }
      const ref = controllerRefOf(pod);
      const key = this.#ownerKey(pod, ref);
      if (key !== undefined) {
        this.expectations.creationObserved(key);
        this.enqueue(key);
        return;
      }
      // addPod: a pod with a controller reference wakes only its own DaemonSet, if any; orphans
      // wake every DaemonSet that might adopt them.
      if (ref !== undefined) return;
      for (const k of this.#matchingDaemonSets(pod)) this.enqueue(k);
      return;
    }
    if (pod.metadata?.resourceVersion === previous.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp != null) {
      // Graceful deletion started: count it as gone now, so replacements are computed at once.
      this.#podDeleted(pod);
      return;
    }
    const curRef = controllerRefOf(pod);
    const oldRef = controllerRefOf(previous);
    const refChanged = canonicalJson(curRef) !== canonicalJson(oldRef);
    if (refChanged && oldRef !== undefined) {
      const oldKey = this.#ownerKey(previous, oldRef);
      if (oldKey !== undefined) this.enqueue(oldKey);
    }
    const key = this.#ownerKey(pod, curRef);
    if (key !== undefined) {
      this.enqueue(key);
      const ds = this.cache.daemonSets.get(key);
      const minReadySeconds = ds?.spec?.minReadySeconds ?? 0;
      if (!isPodReady(previous) && isPodReady(pod) && minReadySeconds > 0) {
        this.enqueueAfter(key, (minReadySeconds + 1) * 1000);
      }
      return;
    }
    if (curRef !== undefined) return; // updatePod: another controller's pod wakes no DaemonSet
    const labelsChanged = canonicalJson(pod.metadata?.labels ?? {}) !== canonicalJson(previous.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const k of this.#matchingDaemonSets(pod)) this.enqueue(k);
  }

  #handleRevision(event: WatchEvent<'ControllerRevision'>, previous: ControllerRevision | undefined): void {
    const revision = event.object;
    const ref = controllerRefOf(revision);
    if (event.type === 'DELETED') {
      const key = this.#ownerKey(revision, ref);
      if (key !== undefined) this.enqueue(key);
      return;
    }
    // client-go's processDeltas: an add of an object the cache holds is an update.
    if (previous === undefined) {
      if (revision.metadata?.deletionTimestamp != null) {
        const key = this.#ownerKey(revision, ref);
        if (key !== undefined) this.enqueue(key);
        return;
      }
      if (ref !== undefined) return; // controlled: nothing to do until it changes
      for (const k of this.#matchingDaemonSets(revision)) this.enqueue(k);
      return;
    }
    if (revision.metadata?.resourceVersion === previous.metadata?.resourceVersion) return;
    const oldRef = controllerRefOf(previous);
    const refChanged = canonicalJson(ref) !== canonicalJson(oldRef);
    if (refChanged && oldRef !== undefined) {
      const oldKey = this.#ownerKey(previous, oldRef);
      if (oldKey !== undefined) this.enqueue(oldKey);
    }
    const key = this.#ownerKey(revision, ref);
    if (key !== undefined) {
      this.enqueue(key);
      return;
    }
    const labelsChanged =
      canonicalJson(revision.metadata?.labels ?? {}) !== canonicalJson(previous.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const k of this.#matchingDaemonSets(revision)) this.enqueue(k);
  }

  /** Node add → node queue; update only when labels or taints changed (shouldIgnoreNodeUpdate); no delete handler. */
  #handleNode(event: WatchEvent<'Node'>, previous: Node | undefined): void {
    const name = event.object.metadata?.name ?? '';
    if (event.type === 'DELETED') return;
    if (event.type === 'MODIFIED' && previous !== undefined && !nodeUpdateMatters(previous, event.object)) return;
    if (!this.#nodeQueue.includes(name)) this.#nodeQueue.push(name);
  }

  /**
   * syncNodeUpdate: enqueue each DaemonSet whose pods on this node are not what they should be. Pods
   * are those bound to the node (the pod index by spec.nodeName), grouped by the namespace and name
   * of their DaemonSet controllerRef, as upstream does (no uid check).
   */
  #processNodeQueue(): void {
    const names = this.#nodeQueue;
    this.#nodeQueue = [];
    for (const name of names) {
      const node = this.cache.nodes.get(name);
      if (node === undefined) continue;
      const scheduledFor = new Set<string>();
      for (const pod of this.cache.pods.list()) {
        if (pod.spec?.nodeName !== name) continue;
        const ref = controllerRefOf(pod);
        if (ref === undefined || ref.kind !== 'DaemonSet') continue;
        scheduledFor.add(objectKey({ namespace: pod.metadata?.namespace ?? 'default', name: ref.name }));
      }
      for (const ds of this.cache.daemonSets.list()) {
        const key = objectKey(ds.metadata ?? {});
        const scheduled = scheduledFor.has(key);
        const { shouldRun, shouldContinueRunning } = this.#rules.shouldRun(node, ds);
        const misscheduled = (ds.status?.numberMisscheduled ?? 0) > 0;
        if ((shouldRun && !scheduled) || (!shouldContinueRunning && scheduled) || (scheduled && misscheduled)) {
          this.enqueue(key);
        }
      }
    }
  }

  #releaseDueDelayed(): void {
    const now = this.#clock.nowMs();
    const due = this.#delayed.filter((d) => d.atMs <= now);
    if (due.length === 0) return;
    this.#delayed = this.#delayed.filter((d) => d.atMs > now);
    for (const d of due.sort((a, b) => a.atMs - b.atMs)) this.enqueue(d.key);
  }

  #processKey(key: string): void {
    const error = this.#sync(key);
    this.syncLog.push(error ? { key, error: error.message } : { key });
    if (this.syncLog.length > 1000) this.syncLog.splice(0, this.syncLog.length - 1000);
    if (error === undefined) {
      this.#failures.delete(key);
      return;
    }
    this.requeueRateLimited(key);
  }

  /** The workqueue's AddRateLimited (after a failed sync): per-item exponential backoff, 5 ms doubling to 1000 s. */
  requeueRateLimited(key: string): void {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    this.enqueueAfter(key, Math.min(RATE_LIMIT_BASE_MS * 2 ** (failures - 1), RATE_LIMIT_MAX_MS));
  }

  // --- syncDaemonSet ----------------------------------------------------------------------------

  #sync(key: string): Error | undefined {
    const ds = this.cache.daemonSets.get(key);
    if (ds === undefined) {
      this.expectations.delete(key);
      return undefined;
    }
    const nodes = this.cache.nodes.list();
    if (isEmptySelector(ds.spec?.selector)) {
      this.#control.recordEvent(
        ds,
        'Warning',
        'SelectingAll',
        'This daemon set is selecting all pods. A non-empty selector is required.',
      );
      return undefined;
    }
    // A DaemonSet being deleted gets no writes at all, not even status.
    if (ds.metadata?.deletionTimestamp != null && this.#rules.leaveDeletingDaemonSetsAlone) return undefined;
    const ctx = this.#context(ds, key, nodes);
    let history: ReturnType<typeof constructHistory>;
    try {
      history = constructHistory(ctx, this.#controlledHistories(ctx));
    } catch (e) {
      return new Error(`failed to construct revisions of DaemonSet: ${(e as Error).message}`);
    }
    const { hash } = history;
    try {
      if (this.#rules.waitForExpectations && !this.expectations.satisfied(key)) {
        updateDaemonSetStatus(ctx, hash, false);
        return undefined;
      }
    } catch (e) {
      return e as Error;
    }
    let syncError: Error | undefined;
    try {
      syncError = this.#updateDaemonSet(ctx, hash, history.old);
    } catch (e) {
      syncError = e as Error;
    }
    let statusError: Error | undefined;
    try {
      updateDaemonSetStatus(ctx, hash, true);
    } catch (e) {
      statusError = e as Error;
    }
    return syncError ?? statusError;
  }

  #updateDaemonSet(ctx: SyncContext, hash: string, old: ControllerRevision[]): Error | undefined {
    const manageErrors = manage(ctx, hash);
    if (manageErrors.length > 0) return aggregate(manageErrors);
    if (this.expectations.satisfied(ctx.key)) {
      // updateDaemonSet switches on the type: an undefaulted (empty) one rolls nothing.
      if (ctx.ds.spec?.updateStrategy?.type === 'RollingUpdate') {
        const errors = rollingUpdate(ctx, hash);
        if (errors.length > 0) return aggregate(errors);
      }
    }
    cleanupHistory(ctx, old);
    return undefined;
  }

  #controlledHistories(ctx: SyncContext): ControllerRevision[] {
    const namespace = ctx.ds.metadata?.namespace ?? 'default';
    const candidates = this.cache.revisions.list().filter((r) => (r.metadata?.namespace ?? 'default') === namespace);
    return claimObjects(
      ctx.ds,
      ctx.ds.spec?.selector,
      candidates,
      {
        adopt: (r) => this.#control.adoptRevision(namespace, r.metadata?.name ?? '', r.metadata?.uid ?? '', ctx.ds),
        release: (r) => this.#control.releaseRevision(namespace, r.metadata?.name ?? '', r.metadata?.uid ?? '', ctx.ds),
      },
      () => this.#recheckDeletionTimestamp(ctx.ds),
    );
  }

  /** Pods another controller controls that the selector matches (only a mutant counts them). */
  #othersMatching(ds: DaemonSet, namespace: string): Pod[] {
    const selector = compileLabelSelector(ds.spec?.selector);
    return this.cache.pods.list().filter((p) => {
      const ref = controllerRefOf(p);
      return (
        (p.metadata?.namespace ?? 'default') === namespace &&
        ref !== undefined &&
        ref.uid !== ds.metadata?.uid &&
        selector.ok &&
        selector.matches(p.metadata?.labels)
      );
    });
  }

  /** RecheckDeletionTimestamp: refuse to adopt for a DaemonSet that is gone or going. */
  #recheckDeletionTimestamp(ds: DaemonSet): void {
    const namespace = ds.metadata?.namespace ?? 'default';
    const name = ds.metadata?.name ?? '';
    const live = this.#control.getDaemonSet(namespace, name);
    if (live === undefined || live.metadata?.uid !== ds.metadata?.uid) {
      throw new Error(
        `original DaemonSet ${namespace}/${name} is gone: got uid ${live?.metadata?.uid ?? '<none>'}, wanted ${ds.metadata?.uid}`,
      );
    }
    if (live.metadata?.deletionTimestamp != null) {
      throw new Error(`${namespace}/${name} has just been deleted at ${live.metadata.deletionTimestamp}`);
    }
  }

  #context(ds: DaemonSet, key: string, nodes: readonly Node[]): SyncContext {
    const namespace = ds.metadata?.namespace ?? 'default';
    // A sync claims its pods several times (manage, rolling update, status), as upstream does, and
    // every sync claims them again. A claim reads only the DaemonSet and the pod cache: over the
    // same DaemonSet object and an unchanged pod cache, one that adopted and released nothing
    // gives the same pods again, so that result (and its grouping by node) is reused, within a
    // sync and across syncs (a steady-state sync); one that wrote is always repeated, writes and all.
    const claim = (): { pods: Pod[]; reused: boolean } => {
      const version = this.cache.pods.version;
      const claimed = this.#claims.get(ds);
      if (claimed !== undefined && claimed.version === version) return { pods: claimed.pods, reused: true };
      let wrote = false;
      const pods = claimObjects(
        ds,
        ds.spec?.selector,
        this.cache.podsOwnedByOrOrphan(ds.metadata?.uid ?? '', namespace),
        {
          adopt: (p) => {
            wrote = true;
            this.#control.adoptPod(namespace, p.metadata?.name ?? '', p.metadata?.uid ?? '', ds);
          },
          release: (p) => {
            wrote = true;
            this.#control.releasePod(namespace, p.metadata?.name ?? '', p.metadata?.uid ?? '', ds);
          },
        },
        () => this.#recheckDeletionTimestamp(ds),
        !this.#rules.releaseUnmatchedPods,
      );
      if (!this.#rules.ignorePodsOfOtherControllers) pods.push(...this.#othersMatching(ds, namespace));
      if (wrote) this.#claims.delete(ds);
      else this.#claims.set(ds, { version, pods: pods.slice(), grouped: new Map() });
      return { pods, reused: false };
    };
    const daemonPods = (): Pod[] => {
      const { pods, reused } = claim();
      return reused ? pods.slice() : pods;
    };
    // The grouping is read-only for every caller (manage, rolling update, status, history), so
    // one sync shares it rather than copying it for each.
    return {
      ds,
      key,
      nodes,
      nowMs: this.#clock.nowMs(),
      control: this.#control,
      cache: this.cache,
      expectations: this.expectations,
      failedPodsBackoff: this.failedPodsBackoff,
      burstReplicas: this.#options.burstReplicas ?? BURST_REPLICAS,
      rules: this.#rules,
      enqueueAfter: (k, ms) => this.enqueueAfter(k, ms),
      daemonPods,
      nodesToDaemonPods: (includeDeletedTerminal) => {
        const { pods, reused } = claim();
        const memo = this.#claims.get(ds);
        const known = reused ? memo?.grouped.get(includeDeletedTerminal) : undefined;
        if (known !== undefined) return known;
        const grouped = new Map<string, Pod[]>();
        for (const pod of pods) {
          // Terminal pods that are already being deleted no longer block a replacement (#118587).
          if (
            !includeDeletedTerminal &&
            this.#rules.ignoreDeletedTerminalPods &&
            isPodTerminal(pod) &&
            pod.metadata?.deletionTimestamp != null
          )
            continue;
          const nodeName = getTargetNodeName(pod);
          if (nodeName === undefined) continue;
          const list = grouped.get(nodeName);
          if (list) list.push(pod);
          else grouped.set(nodeName, [pod]);
        }
        // Frozen: a remembered grouping is read by later syncs too, so no caller may change it.
        for (const list of grouped.values()) Object.freeze(list);
        memo?.grouped.set(includeDeletedTerminal, grouped);
        return grouped;
      },
      nodeByName: (name) => this.cache.nodes.get(name),
    };
  }
}

/**
 * shouldIgnoreNodeUpdate, inverted: only label and taint changes can change eligibility. Compared by
 * content (map key order is no change), as apiequality.Semantic.DeepEqual does.
 */
export function nodeUpdateMatters(oldNode: Node, newNode: Node): boolean {
  return (
    canonicalJson(oldNode.metadata?.labels ?? {}) !== canonicalJson(newNode.metadata?.labels ?? {}) ||
    canonicalJson(oldNode.spec?.taints ?? []) !== canonicalJson(newNode.spec?.taints ?? [])
  );
}

function aggregate(errors: Error[]): Error {
  return errors.length === 1 ? (errors[0] as Error) : new Error(`[${errors.map((e) => e.message).join(', ')}]`);
}

/** Wraps a control so every mutating call is counted (and, optionally, observed at once). */
function countingControl(inner: DaemonSetControl, onWrite: () => void): DaemonSetControl {
  const mutating = new Set<keyof DaemonSetControl>([
    'createPod',
    'deletePod',
    'adoptPod',
    'releasePod',
    'labelPodHash',
    'createRevision',
    'updateRevision',
    'deleteRevision',
    'adoptRevision',
    'releaseRevision',
    'updateDaemonSetStatus',
  ]);
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (!mutating.has(prop as keyof DaemonSetControl)) return value.bind(target);
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        onWrite(); // only successful writes count as changes
        return result;
      };
    },
  });
}
