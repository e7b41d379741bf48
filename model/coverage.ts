/**
 * Model coverage: how much of the machine a campaign exercised. The universe comes from the
 * machine's graph (`xstate/graph`: `getStateNodes`, `toDirectedGraph`; `toDirectedGraph` leaves
 * out eventless transitions, so those are read from the state nodes); the hits come from
 * running the campaign's events through an actor with the inspection API (`@xstate.microstep`
 * lists the transitions taken) and guards wrapped to record their outcomes.
 *
 * Items: state nodes, transitions, guard outcomes (each guard true and false), event types
 * (sent and handled by a transition), phase events (each event type sent while in each stable
 * lifecycle state, e.g. `active.stable × NODE_NOT_READY`: the machine's transitions mostly sit
 * on `active`, so this is the finer measure of "every event in every phase"), and invariants
 * (checked by the harness and reported here).
 */
import { type AnyStateNode, type AnyTransitionDefinition, createActor, type Snapshot } from 'xstate';
import { type DirectedGraphNode, getStateNodes, toDirectedGraph } from 'xstate/graph';
import { type DsEvent, EVENT_TYPES } from './events.ts';
import { INVARIANTS } from './invariants.ts';
import { type DaemonSetMachine, daemonSetMachine } from './machine.ts';
import type { WorldInput } from './world.ts';

export type CoverageKind = 'stateNode' | 'transition' | 'guard' | 'eventType' | 'phaseEvent' | 'invariant';

export interface TransitionInfo {
  /** `<source id>|<event type or "always">|<index among that source's transitions for it>`. */
  readonly id: string;
  readonly source: string;
  /** Event type; `''` for an eventless (`always`) transition. */
  readonly event: string;
  readonly guard?: string;
  /** Target state ids; empty for a targetless transition (actions only). */
  readonly targets: readonly string[];
  readonly actions: readonly string[];
  /** `source --EVENT [guard]--> target` */
  readonly label: string;
}

export interface ModelUniverse {
  readonly stateNodes: readonly string[];
  readonly transitions: readonly TransitionInfo[];
  readonly guards: readonly string[];
  readonly eventTypes: readonly string[];
  /** Leaf states an event can be sent in (the transient `settling` is never observed between events). */
  readonly phases: readonly string[];
  readonly invariants: readonly string[];
}

const short = (id: string) => id.replace(/^daemonset\.?/, '') || '(root)';

function guardName(t: AnyTransitionDefinition): string | undefined {
  const g = t.guard as unknown;
  if (typeof g === 'string') return g;
  if (g && typeof g === 'object' && 'type' in g && typeof g.type === 'string') return g.type;
  return undefined;
}

function actionNames(t: AnyTransitionDefinition): string[] {
  return (t.actions as readonly unknown[]).flatMap((a) =>
    typeof a === 'string'
      ? [a]
      : a && typeof a === 'object' && 'type' in a && typeof a.type === 'string'
        ? [a.type]
        : [],
  );
}

function describe(source: AnyStateNode, event: string, index: number, t: AnyTransitionDefinition): TransitionInfo {
  const guard = guardName(t);
  const targets = (t.target ?? []).map((n: AnyStateNode) => n.id);
  const to = targets.length > 0 ? targets.map(short).join(', ') : '(stays)';
  return {
    id: `${source.id}|${event === '' ? 'always' : event}|${index}`,
    source: source.id,
    event,
    ...(guard !== undefined ? { guard } : {}),
    targets,
    actions: actionNames(t),
    label: `${short(source.id)} --${event === '' ? 'always' : event}${guard ? ` [${guard}]` : ''}--> ${to}`,
  };
}

/** Every transition of the machine with its definition object (identity is what inspection reports). */
export function machineTransitions(
  machine: DaemonSetMachine = daemonSetMachine,
): Array<[AnyTransitionDefinition, TransitionInfo]> {
  const out: Array<[AnyTransitionDefinition, TransitionInfo]> = [];
  // toDirectedGraph gives the evented edges, nested like the state tree.
  const walk = (node: DirectedGraphNode) => {
    const perEvent = new Map<string, number>();
    for (const edge of node.edges) {
      const event = edge.transition.eventType;
      const index = perEvent.get(event) ?? 0;
      perEvent.set(event, index + 1);
      out.push([edge.transition, describe(node.stateNode, event, index, edge.transition)]);
    }
    for (const child of node.children) walk(child);
  };
  walk(toDirectedGraph(machine));
  for (const node of [machine.root, ...getStateNodes(machine)]) {
    (node.always ?? []).forEach((t, i) => {
      out.push([t, describe(node, '', i, t)]);
    });
  }
  return out;
}

export function modelUniverse(machine: DaemonSetMachine = daemonSetMachine): ModelUniverse {
  const transitions = machineTransitions(machine).map(([, info]) => info);
  return {
    stateNodes: [machine.root, ...getStateNodes(machine)].map((n) => n.id),
    transitions,
    guards: Object.keys(machine.implementations.guards).sort(),
    eventTypes: [...EVENT_TYPES],
    phases: getStateNodes(machine)
      .filter((n) => n.type === 'atomic' && n.always === undefined)
      .map((n) => short(n.id)),
    invariants: INVARIANTS.map((i) => i.id),
  };
}

const NOT_FOUND =
  'no DaemonSet object exists in this state: the API answers NotFound and nothing changes, so no effective transition exists';
const QUIET =
  'a quiet state: by definition no kubelet, scheduler, garbage-collector, readiness or clock step changes anything here';

/**
 * Items no campaign can exercise effectively, with the reason. Phase events count as covered
 * when the event was sent in that state; the path suite sends only events that change the
 * world (plus refused writes, syncs and restarts), and these are the pairs where the event can
 * never change anything. The coverage test keeps the list honest: every item listed stays
 * uncovered by the suite, and every item the suite misses is listed.
 */
export const UNREACHABLE: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    ['absent', 'gone', 'deleting.background'].flatMap((phase) =>
      ['TEMPLATE_UPDATED', 'STRATEGY_CHANGED', 'DS_DELETED'].map((e) => [`${phase} × ${e}`, NOT_FOUND]),
    ),
  ),
  'absent × SCHEDULER_STEP':
    'before any DaemonSet exists the only pods are orphans, which appear bound: the scheduler has nothing to bind',
  ...Object.fromEntries(
    ['active.stable', 'active.stalled'].flatMap((phase) =>
      ['POD_BECAME_READY', 'KUBELET_STEP', 'SCHEDULER_STEP', 'GC_STEP', 'TIME_ADVANCED'].map((e) => [
        `${phase} × ${e}`,
        QUIET,
      ]),
    ),
  ),
};

export interface CoverageHits {
  readonly stateNodes: ReadonlySet<string>;
  readonly transitions: ReadonlySet<string>;
  /** `<guard>:true` / `<guard>:false` */
  readonly guards: ReadonlySet<string>;
  readonly eventTypesSent: ReadonlySet<string>;
  readonly eventTypesHandled: ReadonlySet<string>;
  /** `<leaf state> × <event type>` */
  readonly phaseEvents: ReadonlySet<string>;
  readonly invariants: ReadonlySet<string>;
}

type DaemonSetSnapshot = ReturnType<ReturnType<typeof createActor<DaemonSetMachine>>['getSnapshot']>;

export interface CoverageRecorder {
  /**
   * Starts a run (a fresh actor); a campaign is any number of runs. `from` resumes a persisted
   * snapshot (`daemonSetMachine.getPersistedSnapshot`) instead of the initial state.
   */
  start(input?: WorldInput, from?: Snapshot<unknown>): void;
  /** Sends one event to the current run and returns the machine's snapshot after it. */
  send(event: DsEvent): DaemonSetSnapshot;
  /** The current run's snapshot. */
  snapshot(): DaemonSetSnapshot;
  /** A whole run: start, then every event. */
  run(events: readonly DsEvent[], input?: WorldInput): void;
  /** The harness reports an invariant it evaluated. */
  recordInvariant(id: string): void;
  readonly hits: CoverageHits;
}

export function phaseEvent(stateId: string, eventType: string): string {
  return `${short(stateId)} × ${eventType}`;
}

/**
 * A machine whose guards also report their results, with its transitions by object: built once per
 * machine (provide() and the transition walk cost about 5 ms, once per recorder before). Its guards
 * report to whichever recorder is sending an event at the time, which is one at most: an actor
 * evaluates guards only inside start() and send().
 */
interface InstrumentedMachine {
  readonly machine: DaemonSetMachine;
  readonly ids: ReadonlyMap<unknown, ReturnType<typeof machineTransitions>[number][1]>;
  readonly guardsHit: { current: Set<string> | undefined };
}

const instrumentedMachines = new WeakMap<DaemonSetMachine, InstrumentedMachine>();

function instrumented(machine: DaemonSetMachine): InstrumentedMachine {
  let known = instrumentedMachines.get(machine);
  if (known) return known;
  const guardsHit: InstrumentedMachine['guardsHit'] = { current: undefined };
  const wrapped = Object.fromEntries(
    Object.entries(machine.implementations.guards).map(([name, guard]) => [
      name,
      (...args: unknown[]) => {
        const result = (guard as (...a: unknown[]) => boolean)(...args);
        guardsHit.current?.add(`${name}:${result}`);
        return result;
      },
    ]),
  );
  const provided = machine.provide({ guards: wrapped } as Parameters<DaemonSetMachine['provide']>[0]);
  known = { machine: provided, ids: new Map(machineTransitions(provided)), guardsHit };
  instrumentedMachines.set(machine, known);
  return known;
}

/** Records what runs through the machine take. */
export function createCoverageRecorder(machine: DaemonSetMachine = daemonSetMachine): CoverageRecorder {
  const stateNodes = new Set<string>();
  const transitions = new Set<string>();
  const guards = new Set<string>();
  const eventTypesSent = new Set<string>();
  const eventTypesHandled = new Set<string>();
  const phaseEvents = new Set<string>();
  const invariants = new Set<string>();

  const { machine: instrumentedMachine, ids, guardsHit } = instrumented(machine);
  /** Runs `work` with this recorder's guard set receiving the guards' results. */
  const recordingGuards = <T>(work: () => T): T => {
    const outer = guardsHit.current;
    guardsHit.current = guards;
    try {
      return work();
    } finally {
      guardsHit.current = outer;
    }
  };

  const enter = (node: AnyStateNode | undefined) => {
    for (let n = node; n; n = n.parent) stateNodes.add(n.id);
  };
  let actor: ReturnType<typeof createActor<DaemonSetMachine>> | undefined;

  const recorder: CoverageRecorder = {
    start(input, from) {
      actor?.stop();
      actor = createActor(instrumentedMachine, {
        input,
        ...(from !== undefined ? { snapshot: from } : {}),
        inspect: (ev) => {
          if (ev.type !== '@xstate.microstep') return;
          for (const t of ev._transitions) {
            const info = ids.get(t);
            if (!info) continue;
            transitions.add(info.id);
            if (info.event !== '') eventTypesHandled.add(info.event);
            for (const target of t.target ?? []) enter(target);
          }
        },
      });
      const started = actor;
      recordingGuards(() => started.start());
      for (const n of actor.getSnapshot()._nodes) enter(n);
    },
    send(event) {
      if (!actor) recorder.start();
      const a = actor as NonNullable<typeof actor>;
      eventTypesSent.add(event.type);
      for (const leaf of a.getSnapshot()._nodes)
        if (leaf.type === 'atomic') phaseEvents.add(phaseEvent(leaf.id, event.type));
      recordingGuards(() => a.send(event));
      return a.getSnapshot();
    },
    snapshot() {
      if (!actor) recorder.start();
      return (actor as NonNullable<typeof actor>).getSnapshot();
    },
    run(events, input) {
      recorder.start(input);
      for (const e of events) recorder.send(e);
    },
    recordInvariant(id) {
      invariants.add(id);
    },
    hits: { stateNodes, transitions, guards, eventTypesSent, eventTypesHandled, phaseEvents, invariants },
  };
  return recorder;
}

export interface CoverageItem {
  readonly kind: CoverageKind;
  readonly id: string;
  readonly label: string;
  readonly covered: boolean;
  /** Why the item cannot be covered, when it is known unreachable. */
  readonly unreachable?: string;
}

export interface CoverageTotals {
  readonly total: number;
  readonly covered: number;
  readonly unreachable: number;
  /** Reachable but not covered: what a campaign should still exercise. */
  readonly uncovered: number;
}

export interface CoverageReport {
  readonly summary: Readonly<Record<CoverageKind, CoverageTotals>>;
  readonly items: readonly CoverageItem[];
}

/** The coverage report of a recorder's hits against the machine's universe. */
export function coverageReport(
  hits: CoverageHits,
  machine: DaemonSetMachine = daemonSetMachine,
  unreachable: Readonly<Record<string, string>> = UNREACHABLE,
): CoverageReport {
  const u = modelUniverse(machine);
  const item = (kind: CoverageKind, id: string, label: string, covered: boolean): CoverageItem => {
    const why = unreachable[id];
    return { kind, id, label, covered, ...(why !== undefined && !covered ? { unreachable: why } : {}) };
  };
  const items: CoverageItem[] = [
    ...u.stateNodes.map((id) => item('stateNode', id, short(id), hits.stateNodes.has(id))),
    ...u.transitions.map((t) => item('transition', t.id, t.label, hits.transitions.has(t.id))),
    ...u.guards.flatMap((g) =>
      [true, false].map((outcome) =>
        item('guard', `${g}:${outcome}`, `${g} → ${outcome}`, hits.guards.has(`${g}:${outcome}`)),
      ),
    ),
    ...u.eventTypes.map((e) => item('eventType', e, e, hits.eventTypesHandled.has(e))),
    ...u.phases.flatMap((p) =>
      u.eventTypes.map((e) => {
        const id = `${p} × ${e}`;
        return item('phaseEvent', id, id, hits.phaseEvents.has(id));
      }),
    ),
    ...u.invariants.map((id) => item('invariant', id, id, hits.invariants.has(id))),
  ];
  const kinds: CoverageKind[] = ['stateNode', 'transition', 'guard', 'eventType', 'phaseEvent', 'invariant'];
  const summary = Object.fromEntries(
    kinds.map((kind) => {
      const of = items.filter((i) => i.kind === kind);
      const covered = of.filter((i) => i.covered).length;
      const unreachableCount = of.filter((i) => i.unreachable !== undefined).length;
      return [
        kind,
        { total: of.length, covered, unreachable: unreachableCount, uncovered: of.length - covered - unreachableCount },
      ];
    }),
  ) as Record<CoverageKind, CoverageTotals>;
  return { summary, items };
}

/** JSON-ready form of a report (the items as plain objects). */
export function coverageToJson(report: CoverageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** A short text summary: one line per kind, then every uncovered and unreachable item. */
export function formatCoverage(report: CoverageReport): string {
  const pct = (t: CoverageTotals) =>
    t.total - t.unreachable === 0 ? 100 : (100 * t.covered) / (t.total - t.unreachable);
  const lines = ['Model coverage'];
  for (const [kind, t] of Object.entries(report.summary)) {
    lines.push(
      `  ${kind.padEnd(10)} ${String(t.covered).padStart(4)}/${t.total - t.unreachable} reachable covered (${pct(t).toFixed(1)}%), ${t.unreachable} unreachable`,
    );
  }
  const uncovered = report.items.filter((i) => !i.covered && i.unreachable === undefined && i.kind !== 'invariant');
  if (uncovered.length > 0) {
    lines.push('Uncovered:');
    for (const i of uncovered) lines.push(`  - [${i.kind}] ${i.label}`);
  }
  const unreachable = report.items.filter((i) => i.unreachable !== undefined);
  if (unreachable.length > 0) {
    lines.push('Unreachable:');
    for (const i of unreachable) lines.push(`  - [${i.kind}] ${i.label}: ${i.unreachable}`);
  }
  return `${lines.join('\n')}\n`;
}
