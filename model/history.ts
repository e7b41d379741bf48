/**
 * ControllerRevisions (note §5.7–§5.8): one revision per distinct template, the current one
 * always carrying the highest revision number; a rollback re-numbers the stored revision
 * instead of creating one; clean-up keeps at most revisionHistoryLimit old revisions plus those
 * live pods still use.
 */
import { claimedPods } from './pods.ts';
import type { DaemonSet, Pod, PodTemplate, Revision } from './types.ts';

/** JSON with object keys sorted, so equal templates serialise equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The model's revision hash of a template: 32-bit FNV-1a of its canonical JSON, base 36. Only
 * equality matters; implementations use their own hash (the harness compares revisions, not hash strings).
 */
export function templateHash(template: PodTemplate): string {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(canonicalJson(template))) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, '0');
}

export function revisionName(dsName: string, hash: string): string {
  return `${dsName}-${hash}`;
}

/** Revisions the DaemonSet controls, plus orphans it would adopt (not while being deleted). */
export function controlledHistories(revisions: readonly Revision[], ds: DaemonSet): Revision[] {
  return revisions.filter(
    (r) => r.controllerUid === ds.uid || (r.controllerUid === undefined && ds.deleting === undefined),
  );
}

export interface HistoryOutcome {
  readonly revisions: Revision[];
  readonly currentHash: string;
  /** Revision objects created, updated (adopted or re-numbered) or deleted. */
  readonly writes: number;
  readonly created: boolean;
}

/**
 * constructHistory: adopt orphaned revisions, find the one matching the template (the model's
 * hash stands for upstream's byte equality of the stored template), create it with
 * max(old)+1 if missing, or raise its number to max(old)+1 if it is lower (a rollback).
 */
export function constructHistory(revisions: readonly Revision[], ds: DaemonSet): HistoryOutcome {
  // An observation of an implementation names its own current hash; the model's world uses templateHash.
  const hash = ds.currentHash ?? templateHash(ds.spec.template);
  let writes = 0;
  const mine = new Set(controlledHistories(revisions, ds).map((r) => r.name));
  let next = revisions.map((r): Revision => {
    if (!mine.has(r.name) || r.controllerUid === ds.uid) return r;
    writes++;
    return { ...r, controllerUid: ds.uid };
  });
  const controlled = next.filter((r) => mine.has(r.name));
  const old = controlled.filter((r) => r.hash !== hash);
  const currRevision = Math.max(0, ...old.map((r) => r.revision)) + 1;
  const cur = controlled.find((r) => r.hash === hash);
  const name = revisionName(ds.name, hash);
  let created = false;
  if (!cur) {
    // A same-named revision of another owner (a predecessor awaiting GC) is used as is (snapshot's AlreadyExists path).
    if (!next.some((r) => r.name === name)) {
      next = [...next, { name, hash, revision: currRevision, controllerUid: ds.uid, template: ds.spec.template }];
      writes++;
      created = true;
    }
  } else if (cur.revision < currRevision) {
    next = next.map((r) => (r.name === cur.name ? { ...r, revision: currRevision } : r));
    writes++;
  }
  return { revisions: next, currentHash: hash, writes, created };
}

/**
 * cleanupHistory: delete old revisions, lowest number first, until at most revisionHistoryLimit
 * remain, skipping any whose hash a claimed pod still carries (terminal and terminating pods included).
 */
export function cleanupHistory(
  revisions: readonly Revision[],
  pods: readonly Pod[],
  ds: DaemonSet,
): { revisions: Revision[]; deleted: string[] } {
  const old = controlledHistories(revisions, ds).filter((r) => r.hash !== ds.currentHash);
  let toKill = old.length - ds.spec.revisionHistoryLimit;
  if (toKill <= 0) return { revisions: [...revisions], deleted: [] };
  const liveHashes = new Set(claimedPods(pods, ds).flatMap((p) => (p.hash ? [p.hash] : [])));
  const deleted: string[] = [];
  for (const r of [...old].sort((a, b) => a.revision - b.revision)) {
    if (toKill <= 0) break;
    if (liveHashes.has(r.hash)) continue;
    deleted.push(r.name);
    toKill--;
  }
  return { revisions: revisions.filter((r) => !deleted.includes(r.name)), deleted };
}

/** P18's bound: old revisions ≤ revisionHistoryLimit + old revisions whose hash a claimed pod carries. */
export function historyWithinLimit(revisions: readonly Revision[], pods: readonly Pod[], ds: DaemonSet): boolean {
  const old = controlledHistories(revisions, ds).filter((r) => r.hash !== ds.currentHash);
  const liveHashes = new Set(claimedPods(pods, ds).flatMap((p) => (p.hash ? [p.hash] : [])));
  const inUse = old.filter((r) => liveHashes.has(r.hash)).length;
  return old.length <= ds.spec.revisionHistoryLimit + inUse;
}

/**
 * Nothing for cleanupHistory to delete: old revisions number at most revisionHistoryLimit, or
 * every one of them is still carried by a claimed pod (terminal-and-terminating pods count:
 * cleanupHistory calls getNodesToDaemonPods(includeDeletedTerminal=true)). Stricter than
 * historyWithinLimit: with limit 1, an unused old revision beside a used one is still deleted.
 */
export function historySettled(revisions: readonly Revision[], pods: readonly Pod[], ds: DaemonSet): boolean {
  const old = controlledHistories(revisions, ds).filter((r) => r.hash !== ds.currentHash);
  if (old.length <= ds.spec.revisionHistoryLimit) return true;
  const carried = new Set(claimedPods(pods, ds).flatMap((p) => (p.hash ? [p.hash] : [])));
  return old.every((r) => carried.has(r.hash));
}
