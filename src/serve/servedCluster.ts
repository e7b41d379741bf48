/**
 * The cluster behind `dsconform serve`: a SimulatedCluster (its ObjectStore, kubelet, scheduler,
 * garbage collector, node lifecycle...) plus what an API server and kube-controller-manager add
 * around the DaemonSet world: namespaces and their lifecycle, the `default` ServiceAccount of each
 * namespace, Events as API objects, and one watch cache of every change. Whoever drives it
 * decides when the components run (settle) and how time moves (advanceTo).
 */
import type { SimulatedCluster } from '../cluster/cluster.js';
import { type AnyObject, KINDS, type Kind, NAMESPACED } from '../cluster/objects.js';
import type { WatchEvent } from '../cluster/store.js';
import { ChangeLog, type ServedObject } from './changeLog.js';
import { GenericStore } from './genericStore.js';
import { findResource, resourceKey, resourceOfStoreKind, SERVED_RESOURCES, type ServedResource } from './resources.js';

/** The namespaces a new cluster has. */
export const INITIAL_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

const NAMESPACES = findResource('', 'v1', 'namespaces') as ServedResource;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts') as ServedResource;
const EVENTS = findResource('', 'v1', 'events') as ServedResource;

export interface ServedSettleResult {
  converged: boolean;
  rounds: number;
  stillChanging: string[];
}

export interface ServedClusterOptions {
  /** How many changes the watch cache keeps (a watch from before them gets 410 Gone). */
  changeLogCapacity?: number;
}

export class ServedCluster {
  readonly cluster: SimulatedCluster;
  readonly changes: ChangeLog;
  readonly generic: GenericStore;
  /** How many of the store's recorded events have been published as Event objects. */
  #eventsPublished = 0;

  constructor(cluster: SimulatedCluster, options: ServedClusterOptions = {}) {
    this.cluster = cluster;
    this.changes = new ChangeLog(options.changeLogCapacity);
    const store = cluster.store;
    this.generic = new GenericStore({
      nextResourceVersion: () => store.nextResourceVersion(),
      now: () => store.clock.nowTimestamp(),
      changes: this.changes,
    });
    // Objects created before serving starts are in the cache as if written now.
    for (const kind of KINDS) {
      for (const obj of store.list(kind)) {
        const served = obj as ServedObject;
        this.changes.record({
          rv: Number(served.metadata?.resourceVersion ?? store.resourceVersion),
          resource: resourceKey(resourceOfStoreKind(kind)),
          type: 'ADDED',
          object: served,
        });
      }
    }
    store.watch((event) => this.#recordStoreEvent(event));
    for (const name of INITIAL_NAMESPACES) this.generic.create(NAMESPACES, { metadata: { name } });
    this.settle();
  }

  get resourceVersion(): string {
    return this.cluster.store.resourceVersion;
  }

  nowMs(): number {
    return this.cluster.clock.nowMs();
  }

  /** Moves the virtual clock forward to `ms` (never back). */
  advanceTo(ms: number): void {
    const by = ms - this.cluster.clock.nowMs();
    if (by > 0) this.cluster.clock.advance(by);
  }

  /** Runs the components and the namespace lifecycle until nothing changes. */
  settle(maxRounds = 1000): ServedSettleResult {
    let rounds = 0;
    for (;;) {
      const lifecycle = this.#namespaceLifecycle();
      const settled = this.cluster.settle({ maxRounds: Math.max(1, maxRounds - rounds) });
      rounds += settled.rounds;
      const published = this.#publishEvents();
      if (!settled.converged) return settled;
      if (!lifecycle && !published && settled.rounds === 1) return { converged: true, rounds, stillChanging: [] };
      if (rounds >= maxRounds) return { converged: false, rounds, stillChanging: ['namespace-controller'] };
    }
  }

  /** Every served object of a resource in a namespace (all namespaces when undefined). */
  objectsIn(r: ServedResource, namespace?: string): readonly ServedObject[] {
    if (r.storeKind !== undefined) return this.cluster.store.list(r.storeKind, namespace) as readonly ServedObject[];
    return this.generic.list(r, namespace);
  }

  /** One served object, wherever its resource is kept. */
  get(r: ServedResource, namespace: string | undefined, name: string): ServedObject | undefined {
    if (r.storeKind !== undefined)
      return this.cluster.store.get(r.storeKind, namespace, name) as ServedObject | undefined;
    return this.generic.get(r, namespace, name);
  }

  namespace(name: string): ServedObject | undefined {
    return this.generic.get(NAMESPACES, undefined, name);
  }

  #recordStoreEvent(event: WatchEvent): void {
    const store = this.cluster.store;
    const object = event.object as ServedObject;
    const rv =
      event.type === 'DELETED' ? store.resourceVersion : (object.metadata?.resourceVersion ?? store.resourceVersion);
    this.changes.record({
      rv: Number(rv),
      resource: resourceKey(resourceOfStoreKind(event.kind)),
      type: event.type,
      // A deletion is seen at the version it happened at (what a watch's DELETED event carries).
      object:
        event.type === 'DELETED'
          ? Object.freeze({ ...object, metadata: { ...object.metadata, resourceVersion: rv } })
          : object,
      ...(event.oldObject ? { oldObject: event.oldObject as ServedObject } : {}),
    });
  }

  /**
   * The namespace controller and the service account controller, in one pass: a terminating
   * namespace loses its contents and then goes; an active one gets its `default` ServiceAccount.
   */
  #namespaceLifecycle(): boolean {
    let changed = false;
    const store = this.cluster.store;
    for (const ns of this.generic.list(NAMESPACES)) {
      const name = ns.metadata?.name ?? '';
      if (ns.metadata?.deletionTimestamp === undefined) {
        if (this.generic.get(SERVICE_ACCOUNTS, name, 'default') === undefined) {
          this.generic.create(SERVICE_ACCOUNTS, { metadata: { name: 'default', namespace: name } });
          changed = true;
        }
        continue;
      }
      let remaining = 0;
      for (const kind of KINDS) {
        if (!NAMESPACED[kind]) continue;
        for (const obj of store.list(kind, name)) {
          remaining++;
          if (obj.metadata?.deletionTimestamp) continue;
          store.delete(kind as Kind, name, (obj as AnyObject).metadata?.name ?? '', {
            propagationPolicy: 'Background',
          });
          changed = true;
        }
      }
      for (const r of SERVED_RESOURCES) {
        if (!r.namespaced || r.storeKind !== undefined) continue;
        for (const obj of this.generic.list(r, name)) {
          this.generic.remove(r, name, obj.metadata?.name ?? '');
          changed = true;
        }
      }
      if (remaining === 0) {
        this.generic.remove(NAMESPACES, undefined, name);
        changed = true;
      }
    }
    return changed;
  }

  /** Events the components recorded become core/v1 Event objects (what `kubectl get events` lists). */
  #publishEvents(): boolean {
    const events = this.cluster.store.events;
    let published = false;
    while (this.#eventsPublished < events.length) {
      const index = this.#eventsPublished++;
      const event = events[index];
      if (event === undefined) continue;
      const about = event.involvedObject;
      const namespace = about.namespace ?? 'default';
      if (this.namespace(namespace) === undefined) continue;
      const apiVersion = about.kind === 'DaemonSet' || about.kind === 'ControllerRevision' ? 'apps/v1' : 'v1';
      this.generic.create(EVENTS, {
        metadata: { name: `${about.name}.${(index + 1).toString(16).padStart(16, '0')}`, namespace },
        involvedObject: { apiVersion, ...about },
        reason: event.reason,
        message: event.message,
        type: event.type,
        count: 1,
        firstTimestamp: event.timestamp,
        lastTimestamp: event.timestamp,
        source: { component: sourceOf(event.reason) },
        reportingComponent: sourceOf(event.reason),
        reportingInstance: '',
      });
      published = true;
    }
    return published;
  }
}

function sourceOf(reason: string): string {
  if (
    /^(SuccessfulCreate|SuccessfulDelete|FailedCreate|FailedDelete|FailedDaemonPod|SelectingAll|FailedPlacement)$/.test(
      reason,
    )
  ) {
    return 'daemonset-controller';
  }
  if (reason === 'Scheduled' || reason === 'FailedScheduling') return 'default-scheduler';
  return 'dsconform';
}
