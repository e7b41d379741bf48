/**
 * Checking an `expect` block against the cluster. Fields are checked in the order they are
 * written, so the first difference reported is the first one a reader meets in the file.
 */
import { type DaemonSet, type Pod, PodTemplateGenerationLabel } from '../cluster/objects.js';
import type { PathSegment } from '../manifests/yamlFile.js';
import { countMatches, show } from './matchers.js';
import type { PodFacts } from './observe.js';
import {
  COUNT_PATTERN,
  type Count,
  type Expectation,
  type PodExpectation,
  STATUS_RELATION,
  type StatusField,
} from './schema.js';
import { WRITE_KINDS, type WriteKind, type Writes } from './stepWrites.js';

/** The first expectation that does not hold: where it is written (inside the expect block) and why. */
export interface Mismatch {
  readonly path: PathSegment[];
  readonly message: string;
}

/** Everything an expectation may look at, for one DaemonSet. */
export interface Observed {
  readonly ds: DaemonSet | undefined;
  readonly pods: readonly PodFacts[];
  readonly existingNodes: readonly string[];
  readonly orphans: readonly { node: string }[];
  readonly revisions: readonly number[];
  /** Unowned ControllerRevisions of its namespace that its selector (as last seen) matches. */
  readonly orphanedRevisions: number;
  /** The number of the revision whose template is the DaemonSet's current one, if one is. */
  readonly templateRevision?: number;
  readonly events: ReadonlyMap<string, number>;
  readonly writes: Writes | undefined;
  readonly snapshot: (name: string) => readonly PodFacts[] | undefined;
  /** Any pod of the DaemonSet's namespace, by name. */
  readonly podNamed?: (name: string) => Pod | undefined;
}

/** `pods.node-0.count`, as the failure names the expectation. */
export function expectationName(path: readonly PathSegment[]): string {
  return path.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.');
}

function mismatch(path: PathSegment[], expected: unknown, actual: unknown, detail = ''): Mismatch {
  return { path, message: `${expectationName(path)}: expected ${show(expected)}, got ${show(actual)}${detail}` };
}

function count(path: PathSegment[], expected: Count | undefined, actual: number, detail = ''): Mismatch | undefined {
  return expected === undefined || countMatches(expected, actual)
    ? undefined
    : mismatch(path, expected, actual, detail);
}

function byValue(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1;
}

/** A single value: every counted pod has it (and there is one); a list: the sorted values are exactly these. */
function values<T extends string | number>(
  path: PathSegment[],
  expected: T | T[] | undefined,
  actual: (T | undefined)[],
  detail: string,
): Mismatch | undefined {
  if (expected === undefined) return undefined;
  const got = actual.map((v) => (v === undefined ? '?' : v));
  const sorted = [...got].sort(byValue);
  if (Array.isArray(expected)) {
    const want = [...expected].sort(byValue);
    return JSON.stringify(want) === JSON.stringify(sorted) ? undefined : mismatch(path, want, sorted, detail);
  }
  if (got.length > 0 && got.every((v) => v === expected)) return undefined;
  return mismatch(path, expected, got.length === 0 ? 'no pods' : got.length === 1 ? got[0] : sorted, detail);
}

/** One node's pods; `detail` names the node when the expectation is written for every node (`*`). */
function checkNode(
  path: PathSegment[],
  expected: Count | PodExpectation,
  pods: readonly PodFacts[],
  detail: string,
): Mismatch | undefined {
  const live = pods.filter((p) => !p.terminating);
  if (typeof expected !== 'object') return count(path, expected, live.length, detail);
  const at = (key: keyof PodExpectation) => [...path, key];
  const checks: Record<keyof PodExpectation, () => Mismatch | undefined> = {
    count: () => count(at('count'), expected.count, live.length, detail),
    ready: () => count(at('ready'), expected.ready, live.filter((p) => p.ready).length, detail),
    available: () => count(at('available'), expected.available, live.filter((p) => p.available).length, detail),
    terminating: () => count(at('terminating'), expected.terminating, pods.length - live.length, detail),
    revision: () =>
      values(
        at('revision'),
        expected.revision,
        live.map((p) => p.revision),
        detail,
      ),
    image: () =>
      values(
        at('image'),
        expected.image,
        live.map((p) => p.image),
        detail,
      ),
    phase: () =>
      values(
        at('phase'),
        expected.phase,
        live.map((p) => p.phase),
        detail,
      ),
  };
  for (const key of Object.keys(expected) as (keyof PodExpectation)[]) {
    const found = checks[key]();
    if (found) return found;
  }
  return undefined;
}

function checkPods(expected: NonNullable<Expectation['pods']>, observed: Observed): Mismatch | undefined {
  const listed = new Set(Object.keys(expected).filter((k) => k !== '*'));
  for (const [key, want] of Object.entries(expected)) {
    const nodes = key === '*' ? observed.existingNodes.filter((n) => !listed.has(n)) : [key];
    for (const node of nodes) {
      const detail = key === '*' ? ` on ${node}` : '';
      const onNode = observed.pods.filter((p) => p.node === node);
      const found = checkNode(['pods', key], want, onNode, detail);
      // A key that names no node is most likely not meant as one (`pods: {total: 2}`).
      if (found && key !== '*' && onNode.length === 0 && !observed.existingNodes.includes(key))
        return {
          ...found,
          message: `${found.message} (there is no node ${key}; the keys of pods are node names, or *; the pods of every node together are podsTotal)`,
        };
      if (found) return found;
    }
  }
  return undefined;
}

/** A status field against a count, or against another field (`<= numberReady`). */
function checkStatus(field: StatusField, want: Count, ds: DaemonSet): Mismatch | undefined {
  const relation = typeof want === 'string' && !COUNT_PATTERN.test(want) ? STATUS_RELATION.exec(want) : null;
  if (relation === null) return count(['status', field], want, statusValue(ds, field));
  const other = relation[2] as StatusField;
  const bound = `${relation[1] ?? '='} ${statusValue(ds, other)}`;
  if (countMatches(bound, statusValue(ds, field))) return undefined;
  return {
    path: ['status', field],
    message: `${expectationName(['status', field])}: expected ${relation[1] ?? '='} ${other} (${statusValue(ds, other)}), got ${statusValue(ds, field)}`,
  };
}

function statusValue(ds: DaemonSet, field: StatusField): number {
  const status = (ds.status ?? {}) as Partial<Record<StatusField, number>>;
  return status[field] ?? 0;
}

/** The first expectation of `expected` that the observation contradicts, if any. */
export function checkExpectation(expected: Expectation, observed: Observed): Mismatch | undefined {
  const { ds } = observed;
  const needDs = (path: PathSegment[]): Mismatch | undefined =>
    ds === undefined ? { path, message: `${expectationName(path)}: the DaemonSet does not exist` } : undefined;
  const live = observed.pods.filter((p) => !p.terminating);
  for (const key of Object.keys(expected) as (keyof Expectation)[]) {
    let found: Mismatch | undefined;
    switch (key) {
      case 'daemonSet':
        break;
      case 'exists':
        if (expected.exists !== (ds !== undefined)) found = mismatch(['exists'], expected.exists, ds !== undefined);
        break;
      case 'deleting': {
        const deleting = ds?.metadata?.deletionTimestamp != null;
        found =
          needDs(['deleting']) ??
          (expected.deleting !== deleting ? mismatch(['deleting'], expected.deleting, deleting) : undefined);
        break;
      }
      case 'generation':
        found =
          needDs(['generation']) ??
          (expected.generation !== ds?.metadata?.generation
            ? mismatch(['generation'], expected.generation, ds?.metadata?.generation)
            : undefined);
        break;
      case 'pods':
        found = checkPods(expected.pods ?? {}, observed);
        break;
      case 'podsTotal':
        found = count(['podsTotal'], expected.podsTotal, live.length);
        break;
      case 'terminating':
        found = count(['terminating'], expected.terminating, observed.pods.length - live.length);
        break;
      case 'orphans': {
        const want = expected.orphans;
        if (typeof want === 'object') {
          for (const [node, n] of Object.entries(want)) {
            found ??= count(['orphans', node], n, observed.orphans.filter((o) => o.node === node).length);
          }
        } else found = count(['orphans'], want, observed.orphans.length);
        break;
      }
      case 'status':
        for (const [field, want] of Object.entries(expected.status ?? {}) as [StatusField, Count][]) {
          found ??= needDs(['status', field]) ?? checkStatus(field, want, ds as DaemonSet);
        }
        break;
      case 'revisions': {
        const want = expected.revisions;
        const current = observed.revisions.length > 0 ? Math.max(...observed.revisions) : 0;
        if (typeof want === 'object') {
          found =
            count(['revisions', 'count'], want.count, observed.revisions.length) ??
            (want.current !== undefined && want.current !== current
              ? mismatch(['revisions', 'current'], want.current, current)
              : undefined) ??
            (want.matchesTemplate !== undefined && want.matchesTemplate !== (observed.templateRevision ?? 'none')
              ? mismatch(['revisions', 'matchesTemplate'], want.matchesTemplate, observed.templateRevision ?? 'none')
              : undefined) ??
            count(['revisions', 'orphaned'], want.orphaned, observed.orphanedRevisions);
        } else found = count(['revisions'], want, observed.revisions.length);
        break;
      }
      case 'events':
        for (const [reason, want] of Object.entries(expected.events ?? {})) {
          found ??= count(['events', reason], want, observed.events.get(reason) ?? 0);
        }
        break;
      case 'writes':
        found = checkWrites(expected.writes ?? {}, observed.writes);
        break;
      case 'kept': {
        const kept = expected.kept;
        if (kept === undefined) break;
        const before = observed.snapshot(kept.snapshot);
        if (before === undefined) {
          found = {
            path: ['kept', 'snapshot'],
            message: `kept.snapshot: no snapshot named "${kept.snapshot}" was taken`,
          };
          break;
        }
        const wanted = before.filter(
          (p) =>
            !p.terminating &&
            (kept.image === undefined || p.image === kept.image) &&
            (kept.revision === undefined || p.revision === kept.revision),
        );
        const now = new Set(live.map((p) => p.uid));
        const gone = wanted.filter((p) => !now.has(p.uid)).map((p) => `${p.name} on ${p.node}`);
        if (gone.length > 0)
          found = {
            path: ['kept'],
            message: `kept: expected the ${wanted.length} pod(s) of snapshot "${kept.snapshot}" to be still running, but ${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} gone`,
          };
        break;
      }
      case 'gone': {
        const name = expected.gone?.snapshot ?? '';
        const before = observed.snapshot(name);
        if (before === undefined) {
          found = { path: ['gone', 'snapshot'], message: `gone.snapshot: no snapshot named "${name}" was taken` };
          break;
        }
        const now = new Set(observed.pods.map((p) => p.uid));
        const left = before.filter((p) => now.has(p.uid)).map((p) => `${p.name} on ${p.node}`);
        if (left.length > 0)
          found = {
            path: ['gone'],
            message: `gone: expected none of the pods of snapshot "${name}" to remain, but ${left.join(', ')} ${left.length === 1 ? 'does' : 'do'}`,
          };
        break;
      }
      case 'podsBy':
        for (const [key, groups] of Object.entries(expected.podsBy ?? {}) as [string, Record<string, Count>][]) {
          const groupOf = (p: PodFacts): string =>
            key === 'revision'
              ? String(p.revision ?? '?')
              : key === 'image'
                ? p.image
                : (p.pod.metadata?.labels?.[PodTemplateGenerationLabel] ?? '?');
          for (const [value, want] of Object.entries(groups)) {
            found ??= count(['podsBy', key, value], want, live.filter((p) => groupOf(p) === value).length);
          }
        }
        break;
      case 'podsNamed':
        for (const [name, want] of Object.entries(expected.podsNamed ?? {})) {
          found ??= checkNamedPod(name, want, observed.podNamed?.(name));
        }
        break;
      case 'podDetails':
        for (const [node, want] of Object.entries(expected.podDetails ?? {})) {
          found ??= checkPodDetails(
            node,
            want,
            live.filter((p) => p.node === node),
          );
        }
        break;
    }
    if (found) return found;
  }
  return undefined;
}

/** `writes:` in the order written; `events` by reason. */
function checkWrites(expected: NonNullable<Expectation['writes']>, writes: Writes | undefined): Mismatch | undefined {
  for (const [key, want] of Object.entries(expected)) {
    if (key === 'events') {
      for (const [reason, n] of Object.entries(want as Record<string, Count>)) {
        const found = count(['writes', 'events', reason], n, writes?.events[reason] ?? 0);
        if (found) return found;
      }
    } else if ((WRITE_KINDS as readonly string[]).includes(key)) {
      const found = count(['writes', key], want as Count, writes?.[key as WriteKind] ?? 0);
      if (found) return found;
    }
  }
  return undefined;
}

type PodDetails = NonNullable<Expectation['podDetails']>[string];

/** JSON with sorted keys: two tolerations or affinities written in another key order are the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Every live pod of the DaemonSet on `node` has the details written for it (and there is one). */
function checkPodDetails(node: string, want: PodDetails, pods: readonly PodFacts[]): Mismatch | undefined {
  const base: PathSegment[] = ['podDetails', node];
  if (pods.length === 0)
    return { path: base, message: `${expectationName(base)}: no live pod of the DaemonSet on ${node}` };
  for (const facts of pods) {
    const found = checkPod(base, want, facts.pod, ` (pod ${facts.name})`);
    if (found) return found;
  }
  return undefined;
}

type NamedPod = NonNullable<Expectation['podsNamed']>[string];

/** A pod named in `podsNamed`: whether it exists (and is terminating), then its details. */
function checkNamedPod(name: string, want: NamedPod, pod: Pod | undefined): Mismatch | undefined {
  const base: PathSegment[] = ['podsNamed', name];
  const { exists = true, terminating, ...details } = want;
  if (exists !== (pod !== undefined)) return mismatch([...base, 'exists'], exists, pod !== undefined);
  if (pod === undefined) return undefined;
  const isTerminating = pod.metadata?.deletionTimestamp != null;
  if (terminating !== undefined && terminating !== isTerminating)
    return mismatch([...base, 'terminating'], terminating, isTerminating);
  return checkPod(base, details, pod, '');
}

/** One pod against the details written for it; `on` names the pod in the message. */
function checkPod(base: PathSegment[], want: PodDetails, pod: Pod, on: string): Mismatch | undefined {
  for (const [field, map] of [
    ['labels', want.labels],
    ['annotations', want.annotations],
  ] as const) {
    const actual: Record<string, string> = pod.metadata?.[field] ?? {};
    for (const [key, value] of Object.entries(map ?? {})) {
      if ((actual[key] ?? null) !== value) return mismatch([...base, field, key], value, actual[key] ?? null, on);
    }
  }
  if (want.tolerations !== undefined) {
    const have = new Set((pod.spec?.tolerations ?? []).map(canonical));
    for (const [i, toleration] of want.tolerations.entries()) {
      if (!have.has(canonical(toleration)))
        return {
          path: [...base, 'tolerations', i],
          message: `${expectationName([...base, 'tolerations', i])}: ${canonical(toleration)} is not among the pod's tolerations${on}: ${canonical(pod.spec?.tolerations ?? [])}`,
        };
    }
  }
  if (want.owner !== undefined) {
    const ref = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
    const actual = ref === undefined ? 'none' : { kind: ref.kind, name: ref.name };
    if (canonical(actual) !== canonical(want.owner)) return mismatch([...base, 'owner'], want.owner, actual, on);
  }
  if (want.nodeAffinity !== undefined) {
    const actual = pod.spec?.affinity?.nodeAffinity ?? null;
    if (canonical(actual) !== canonical(want.nodeAffinity))
      return mismatch([...base, 'nodeAffinity'], want.nodeAffinity, actual, on);
  }
  return undefined;
}
