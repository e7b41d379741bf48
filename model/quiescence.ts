/**
 * Quiescence: what the cluster settles to when nothing but a healthy environment acts. A
 * "healthy step" runs the garbage collector, scheduler, kubelets and controller once, lets
 * every started pod on a Ready node pass its readiness probe, and, when nothing else moves,
 * advances the clock to the next deadline (minReadySeconds, failed-pod backoff). Nodes, the
 * DaemonSet spec and pod failures never change in a healthy step.
 */
import { syncDaemonSet } from './controller.ts';
import { nodeShouldRunDaemonPod } from './eligibility.ts';
import { garbageCollectorStep } from './garbageCollector.ts';
import { templateHash } from './history.ts';
import { kubeletStep } from './kubelet.ts';
import { failedPodsBackoffKey } from './manage.ts';
import { claimedPods, isPodAvailable, isPodLive, isPodTerminal, isPodUpdatedFor } from './pods.ts';
import { allowsSurge } from './rollout.ts';
import { schedulerStep } from './scheduler.ts';
import type { Pod, PodTemplate } from './types.ts';
import type { World } from './world.ts';

/** Structural equality of JSON data (objects compare by own keys with defined values). */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  return sameMembers(a as Record<string, unknown>, b as Record<string, unknown>, undefined);
}

/** Own keys with defined values compare equal, `skip` aside (plain loops: this runs on every explored transition). */
function sameMembers(a: Record<string, unknown>, b: Record<string, unknown>, skip: string | undefined): boolean {
  for (const k of Object.keys(a)) if (k !== skip && !sameData(a[k], b[k])) return false;
  // A key only b has matches only if its value is undefined (a's is, by being absent).
  for (const k of Object.keys(b)) if (k !== skip && b[k] !== undefined && !Object.hasOwn(a, k)) return false;
  return true;
}

/** Same cluster and controller memory (the last-step record does not count). */
export function sameWorld(a: World, b: World): boolean {
  if (a === b) return true;
  return sameMembers(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>, 'lastStep');
}

/**
 * Every Running, not-ready, non-terminating pod on a Ready node becomes ready now; a ready pod
 * bound to a node that is not Ready is marked not ready (the node-lifecycle controller's
 * MarkPodsNotReady also reaches pods that appear there later, such as an orphan).
 */
export function readinessStep(world: World): World {
  const ready = new Set(world.nodes.filter((n) => n.ready === 'True').map((n) => n.name));
  const down = new Set(world.nodes.filter((n) => n.ready !== 'True').map((n) => n.name));
  let changed = false;
  const pods = world.pods.map((p) => {
    if (p.ready && p.bound && down.has(p.node) && !isPodTerminal(p)) {
      changed = true;
      const { readySince: _gone, ...rest } = p;
      return { ...rest, ready: false };
    }
    if (p.phase !== 'Running' || p.ready || p.terminating || !ready.has(p.node)) return p;
    changed = true;
    return { ...p, ready: true, readySince: world.time };
  });
  return changed ? { ...world, pods } : world;
}

/** The earliest future time at which availability or a failed-pod backoff changes, if any. */
export function nextDeadline(world: World): number | undefined {
  const ds = world.daemonSet;
  if (!ds) return undefined;
  const deadlines: number[] = [];
  for (const p of world.pods) {
    if (p.ready && p.readySince !== undefined && ds.spec.minReadySeconds > 0) {
      const at = p.readySince + ds.spec.minReadySeconds;
      if (at > world.time) deadlines.push(at);
    }
    if (p.phase === 'Failed' && !p.terminating && p.controllerUid === ds.uid && !p.unmatched) {
      const entry = world.controller.backoff[failedPodsBackoffKey(ds, p.node)];
      if (entry && entry.lastUpdate + entry.delay > world.time) deadlines.push(entry.lastUpdate + entry.delay);
    }
  }
  return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
}

/** A healthy step's actors before the controller's sync, in order (the sync comes last). */
const EARLY_ACTORS: ReadonlyArray<(world: World) => World> = [
  garbageCollectorStep,
  schedulerStep,
  kubeletStep,
  readinessStep,
];

/** The actors of a healthy step, once each, in order. */
function actorsStep(world: World): World {
  let next = world;
  for (const actor of EARLY_ACTORS) next = actor(next);
  return syncDaemonSet(next).world;
}

export function healthyStep(world: World): World {
  const next = actorsStep(world);
  if (!sameWorld(next, world)) return next;
  const deadline = nextDeadline(world);
  return deadline === undefined ? world : { ...world, time: deadline };
}

/**
 * Nothing in a healthy environment would change this world: sameWorld(healthyStep(world), world),
 * without comparing twice (a deadline is always later than now, so advancing to it is a change).
 */
export function isQuiet(world: World): boolean {
  // The cheap test first: a pending deadline means time would move.
  if (nextDeadline(world) !== undefined) return false;
  // Then the actors in turn, stopping at the first that changes something: no later actor of the
  // step can undo it (pods are never unbound, restarted, un-failed, un-deleted or brought back
  // under their old serial name, and a DaemonSet the collector removed is not re-created), so the
  // step cannot end where it began. Most worlds are decided before the controller's sync, the costly part.
  let next = world;
  for (const actor of EARLY_ACTORS) {
    next = actor(next);
    if (next !== world && !sameWorld(next, world)) return false;
  }
  return sameWorld(syncDaemonSet(next).world, world);
}

/** Repeats healthy steps until quiet (or `maxSteps`, which signals a bug in the model). */
export function settle(world: World, maxSteps = 500): World {
  let current = world;
  for (let i = 0; i < maxSteps; i++) {
    const next = healthyStep(current);
    if (sameWorld(next, current)) return current;
    current = next;
  }
  throw new Error(`model did not settle within ${maxSteps} healthy steps`);
}

/**
 * The DaemonSet's goal: every node that should run it has exactly one live pod, available (and
 * up to date under RollingUpdate); no node that must not run it has a live pod; no node has
 * more than one; under RollingUpdate no live pod on an existing node is out of date.
 */
export function isIdeal(world: World): boolean {
  const ds = world.daemonSet;
  if (!ds || ds.deleting) return false;
  const live = claimedPods(world.pods, ds).filter(isPodLive);
  const rolling = ds.spec.updateStrategy.type === 'RollingUpdate';
  for (const node of world.nodes) {
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds.spec.template);
    const here = live.filter((p) => p.node === node.name);
    if (here.length > 1) return false;
    if (!shouldContinueRunning && here.length > 0) return false;
    if (rolling && here.some((p) => !isPodUpdatedFor(p, ds))) return false;
    const pod = here[0];
    if (shouldRun && (!pod || !isPodAvailable(pod, ds.spec.minReadySeconds, world.time))) return false;
  }
  return true;
}

export type ActivePhase = 'stable' | 'stalled' | 'rollingUpdate.surge' | 'rollingUpdate.noSurge' | 'progressing';

/** A RollingUpdate DaemonSet with a live, out-of-date pod on an existing node. */
export function rolloutInProgress(world: World): boolean {
  const ds = world.daemonSet;
  if (ds?.spec.updateStrategy.type !== 'RollingUpdate') return false;
  const nodes = new Set(world.nodes.map((n) => n.name));
  return claimedPods(world.pods, ds).some((p) => isPodLive(p) && nodes.has(p.node) && !isPodUpdatedFor(p, ds));
}

/**
 * Where an existing DaemonSet is in its life: stable (quiet and ideal), stalled (quiet but not
 * ideal: only a node recovering or a user acting can help), rolling out (with or without surge),
 * or otherwise progressing.
 */
export function lifecyclePhase(world: World): ActivePhase {
  const quiet = isQuiet(world);
  if (quiet) return isIdeal(world) ? 'stable' : 'stalled';
  if (rolloutInProgress(world)) {
    return world.daemonSet && allowsSurge(world.daemonSet.spec.updateStrategy)
      ? 'rollingUpdate.surge'
      : 'rollingUpdate.noSurge';
  }
  return 'progressing';
}

const templateHashes = new WeakMap<object, string>();

/** templateHash, remembered per template object (templates are shared between worlds). */
function hashOf(template: PodTemplate): string {
  let h = templateHashes.get(template);
  if (h === undefined) {
    h = templateHash(template);
    templateHashes.set(template, h);
  }
  return h;
}

/** The order of pods in canonicalWorldKey: bound first, then oldest first, then by name. */
export function podOrder(a: Pod, b: Pod): number {
  return (
    Number(b.bound) - Number(a.bound) || a.createdAt - b.createdAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/**
 * A key that is equal for worlds that behave the same from now on: pod names and UIDs replaced
 * by their rank, the template by its hash, times made relative to the clock and capped beyond
 * every deadline the model knows (backoff forgets after 2 × 15 min), the serial and the
 * last-step record dropped. For deduplicating states in bounded exploration.
 *
 * With `rename`, the key of the world with every node name `n` replaced by `rename(n)` (nodes,
 * pods' nodes, backoff keys), without building that world: bounded exploration's symmetry
 * reduction keys each state this way, so it is on the hot path.
 */
export function canonicalWorldKey(world: World, rename?: (node: string) => string): string {
  return canonicalWorldKeyParts(world, rename).join('|');
}

/** The `|`-separated parts of canonicalWorldKey, in order (no part contains `|`). */
export function canonicalWorldKeyParts(world: World, rename?: (node: string) => string): string[] {
  const cap = 2 * 15 * 60 + 1;
  const now = world.time;
  const ago = (t: number | undefined) => (t === undefined ? '' : String(Math.min(now - t, cap)));
  const to = rename ?? ((name: string) => name);
  const uids = new Map<string, string>();
  const uid = (u: string | undefined) => {
    if (u === undefined) return '';
    let r = uids.get(u);
    if (r === undefined) {
      r = `u${uids.size}`;
      uids.set(u, r);
    }
    return r;
  };
  const parts: string[] = [];
  const nodes = world.nodes.map((n) => ({ n, name: to(n.name) })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const { n, name } of nodes) {
    const labels =
      Object.keys(n.labels).length === 0
        ? ''
        : Object.entries(n.labels)
            .sort()
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
    let taints = '';
    for (const [i, t] of n.taints.entries()) taints += `${i > 0 ? ',' : ''}${t.key}=${t.value}:${t.effect}`;
    parts.push(`N${name};${labels};${taints};${n.unschedulable ? 'U' : ''};${n.ready}`);
  }
  const ds = world.daemonSet;
  if (ds) {
    const { spec, status } = ds;
    parts.push(
      `D${uid(ds.uid)};${ds.generation};${ds.templateGeneration};${hashOf(spec.template)};${ds.currentHash ?? ''};` +
        `${strategyKey(spec.updateStrategy)};${spec.minReadySeconds};${spec.revisionHistoryLimit};` +
        `${Object.values(status).join(',')};${ds.deleting ?? ''};${ds.selectsAll ? 'A' : ''}`,
    );
  }
  // Every field of a pod that decides what happens next: a finalizer keeps it Terminating, a
  // relabelled or another controller's pod is never the DaemonSet's to claim.
  const pod = (p: Pod) =>
    `${to(p.node)};${p.bound ? 'B' : ''};${p.hash ?? ''};${p.templateGeneration ?? ''};${uid(p.controllerUid)};` +
    `${p.phase};${p.ready ? 'R' : ''};${ago(p.readySince)};${p.terminating ? 'T' : ''};${ago(p.createdAt)};` +
    `${p.held ? 'H' : ''}${p.unmatched ? 'M' : ''}${p.foreign ? 'F' : ''}`;
  for (const p of [...world.pods].sort(podOrder)) parts.push(`P${pod(p)}`);
  // The pods beside the DaemonSet (other controllers', released ones) are part of the state too.
  for (const p of [...(world.bystanders ?? [])].sort(podOrder)) parts.push(`Y${pod(p)}`);
  for (const r of [...world.revisions].sort((a, b) => a.revision - b.revision || (a.hash < b.hash ? -1 : 1))) {
    parts.push(`R${r.hash};${r.revision};${uid(r.controllerUid)}`);
  }
  const backoff = Object.entries(world.controller.backoff);
  if (backoff.length > 0) {
    // Sorted by the (renamed) key, as Object.entries(...).sort() orders [key, entry] pairs.
    const entries = backoff
      .map(([k, e]) => ({ k: rename ? k.replace(/[^/]+$/, (n) => to(n)) : k, e }))
      .sort((a, b) => (`${a.k},[object Object]` < `${b.k},[object Object]` ? -1 : 1));
    for (const { k, e } of entries)
      parts.push(`B${k.replace(/^[^/]+/, (u) => uid(u))};${e.delay};${ago(e.lastUpdate)}`);
  }
  // Armed faults decide what the next sync does.
  if (world.createsFailAfter !== undefined)
    parts.push(`F${world.createsFailAfter}${world.createsFailApplied ? 'a' : ''}`);
  if (world.deletesFailAfter !== undefined)
    parts.push(`G${world.deletesFailAfter}${world.deletesFailApplied ? 'a' : ''}`);
  if (world.crashAfterWrites !== undefined) parts.push(`X${world.crashAfterWrites}`);
  return parts;
}

const strategyKeys = new WeakMap<object, string>();

/** JSON.stringify of an update strategy, remembered per object (strategies are shared between worlds). */
function strategyKey(strategy: object): string {
  let k = strategyKeys.get(strategy);
  if (k === undefined) {
    k = JSON.stringify(strategy);
    strategyKeys.set(strategy, k);
  }
  return k;
}
