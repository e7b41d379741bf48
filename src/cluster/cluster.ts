/**
 * The simulated cluster: one object store, the actors around the DaemonSet controller, and the
 * environment operations a test or property campaign drives it with. Nothing runs on its own: a
 * round steps every controller (in the order added) and then every built-in component once, and
 * settle() repeats rounds until nothing changes. Time moves only through advance().
 */
import type { NodeStatus, Taint } from 'kubernetes-types/core/v1.js';
import { kubernetesAdmission } from './admission.js';
import { VirtualClock } from './clock.js';
import type { ClusterComponent } from './component.js';
import { GarbageCollector } from './garbageCollector.js';
import { type ConditionStatus, Kubelet, type KubeletOptions } from './kubelet.js';
import { NodeLifecycleController } from './nodeLifecycle.js';
import type { ControllerRevision, DaemonSet, Node, Pod, PropagationPolicy } from './objects.js';
import { PodGCController, type PodGCOptions } from './podGC.js';
import { Scheduler } from './scheduler.js';
import { type Admission, type DeleteOptions, ObjectStore } from './store.js';
import { TaintEvictionController } from './taintEviction.js';

export interface SimulatedClusterOptions {
  clock?: VirtualClock;
  /** Admission for the store; defaults to the Kubernetes defaulting and validation. */
  admission?: Admission;
  kubelet?: KubeletOptions;
  podGC?: PodGCOptions;
}

export interface NodeOptions {
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  /** Status of the node's Ready condition; default 'True'. */
  ready?: ConditionStatus;
}

export interface SettleResult {
  /** True when a round changed nothing before the bound was hit. */
  converged: boolean;
  /** Rounds run, including the final quiet one. */
  rounds: number;
  /** On non-convergence: the components that changed something in the last round. */
  stillChanging: string[];
}

const READY_REASON: Record<ConditionStatus, string> = {
  True: 'KubeletReady',
  False: 'KubeletNotReady',
  Unknown: 'NodeStatusUnknown',
};

export class SimulatedCluster {
  readonly clock: VirtualClock;
  readonly store: ObjectStore;
  readonly scheduler: Scheduler;
  readonly kubelet: Kubelet;
  readonly nodeLifecycle: NodeLifecycleController;
  readonly taintEviction: TaintEvictionController;
  readonly garbageCollector: GarbageCollector;
  readonly podGC: PodGCController;
  readonly #controllers: ClusterComponent[] = [];

  constructor(options: SimulatedClusterOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.store = new ObjectStore(this.clock, options.admission ?? kubernetesAdmission);
    this.scheduler = new Scheduler(this.store);
    this.kubelet = new Kubelet(this.store, options.kubelet);
    this.nodeLifecycle = new NodeLifecycleController(this.store);
    this.taintEviction = new TaintEvictionController(this.store);
    this.garbageCollector = new GarbageCollector(this.store);
    this.podGC = new PodGCController(this.store, options.podGC);
  }

  /** Adds a controller; controllers step first in each round, in the order added. */
  addController(controller: ClusterComponent): void {
    this.#controllers.push(controller);
  }

  /** Everything a round steps, in order. */
  components(): readonly ClusterComponent[] {
    return [
      ...this.#controllers,
      this.scheduler,
      this.kubelet,
      this.nodeLifecycle,
      this.taintEviction,
      this.garbageCollector,
      this.podGC,
    ];
  }

  /** One step of every component; true if any of them changed something. */
  round(): boolean {
    return this.#round().length > 0;
  }

  /** Runs rounds until one changes nothing, or reports which components were still busy at the bound. */
  settle({ maxRounds = 1000 }: { maxRounds?: number } = {}): SettleResult {
    let changed: string[] = [];
    for (let rounds = 1; rounds <= maxRounds; rounds++) {
      changed = this.#round();
      if (changed.length === 0) return { converged: true, rounds, stillChanging: [] };
    }
    return { converged: false, rounds: Math.max(0, maxRounds), stillChanging: changed };
  }

  /** Moves virtual time forward; nothing runs until the next round. */
  advance(seconds: number): void {
    this.clock.advanceSeconds(seconds);
  }

  #round(): string[] {
    const changed: string[] = [];
    for (const component of this.components()) {
      if (component.step() && !changed.includes(component.name)) changed.push(component.name);
    }
    return changed;
  }

  // --- nodes -----------------------------------------------------------------------------------

  addNode(name: string, options: NodeOptions = {}): Node {
    const taints = (options.taints ?? []).map((t) => this.#stamped(t));
    const node: Node = {
      metadata: { name, ...(options.labels ? { labels: { ...options.labels } } : {}) },
      spec: {
        ...(taints.length > 0 ? { taints } : {}),
        ...(options.unschedulable ? { unschedulable: true } : {}),
      },
      status: { conditions: [this.#readyCondition(options.ready ?? 'True')] },
    };
    const created = this.store.create('Node', node);
    const ready = created.status?.conditions?.find((c) => c.type === 'Ready');
    // Admission may clear status on create (as the registry does for some kinds): set it again.
    if (ready?.status !== (options.ready ?? 'True')) return this.setNodeReady(name, options.ready ?? 'True');
    return created;
  }

  /** Deletes the Node object (the machine is gone); its pods are left to Pod GC. */
  removeNode(name: string): void {
    this.store.delete('Node', undefined, name);
  }

  setNodeLabel(name: string, key: string, value: string | undefined): Node {
    return this.store.modify('Node', undefined, name, (node) => {
      const labels = { ...(node.metadata?.labels ?? {}) };
      if (value === undefined) delete labels[key];
      else labels[key] = value;
      node.metadata ??= {};
      if (Object.keys(labels).length > 0) node.metadata.labels = labels;
      else delete node.metadata.labels;
    });
  }

  /** Adds a taint, replacing one with the same key and effect (kubectl taint --overwrite). */
  addTaint(name: string, taint: Taint): Node {
    const stamped = this.#stamped(taint);
    return this.store.modify('Node', undefined, name, (node) => {
      node.spec ??= {};
      const taints = (node.spec.taints ?? []).filter((t) => !(t.key === taint.key && t.effect === taint.effect));
      node.spec.taints = [...taints, stamped];
    });
  }

  /** Removes the taint with this key and effect (every effect when `effect` is omitted). */
  removeTaint(name: string, key: string, effect?: string): Node {
    return this.store.modify('Node', undefined, name, (node) => {
      node.spec ??= {};
      const taints = (node.spec.taints ?? []).filter(
        (t) => !(t.key === key && (effect === undefined || t.effect === effect)),
      );
      if (taints.length > 0) node.spec.taints = taints;
      else delete node.spec.taints;
    });
  }

  cordon(name: string): Node {
    return this.store.modify('Node', undefined, name, (node) => {
      node.spec = { ...node.spec, unschedulable: true };
    });
  }

  uncordon(name: string): Node {
    return this.store.modify('Node', undefined, name, (node) => {
      node.spec ??= {};
      delete node.spec.unschedulable;
    });
  }

  /** Sets the node's Ready condition (lastTransitionTime moves only when the status does). */
  setNodeReady(name: string, status: ConditionStatus): Node {
    return this.setNodeCondition(name, 'Ready', status);
  }

  /** Sets any node condition, e.g. MemoryPressure, which node lifecycle turns into a taint. */
  setNodeCondition(name: string, type: string, status: ConditionStatus): Node {
    return this.store.modify(
      'Node',
      undefined,
      name,
      (node) => {
        const writable = node as { status?: NodeStatus };
        writable.status ??= {};
        const conditions = writable.status.conditions ?? [];
        const at = conditions.findIndex((c) => c.type === type);
        const old = at >= 0 ? conditions[at] : undefined;
        if (old?.status === status) return;
        const next =
          type === 'Ready'
            ? this.#readyCondition(status)
            : { type, status, lastTransitionTime: this.clock.nowTimestamp() };
        if (at >= 0) conditions[at] = next;
        else conditions.push(next);
        writable.status.conditions = conditions;
      },
      'status',
    );
  }

  // --- workloads -------------------------------------------------------------------------------

  createDaemonSet(ds: DaemonSet): DaemonSet {
    return this.store.create('DaemonSet', ds);
  }

  updateDaemonSet(namespace: string, name: string, mutate: (ds: DaemonSet) => void): DaemonSet {
    return this.store.modify('DaemonSet', namespace, name, mutate);
  }

  /** Deletes a DaemonSet; without a policy apps/v1 cascades in the background. */
  deleteDaemonSet(namespace: string, name: string, policy?: PropagationPolicy): DaemonSet | undefined {
    return this.store.delete('DaemonSet', namespace, name, policy ? { propagationPolicy: policy } : {});
  }

  deletePod(namespace: string, name: string, options?: DeleteOptions): Pod | undefined {
    return this.store.delete('Pod', namespace, name, options);
  }

  // --- accessors -------------------------------------------------------------------------------

  pods(namespace?: string): readonly Pod[] {
    return this.store.list('Pod', namespace);
  }

  nodes(): readonly Node[] {
    return this.store.list('Node');
  }

  daemonSets(namespace?: string): readonly DaemonSet[] {
    return this.store.list('DaemonSet', namespace);
  }

  revisions(namespace?: string): readonly ControllerRevision[] {
    return this.store.list('ControllerRevision', namespace);
  }

  // --- internals -------------------------------------------------------------------------------

  /** NoExecute taints carry the time they were added (kubectl taint stamps it too). */
  #stamped(taint: Taint): Taint {
    if (taint.effect !== 'NoExecute' || taint.timeAdded) return { ...taint };
    return { ...taint, timeAdded: this.clock.nowTimestamp() };
  }

  #readyCondition(status: ConditionStatus) {
    const now = this.clock.nowTimestamp();
    return {
      type: 'Ready',
      status,
      reason: READY_REASON[status],
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    };
  }
}
