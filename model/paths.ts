/**
 * A deterministic, transition-covering suite of event sequences, derived with `xstate/graph`.
 *
 * Breadth-first search over the full world is far too large, and a search keyed on the state
 * value alone never gets past the first few steps (most progress leaves the value unchanged).
 * So the suite starts from a handful of seeds, each a scripted prefix that reaches an
 * interesting situation (a converged DaemonSet per strategy, a stalled rollout); from each seed
 * `getShortestPaths` explores with vertices keyed by (state value, incoming event type,
 * previous state value). Every candidate path is replayed through the coverage
 * recorder, and a greedy set cover keeps the fewest paths that reach every transition, guard
 * outcome and state node any candidate reaches.
 */
import { readFileSync } from 'node:fs';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { createCoverageRecorder } from './coverage.ts';
import type { DsEvent } from './events.ts';
import { daemonSetMachine } from './machine.ts';
import { nextDeadline, readinessStep, sameWorld } from './quiescence.ts';
import { applyEvent, applyEventQuietly } from './step.ts';
import { SPECS, TEMPLATE_B, type UniverseOptions, universeEvents, universeInput } from './universe.ts';
import { initialWorld, type World, type WorldInput } from './world.ts';

export interface ModelPath {
  /** `<seed>/<nn>`, stable for a given model. */
  readonly id: string;
  readonly seed: string;
  readonly input: WorldInput;
  readonly events: readonly DsEvent[];
  /** The machine state value the path ends in. */
  readonly finalState: string;
  /** Coverage items (transition ids, `guard:outcome`, state node ids) this path is kept for. */
  readonly covers: readonly string[];
}

export interface Seed {
  readonly name: string;
  readonly description: string;
  readonly events: readonly DsEvent[];
}

/**
 * The step events that take `world` to quiescence when the only environment help is pods
 * passing readiness and time passing: GC, scheduler, kubelet, readiness, controller, repeated.
 */
export function convergeEvents(world: World, maxEvents = 200): DsEvent[] {
  const events: DsEvent[] = [];
  let current = world;
  const tryEvent = (event: DsEvent) => {
    const next = applyEventQuietly(current, event);
    if (sameWorld(next, current)) return false;
    events.push(event);
    current = next;
    return true;
  };
  while (events.length < maxEvents) {
    let moved = false;
    for (const type of ['GC_STEP', 'SCHEDULER_STEP', 'KUBELET_STEP'] as const) moved = tryEvent({ type }) || moved;
    const ready = readinessStep(current);
    for (const pod of current.pods) {
      if (ready.pods.find((p) => p.name === pod.name)?.ready && !pod.ready) {
        moved = tryEvent({ type: 'POD_BECAME_READY', node: pod.node }) || moved;
      }
    }
    moved = tryEvent({ type: 'CONTROLLER_SYNC' }) || moved;
    if (moved) continue;
    const deadline = nextDeadline(current);
    if (deadline === undefined) break;
    tryEvent({ type: 'TIME_ADVANCED', seconds: deadline - current.time });
  }
  return events;
}

function scripted(input: WorldInput, ...parts: ReadonlyArray<readonly DsEvent[] | 'converge'>): DsEvent[] {
  let world = initialWorld(input);
  const events: DsEvent[] = [];
  for (const part of parts) {
    const add = part === 'converge' ? convergeEvents(world) : part;
    for (const e of add) {
      world = applyEvent(world, e);
      events.push(e);
    }
  }
  return events;
}

/** The seeds of the suite over the small universe's initial nodes. */
export function seeds(options: UniverseOptions = {}): Seed[] {
  const input = universeInput(options);
  const converged = (spec: (typeof SPECS)[keyof typeof SPECS]) =>
    scripted(input, [{ type: 'DS_CREATED', spec }], 'converge');
  return [
    { name: 'fresh', description: 'no DaemonSet yet', events: [] },
    {
      name: 'orphans',
      description: 'no DaemonSet; an orphan that lost readiness while its node was NotReady',
      events: [
        { type: 'ORPHAN_POD_APPEARED', node: 'node-0', revision: 'none' },
        { type: 'NODE_NOT_READY', node: 'node-0' },
        { type: 'NODE_READY', node: 'node-0' },
      ],
    },
    {
      name: 'inFlight',
      description: 'RollingUpdate DaemonSet whose first pods are created but not yet scheduled',
      events: [{ type: 'DS_CREATED', spec: SPECS.rolling }, { type: 'CONTROLLER_SYNC' }],
    },
    {
      name: 'rolling',
      description: 'RollingUpdate (maxUnavailable 1) DaemonSet, converged',
      events: converged(SPECS.rolling),
    },
    { name: 'surge', description: 'RollingUpdate (maxSurge 1) DaemonSet, converged', events: converged(SPECS.surge) },
    { name: 'onDelete', description: 'OnDelete DaemonSet, converged', events: converged(SPECS.onDelete) },
    {
      name: 'stalled',
      description: 'rollout blocked by a pod stuck terminating on a NotReady node',
      events: scripted(
        input,
        converged(SPECS.rolling),
        [
          { type: 'NODE_NOT_READY', node: 'node-0' },
          { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B },
        ],
        'converge',
      ),
    },
  ];
}

export interface PathSuiteOptions extends UniverseOptions {
  /** Traversal limit per seed (`xstate/graph` throws beyond it). */
  readonly limit?: number;
}

/** Candidate paths: every shortest path from every seed (the seed's prefix, then a continuation). */
export function candidatePaths(options: PathSuiteOptions = {}): Array<{ seed: Seed; continuation: DsEvent[] }> {
  const input = universeInput(options);
  const out: Array<{ seed: Seed; continuation: DsEvent[] }> = [];
  for (const seed of seeds(options)) {
    let [snapshot] = initialTransition(daemonSetMachine, input);
    for (const e of seed.events) [snapshot] = transition(daemonSetMachine, snapshot, e);
    const paths = getShortestPaths(daemonSetMachine, {
      input,
      fromState: snapshot,
      events: (s) => universeEvents(s.context.world, options),
      // Keyed like createTestModel's default: a vertex per (value, incoming event type, previous value),
      // so that shortest paths to vertices cover every value-level transition.
      serializeState: (s, e, prev) =>
        `${JSON.stringify(s.value)}|${e?.type ?? ''}|${prev ? JSON.stringify(prev.value) : ''}`,
      limit: options.limit ?? 100_000,
    });
    for (const p of paths) out.push({ seed, continuation: p.steps.map((s) => s.event) });
  }
  return out;
}

/** The transition-covering suite: the fewest candidates (greedy) that keep every item any candidate covers. */
export function transitionCoveringPaths(options: PathSuiteOptions = {}): ModelPath[] {
  const input = universeInput(options);
  const items = (r: ReturnType<typeof createCoverageRecorder>) => {
    const { transitions, guards, stateNodes, phaseEvents } = r.hits;
    return [...transitions, ...guards, ...stateNodes, ...phaseEvents];
  };
  // Each seed's prefix is replayed once; candidates resume from its persisted snapshot.
  const prefixes = new Map<
    string,
    { items: string[]; persisted: ReturnType<typeof daemonSetMachine.getPersistedSnapshot> }
  >();
  const candidates = candidatePaths(options).map(({ seed, continuation }) => {
    let prefix = prefixes.get(seed.name);
    if (!prefix) {
      const r = createCoverageRecorder();
      r.run(seed.events, input);
      prefix = { items: items(r), persisted: daemonSetMachine.getPersistedSnapshot(r.snapshot()) };
      prefixes.set(seed.name, prefix);
    }
    const recorder = createCoverageRecorder();
    recorder.start(input, prefix.persisted);
    for (const e of continuation) recorder.send(e);
    return {
      seed: seed.name,
      events: [...seed.events, ...continuation],
      items: new Set([...prefix.items, ...items(recorder)]),
      finalState: JSON.stringify(recorder.snapshot().value),
    };
  });
  const covered = new Set<string>();
  const chosen: Array<(typeof candidates)[number] & { gain: string[] }> = [];
  for (;;) {
    let best: ((typeof candidates)[number] & { gain: string[] }) | undefined;
    for (const c of candidates) {
      const gain = [...c.items].filter((i) => !covered.has(i));
      if (gain.length === 0) continue;
      // Most new items first; then shorter; then earlier (the candidate order is deterministic).
      if (
        !best ||
        gain.length > best.gain.length ||
        (gain.length === best.gain.length && c.events.length < best.events.length)
      ) {
        best = { ...c, gain };
      }
    }
    if (!best) break;
    for (const i of best.gain) covered.add(i);
    chosen.push(best);
  }
  const perSeed = new Map<string, number>();
  return chosen.map((c) => {
    const n = perSeed.get(c.seed) ?? 0;
    perSeed.set(c.seed, n + 1);
    return {
      id: `${c.seed}/${String(n + 1).padStart(2, '0')}`,
      seed: c.seed,
      input,
      events: c.events,
      finalState: c.finalState,
      covers: [...c.gain].sort(),
    };
  });
}

/** Where the committed suite lives (regenerate with `npx tsx scripts/gen-paths.ts`). */
export const pathSuiteFile = new URL('./paths.json', import.meta.url);

interface PathSuiteFile {
  readonly seeds: Readonly<Record<string, readonly DsEvent[]>>;
  readonly paths: ReadonlyArray<Omit<ModelPath, 'events'> & { readonly continuation: readonly DsEvent[] }>;
}

/** The suite as JSON: each seed's prefix once, each path as its seed plus a continuation. */
export function serializePathSuite(paths: readonly ModelPath[], options: UniverseOptions = {}): string {
  const prefixes = Object.fromEntries(seeds(options).map((s) => [s.name, s.events]));
  const file: PathSuiteFile = {
    seeds: Object.fromEntries(Object.entries(prefixes).filter(([name]) => paths.some((p) => p.seed === name))),
    paths: paths.map(({ events, ...rest }) => ({
      ...rest,
      continuation: events.slice(prefixes[rest.seed]?.length ?? 0),
    })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The committed path suite (fast: no graph traversal). */
export function committedPathSuite(): ModelPath[] {
  const file = JSON.parse(readFileSync(pathSuiteFile, 'utf8')) as PathSuiteFile;
  return file.paths.map(({ continuation, ...rest }) => ({
    ...rest,
    events: [...(file.seeds[rest.seed] ?? []), ...continuation],
  }));
}
