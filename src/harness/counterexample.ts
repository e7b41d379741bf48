/**
 * Counterexamples as files: a failing case, shrunk, saved as JSON under
 * `reports/counterexamples/` with everything needed to replay it without fast-check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DsEvent } from '../../model/events.ts';
import { readBoundedText, TooLargeError } from '../manifests/boundedRead.js';
import { displayPath } from '../manifests/inputError.js';
import type { Counterexample } from './campaign.js';
import {
  COUNTEREXAMPLE_LIMITS,
  counterexampleFileSchema,
  describeCounterexampleIssue,
} from './counterexampleSchema.js';
import type { ProfileName } from './profiles.js';
import type { TraceEntry } from './runner.js';
import { type TimelineSnapshot, timelineSnapshot } from './timelineSnapshot.js';

export const COUNTEREXAMPLE_FORMAT = 'dsconform/counterexample@1';

export interface ImplementationRef {
  name: string;
  kind: 'reference' | 'process';
  /** The command for a process implementation. */
  controller?: string;
  /** A reference mutant's name. */
  mutant?: string;
  /** `check --serve`: the served controller's command, and whose clock it read. */
  serve?: string[];
  clock?: 'virtual' | 'wall';
  /** `check --serve --upstream`: the release, whose program replay builds again (its recorded path is this machine's). */
  upstream?: string;
  /** `check --kubeconfig`: found on a real cluster (its kubeconfig is not recorded). */
  cluster?: true;
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
  /** The settled cluster for the timeline, when the violation showed at quiescence. */
  finalTimeline?: TimelineSnapshot;
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
    ...(failure.step === -1 ? { finalTimeline: timelineSnapshot(failure.observation) } : {}),
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
  return displayPath(resolve(path));
}

export function loadCounterexample(path: string): CounterexampleFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readBoundedText(path, COUNTEREXAMPLE_LIMITS.maxBytes));
  } catch (e) {
    if (e instanceof TooLargeError) throw new Error(`${path}: the file is ${e.message}; a counterexample file is not`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined && !(e instanceof SyntaxError)) throw e;
    throw new Error(
      code === 'ENOENT'
        ? `${path}: no such file`
        : code === 'EISDIR'
          ? `${path}: is a directory, not a counterexample file`
          : code !== undefined
            ? `${path}: cannot read it (${code})`
            : `${path}: not a JSON counterexample (${(e as Error).message})`,
    );
  }
  const file = parsed as Partial<CounterexampleFile> | null;
  if (
    file === null ||
    typeof file !== 'object' ||
    file.format !== COUNTEREXAMPLE_FORMAT ||
    !Array.isArray(file.events)
  ) {
    throw new Error(
      `${path}: not a dsconform counterexample (expected "format": "${COUNTEREXAMPLE_FORMAT}" and an "events" list)`,
    );
  }
  const result = counterexampleFileSchema.safeParse(parsed);
  if (!result.success) throw new Error(`${path}: ${describeCounterexampleIssue(result.error, parsed)}`);
  return parsed as CounterexampleFile;
}
