/**
 * Bounded exhaustive exploration of the model (`dsconform explore`): breadth-first over model
 * worlds from a start state (N ready nodes, then one DaemonSet created), every event of a finite
 * universe (model/universe.ts universeEvents) tried in every state, states deduplicated by
 * canonicalWorldKey (by default up to a renaming of the nodes: canonicalSymmetricKey). The
 * `always` and `step` invariants are checked on every transition (but those that cannot fail them:
 * checkNeedless), the `quiescent` ones on every new quiet state. Transitions of node-local events
 * that lead where another computed transition does are skipped (explorePor.ts). Each reduction has
 * an option to turn it off, and the result counts what it skipped.
 * With target `reference` (or `upstream`: the genuine upstream controller behind the Go adapter,
 * given as an Implementation), each new state's path is also replayed on that implementation and
 * the same per-step invariants are checked on its observations.
 *
 * With `moves: 'allowed'` the specification itself is explored (issue 14 item 5): every
 * CONTROLLER_SYNC offers, instead of the abstract controller's one step, every candidate move of
 * model/allowedMoves.ts candidateMoves; the step invariants (the allowed-moves relation) keep the
 * allowed ones, each allowed move's successor must satisfy the safety set (model/allowedMoves.ts
 * safetyInvariants), and the exploration continues from every allowed successor. An allowed move
 * that breaks safety, or a later violation in a state only such moves reach, is a spec bug.
 */
import {
  abstractMove,
  allowedMoveRules,
  applyMove,
  candidateMoves,
  describeMove,
  moveKey,
  type SyncMove,
  safetyInvariants,
} from '../../model/allowedMoves.ts';
import type { DsEvent } from '../../model/events.ts';
import {
  type CheckContext,
  type checkInvariants,
  INVARIANTS,
  type Invariant,
  type InvariantScope,
  type Violation,
} from '../../model/invariants.ts';
import { judgedAgainst, NO_WRITES, type Observation, observe } from '../../model/observation.ts';
import { canonicalWorldKeyParts, isQuiet, podOrder, sameWorld } from '../../model/quiescence.ts';
import { applyEvent } from '../../model/step.ts';
import type { Node, Pod } from '../../model/types.ts';
import {
  alwaysWorthTrying,
  candidateEvents,
  SPECS,
  TEMPLATE_A,
  TEMPLATE_B,
  type UniverseOptions,
  universeInput,
} from '../../model/universe.ts';
import { initialWorld, rejection, type World } from '../../model/world.ts';
import { porKey, porNode, porSkip } from './explorePor.js';
import { type Implementation, referenceImplementation } from './implementation.js';
import { describeEvent, podTable } from './trace.js';

export type StartStrategy = keyof Omit<typeof SPECS, 'invalid'>;

export interface ExploreOptions {
  /** Ready nodes at the start (node-0 … node-(N-1)). */
  readonly nodes: number;
  /** Maximum number of events after the start state. */
  readonly depth: number;
  /** Further node names NODE_ADDED may use (default 0: only removed nodes come back). */
  readonly extraNodes?: number;
  /** Universe size (default small). */
  readonly size?: 'small' | 'full';
  /** The DaemonSet's strategy at the start (default rolling). */
  readonly strategy?: StartStrategy;
  /**
   * Deduplicate states up to a renaming of the nodes: true (default) with canonicalSymmetricKey,
   * a canonical form; `signature` with the earlier symmetricWorldKey, which leaves some equal
   * states apart (for measuring the difference); false not at all.
   */
  readonly symmetry?: boolean | 'signature';
  /**
   * Partial-order reduction (explorePor.ts): skip transitions of node-local environment events that
   * lead where another computed transition does (default false: it skips fewer transitions than
   * mirror nodes, and turns them off, as its argument does not cover their combination). Changes
   * the transitions computed, never the states.
   */
  readonly por?: boolean;
  /**
   * Events on mirror nodes (mirrorNodes) not tried (default true; only with the canonical symmetric
   * key, and not with the partial-order reduction). Changes the transitions computed, never the
   * states.
   */
  readonly mirrors?: boolean;
  /**
   * Skip the `always` and `step` checks of transitions that cannot fail them (checkNeedless;
   * default true, and only with the catalogue's own checks).
   */
  readonly skipChecks?: boolean;
  /** Check the quiescent invariants on quiet states (default true). */
  readonly quiescent?: boolean;
  /**
   * Also replay each new state's path on the reference implementation, or on `implementation`
   * (target `upstream`: the upstream adapter, which the caller starts and closes).
   */
  readonly target?: 'model' | 'reference' | 'upstream';
  /** With target `upstream`: the implementation to replay on. */
  readonly implementation?: Implementation;
  /** With target `upstream`: its name in the report (e.g. `upstream 1.37`). */
  readonly targetName?: string;
  /** Stop after this many states (the result says it was cut). */
  readonly maxStates?: number;
  /** For tests: the step function (default applyEvent). */
  readonly step?: (world: World, event: DsEvent) => World;
  /** For tests: the invariant check (default checkInvariants). */
  readonly check?: typeof checkInvariants;
  /**
   * `abstract` (default): every CONTROLLER_SYNC runs the model's abstract controller.
   * `allowed`: every CONTROLLER_SYNC offers every candidate move (model/allowedMoves.ts) that the
   * allowed-moves relation accepts; see the module comment.
   */
  readonly moves?: 'abstract' | 'allowed';
  /** With moves `allowed`: candidate moves include every subset of the write pool up to this size (default 2). */
  readonly subsetSize?: number;
  /**
   * With moves `allowed`: the allowed-moves relation, `full` (default: every `step` invariant) or
   * `without-safety` (the step invariants of the safety set left out: are they implied by the rest?).
   */
  readonly relation?: 'full' | 'without-safety';
  /** With moves `allowed`: the allowed-moves relation itself (overrides `relation`). Tests weaken it. */
  readonly allowed?: readonly Invariant[];
  /** With moves `allowed`: the safety set a spec bug breaks (default safetyInvariants()). */
  readonly safety?: readonly Invariant[];
}

export interface ExploreTraceStep {
  readonly event: DsEvent;
  readonly description: string;
  readonly table: string[];
  /** With moves `allowed`: the writes this controller step made, when it was a chosen move. */
  readonly move?: string;
}

export interface ExploreViolation {
  readonly violation: Violation;
  /** `model`, `reference` or `upstream`: where the observation that broke the invariant came from. */
  readonly on: 'model' | 'reference' | 'upstream';
  /** The start events (nodes, DS_CREATED) and then the explored path, each with its pod table. */
  readonly trace: readonly ExploreTraceStep[];
  /** How many trace entries are the start state's setup. */
  readonly setupLength: number;
  /**
   * `violation`: the model (its abstract controller or an actor) broke an invariant. `spec-bug`
   * (moves `allowed` only): a move the allowed-moves relation accepts broke the safety set, or a
   * state that only such moves reach broke an invariant later.
   */
  readonly kind: 'violation' | 'spec-bug';
}

/** Counts of the moves mode (moves `allowed`). */
export interface MoveCounts {
  /** Candidate controller steps generated and judged. */
  readonly candidates: number;
  /** Candidates the allowed-moves relation accepts (the abstract controller's own included). */
  readonly allowed: number;
  /** Allowed candidates other than the abstract controller's choice. */
  readonly alternatives: number;
  /** Candidates rejected, per rule: how many candidates each invariant rejected (one candidate may count under several). */
  readonly rejectedBy: Readonly<Record<string, number>>;
  /** Candidates rejected (by at least one rule). */
  readonly rejected: number;
  /** New states first reached along a path with an alternative move. */
  readonly statesViaAlternatives: number;
  readonly subsetSize: number;
  /** The invariants of the allowed-moves relation and of the safety set. */
  readonly relationIds: readonly string[];
  readonly safetyIds: readonly string[];
}

export interface ExploreResult {
  readonly states: number;
  readonly transitions: number;
  /** Transitions the partial-order reduction skipped: without it, transitions + porSkipped. */
  readonly porSkipped: number;
  /** Transitions not tried because they are on a mirror node (mirrorNodes): without it, transitions + mirrorSkipped. */
  readonly mirrorSkipped: number;
  /** Transitions whose `always` and `step` checks were skipped as needless (checkNeedless). */
  readonly checksSkipped: number;
  /** Deepest level fully expanded; with a violation or a cut, the depth where it happened. */
  readonly depth: number;
  /** The bound asked for. */
  readonly maxDepth: number;
  readonly nodes: number;
  readonly quietStates: number;
  /** Transitions that deleted a failed pod, checked with the whole path's history (DS-BACKOFF-01). */
  readonly backoffChecks: number;
  /** Paths replayed on the target (reference or upstream). */
  readonly referenceReplays: number;
  readonly violation?: ExploreViolation;
  /** True when maxStates stopped the search early. */
  readonly truncated: boolean;
  readonly elapsedMs: number;
  readonly universe: string;
  /** With moves `allowed`. */
  readonly moves?: MoveCounts;
}

const nodeName = (i: number) => `node-${i}`;

/** describeEvent, with the universe's specs and templates by name. */
export function describeExploreEvent(event: DsEvent): string {
  if (event.type === 'DS_CREATED') {
    const name = Object.entries(SPECS).find(([, spec]) => JSON.stringify(spec) === JSON.stringify(event.spec))?.[0];
    if (name) return `DS_CREATED spec=${name} (SPECS.${name})`;
  }
  if (event.type === 'TEMPLATE_UPDATED') {
    const name =
      JSON.stringify(event.template) === JSON.stringify(TEMPLATE_A)
        ? 'A'
        : JSON.stringify(event.template) === JSON.stringify(TEMPLATE_B)
          ? 'B'
          : undefined;
    if (name) return `TEMPLATE_UPDATED template=${name} (${event.template.image})`;
  }
  return describeEvent(event);
}

/** The setup events of the start state: the nodes (for the reference), then DS_CREATED. */
export function startEvents(options: Pick<ExploreOptions, 'nodes' | 'strategy'>): DsEvent[] {
  return [
    ...Array.from({ length: options.nodes }, (_, i): DsEvent => ({ type: 'NODE_ADDED', node: nodeName(i) })),
    { type: 'DS_CREATED', spec: SPECS[options.strategy ?? 'rolling'] },
  ];
}

export function universeOptions(options: ExploreOptions): UniverseOptions {
  return { nodes: options.nodes, extraNodes: options.extraNodes ?? 0, size: options.size ?? 'small' };
}

/** One line saying exactly what was explored. */
export function describeUniverse(options: ExploreOptions): string {
  const u = universeOptions(options);
  const extra = u.extraNodes ?? 0;
  return (
    `start: ${options.nodes} Ready untainted nodes (node-0..node-${options.nodes - 1}), DaemonSet created with ` +
    `${options.strategy ?? 'rolling'} strategy (template A), before any controller sync; ` +
    `events: model/universeEvents size=${u.size}, nodes=${options.nodes}, extraNodes=${extra}, all event types; ` +
    `dedup: canonicalWorldKey${options.symmetry === false ? '' : options.symmetry === 'signature' ? ' up to node renaming (signature order)' : ' up to node renaming (canonical)'}`
  );
}

/**
 * canonicalWorldKey of `world` with its nodes renamed in an order given by what is on them, so that
 * worlds equal up to a renaming of the nodes usually share a key (nodes with equal signatures may
 * still give different keys: then fewer states merge, never more). The earlier symmetric key,
 * kept for measuring (`symmetry: 'signature'`); canonicalSymmetricKey is the default.
 */
export function symmetricWorldKey(world: World, names: readonly string[]): string {
  return symmetricWorldKeyParts(world, names).join('|');
}

/** The `|`-separated parts of symmetricWorldKey (canonicalWorldKeyParts after its renaming). */
function symmetricWorldKeyParts(world: World, names: readonly string[]): string[] {
  // One pass over the pods and backoff entries, grouped by node (this runs once per transition).
  const podsOn = new Map<string, string[]>();
  for (const p of world.pods) {
    const s = `${p.bound};${p.hash ?? ''};${p.phase};${p.ready};${p.terminating};${world.time - p.createdAt};${p.readySince === undefined ? '' : world.time - p.readySince};${p.controllerUid === undefined}`;
    const list = podsOn.get(p.node);
    if (list) list.push(s);
    else podsOn.set(p.node, [s]);
  }
  const backoffOn = new Map<string, string[]>();
  for (const [k, e] of Object.entries(world.controller.backoff)) {
    const node = k.slice(k.lastIndexOf('/') + 1);
    const s = `${e.delay}@${world.time - e.lastUpdate}`;
    const list = backoffOn.get(node);
    if (list) list.push(s);
    else backoffOn.set(node, [s]);
  }
  const sigs = names.map((name) => {
    const n = world.nodes.find((x) => x.name === name);
    const labels = n && Object.keys(n.labels).length > 0 ? JSON.stringify(Object.entries(n.labels).sort()) : '[]';
    const nodePart = n
      ? `${labels};${n.taints.map((t) => `${t.key}=${t.value}:${t.effect}`).join(',')};${n.unschedulable};${n.ready}`
      : 'absent';
    return {
      name,
      sig: `${nodePart}|${(podsOn.get(name) ?? []).sort().join('+')}|${(backoffOn.get(name) ?? []).sort().join('+')}`,
    };
  });
  // A stable sort: nodes with equal signatures keep the order of `names`.
  sigs.sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : 0));
  const rename = new Map(sigs.map(({ name }, i) => [name, nodeName(i)]));
  return canonicalWorldKeyParts(world, (name) => rename.get(name) ?? name);
}

/**
 * A canonical form of the world up to a renaming of the nodes: canonicalWorldKey of the world
 * with its nodes renamed in the order of a signature of what is on each (its own fields, its pods,
 * its backoff entries), ties broken by the node's first pod in canonicalWorldKey's pod order (the
 * DaemonSet's pods, then the bystanders).
 *
 * Why it is canonical (worlds equal up to a node renaming get one key, whichever names the state
 * was first reached with): the signature and the tie-break read nothing that a renaming of the
 * nodes changes (pod names and creation times do not move), so a renamed world is renamed into
 * the same order. Nodes left tied have equal signatures and no pods or bystanders (pod names are unique), so they
 * differ at most in their backoff entries' owner UIDs: when those are the DaemonSet's own (or
 * absent) the nodes are interchangeable and either order gives one key; only with entries of two
 * different old DaemonSets can equal worlds still get two keys, which merges fewer states, never
 * more. Sound for the same reason as symmetricWorldKey: equal keys are canonicalWorldKey-equal
 * worlds after renaming, and the model treats node names symmetrically.
 */
const nodeSignatures = new WeakMap<Node, string>();

/** A node's own fields for canonicalSymmetricKey, remembered per node object (nodes are shared between worlds). */
function nodeSignature(n: Node): string {
  let s = nodeSignatures.get(n);
  if (s === undefined) {
    const labels = Object.entries(n.labels)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const taints = n.taints.map((t) => `${t.key}=${t.value}:${t.effect}`).join(',');
    s = `${labels};${taints};${n.unschedulable ? 'U' : ''};${n.ready}`;
    nodeSignatures.set(n, s);
  }
  return s;
}

/**
 * The bare nodes of `world` that mirror another: for each node name, the earlier name it can be
 * swapped with. Two present nodes mirror each other when their own fields are equal and nothing in
 * the world is on them or about them (no pod, no bystander, no backoff entry); two absent names
 * when nothing refers to either. Swapping such a pair changes nothing but names, so under the
 * symmetry reduction's assumption (the model treats node names symmetrically) an event on the
 * mirror leads to a state that renaming maps onto the state the same event on the original leads
 * to (one canonicalSymmetricKey), through a transition the checks judge the same: exploring one
 * of them is enough. The original comes first in the order candidateEvents lists events in (the
 * world's nodes, then `names` for the absent ones).
 */
export function mirrorNodes(world: World, names: readonly string[]): Map<string, string> {
  const busy = new Set<string>();
  for (const p of world.pods) busy.add(p.node);
  for (const p of world.bystanders ?? []) busy.add(p.node);
  for (const k of Object.keys(world.controller.backoff)) busy.add(k.slice(k.lastIndexOf('/') + 1));
  const mirrors = new Map<string, string>();
  const original = new Map<string, string>();
  const present = new Set<string>();
  for (const n of world.nodes) {
    present.add(n.name);
    if (busy.has(n.name)) continue;
    const sig = nodeSignature(n);
    const first = original.get(sig);
    if (first === undefined) original.set(sig, n.name);
    else mirrors.set(n.name, first);
  }
  let firstAbsent: string | undefined;
  for (const name of names) {
    if (present.has(name) || busy.has(name)) continue;
    if (firstAbsent === undefined) firstAbsent = name;
    else mirrors.set(name, firstAbsent);
  }
  return mirrors;
}

const podSignatures = new WeakMap<Pod, { now: number; owner: string; s: string }>();

/** A pod's part of its node's signature, remembered per pod object for the clock and owner class it was made for. */
function podSignature(p: Pod, now: number, owner: string): string {
  const known = podSignatures.get(p);
  if (known?.now === now && known.owner === owner) return known.s;
  const s = `${p.bound ? 'B' : ''};${p.hash ?? ''};${p.templateGeneration ?? ''};${owner};${p.phase};${p.ready ? 'R' : ''};${p.readySince === undefined ? '' : now - p.readySince};${p.terminating ? 'T' : ''};${now - p.createdAt};${p.held ? 'H' : ''}${p.unmatched ? 'M' : ''}${p.foreign ? 'F' : ''}`;
  podSignatures.set(p, { now, owner, s });
  return s;
}

export function canonicalSymmetricKey(world: World, names: readonly string[]): string {
  return canonicalSymmetricKeyParts(world, names).join('|');
}

/** The `|`-separated parts of canonicalSymmetricKey (canonicalWorldKeyParts after the renaming). */
export function canonicalSymmetricKeyParts(world: World, names: readonly string[]): string[] {
  const now = world.time;
  const dsUid = world.daemonSet?.uid;
  const owner = (u: string | undefined) => (u === undefined ? '' : u === dsUid ? 'd' : 'o');
  // canonicalWorldKey's pod order; a node's rank is that of its first pod.
  const pods = [...world.pods].sort(podOrder);
  // The bystanders after the pods, marked apart: they are on nodes too (canonicalWorldKey's `Y` parts).
  const bystanders = [...(world.bystanders ?? [])].sort(podOrder);
  const podsOn = new Map<string, string[]>();
  const firstPod = new Map<string, number>();
  for (const [i, p] of [...pods, ...bystanders].entries()) {
    const s = `${i < pods.length ? '' : 'Y'}${podSignature(p, now, owner(p.controllerUid))}`;
    const list = podsOn.get(p.node);
    if (list) list.push(s);
    else {
      podsOn.set(p.node, [s]);
      firstPod.set(p.node, i);
    }
  }
  const backoffOn = new Map<string, string[]>();
  for (const [k, e] of Object.entries(world.controller.backoff)) {
    const slash = k.lastIndexOf('/');
    const s = `${owner(k.slice(0, slash))}:${e.delay}@${now - e.lastUpdate}`;
    const node = k.slice(slash + 1);
    const list = backoffOn.get(node);
    if (list) list.push(s);
    else backoffOn.set(node, [s]);
  }
  const sigs = names.map((name) => {
    const n = world.nodes.find((x) => x.name === name);
    const nodePart = n ? nodeSignature(n) : '-';
    return {
      name,
      first: firstPod.get(name) ?? -1,
      sig: `${nodePart}|${(podsOn.get(name) ?? []).sort().join('+')}|${(backoffOn.get(name) ?? []).sort().join('+')}`,
    };
  });
  // Stable: nodes tied on both keep the order of `names`.
  sigs.sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : a.first - b.first));
  const rename = new Map(sigs.map(({ name }, i) => [name, nodeName(i)]));
  return canonicalWorldKeyParts(world, (name) => rename.get(name) ?? name);
}

/**
 * The transitions of `world`: exactly the events model/universe.ts universeEvents offers, in its
 * order, each with the world after it. The same filter as universeEvents, written out so that each
 * event is applied once (universeEvents applies it to decide, the exploration again to step).
 */
export function universeTransitions(
  world: World,
  options: UniverseOptions,
  step: (world: World, event: DsEvent) => World = applyEvent,
  skip?: (event: DsEvent) => boolean,
): { event: DsEvent; next: World }[] {
  let alreadyExists = false;
  const out: { event: DsEvent; next: World }[] = [];
  for (const event of candidateEvents(world, options)) {
    // Partial-order reduction (explorePor.ts): a transition known to lead where another one does.
    if (skip?.(event)) continue;
    let keep: boolean | undefined;
    if (alwaysWorthTrying(event)) keep = true;
    else if (event.type === 'DS_DELETED' && world.daemonSet?.deleting !== undefined)
      keep = event.policy === 'Background';
    else if (event.type === 'DS_CREATED' || event.type === 'STRATEGY_CHANGED') {
      const why = rejection(world, event);
      if (why?.startsWith('AlreadyExists') && !alreadyExists) {
        alreadyExists = true;
        keep = true;
      } else if (why !== undefined) keep = why.startsWith('Invalid');
    } else if (event.type === 'TIME_ADVANCED') {
      keep = world.pods.some((p) => p.phase === 'Failed') || (world.daemonSet?.spec.minReadySeconds ?? 0) > 0;
    }
    if (keep === false) continue;
    const next = step(world, event);
    if (keep === undefined && (sameFields(next, world) || sameWorld(next, world))) continue;
    out.push({ event, next });
  }
  return out;
}

/**
 * Whether every field but `lastStep` is the same object in both worlds: a cheap sufficient test
 * of sameWorld (most events that change nothing return the world's own fields).
 */
function sameFields(a: World, b: World): boolean {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const k in ra) if (k !== 'lastStep' && ra[k] !== rb[k]) return false;
  for (const k in rb) if (k !== 'lastStep' && ra[k] !== rb[k]) return false;
  return true;
}

/**
 * The `always` and `step` invariants reviewed for checkNeedless: on a transition whose event is not
 * CONTROLLER_SYNC, whose controller writes are none, and which leaves the DaemonSet and the
 * revisions the same objects, each finds what it found on the transition into the state before:
 * - DS-STATUS-01 (always) reads the DaemonSet's status only.
 * - DS-STATUS-03 reads the DaemonSet (observedGeneration ≤ generation: as before; no decrease:
 *   the same object).
 * - DS-HIST-03 fires only on revisions absent before; DS-DEL-03/04 only when the DaemonSet went.
 * - DS-SAFE-04 and DS-SYNC-01 apply only after CONTROLLER_SYNC.
 * - DS-BACKOFF-01 (on a two-observation history), DS-OWN-02, DS-DEL-01, DS-SYNC-02/03 judge the
 *   controller's writes; the rest return nothing without them (controllerStep: writeCount 0).
 * An invariant added to the catalogue turns the skip off until it is reviewed and listed here
 * (a test says so).
 */
export const REVIEWED_FOR_SKIP: readonly string[] = [
  'DS-ELIG-01',
  'DS-PLACE-03',
  'DS-PLACE-05',
  'DS-SAFE-01',
  'DS-SAFE-02',
  'DS-SAFE-04',
  'DS-STATUS-01',
  'DS-STATUS-03',
  'DS-SYNC-01',
  'DS-SYNC-02',
  'DS-SYNC-03',
  'DS-ROLL-01',
  'DS-ROLL-02',
  'DS-ROLL-03',
  'DS-ROLL-04',
  'DS-ROLL-06',
  'DS-ROLL-07',
  'DS-ROLL-08',
  'DS-HIST-03',
  'DS-OWN-01',
  'DS-OWN-02',
  'DS-OWN-04',
  'DS-DEL-01',
  'DS-DEL-03',
  'DS-DEL-04',
  'DS-SHAPE-01',
  'DS-BACKOFF-01',
];

const CATALOGUE_REVIEWED = INVARIANTS.filter((i) => i.scope !== 'quiescent').every((i) =>
  REVIEWED_FOR_SKIP.includes(i.id),
);

/**
 * Whether the `always` and `step` checks of the transition world → after need not run: not a
 * controller step, no controller writes, the DaemonSet and the revisions untouched. By the review
 * above they then find exactly what they found on the transition into `world` (which passed, or
 * the exploration would have stopped); the transitions out of the start state, which was checked
 * with the `always` scope only, are always checked. The conditions are read off the worlds, so a
 * faulty step that touches the DaemonSet is still checked.
 */
function checkNeedless(world: World, after: World): boolean {
  const last = after.lastStep;
  return (
    last !== undefined &&
    last.event.type !== 'CONTROLLER_SYNC' &&
    last.controller === NO_WRITES &&
    after.daemonSet === world.daemonSet &&
    after.revisions === world.revisions
  );
}

/**
 * A shorter, equivalent form of canonicalWorldKey (its own or after a renaming), from its parts:
 * each part (the key is the parts joined by `|`, which no part contains) becomes the number of its
 * first appearance, written in two UTF-16 code units, so equal keys give equal short keys and
 * different keys different ones.
 * Parts repeat across states (the same node, pod or revision in many worlds), so the set of seen
 * states takes a fraction of the memory.
 */
export function compactKeys(): (parts: readonly string[]) => string {
  const ids = new Map<string, string>();
  return (parts) => {
    let out = '';
    for (const part of parts) {
      let id = ids.get(part);
      if (id === undefined) {
        const n = ids.size;
        if (n >= 0x10000 * 0x10000) throw new Error('explore: too many distinct key parts');
        id = String.fromCharCode(n >>> 16, n & 0xffff);
        ids.set(part, id);
      }
      out += id;
    }
    return out;
  };
}

/** Whether everything canonicalWorldKey reads is the same object in both worlds. */
function sameKeyInputs(a: World, b: World): boolean {
  return (
    a.nodes === b.nodes &&
    a.pods === b.pods &&
    a.daemonSet === b.daemonSet &&
    a.revisions === b.revisions &&
    a.controller === b.controller &&
    a.time === b.time
  );
}

function deletesFailedPod(prev: Observation, obs: Observation): boolean {
  const deletes = obs.lastStep?.controller.deletes ?? [];
  return deletes.some((name) => prev.pods.some((p) => p.name === name && p.phase === 'Failed'));
}

/** One step of a path: an event, and for a controller step of the moves mode the writes chosen. */
interface PathStep {
  readonly event: DsEvent;
  readonly move?: SyncMove;
}

const CONTROLLER_SYNC: DsEvent = { type: 'CONTROLLER_SYNC' };

const SCOPED = new Map<string, readonly Invariant[]>();

/**
 * checkInvariants with each scope list's invariants filtered once, not per call: the same
 * violations in the same order.
 */
function fastCheck(
  ctx: CheckContext,
  scopes: readonly InvariantScope[] = ['always', 'step', 'quiescent'],
): Violation[] {
  const key = scopes.join(',');
  let list = SCOPED.get(key);
  if (!list) {
    list = INVARIANTS.filter((i) => scopes.includes(i.scope));
    SCOPED.set(key, list);
  }
  return list.flatMap((i) => i.check(ctx));
}

function runInvariants(list: readonly Invariant[], ctx: CheckContext): Violation[] {
  return list.flatMap((i) => i.check(ctx));
}

/** Explores the universe breadth-first; stops at the first violation (or spec bug). */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const step = options.step ?? applyEvent;
  const check = options.check ?? fastCheck;
  // Only the catalogue's own checks are known to pass on such transitions (see checkNeedless).
  // Not in the moves mode: a move's successor is judged by the relation and the safety set, which a
  // caller may narrow, so the state before may not have passed every check.
  const skipUnchangedChecks =
    options.check === undefined && options.skipChecks !== false && options.moves !== 'allowed' && CATALOGUE_REVIEWED;
  let checksSkipped = 0;
  const por = options.por === true;
  const movesMode = options.moves === 'allowed';
  if (movesMode && options.target !== undefined && options.target !== 'model')
    throw new Error('--moves allowed cannot be replayed on a target: the chosen writes are the model’s');
  const subsetSize = options.subsetSize ?? 2;
  const allowedRules = options.allowed ?? allowedMoveRules(undefined, options.relation ?? 'full');
  const safetyRules = options.safety ?? safetyInvariants();
  const backoffRule = allowedRules.find((i) => i.id === 'DS-BACKOFF-01');
  const uOptions = universeOptions(options);
  const names = Array.from({ length: options.nodes + (uOptions.extraNodes ?? 0) }, (_, i) => nodeName(i));
  const keyOf =
    options.symmetry === false
      ? (w: World) => canonicalWorldKeyParts(w)
      : options.symmetry === 'signature'
        ? (w: World) => symmetricWorldKeyParts(w, names)
        : (w: World) => canonicalSymmetricKeyParts(w, names);
  const setup = startEvents(options);
  const createEvent = setup[setup.length - 1] as DsEvent;
  const start = step(initialWorld(universeInput({ nodes: options.nodes })), createEvent);
  const checkQuiet = options.quiescent !== false;
  const apply = (w: World, s: PathStep): World => (s.move ? applyMove(w, s.move) : step(w, s.event));

  // Parent pointers for every state (worlds are kept only for the frontier).
  const parents: number[] = [-1];
  const steps: (PathStep | undefined)[] = [undefined];
  /** Whether the state's path includes an alternative move (moves mode). */
  const deviated: boolean[] = [false];
  const compact = compactKeys();
  const seen = new Set<string>([compact(keyOf(start))]);
  let transitions = 0;
  let porSkipped = 0;
  let mirrorSkipped = 0;
  // Mirror nodes (mirrorNodes) need a canonical key up to renaming; see ExploreOptions.mirrors.
  const mirrorEvents = options.mirrors !== false && (options.symmetry ?? true) === true && !por;
  /**
   * For the partial-order reduction: the keys of the class events that created a new state from
   * `parent`. A state's children get consecutive indices, so they are read off its neighbours; the
   * frontier is in index order, so consecutive states share the parent and the set is kept for it.
   */
  let createdFrom: { parent: number; keys: Set<string> } | undefined;
  const createdFromParentOf = (index: number): Set<string> => {
    const parent = parents[index] ?? -1;
    if (createdFrom?.parent === parent) return createdFrom.keys;
    const keys = new Set<string>();
    let first = index;
    while (first > 1 && parents[first - 1] === parent) first--;
    for (let i = first; i < parents.length && parents[i] === parent; i++) {
      const s = steps[i];
      if (s && s.move === undefined && porNode(s.event) !== undefined) keys.add(porKey(s.event));
    }
    createdFrom = { parent, keys };
    return keys;
  };
  let quietStates = 0;
  let backoffChecks = 0;
  let referenceReplays = 0;
  let depthDone = 0;
  // The level being expanded: a violation or a cut happens at depth currentLevel + 1.
  let currentLevel = -1;
  let truncated = false;
  let candidates = 0;
  let allowedCount = 0;
  let alternatives = 0;
  let rejected = 0;
  let statesViaAlternatives = 0;
  const rejectedBy = new Map<string, number>();

  const pathTo = (index: number): PathStep[] => {
    const path: PathStep[] = [];
    for (let i = index; i > 0; i = parents[i] ?? -1) path.push(steps[i] as PathStep);
    return path.reverse();
  };
  const modelTrace = (path: readonly PathStep[]): ExploreTraceStep[] => {
    // The nodes exist in the start world; their NODE_ADDED lines show it before the DaemonSet.
    let w = initialWorld(universeInput({ nodes: options.nodes }));
    const out: ExploreTraceStep[] = setup
      .slice(0, -1)
      .map((event) => ({ event, description: describeExploreEvent(event), table: podTable(observe(w)) }));
    for (const s of [{ event: createEvent }, ...path]) {
      const before = w;
      w = apply(w, s);
      const move = s.move
        ? `${describeMove(s.move)} (${moveKey(s.move) === moveKey(abstractMove(before)) ? 'the abstract controller’s choice' : 'an alternative move'})`
        : undefined;
      out.push({
        event: s.event,
        description: describeExploreEvent(s.event),
        table: podTable(observe(w)),
        ...(move ? { move } : {}),
      });
    }
    return out;
  };
  /** The observations along a path from the start world (start included). */
  const modelHistory = (path: readonly PathStep[]): Observation[] => {
    let w = start;
    const out = [observe(w)];
    for (const s of path) {
      w = apply(w, s);
      out.push(observe(w));
    }
    return out;
  };
  const moveCounts = (): MoveCounts => ({
    candidates,
    allowed: allowedCount,
    alternatives,
    rejectedBy: Object.fromEntries([...rejectedBy.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    rejected,
    statesViaAlternatives,
    subsetSize,
    relationIds: allowedRules.map((i) => i.id),
    safetyIds: safetyRules.map((i) => i.id),
  });
  const finish = (violation?: ExploreViolation): ExploreResult => ({
    states: parents.length,
    transitions,
    porSkipped,
    mirrorSkipped,
    checksSkipped,
    depth: violation || truncated ? currentLevel + 1 : depthDone,
    maxDepth: options.depth,
    nodes: options.nodes,
    quietStates,
    backoffChecks,
    referenceReplays,
    ...(violation ? { violation } : {}),
    truncated,
    elapsedMs: performance.now() - started,
    universe: describeUniverse(options),
    ...(movesMode ? { moves: moveCounts() } : {}),
  });
  const modelViolation = (
    v: Violation,
    path: readonly PathStep[],
    kind: ExploreViolation['kind'] = 'violation',
  ): ExploreResult => finish({ violation: v, on: 'model', trace: modelTrace(path), setupLength: setup.length, kind });

  // The start state itself.
  {
    const obs = observe(start);
    const [v] = check({ obs }, ['always']);
    if (v) return modelViolation(v, []);
    if (checkQuiet && isQuiet(start)) {
      quietStates++;
      const [q] = check({ obs }, ['quiescent']);
      if (q) return modelViolation(q, []);
    }
  }

  const targetKind = options.target === 'upstream' ? 'upstream' : 'reference';
  if (options.target === 'upstream' && !options.implementation)
    throw new Error('explore: target upstream needs the implementation to replay on');
  const reference =
    options.target === 'upstream'
      ? options.implementation
      : options.target === 'reference'
        ? referenceImplementation()
        : undefined;
  /** The pod tables along a replay on the target (only for a violation's trace: a second, identical replay). */
  const targetTrace = async (all: readonly DsEvent[]): Promise<ExploreTraceStep[]> => {
    const system = await (reference as Implementation).makeSystem();
    try {
      const trace: ExploreTraceStep[] = [];
      for (const event of all) {
        await system.apply(event);
        trace.push({ event, description: describeExploreEvent(event), table: podTable(system.observe()) });
      }
      return trace;
    } finally {
      await system.dispose();
    }
  };
  const replayOnReference = async (path: readonly DsEvent[]): Promise<ExploreResult | undefined> => {
    if (!reference) return undefined;
    referenceReplays++;
    const all = [...setup, ...path];
    const system = await reference.makeSystem();
    let violation: Violation | undefined;
    try {
      // Only the last transition is checked (earlier ones were, when the parent state was
      // replayed), so only its two ends are observed; observing is a pure read of the cluster.
      let before = all.length === 1 ? system.observe() : undefined;
      for (const [i, event] of all.entries()) {
        await system.apply(event);
        if (i === all.length - 2) before = system.observe();
      }
      const after = system.observe();
      const prev = judgedAgainst(after, before as Observation);
      [violation] = check({ obs: after, prev, history: [prev, after] }, ['always', 'step']);
    } finally {
      await system.dispose();
    }
    if (!violation) return undefined;
    const trace = await targetTrace(all);
    return finish({ violation, on: targetKind, trace, setupLength: setup.length, kind: 'violation' });
  };
  if (reference) {
    const r = await replayOnReference([]);
    if (r) return r;
  }

  /** The transitions of one state: the universe's events, the controller's step replaced by the candidate moves in moves mode. */
  const transitionsOf = (
    world: World,
    skip?: (event: DsEvent) => boolean,
  ): { step: PathStep; next: World; alternative: boolean }[] => {
    const out: { step: PathStep; next: World; alternative: boolean }[] = [];
    const mirrors = mirrorEvents ? mirrorNodes(world, names) : undefined;
    // Events on a mirror node are not tried (their original's are). Counted as transitions
    // skipped when the original event is one (computed, or skipped by the partial-order reduction,
    // which skips only transitions): on the mirror the same event then changes the world too.
    const mirrored: DsEvent[] = [];
    const enabledOnOriginal = new Set<string>();
    const counted =
      skip || (mirrors && mirrors.size > 0)
        ? (event: DsEvent) => {
            const node = 'node' in event ? event.node : undefined;
            const original = node === undefined ? undefined : mirrors?.get(node);
            if (original !== undefined) {
              mirrored.push({ ...event, node: original } as DsEvent);
              return true;
            }
            if (!skip?.(event)) return false;
            porSkipped++;
            if (node !== undefined) enabledOnOriginal.add(JSON.stringify(event));
            return true;
          }
        : undefined;
    const transitions = universeTransitions(world, uOptions, step, counted);
    if (mirrored.length > 0) {
      for (const { event } of transitions) if ('node' in event) enabledOnOriginal.add(JSON.stringify(event));
      for (const e of mirrored) if (enabledOnOriginal.has(JSON.stringify(e))) mirrorSkipped++;
    }
    for (const { event, next } of transitions) {
      if (!movesMode || event.type !== 'CONTROLLER_SYNC') {
        out.push({ step: { event }, next, alternative: false });
        continue;
      }
      for (const [i, move] of candidateMoves(world, { subsetSize }).entries()) {
        // candidateMoves lists the abstract controller's move first.
        out.push({ step: { event: CONTROLLER_SYNC, move }, next: applyMove(world, move), alternative: i > 0 });
      }
    }
    return out;
  };

  let frontier: number[] = [0];
  const worlds = new Map<number, World>([[0, start]]);
  for (let level = 0; level < options.depth && frontier.length > 0; level++) {
    currentLevel = level;
    const next: number[] = [];
    for (const index of frontier) {
      const world = worlds.get(index) as World;
      const via = steps[index];
      const skip =
        por && via !== undefined && via.move === undefined
          ? porSkip(via.event, () => createdFromParentOf(index))
          : undefined;
      worlds.delete(index);
      const prev = observe(world);
      const wasDeviated = deviated[index] ?? false;
      let history: Observation[] | undefined;
      const historyTo = () => {
        history ??= modelHistory(pathTo(index));
        return history;
      };
      for (const { step: pathStep, next: after, alternative } of transitionsOf(world, skip)) {
        transitions++;
        const obs = observe(after);
        const ctx: CheckContext = { obs, prev, history: [prev, obs] };
        const unchecked =
          skipUnchangedChecks && index !== 0 && pathStep.move === undefined && checkNeedless(world, after);
        if (unchecked) checksSkipped++;
        const path = () => [...pathTo(index), pathStep];
        if (pathStep.move) {
          // Moves mode: judge the candidate with the allowed-moves relation, then its successor with the safety set.
          candidates++;
          const found = runInvariants(allowedRules, ctx);
          if (backoffRule && deletesFailedPod(prev, obs)) {
            backoffChecks++;
            found.push(...backoffRule.check({ obs, prev, history: [...historyTo(), obs] }));
          }
          if (found.length > 0) {
            rejected++;
            for (const id of new Set(found.map((v) => v.id))) rejectedBy.set(id, (rejectedBy.get(id) ?? 0) + 1);
            // The abstract controller's own step must be allowed (in a state only alternative moves reach, a spec bug).
            if (!alternative)
              return modelViolation(found[0] as Violation, path(), wasDeviated ? 'spec-bug' : 'violation');
            continue;
          }
          allowedCount++;
          if (alternative) alternatives++;
          const [s] = runInvariants(safetyRules, ctx);
          if (s) return modelViolation(s, path(), 'spec-bug');
        } else if (!unchecked) {
          const [v] = check(ctx, ['always', 'step']);
          if (v) return modelViolation(v, path(), wasDeviated ? 'spec-bug' : 'violation');
          // DS-BACKOFF-01 needs the run's history; only deletions of failed pods can break it.
          if (deletesFailedPod(prev, obs)) {
            backoffChecks++;
            const [b] = check({ obs, prev, history: [...historyTo(), obs] }, ['step']);
            if (b) return modelViolation(b, path(), wasDeviated ? 'spec-bug' : 'violation');
          }
        }
        // Nothing the key reads changed (a sync that wrote nothing, a refused write): the parent's state.
        if (sameKeyInputs(world, after)) continue;
        const key = compact(keyOf(after));
        if (seen.has(key)) continue;
        seen.add(key);
        const child = parents.length;
        parents.push(index);
        steps.push(pathStep);
        deviated.push(wasDeviated || alternative);
        if (wasDeviated || alternative) statesViaAlternatives++;
        if (checkQuiet && isQuiet(after)) {
          quietStates++;
          const [q] = check({ obs }, ['quiescent']);
          if (q) return modelViolation(q, path(), wasDeviated || alternative ? 'spec-bug' : 'violation');
        }
        if (reference) {
          const r = await replayOnReference(pathTo(child).map((s) => s.event));
          if (r) return r;
        }
        // States of the last level are never expanded: their worlds need not be kept.
        if (level + 1 < options.depth) {
          worlds.set(child, after);
          next.push(child);
        }
        if (options.maxStates !== undefined && parents.length >= options.maxStates) {
          truncated = true;
          return finish();
        }
      }
    }
    depthDone = level + 1;
    frontier = next;
  }
  return finish();
}

/** The human-readable report of a result. */
export function formatExploreResult(result: ExploreResult, options: ExploreOptions): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [`universe: ${result.universe}`];
  if (options.target === 'reference' || options.target === 'upstream')
    lines.push(
      `target: ${options.target === 'upstream' ? (options.targetName ?? 'upstream') : 'reference'} (${n(result.referenceReplays)} paths replayed)`,
    );
  const moves = result.moves;
  if (moves) {
    lines.push(
      `moves: allowed (candidate controller steps: every subset of the write pool of at most ${moves.subsetSize} writes, and the abstract controller's step with one write added, removed or replaced; allowed = none of the ${moves.relationIds.length} step invariants of the relation${options.relation === 'without-safety' ? ' (the safety ones left out)' : ''} fires; safety = ${moves.safetyIds.join(', ')})`,
    );
  }
  if (result.violation) {
    const { violation, on, trace, setupLength, kind } = result.violation;
    const where = `${violation.node ? ` (node ${violation.node})` : ''}`;
    lines.push(
      kind === 'spec-bug'
        ? `SPEC BUG ${violation.id}${where}: ${violation.message} — after a controller step the allowed-moves relation accepts`
        : `VIOLATION ${violation.id} on ${on}${where}: ${violation.message}`,
    );
    lines.push('trace:');
    for (const [i, s] of trace.entries()) {
      lines.push(`${String(i + 1).padStart(3)}. ${s.description}${i < setupLength ? '   (start state)' : ''}`);
      if (s.move) lines.push(`       writes: ${s.move}`);
      for (const row of s.table) lines.push(`       ${row}`);
    }
  }
  const found = result.violation?.kind === 'violation' ? '1 violation' : '0 violations';
  const moveSummary = moves
    ? `, ${n(moves.candidates)} candidate controller steps, ${n(moves.allowed)} allowed (${n(moves.alternatives)} besides the abstract controller's), ${n(moves.rejected)} rejected${
        Object.keys(moves.rejectedBy).length > 0
          ? ` (${Object.entries(moves.rejectedBy)
              .map(([id, c]) => `${id} ${n(c)}`)
              .join(', ')})`
          : ''
      }, ${n(moves.statesViaAlternatives)} states reached through alternative moves, ${result.violation?.kind === 'spec-bug' ? '1 spec bug' : '0 spec bugs'}`
    : '';
  lines.push(
    `explored ${n(result.states)} states, ${n(result.transitions)} transitions, depth ${result.depth}${result.violation || result.truncated ? ` of ${result.maxDepth}` : ''}${result.truncated ? ' (cut by --max-states)' : ''}, ` +
      `${result.nodes} nodes, ${found}${moveSummary} in ${(result.elapsedMs / 1000).toFixed(1)} s` +
      ` (${n(result.quietStates)} quiet states checked at quiescence, ${n(result.backoffChecks)} failed-pod deletions checked against the path's backoff history)`,
  );
  const skipped = result.porSkipped + result.mirrorSkipped;
  const transitionReduction =
    options.por === true
      ? `partial-order reduction: transitions ${n(result.transitions)} (${n(result.transitions + skipped)} without it, ${n(result.porSkipped)} skipped), states the same`
      : result.mirrorSkipped > 0
        ? `mirror nodes: transitions ${n(result.transitions)} (${n(result.transitions + skipped)} without it, ${n(result.mirrorSkipped)} not tried: events on a bare node equal to an earlier one), states the same`
        : `no transitions skipped${options.mirrors === false ? ' (--no-mirrors)' : ''}`;
  lines.push(
    `reductions: ${
      options.symmetry === false
        ? 'no symmetry reduction (--no-symmetry)'
        : `symmetry: states equal up to a renaming of the nodes merged (${options.symmetry === 'signature' ? 'the earlier signature key' : 'a canonical form'}; the count without: --no-symmetry${options.symmetry === 'signature' ? '' : ', with the earlier key: --symmetry-key signature'})`
    }; ${transitionReduction}`,
  );
  if (result.checksSkipped > 0)
    lines.push(
      `checks: ${n(result.checksSkipped)} transitions not checked, as they cannot fail a check (not the controller's, no writes, the DaemonSet and its revisions untouched; --no-skip-checks to check them)`,
    );
  const seconds = result.elapsedMs / 1000;
  lines.push(
    `rate: ${n(Math.round(result.states / Math.max(seconds, 1e-3)))} states/s, ${n(Math.round(result.transitions / Math.max(seconds, 1e-3)))} transitions/s`,
  );
  return `${lines.join('\n')}\n`;
}

/** The result as JSON data (`--json`): counts, and the violation or spec bug with its trace. */
export function exploreResultJson(result: ExploreResult): unknown {
  const { violation, ...rest } = result;
  return {
    ...rest,
    outcome: violation ? violation.kind : 'ok',
    ...(violation
      ? {
          violation: {
            kind: violation.kind,
            id: violation.violation.id,
            message: violation.violation.message,
            ...(violation.violation.node ? { node: violation.violation.node } : {}),
            ...(violation.violation.pod ? { pod: violation.violation.pod } : {}),
            on: violation.on,
            setupLength: violation.setupLength,
            trace: violation.trace.map((s) => ({
              event: s.event,
              description: s.description,
              ...(s.move ? { writes: s.move } : {}),
              pods: s.table,
            })),
          },
        }
      : {}),
  };
}
