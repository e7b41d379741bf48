/**
 * What the controller wrote in a step, write by write, each tied to the DaemonSets it concerns,
 * so that an expectation can count one DaemonSet's writes by kind (`writes: {daemonSet: b,
 * adoptions: 1}`) as upstream's tests count a fake client's calls.
 */
import type { ControllerWrites } from '../../model/observation.ts';
import { controllerRefOf } from '../cluster/objects.js';
import type { ClusterEvent, WatchEvent } from '../cluster/store.js';
import { podWriteOf, statusChanged } from '../harness/system.js';

/** The kinds of write `writes:` counts, in the order they are listed in the docs. */
export const WRITE_KINDS = [
  'creates',
  'deletes',
  'statusWrites',
  'podPatches',
  'adoptions',
  'releases',
  'revisionWrites',
  'revisionCreates',
  'revisionUpdates',
  'revisionDeletes',
] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

/** One write: its kind and the uids of the DaemonSets it concerns (a pod's owner before and after). */
export interface WriteEntry {
  readonly kind: WriteKind;
  readonly owners: readonly string[];
}

/** An event the controller recorded about a DaemonSet during the step. */
export interface EventEntry {
  readonly reason: string;
  /** `namespace/name` of the DaemonSet. */
  readonly daemonSet: string;
}

/** A step's writes (or a settle's steps', concatenated). */
export interface StepWrites {
  readonly entries: readonly WriteEntry[];
  readonly events: readonly EventEntry[];
}

export const NO_STEP_WRITES: StepWrites = { entries: [], events: [] };

/** The counts `writes:` checks: one number per kind, and events by reason. */
export type Writes = Readonly<Record<WriteKind, number>> & { readonly events: Readonly<Record<string, number>> };

/** Which DaemonSet's writes to count: its uid (pods, revisions, status) and `namespace/name` (events). */
export interface WritesOf {
  readonly uid: string | undefined;
  readonly key: string;
}

export function concatWrites(a: StepWrites, b: StepWrites): StepWrites {
  return { entries: [...a.entries, ...b.entries], events: [...a.events, ...b.events] };
}

/** The uids of these owner references, once each. */
const uidsOf = (...refs: ({ uid?: string } | undefined)[]): string[] => [
  ...new Set(refs.map((r) => r?.uid).filter((u): u is string => u !== undefined)),
];

/**
 * The writes of one controller step, from the watch events it caused (`changes`) and the deletes
 * it asked for (`summary.deletes`, which include deletes of pods already terminating).
 * `ownerOfPod` finds a pod's controller uid by name when the watch shows no change for it.
 */
export function stepWrites(
  summary: ControllerWrites,
  changes: readonly WatchEvent[],
  ownerOfPod: (name: string) => string | undefined,
): WriteEntry[] {
  const entries: WriteEntry[] = [];
  const deleted = new Set<string>();
  const statusOf = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'ControllerRevision') {
      const owners = uidsOf(controllerRefOf(change.oldObject ?? {}), controllerRefOf(change.object));
      const kind: WriteKind =
        change.type === 'ADDED' ? 'revisionCreates' : change.type === 'DELETED' ? 'revisionDeletes' : 'revisionUpdates';
      entries.push({ kind: 'revisionWrites', owners }, { kind, owners });
    } else if (change.kind === 'DaemonSet') {
      const uid = change.object.metadata?.uid;
      if (uid !== undefined && statusChanged(change)) statusOf.add(uid);
    } else if (change.kind === 'Pod') {
      const before = controllerRefOf(change.oldObject ?? {});
      const after = controllerRefOf(change.object);
      const owners = uidsOf(before, after);
      const write = podWriteOf(change);
      if (write === 'create') entries.push({ kind: 'creates', owners });
      else if (write === 'delete') {
        deleted.add(change.object.metadata?.name ?? '');
        entries.push({ kind: 'deletes', owners });
      } else if (write === 'patch') {
        entries.push({ kind: 'podPatches', owners });
        if (before === undefined && after !== undefined) entries.push({ kind: 'adoptions', owners });
        if (before !== undefined && after === undefined) entries.push({ kind: 'releases', owners });
      }
    }
  }
  // Deletes of pods whose deletion the watch did not show (already terminating).
  for (const name of summary.deletes) {
    if (deleted.has(name)) continue;
    const owner = ownerOfPod(name);
    entries.push({ kind: 'deletes', owners: owner === undefined ? [] : [owner] });
  }
  // One status write per DaemonSet per step, as `statusWrites` has always counted syncs.
  if (statusOf.size > 0 || summary.statusWritten) entries.push({ kind: 'statusWrites', owners: [...statusOf] });
  return entries;
}

/** The events about DaemonSets among `events` (only the DaemonSet controller records those). */
export function daemonSetEvents(events: readonly ClusterEvent[]): EventEntry[] {
  return events
    .filter((e) => e.involvedObject.kind === 'DaemonSet')
    .map((e) => ({
      reason: e.reason,
      daemonSet: `${e.involvedObject.namespace ?? 'default'}/${e.involvedObject.name}`,
    }));
}

/**
 * The counts of `writes`: every write, or those about one DaemonSet. Without a DaemonSet a step's
 * status writes count once (a sync that changed some status), as they always have.
 */
export function countWrites(writes: StepWrites, of?: WritesOf): Writes {
  const counts = Object.fromEntries(WRITE_KINDS.map((k) => [k, 0])) as Record<WriteKind, number>;
  for (const entry of writes.entries) {
    if (of !== undefined && (of.uid === undefined || !entry.owners.includes(of.uid))) continue;
    counts[entry.kind]++;
  }
  const events: Record<string, number> = {};
  for (const e of writes.events) {
    if (of !== undefined && e.daemonSet !== of.key) continue;
    events[e.reason] = (events[e.reason] ?? 0) + 1;
  }
  return { ...counts, events };
}
