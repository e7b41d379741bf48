/**
 * A test harness shaped like the one in upstream's pkg/controller/daemon unit tests (newDaemonSet,
 * newNode, newPod, addNodes, addPods, the fake pod control with CreateLimit, expectSyncDaemonSets,
 * clearExpectations, markPodsReady, setPodReadiness), written for dsconform's controller.
 *
 * Differences from upstream's harness, all deliberate:
 * - Objects live in an ObjectStore without admission (like upstream's unit tests, which bypass the
 *   API server). Upstream adds objects straight into informer caches; we write them to the store
 *   and let the controller consume the watch events before each sync (`processEvents`).
 * - The store assigns uid, names, resourceVersion and creationTimestamp, so pods that need a given
 *   creation order are created at the right virtual time, and pods that need a deletionTimestamp
 *   are deleted through the store (gracefully, or held by a finalizer when terminal).
 * - The fake control writes through StoreDaemonSetControl, so created pods really exist (with the
 *   controller ref the real control sets) and deleted pods really go away. Deletes use grace period
 *   0: upstream's fake pod control removes a deleted pod from the cache at once.
 * - newDaemonSet carries the `deprecated.daemonset.template.generation` annotation (1) and
 *   `updateDaemonSet` bumps it whenever the template changes, as the API server's registry does.
 *   Upstream's fixture has no annotation; with it, pods also carry `pod-template-generation`, so
 *   IsPodUpdated's generation branch is exercised too. Test pods made by `newPod` carry only the
 *   hash label, as upstream's do.
 */
import type { DaemonSet, DaemonSetUpdateStrategy } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Node, Pod, PodCondition, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { VirtualClock } from '../../src/cluster/clock.js';
import type { ControllerRevision } from '../../src/cluster/objects.js';
import {
  ControllerRevisionHashLabel,
  controllerRefOf,
  deepCopy,
  newControllerRef,
  objectKey,
  PodTemplateGenerationLabel,
  TemplateGenerationAnnotation,
} from '../../src/cluster/objects.js';
import { ObjectStore } from '../../src/cluster/store.js';
import { DaemonSetController } from '../../src/controller/controller.js';
import { type DaemonSetControl, type EventType, StoreDaemonSetControl } from '../../src/controller/daemonSetControl.js';
import { computeHash } from '../../src/controller/hash.js';
import { revisionMatches } from '../../src/controller/history.js';
import { getTargetNodeName, isPodReady } from '../../src/controller/podTemplate.js';

// --- fixtures --------------------------------------------------------------------------------

/** kubernetes-types marks server-owned fields (status, deletionTimestamp) readonly; fixtures write them. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

export function writable<T>(obj: T): Writable<T> {
  return obj as Writable<T>;
}

export const simpleDaemonSetLabel: Record<string, string> = { name: 'simple-daemon', type: 'production' };
export const simpleDaemonSetLabel2: Record<string, string> = { name: 'simple-daemon', type: 'test' };
export const simpleNodeLabel: Record<string, string> = { color: 'blue', speed: 'fast' };
export const simpleNodeLabel2: Record<string, string> = { color: 'red', speed: 'fast' };

export const noScheduleTolerations: Toleration[] = [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }];
export const noScheduleTaints: Taint[] = [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }];
export const noExecuteTaints: Taint[] = [{ key: 'dedicated', value: 'user1', effect: 'NoExecute' }];
export const nodeNotReady: Taint[] = [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }];
export const nodeUnreachable: Taint[] = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }];

export function newOnDeleteStrategy(): DaemonSetUpdateStrategy {
  return { type: 'OnDelete' };
}

export function newRollingUpdateStrategy(): DaemonSetUpdateStrategy {
  return { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } };
}

/** updateStrategies(): the two strategies most upstream tests loop over, with a printable name. */
export function updateStrategies(): { name: string; strategy: DaemonSetUpdateStrategy }[] {
  return [
    { name: 'OnDelete', strategy: newOnDeleteStrategy() },
    { name: 'RollingUpdate', strategy: newRollingUpdateStrategy() },
  ];
}

export function newUpdateSurge(value: number | string): DaemonSetUpdateStrategy {
  return { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: value } };
}

export function newUpdateUnavailable(value: number | string): DaemonSetUpdateStrategy {
  return { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: value } };
}

/** newDaemonSet: default namespace, the simple-daemon labels, OnDelete, revisionHistoryLimit 2. */
export function newDaemonSet(name: string): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default', annotations: { [TemplateGenerationAnnotation]: '1' } },
    spec: {
      revisionHistoryLimit: 2,
      updateStrategy: newOnDeleteStrategy(),
      selector: { matchLabels: { ...simpleDaemonSetLabel } },
      template: {
        metadata: { labels: { ...simpleDaemonSetLabel } },
        spec: {
          containers: [
            {
              name: 'foo',
              image: 'foo/bar',
              terminationMessagePath: '/dev/termination-log',
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          dnsPolicy: 'Default',
        },
      },
    },
  };
}

/** newNode: a Ready node with room for 100 pods. */
export function newNode(name: string, labels?: Record<string, string>): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(labels ? { labels: { ...labels } } : {}) },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      allocatable: { pods: '100' },
    },
  };
}

/** resourcePodSpec: a pod spec with one container requesting memory and cpu, optionally bound. */
export function resourcePodSpec(nodeName: string, memory: string, cpu: string): PodSpec {
  return {
    ...(nodeName ? { nodeName } : {}),
    containers: [{ name: 'c', resources: { requests: allocatableResources(memory, cpu) } }],
  };
}

export function allocatableResources(memory: string, cpu: string): Record<string, string> {
  return { memory, cpu, pods: '100' };
}

/** The hash upstream's newPod labels pods with: ComputeHash(template, collisionCount). */
export function templateHash(ds: DaemonSet): string {
  return computeHash(ds.spec?.template, ds.status?.collisionCount);
}

/**
 * newPod: a pod named from `generateName`, bound to `nodeName` if given, with `labels`; given a
 * (stored) DaemonSet it copies the template spec, adds the current hash label and a controller
 * ref to it. Without one it gets a plain single-container spec.
 */
export function newPod(
  generateName: string,
  nodeName: string,
  labels: Record<string, string> | undefined,
  ds?: DaemonSet,
): Pod {
  let podLabels = labels ? { ...labels } : undefined;
  let spec: PodSpec;
  if (ds !== undefined) {
    podLabels = { ...(labels ?? {}), [ControllerRevisionHashLabel]: templateHash(ds) };
    spec = deepCopy(ds.spec?.template?.spec ?? { containers: [] });
  } else {
    spec = {
      containers: [
        {
          name: 'foo',
          image: 'foo/bar',
          terminationMessagePath: '/dev/termination-log',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
    };
  }
  if (nodeName) spec.nodeName = nodeName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      namespace: ds?.metadata?.namespace ?? 'default',
      ...(podLabels ? { labels: podLabels } : {}),
      ...(ds ? { ownerReferences: [newControllerRef(ds)] } : {}),
    },
    spec,
  };
}

/** A required node affinity pinning a pod to `nodeName` through matchFields, as daemon pods are. */
export function pinnedAffinity(nodeName: string): Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
      },
    },
  };
}

export function readyCondition(ready: boolean, lastTransitionTime?: string): PodCondition {
  return {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    ...(lastTransitionTime ? { lastTransitionTime } : {}),
  };
}

// --- the fake control ------------------------------------------------------------------------

export interface RecordedEvent {
  type: EventType;
  reason: string;
  message: string;
}

/**
 * The counting, fault-injecting DaemonSetControl (upstream's fakePodControl around
 * controller.FakePodControl, plus the fake clientset reactors the tests prepend). Pod creates and
 * deletes are recorded the way FakePodControl records them: a create call beyond `createLimit`
 * fails unrecorded; otherwise the create is recorded, then `createError` (if set) fails it. A
 * delete is recorded, then `deleteError` (if set) fails it. Everything else is passed through.
 */
export class FakeDaemonSetControl implements DaemonSetControl {
  readonly #inner: StoreDaemonSetControl;
  readonly #store: ObjectStore;
  #capturing = false;
  #captured: Pod[] = [];

  /** 0 means no limit (FakePodControl.CreateLimit). */
  createLimit = 0;
  createCallCount = 0;
  createError: Error | undefined;
  deleteError: Error | undefined;
  /** Fails every status update with this error (a prepended "update daemonsets/status" reactor). */
  statusUpdateError: Error | undefined;
  /** When false, creates are only recorded, never written (upstream TestExpectationsOnRecreate's pod control). */
  writePods = true;

  /** Recorded creates (FakePodControl.Templates): the pod each successful-or-failed create was given. */
  templates: Pod[] = [];
  /** Controller refs of the created pods, as they were stored. */
  controllerRefs: OwnerReference[] = [];
  /** The created pods, as stored. */
  createdPods: Pod[] = [];
  /** Recorded deletes (FakePodControl.DeletePodName). */
  deletePodNames: string[] = [];
  /** Events recorded since the last resetCounters (upstream's FakeRecorder). */
  events: RecordedEvent[] = [];
  /** DaemonSets passed to status updates (the `updated` object upstream's reactors capture). */
  statusUpdates: DaemonSet[] = [];
  statusUpdateCalls = 0;

  constructor(store: ObjectStore) {
    this.#store = store;
    this.#inner = new StoreDaemonSetControl(store);
    store.watch((event) => {
      if (this.#capturing && event.kind === 'Pod' && event.type === 'ADDED') this.#captured.push(event.object as Pod);
    });
  }

  /** The last status the controller wrote (undefined if none). */
  get updated(): DaemonSet | undefined {
    return this.statusUpdates.at(-1);
  }

  /** FakePodControl.Clear: forget recorded creates and deletes (not events, not status). */
  clear(): void {
    this.createCallCount = 0;
    this.templates = [];
    this.controllerRefs = [];
    this.createdPods = [];
    this.deletePodNames = [];
  }

  createPod(namespace: string, pod: Pod, owner: DaemonSet): void {
    this.createCallCount++;
    if (this.createLimit !== 0 && this.createCallCount > this.createLimit) {
      throw new Error(
        `not creating pod, limit ${this.createLimit} already reached (create call ${this.createCallCount})`,
      );
    }
    this.templates.push(deepCopy(pod));
    if (this.createError) {
      this.controllerRefs.push(newControllerRef(owner));
      throw this.createError;
    }
    if (!this.writePods) {
      this.controllerRefs.push(newControllerRef(owner));
      return;
    }
    this.#capturing = true;
    this.#captured = [];
    try {
      this.#inner.createPod(namespace, pod, owner);
    } finally {
      this.#capturing = false;
    }
    for (const created of this.#captured) {
      this.createdPods.push(created);
      const ref = controllerRefOf(created);
      if (ref) this.controllerRefs.push(ref);
    }
  }

  deletePod(namespace: string, name: string): void {
    this.deletePodNames.push(name);
    if (this.deleteError) throw this.deleteError;
    this.#store.delete('Pod', namespace, name, { gracePeriodSeconds: 0 });
  }

  adoptPod(namespace: string, name: string, podUid: string, owner: DaemonSet): void {
    this.#inner.adoptPod(namespace, name, podUid, owner);
  }

  releasePod(namespace: string, name: string, podUid: string, owner: DaemonSet): void {
    this.#inner.releasePod(namespace, name, podUid, owner);
  }

  labelPodHash(namespace: string, name: string, hash: string): void {
    this.#inner.labelPodHash(namespace, name, hash);
  }

  createRevision(revision: ControllerRevision): ControllerRevision {
    return this.#inner.createRevision(revision);
  }

  getRevision(namespace: string, name: string): ControllerRevision | undefined {
    return this.#inner.getRevision(namespace, name);
  }

  updateRevision(revision: ControllerRevision): ControllerRevision {
    return this.#inner.updateRevision(revision);
  }

  deleteRevision(namespace: string, name: string): void {
    this.#inner.deleteRevision(namespace, name);
  }

  adoptRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void {
    this.#inner.adoptRevision(namespace, name, revisionUid, owner);
  }

  releaseRevision(namespace: string, name: string, revisionUid: string, owner: DaemonSet): void {
    this.#inner.releaseRevision(namespace, name, revisionUid, owner);
  }

  getDaemonSet(namespace: string, name: string): DaemonSet | undefined {
    return this.#inner.getDaemonSet(namespace, name);
  }

  updateDaemonSetStatus(ds: DaemonSet): DaemonSet {
    this.statusUpdateCalls++;
    this.statusUpdates.push(deepCopy(ds));
    if (this.statusUpdateError) throw this.statusUpdateError;
    return this.#inner.updateDaemonSetStatus(ds);
  }

  recordEvent(ds: DaemonSet, type: EventType, reason: string, message: string): void {
    this.events.push({ type, reason, message });
    this.#inner.recordEvent(ds, type, reason, message);
  }
}

// --- the test controller ---------------------------------------------------------------------

export interface TestControllerOptions {
  /** Virtual start time in ms (default: the clock's fixed origin). */
  startMs?: number;
  /** Default true: upstream's fake pod control makes its creates and deletes visible at once. */
  observeOwnWritesImmediately?: boolean;
}

export interface SyncOptions {
  /** Default true: consume pending watch events first (upstream's tests fill the caches directly). */
  processEvents?: boolean;
  /** Expected error: the sync must fail with a message containing this text. */
  expectedError?: string;
}

export interface SyncCounts {
  creates: number;
  deletes: number;
  events: number;
  error: Error | undefined;
}

/** newTestController: a store without admission, a virtual clock, the fake control and the controller. */
export class TestController {
  readonly clock: VirtualClock;
  readonly store: ObjectStore;
  readonly control: FakeDaemonSetControl;
  readonly controller: DaemonSetController;

  constructor(options: TestControllerOptions = {}) {
    this.clock = new VirtualClock(options.startMs);
    this.store = new ObjectStore(this.clock);
    this.control = new FakeDaemonSetControl(this.store);
    this.controller = new DaemonSetController(this.store, {
      control: this.control,
      observeOwnWritesImmediately: options.observeOwnWritesImmediately ?? true,
    });
  }

  key(ds: DaemonSet): string {
    return objectKey(ds.metadata ?? {});
  }

  /** Moves the virtual clock forward to `seconds` after the Unix epoch (for tests that pin times). */
  advanceToSeconds(seconds: number): void {
    const target = seconds * 1000;
    if (target < this.clock.nowMs()) throw new Error(`clock is already past ${seconds}s`);
    this.clock.advance(target - this.clock.nowMs());
  }

  nowTimestamp(): string {
    return this.clock.nowTimestamp();
  }

  addDaemonSet(ds: DaemonSet): DaemonSet {
    return this.store.create('DaemonSet', ds);
  }

  /** The stored DaemonSet, fresh. */
  daemonSet(ds: DaemonSet): DaemonSet {
    const current = this.store.get('DaemonSet', ds.metadata?.namespace ?? 'default', ds.metadata?.name ?? '');
    if (current === undefined) throw new Error(`DaemonSet ${this.key(ds)} not found`);
    return current;
  }

  /**
   * Edits the stored DaemonSet (upstream: dsStore.Update). A template change bumps the template
   * generation annotation, as the API server does.
   */
  updateDaemonSet(ds: DaemonSet, edit: (ds: DaemonSet) => void): DaemonSet {
    return this.store.modify('DaemonSet', ds.metadata?.namespace ?? 'default', ds.metadata?.name ?? '', (d) => {
      const before = JSON.stringify(d.spec?.template ?? {});
      edit(d);
      if (JSON.stringify(d.spec?.template ?? {}) !== before) {
        const current = BigInt(d.metadata?.annotations?.[TemplateGenerationAnnotation] ?? '0');
        d.metadata = {
          ...(d.metadata ?? {}),
          annotations: { ...(d.metadata?.annotations ?? {}), [TemplateGenerationAnnotation]: String(current + 1n) },
        };
      }
    });
  }

  addNode(node: Node): Node {
    return this.store.create('Node', node);
  }

  /** addNodes: node-<start> … node-<start+count-1>. */
  addNodes(start: number, count: number, labels?: Record<string, string>): void {
    for (let i = start; i < start + count; i++) this.addNode(newNode(`node-${i}`, labels));
  }

  addPod(pod: Pod): Pod {
    return this.store.create('Pod', pod);
  }

  /** addPods: `count` pods bound to `nodeName`, owned by `ds` when given. */
  addPods(nodeName: string, labels: Record<string, string>, ds: DaemonSet | undefined, count: number): Pod[] {
    const pods: Pod[] = [];
    for (let i = 0; i < count; i++) pods.push(this.addPod(newPod(`${nodeName}-`, nodeName, labels, ds)));
    return pods;
  }

  /** addFailedPods: like addPods, in phase Failed. */
  addFailedPods(nodeName: string, labels: Record<string, string>, ds: DaemonSet | undefined, count: number): Pod[] {
    const pods: Pod[] = [];
    for (let i = 0; i < count; i++) {
      const pod = newPod(`${nodeName}-`, nodeName, labels, ds);
      pods.push(this.addPod({ ...pod, status: { phase: 'Failed' } }));
    }
    return pods;
  }

  /** Starts graceful deletion of a bound, running pod: it keeps existing with a deletionTimestamp. */
  markPodTerminating(pod: Pod): Pod {
    const after = this.store.delete('Pod', pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '');
    if (after?.metadata?.deletionTimestamp == null) throw new Error('pod did not stay around terminating');
    return after;
  }

  /**
   * A terminal pod (Failed/Succeeded) with a deletionTimestamp: created holding a finalizer, then
   * deleted, so it stays around (like a pod waiting for a finalizer or for Pod GC).
   */
  addDeletedTerminalPod(pod: Pod, phase: 'Failed' | 'Succeeded'): Pod {
    const created = this.addPod({
      ...pod,
      metadata: { ...(pod.metadata ?? {}), finalizers: ['example.com/hold'] },
      status: { phase },
    });
    const after = this.store.delete('Pod', created.metadata?.namespace ?? 'default', created.metadata?.name ?? '');
    if (after === undefined) throw new Error('terminal pod vanished instead of terminating');
    return after;
  }

  pods(): readonly Pod[] {
    return this.store.list('Pod');
  }

  setPodStatus(pod: Pod, edit: (pod: Writable<Pod>) => void): Pod {
    return this.store.modify(
      'Pod',
      pod.metadata?.namespace ?? 'default',
      pod.metadata?.name ?? '',
      (p) => edit(writable(p)),
      'status',
    );
  }

  setPodLabels(pod: Pod, labels: Record<string, string>): Pod {
    return this.store.modify('Pod', pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '', (p) => {
      p.metadata = { ...(p.metadata ?? {}), labels: { ...labels } };
    });
  }

  #setReady(pod: Pod, ready: boolean): Pod {
    const now = this.nowTimestamp();
    return this.setPodStatus(pod, (p) => {
      const conditions = [...(p.status?.conditions ?? [])];
      const at = conditions.findIndex((c) => c.type === 'Ready');
      const next = readyCondition(ready, now);
      if (at >= 0) {
        if (conditions[at]?.status === next.status) return;
        conditions[at] = next;
      } else conditions.push(next);
      p.status = { ...(p.status ?? {}), conditions };
    });
  }

  /** markPodsReady: every pod in the store gets Ready=True (lastTransitionTime now). */
  markPodsReady(): void {
    for (const pod of this.pods()) if (!isPodReady(pod)) this.#setReady(pod, true);
  }

  /**
   * setPodReadiness: flips `count` non-terminating pods whose readiness differs from `ready` and
   * that satisfy `predicate`, in store order; the transition time is now.
   */
  setPodReadiness(ready: boolean, count: number, predicate: (pod: Pod) => boolean): void {
    let left = count;
    for (const pod of this.pods()) {
      if (left <= 0) break;
      if (pod.metadata?.deletionTimestamp != null) continue;
      if (isPodReady(pod) === ready) continue;
      if (!predicate(pod)) continue;
      this.#setReady(pod, ready);
      left--;
    }
    if (left > 0) throw new Error(`could not mark ${left} pods ready=${ready}`);
  }

  /** currentDSHash: the hash of the stored revision that matches the DaemonSet's template. */
  currentHash(ds: DaemonSet): string {
    const stored = this.daemonSet(ds);
    const revision = this.store
      .list('ControllerRevision', stored.metadata?.namespace)
      .find((r) => controllerRefOf(r)?.uid === stored.metadata?.uid && revisionMatches(stored, r));
    if (revision === undefined) throw new Error('no current revision yet');
    return revision.metadata?.labels?.[ControllerRevisionHashLabel] ?? '';
  }

  /** podsByNodeMatchingHash: pod names per target node among pods carrying `hash`. */
  podsByNodeMatchingHash(hash: string): Map<string, string[]> {
    const byNode = new Map<string, string[]>();
    for (const pod of this.pods()) {
      if (pod.metadata?.labels?.[ControllerRevisionHashLabel] !== hash) continue;
      const node = getTargetNodeName(pod) ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), pod.metadata?.name ?? '']);
    }
    return byNode;
  }

  /** Makes a pod look like it belongs to an earlier revision: both the hash and generation labels. */
  relabelAsRevision(pod: Pod, hash: string, generation: string): Pod {
    return this.setPodLabels(pod, {
      ...(pod.metadata?.labels ?? {}),
      [ControllerRevisionHashLabel]: hash,
      [PodTemplateGenerationLabel]: generation,
    });
  }

  /** One syncHandler call; returns what it did since the counters were last cleared. */
  sync(ds: DaemonSet, options: SyncOptions = {}): SyncCounts {
    if (options.processEvents ?? true) this.controller.processEvents();
    let error: Error | undefined;
    try {
      this.controller.syncDaemonSet(this.key(ds));
    } catch (e) {
      error = e as Error;
    }
    return {
      creates: this.control.templates.length,
      deletes: this.control.deletePodNames.length,
      events: this.control.events.length,
      error,
    };
  }

  /**
   * expectSyncDaemonSets: one sync, then the creates, deletes and events recorded since the last
   * clear must be as given, and every create must carry an apps/v1 DaemonSet controller ref.
   */
  expectSyncDaemonSets(
    ds: DaemonSet,
    creates: number,
    deletes: number,
    events: number,
    options: SyncOptions = {},
  ): SyncCounts {
    const result = this.sync(ds, options);
    const problems: string[] = [];
    if (options.expectedError !== undefined) {
      if (result.error === undefined || !result.error.message.includes(options.expectedError)) {
        problems.push(`expected error containing "${options.expectedError}", got ${result.error?.message ?? 'none'}`);
      }
    }
    if (result.creates !== creates) problems.push(`creates: expected ${creates}, saw ${result.creates}`);
    if (result.deletes !== deletes) problems.push(`deletes: expected ${deletes}, saw ${result.deletes}`);
    if (result.events !== events) problems.push(`events: expected ${events}, saw ${result.events}`);
    if (this.control.controllerRefs.length !== result.creates) {
      problems.push(`controller refs: expected ${result.creates}, saw ${this.control.controllerRefs.length}`);
    }
    for (const ref of this.control.controllerRefs) {
      if (ref.apiVersion !== 'apps/v1' || ref.kind !== 'DaemonSet' || ref.controller !== true) {
        problems.push(`bad controller ref ${JSON.stringify(ref)}`);
      }
    }
    if (problems.length > 0) {
      const why = result.error ? ` (sync error: ${result.error.message})` : '';
      throw new Error(`expectSyncDaemonSets(${creates}, ${deletes}, ${events}): ${problems.join('; ')}${why}`);
    }
    return result;
  }

  /** clearExpectations: forget recorded creates/deletes and drop the DaemonSet's expectations. */
  clearExpectations(ds: DaemonSet): void {
    this.control.clear();
    this.controller.expectations.delete(this.key(ds));
  }

  /** resetCounters: forget recorded creates/deletes and events. */
  resetCounters(): void {
    this.control.clear();
    this.control.events = [];
  }
}
