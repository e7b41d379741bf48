/**
 * The machine's context: the cluster plus what the model needs to run it (the controller's
 * in-memory state, every template seen, a serial for names, the last step's record), and the
 * effects of the events that users and the environment cause (everything except the four actor
 * steps, which live in `controller.ts`, `kubelet.ts`, `scheduler.ts` and `garbageCollector.ts`).
 */
import { TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE } from './eligibility.ts';
import { type DsEvent, isAppliedTimeout, type PodSelector } from './events.ts';
import { templateHash } from './history.ts';
import type { StepRecord } from './observation.ts';
import { isPodTerminal, isPodUpdatedFor, olderPodFirst } from './pods.ts';
import { EMPTY_STATUS } from './status.ts';
import type { Cluster, DaemonSet, Node, Pod, PodTemplate, Taint } from './types.ts';
import { validateDaemonSetSpec, validateUpdateStrategy } from './validation.ts';

export interface BackoffEntry {
  /** Current delay in seconds (1, 2, 4, … capped at 900). */
  readonly delay: number;
  readonly lastUpdate: number;
}

/** What the controller process keeps in memory (lost on restart). */
export interface ControllerMemory {
  /** Failed-pod backoff, keyed `<ds uid>/<observedGeneration>/<node>` (failedPodsBackoffKey). */
  readonly backoff: Readonly<Record<string, BackoffEntry>>;
}

export interface World extends Cluster {
  readonly controller: ControllerMemory;
  /** Every template ever used, by model hash: where a pod of that revision can be scheduled. */
  readonly templates: Readonly<Record<string, PodTemplate>>;
  /** Source of unique names and UIDs. */
  readonly serial: number;
  /** What the last event did (controller writes in particular). */
  readonly lastStep?: StepRecord;
  /** Pod creates of the next controller sync fail from the (n + 1)-th on (POD_CREATES_FAIL). */
  readonly createsFailAfter?: number;
  /** Those failing creates take effect all the same (a reply that timed out: ApiFailure.applied). */
  readonly createsFailApplied?: true;
  /** Pod deletes of the next controller sync fail from the (n + 1)-th on (POD_DELETES_FAIL). */
  readonly deletesFailAfter?: number;
  /** Those failing deletes take effect all the same (ApiFailure.applied). */
  readonly deletesFailApplied?: true;
  /** The next controller sync crashes after this many writes (CONTROLLER_CRASHES). */
  readonly crashAfterWrites?: number;
}

export interface WorldInput {
  /** Initial nodes: names (Ready, unlabelled, untainted) or full nodes. Default: two nodes. */
  readonly nodes?: readonly (string | Node)[];
}

export const DEFAULT_NODE_NAMES = ['node-0', 'node-1'] as const;

export function readyNode(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { name, labels, taints, unschedulable: false, ready: 'True' };
}

export function initialWorld(input: WorldInput = {}): World {
  const nodes = (input.nodes ?? DEFAULT_NODE_NAMES).map((n) => (typeof n === 'string' ? readyNode(n) : n));
  return { time: 0, nodes, pods: [], revisions: [], controller: { backoff: {} }, templates: {}, serial: 0 };
}

// --- small pure updates ----------------------------------------------------------------------

export function updateNode(world: World, name: string, change: (n: Node) => Node): World {
  if (!world.nodes.some((n) => n.name === name)) return world;
  return { ...world, nodes: world.nodes.map((n) => (n.name === name ? change(n) : n)) };
}

export function updatePod(world: World, name: string, change: (p: Pod) => Pod): World {
  return { ...world, pods: world.pods.map((p) => (p.name === name ? change(p) : p)) };
}

function withTaint(node: Node, taint: Taint): Node {
  const at = node.taints.findIndex((t) => t.key === taint.key && t.effect === taint.effect);
  return { ...node, taints: at < 0 ? [...node.taints, taint] : node.taints.map((t, i) => (i === at ? taint : t)) };
}

function withoutTaints(node: Node, keep: (t: Taint) => boolean): Node {
  return { ...node, taints: node.taints.filter(keep) };
}

/**
 * Deletes a pod the way the API server does: an unbound or terminal pod goes at once (grace
 * period 0), a bound running one only gets a deletionTimestamp and waits for its kubelet.
 */
export function deletePod(world: World, name: string): World {
  const pod = world.pods.find((p) => p.name === name);
  if (!pod || pod.terminating) return world;
  // A finalizer keeps it in the API, Terminating, whatever the grace period.
  if (pod.held) return updatePod(world, name, (p) => ({ ...p, terminating: true }));
  if (!pod.bound || isPodTerminal(pod)) return { ...world, pods: world.pods.filter((p) => p.name !== name) };
  return updatePod(world, name, (p) => ({ ...p, terminating: true }));
}

/**
 * The pod that appears on `node` (none if the node does not exist): bound, Running and Ready now,
 * with the current revision's hash for `revision: 'current'`; an orphan, or (with `extra`)
 * another controller's pod. Named by the world's serial, which the caller advances.
 */
function appearingPod(
  world: World,
  node: string,
  revision: 'current' | 'none',
  prefix: string,
  extra: Partial<Pod> = {},
): Pod | undefined {
  if (!world.nodes.some((n) => n.name === node)) return undefined;
  const hash = revision === 'current' ? world.daemonSet?.currentHash : undefined;
  return {
    name: `${prefix}-${world.serial}`,
    node,
    bound: true,
    ...(hash !== undefined ? { hash } : {}),
    ...extra,
    phase: 'Running',
    ready: true,
    readySince: world.time,
    terminating: false,
    createdAt: world.time,
  };
}

/** The controller UID of pods that another controller (not a DaemonSet) controls. */
export const FOREIGN_CONTROLLER_UID = 'foreign-controller';

/**
 * A pod of the DaemonSet's stops matching its selector: a controlled one is marked (the
 * controller releases it on its next sync), an orphan leaves the DaemonSet's pods at once.
 */
function relabelAway(world: World, selector: PodSelector): World {
  const pod = selectPod(world, selector, (p) => !p.unmatched && !p.terminating);
  if (!pod) return world;
  if (pod.controllerUid !== undefined) return updatePod(world, pod.name, (p) => ({ ...p, unmatched: true }));
  return {
    ...world,
    pods: world.pods.filter((p) => p.name !== pod.name),
    bystanders: [...(world.bystanders ?? []), { ...pod, unmatched: true }],
  };
}

/** The oldest pod on the node that stopped matching (still controlled, or released) matches again. */
function relabelToMatch(world: World, selector: PodSelector): World {
  const still = selectPod(world, selector, (p) => p.unmatched === true);
  if (still) {
    return updatePod(world, still.name, ({ unmatched: _u, ...p }) => p);
  }
  const released = (world.bystanders ?? [])
    .filter((p) => p.unmatched && !p.foreign && p.node === selector.node)
    .sort(olderPodFirst)[0];
  if (!released) return world;
  const { unmatched: _u, ...pod } = released;
  return {
    ...world,
    pods: [...world.pods, pod],
    bystanders: (world.bystanders ?? []).filter((p) => p.name !== released.name),
  };
}

/** The pod a {@link PodSelector} picks among those `applies` accepts: the oldest, or none. */
export function selectPod(world: World, selector: PodSelector, applies: (p: Pod) => boolean): Pod | undefined {
  const ds = world.daemonSet;
  const candidates = world.pods.filter((p) => {
    if (p.node !== selector.node || !applies(p)) return false;
    if (selector.revision === undefined) return true;
    const updated = ds !== undefined && isPodUpdatedFor(p, ds);
    return selector.revision === 'current' ? updated : !updated;
  });
  return candidates.sort(olderPodFirst)[0];
}

function nodeIsReady(world: World, name: string): boolean {
  return world.nodes.some((n) => n.name === name && n.ready === 'True');
}

function newDaemonSet(world: World, spec: DaemonSet['spec'], name: string): DaemonSet {
  const hash = templateHash(spec.template);
  return {
    name,
    uid: `uid-${world.serial}`,
    generation: 1,
    templateGeneration: 1,
    spec,
    status: EMPTY_STATUS,
    currentHash: hash,
  };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Why an event was refused (the API rejected it), or undefined when it applies. */
export function rejection(world: World, event: DsEvent): string | undefined {
  switch (event.type) {
    case 'DS_CREATED': {
      if (world.daemonSet) return 'AlreadyExists: a DaemonSet of that name exists';
      const problems = validateDaemonSetSpec(event.spec);
      return problems.length > 0 ? `Invalid: ${problems.join('; ')}` : undefined;
    }
    case 'STRATEGY_CHANGED': {
      if (!world.daemonSet) return 'NotFound';
      const spec = { ...world.daemonSet.spec, updateStrategy: event.updateStrategy };
      const problems = [
        ...validateUpdateStrategy(event.updateStrategy),
        ...validateDaemonSetSpec({
          ...spec,
          minReadySeconds: event.minReadySeconds ?? spec.minReadySeconds,
          revisionHistoryLimit: event.revisionHistoryLimit ?? spec.revisionHistoryLimit,
        }),
      ];
      return problems.length > 0 ? `Invalid: ${[...new Set(problems)].join('; ')}` : undefined;
    }
    case 'TEMPLATE_UPDATED':
    case 'DS_DELETED':
      return world.daemonSet ? undefined : 'NotFound';
    default:
      return undefined;
  }
}

/**
 * Applies a user or environment event (not an actor step) to the world. Refused events and
 * events that select nothing leave the world unchanged.
 */
export function applyEnvironmentEvent(world: World, event: DsEvent): World {
  if (rejection(world, event) !== undefined) return world;
  switch (event.type) {
    case 'NODE_ADDED':
      if (world.nodes.some((n) => n.name === event.node)) return world;
      return {
        ...world,
        nodes: [...world.nodes, readyNode(event.node, { ...event.labels }, [...(event.taints ?? [])])],
      };
    case 'NODE_REMOVED':
      return { ...world, nodes: world.nodes.filter((n) => n.name !== event.node) };
    case 'NODE_LABEL_SET':
      return updateNode(world, event.node, (n) => ({ ...n, labels: { ...n.labels, [event.key]: event.value } }));
    case 'NODE_LABEL_REMOVED':
      return updateNode(world, event.node, (n) => {
        const { [event.key]: _removed, ...labels } = n.labels;
        return { ...n, labels };
      });
    case 'TAINT_ADDED':
      return updateNode(world, event.node, (n) => withTaint(n, event.taint));
    case 'TAINT_REMOVED':
      return updateNode(world, event.node, (n) =>
        withoutTaints(n, (t) => !(t.key === event.key && t.effect === event.effect)),
      );
    case 'NODE_CORDONED':
      return updateNode(world, event.node, (n) =>
        withTaint({ ...n, unschedulable: true }, { key: TAINT_UNSCHEDULABLE, value: '', effect: 'NoSchedule' }),
      );
    case 'NODE_UNCORDONED':
      return updateNode(world, event.node, (n) =>
        withoutTaints({ ...n, unschedulable: false }, (t) => t.key !== TAINT_UNSCHEDULABLE),
      );
    case 'NODE_READY':
      return updateNode(world, event.node, (n) =>
        withoutTaints({ ...n, ready: 'True' }, (t) => t.key !== TAINT_NOT_READY && t.key !== TAINT_UNREACHABLE),
      );
    case 'NODE_NOT_READY': {
      const status = event.status ?? 'False';
      const key = status === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
      const marked = updateNode(world, event.node, (n) => {
        const cleared = withoutTaints(
          { ...n, ready: status },
          (t) => t.key !== TAINT_NOT_READY && t.key !== TAINT_UNREACHABLE,
        );
        return withTaint(withTaint(cleared, { key, value: '', effect: 'NoSchedule' }), {
          key,
          value: '',
          effect: 'NoExecute',
        });
      });
      if (marked === world) return world;
      // The node-lifecycle controller marks the node's pods not ready (MarkPodsNotReady).
      return {
        ...marked,
        pods: marked.pods.map((p) => {
          if (p.node !== event.node || !p.bound || !p.ready) return p;
          const { readySince: _gone, ...rest } = p;
          return { ...rest, ready: false };
        }),
      };
    }
    case 'DS_CREATED': {
      const ds = newDaemonSet(world, event.spec, event.name ?? 'ds');
      const templates = { ...world.templates, [templateHash(event.spec.template)]: event.spec.template };
      return { ...world, daemonSet: ds, serial: world.serial + 1, templates };
    }
    case 'TEMPLATE_UPDATED': {
      const ds = world.daemonSet;
      if (!ds || sameJson(ds.spec.template, event.template)) return world;
      const hash = templateHash(event.template);
      return {
        ...world,
        templates: { ...world.templates, [hash]: event.template },
        daemonSet: {
          ...ds,
          generation: ds.generation + 1,
          templateGeneration: ds.templateGeneration + 1,
          spec: { ...ds.spec, template: event.template },
          currentHash: hash,
        },
      };
    }
    case 'STRATEGY_CHANGED': {
      const ds = world.daemonSet;
      if (!ds) return world;
      const spec = {
        ...ds.spec,
        updateStrategy: event.updateStrategy,
        minReadySeconds: event.minReadySeconds ?? ds.spec.minReadySeconds,
        revisionHistoryLimit: event.revisionHistoryLimit ?? ds.spec.revisionHistoryLimit,
      };
      if (sameJson(spec, ds.spec)) return world;
      return { ...world, daemonSet: { ...ds, spec, generation: ds.generation + 1 } };
    }
    case 'DS_DELETED': {
      const ds = world.daemonSet;
      if (!ds || ds.deleting) return world;
      if (event.policy === 'Background') {
        const { daemonSet: _removed, ...rest } = world;
        return rest;
      }
      return { ...world, daemonSet: { ...ds, deleting: event.policy } };
    }
    case 'POD_BECAME_READY': {
      const pod = selectPod(
        world,
        event,
        (p) => p.phase === 'Running' && !p.ready && !p.terminating && nodeIsReady(world, p.node),
      );
      return pod ? updatePod(world, pod.name, (p) => ({ ...p, ready: true, readySince: world.time })) : world;
    }
    case 'POD_FAILED': {
      const pod = selectPod(world, event, (p) => p.bound && !p.terminating && !isPodTerminal(p));
      if (!pod) return world;
      return updatePod(world, pod.name, (p) => {
        const { readySince: _gone, ...rest } = p;
        return { ...rest, phase: 'Failed', ready: false };
      });
    }
    case 'POD_DELETED_BY_USER': {
      const pod = selectPod(world, event, (p) => !p.terminating);
      return pod ? deletePod(world, pod.name) : world;
    }
    case 'ORPHAN_POD_APPEARED': {
      const pod = appearingPod(world, event.node, event.revision, 'orphan');
      return pod ? { ...world, pods: [...world.pods, pod], serial: world.serial + 1 } : world;
    }
    case 'FOREIGN_POD_APPEARED': {
      const pod = appearingPod(world, event.node, event.revision, 'foreign', {
        controllerUid: FOREIGN_CONTROLLER_UID,
        foreign: true,
      });
      // Another controller's pod is no pod of the DaemonSet's: it stands beside them.
      return pod ? { ...world, bystanders: [...(world.bystanders ?? []), pod], serial: world.serial + 1 } : world;
    }
    case 'POD_RELABELED':
      return event.matches ? relabelToMatch(world, event) : relabelAway(world, event);
    case 'POD_FINALIZER_ADDED': {
      const pod = selectPod(world, event, (p) => p.bound && !p.terminating && !p.held);
      return pod ? updatePod(world, pod.name, (p) => ({ ...p, held: true })) : world;
    }
    case 'POD_FINALIZER_REMOVED': {
      const pod = selectPod(world, event, (p) => p.held === true);
      if (!pod) return world;
      // The deletion had only the finalizer left to wait for: stopped, never bound, or node gone.
      const done =
        pod.terminating && (isPodTerminal(pod) || !pod.bound || !world.nodes.some((n) => n.name === pod.node));
      if (done) return { ...world, pods: world.pods.filter((p) => p.name !== pod.name) };
      return updatePod(world, pod.name, ({ held: _h, ...p }) => p);
    }
    case 'POD_CREATES_FAIL': {
      const { createsFailApplied: _applied, ...rest } = world;
      const after = Math.max(0, Math.floor(event.after));
      return { ...rest, createsFailAfter: after, ...(isAppliedTimeout(event) ? { createsFailApplied: true } : {}) };
    }
    case 'POD_DELETES_FAIL': {
      const { deletesFailApplied: _applied, ...rest } = world;
      const after = Math.max(0, Math.floor(event.after));
      return { ...rest, deletesFailAfter: after, ...(isAppliedTimeout(event) ? { deletesFailApplied: true } : {}) };
    }
    case 'CONTROLLER_CRASHES':
      return { ...world, crashAfterWrites: Math.max(0, Math.floor(event.afterWrites)) };
    case 'CONTROLLER_RESTARTED':
      return { ...world, controller: { backoff: {} } };
    case 'TIME_ADVANCED':
      return event.seconds > 0 ? { ...world, time: world.time + event.seconds } : world;
    default:
      return world;
  }
}
