/**
 * Counterexamples as files: a failing case, shrunk, saved as JSON under
 * `reports/counterexamples/` with everything needed to replay it without fast-check.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type DsEvent, type DsEventType, EVENT_TYPES } from '../../model/events.ts';
import type { Counterexample } from './campaign.js';
import type { ProfileName } from './profiles.js';
import type { TraceEntry } from './runner.js';

export const COUNTEREXAMPLE_FORMAT = 'dsconform/counterexample@1';

export interface ImplementationRef {
  name: string;
  kind: 'reference' | 'process';
  /** The command for a process implementation. */
  controller?: string;
  /** A reference mutant's name. */
  mutant?: string;
}

export interface CounterexampleFile {
  format: typeof COUNTEREXAMPLE_FORMAT;
  implementation: ImplementationRef;
  profile: ProfileName;
  seed: number;
  /** Index of the failing case in the campaign, and the seed fast-check generated it from. */
  caseIndex: number;
  caseSeed: number;
  path: string;
  shrinks: number;
  scope: { nodes: number; maxEvents: number };
  invariant: string;
  message: string;
  node?: string;
  /** Index of the event after which the violation showed; -1 = at quiescence. */
  step: number;
  events: DsEvent[];
  trace: Omit<TraceEntry, 'event'>[];
  finalTable: string[];
  /**
   * The case failed once and passed when run again with the same events: the implementation is
   * non-deterministic. `events` and `trace` are the failing run as observed (not shrunk); a replay
   * may pass.
   */
  nonDeterministic?: true;
}

export function counterexampleFile(
  implementation: ImplementationRef,
  profile: ProfileName,
  scope: { nodes: number; maxEvents: number },
  cx: Counterexample,
  finalTable: string[],
): CounterexampleFile {
  const { failure } = cx;
  return {
    format: COUNTEREXAMPLE_FORMAT,
    implementation,
    profile,
    seed: cx.seed,
    caseIndex: cx.caseIndex,
    caseSeed: cx.caseSeed,
    path: cx.path,
    shrinks: cx.shrinks,
    scope,
    invariant: failure.invariant,
    message: failure.message,
    ...(failure.node !== undefined ? { node: failure.node } : {}),
    step: failure.step,
    events: cx.events,
    trace: failure.trace.map(({ event: _event, ...rest }) => rest),
    finalTable,
    ...(cx.nonDeterministic ? { nonDeterministic: true as const } : {}),
  };
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}

/** Writes the file under `<reportDir>/counterexamples/` with a name fixed by invariant, seed and implementation. */
export function saveCounterexample(reportDir: string, file: CounterexampleFile): string {
  const dir = join(reportDir, 'counterexamples');
  mkdirSync(dir, { recursive: true });
  const who = file.implementation.mutant
    ? `mutant-${file.implementation.mutant}`
    : file.implementation.kind === 'reference'
      ? 'reference'
      : slug(file.implementation.name);
  const path = join(dir, `${file.invariant}-${file.profile}-seed${file.seed}-${who}.json`);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return relative(process.cwd(), path) || path;
}

export function loadCounterexample(path: string): CounterexampleFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT' ? `${path}: no such file` : `${path}: not a JSON counterexample (${(e as Error).message})`,
    );
  }
  const file = parsed as Partial<CounterexampleFile>;
  if (file.format !== COUNTEREXAMPLE_FORMAT || !Array.isArray(file.events)) {
    throw new Error(
      `${path}: not a dsconform counterexample (expected "format": "${COUNTEREXAMPLE_FORMAT}" and an "events" list)`,
    );
  }
  if (typeof file.invariant !== 'string' || typeof file.step !== 'number' || typeof file.implementation !== 'object')
    throw new Error(`${path}: not a dsconform counterexample (expected "invariant", "step" and "implementation")`);
  file.events.forEach((event, i) => {
    const problem = eventProblem(event);
    if (problem) throw new Error(`${path}: events[${i}]: ${problem}`);
  });
  return file as CounterexampleFile;
}

/** The fields each event type needs (model/events.ts), checked so that a hand-edited file fails in one line. */
const EVENT_FIELDS: Record<DsEventType, readonly string[]> = {
  NODE_ADDED: ['node'],
  NODE_REMOVED: ['node'],
  NODE_LABEL_SET: ['node', 'key', 'value'],
  NODE_LABEL_REMOVED: ['node', 'key'],
  TAINT_ADDED: ['node', 'taint'],
  TAINT_REMOVED: ['node', 'key', 'effect'],
  NODE_CORDONED: ['node'],
  NODE_UNCORDONED: ['node'],
  NODE_READY: ['node'],
  NODE_NOT_READY: ['node'],
  DS_CREATED: ['spec'],
  TEMPLATE_UPDATED: ['template'],
  STRATEGY_CHANGED: ['updateStrategy'],
  DS_DELETED: ['policy'],
  POD_BECAME_READY: ['node'],
  POD_FAILED: ['node'],
  POD_DELETED_BY_USER: ['node'],
  ORPHAN_POD_APPEARED: ['node', 'revision'],
  CONTROLLER_RESTARTED: [],
  TIME_ADVANCED: ['seconds'],
  CONTROLLER_SYNC: [],
  KUBELET_STEP: [],
  SCHEDULER_STEP: [],
  GC_STEP: [],
};

function eventProblem(event: unknown): string | undefined {
  if (event === null || typeof event !== 'object') return 'expected an event object';
  const type = (event as { type?: unknown }).type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type))
    return `unknown event type ${JSON.stringify(type)}; expected one of ${EVENT_TYPES.join(', ')}`;
  const missing = EVENT_FIELDS[type as DsEventType].filter((f) => (event as Record<string, unknown>)[f] === undefined);
  return missing.length > 0 ? `${type} needs ${missing.map((f) => `"${f}"`).join(', ')}` : undefined;
}
