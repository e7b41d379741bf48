/**
 * ControllerRevisions (update.go): constructHistory finds or snapshots the revision of the current
 * template, dedupCurHistories merges duplicates, cleanupHistory trims old revisions to
 * revisionHistoryLimit, never deleting one that a live pod still uses.
 */

import { isApiError } from '../cluster/apiError.js';
import type { ControllerRevision, DaemonSet } from '../cluster/objects.js';
import { ControllerRevisionHashLabel, deepCopy, newControllerRef } from '../cluster/objects.js';
import { canonicalJson, computeHash, isKnownDeepFrozen } from './hash.js';
import type { SyncContext } from './syncContext.js';

/** getPatch: the revision payload, `{spec: {template: <template>, $patch: replace}}`. */
export function revisionDataOf(ds: DaemonSet): Record<string, unknown> {
  const template = deepCopy(ds.spec?.template ?? {}) as Record<string, unknown>;
  template.$patch = 'replace';
  return { spec: { template } };
}

/** Match: byte equality of the payloads (canonical JSON stands for Go's sorted-key marshalling). */
export function revisionMatches(ds: DaemonSet, revision: ControllerRevision): boolean {
  return revisionDataJson(ds) === canonicalJson(revision.data ?? null);
}

/** canonicalJson(revisionDataOf(ds)), remembered per deep-frozen template (it depends on nothing else). */
const revisionDataTexts = new WeakMap<object, string>();

function revisionDataJson(ds: DaemonSet): string {
  const template = ds.spec?.template;
  const cacheable = template !== null && typeof template === 'object';
  const known = cacheable ? revisionDataTexts.get(template) : undefined;
  if (known !== undefined) return known;
  if (cacheable) {
    canonicalJson(template); // notes whether the template is deep-frozen
    if (isKnownDeepFrozen(template)) {
      // A stored template is plain JSON already, so the payload needs no deep copy for its text,
      // and the template's parts are found in canonicalJson's memory instead of walked again.
      const text = canonicalJson({ spec: { template: { ...template, $patch: 'replace' } } });
      revisionDataTexts.set(template, text);
      return text;
    }
  }
  return canonicalJson(revisionDataOf(ds));
}

function maxRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision ?? 0), 0);
}

export interface History {
  current: ControllerRevision;
  old: ControllerRevision[];
  hash: string;
}

/** constructHistory. `controlled` comes from claiming the namespace's revisions. */
export function constructHistory(ctx: SyncContext, controlled: readonly ControllerRevision[]): History {
  const { control, ds } = ctx;
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (let revision of controlled) {
    if (revision.metadata?.labels?.[ControllerRevisionHashLabel] === undefined) {
      // Legacy revisions: the name stands in for the hash, so collisions cannot matter.
      const copy = deepCopy(revision);
      copy.metadata = {
        ...(copy.metadata ?? {}),
        labels: { ...(copy.metadata?.labels ?? {}), [ControllerRevisionHashLabel]: copy.metadata?.name ?? '' },
      };
      revision = control.updateRevision(copy);
    }
    if (revisionMatches(ds, revision)) current.push(revision);
    else old.push(revision);
  }
  const currRevision = maxRevision(old) + 1;
  let cur: ControllerRevision;
  if (current.length === 0) {
    cur = snapshot(ctx, currRevision);
  } else {
    cur = dedupCurHistories(ctx, current);
    if ((cur.revision ?? 0) < currRevision) {
      // A rollback: the old template's revision becomes the newest, without a new object.
      const copy = deepCopy(cur);
      copy.revision = currRevision;
      control.updateRevision(copy);
    }
  }
  return { current: cur, old, hash: cur.metadata?.labels?.[ControllerRevisionHashLabel] ?? '' };
}

/** snapshot: create the revision `<ds>-<hash>`; on a name collision bump status.collisionCount. */
export function snapshot(ctx: SyncContext, revisionNumber: number): ControllerRevision {
  const { ds, control } = ctx;
  const namespace = ds.metadata?.namespace ?? 'default';
  const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
  const name = `${ds.metadata?.name ?? ''}-${hash}`;
  const revision: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [ControllerRevisionHashLabel]: hash },
      ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds)],
    },
    data: revisionDataOf(ds),
    revision: revisionNumber,
  };
  try {
    return control.createRevision(revision);
  } catch (e) {
    if (!isApiError(e, 'AlreadyExists')) throw e;
    const existing = control.getRevision(namespace, name);
    if (existing === undefined) throw e;
    if (revisionMatches(ds, existing)) return existing;
    const live = control.getDaemonSet(namespace, ds.metadata?.name ?? '');
    if (live === undefined) throw e;
    if ((live.status?.collisionCount ?? undefined) !== (ds.status?.collisionCount ?? undefined)) {
      throw new Error(
        `found a stale collision count (${ds.status?.collisionCount}, expected ${live.status?.collisionCount}) of DaemonSet "${ds.metadata?.name}" while processing; will retry until it is updated`,
      );
    }
    const base = live.status ?? {
      currentNumberScheduled: 0,
      desiredNumberScheduled: 0,
      numberMisscheduled: 0,
      numberReady: 0,
    };
    control.updateDaemonSetStatus({
      ...deepCopy(live),
      status: { ...base, collisionCount: (live.status?.collisionCount ?? 0) + 1 },
    });
    throw e;
  }
}

/** dedupCurHistories: keep the highest revision, relabel every daemon pod to its hash, delete the rest. */
export function dedupCurHistories(ctx: SyncContext, current: readonly ControllerRevision[]): ControllerRevision {
  if (current.length === 1) return current[0] as ControllerRevision;
  let keep = current[0] as ControllerRevision;
  for (const revision of current) if ((revision.revision ?? 0) >= (keep.revision ?? 0)) keep = revision;
  const keepHash = keep.metadata?.labels?.[ControllerRevisionHashLabel] ?? '';
  const namespace = ctx.ds.metadata?.namespace ?? 'default';
  // Relabel the daemon pods once, before removing the duplicates.
  for (const pod of ctx.daemonPods()) {
    if (pod.metadata?.labels?.[ControllerRevisionHashLabel] !== keepHash) {
      ctx.control.labelPodHash(namespace, pod.metadata?.name ?? '', keepHash);
    }
  }
  for (const revision of current) {
    if (revision.metadata?.name === keep.metadata?.name) continue;
    ctx.control.deleteRevision(namespace, revision.metadata?.name ?? '');
  }
  return keep;
}

/** cleanupHistory: delete the oldest unused revisions beyond revisionHistoryLimit. */
export function cleanupHistory(ctx: SyncContext, old: readonly ControllerRevision[]): void {
  const limit = ctx.ds.spec?.revisionHistoryLimit ?? 10;
  let toKill = old.length - limit;
  if (toKill <= 0) return;
  const liveHashes = new Set<string>();
  for (const pods of ctx.nodesToDaemonPods(true).values()) {
    for (const pod of pods) {
      const hash = pod.metadata?.labels?.[ControllerRevisionHashLabel];
      if (hash) liveHashes.add(hash);
    }
  }
  const namespace = ctx.ds.metadata?.namespace ?? 'default';
  const byRevision = [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  for (const revision of byRevision) {
    if (toKill <= 0) break;
    if (liveHashes.has(revision.metadata?.labels?.[ControllerRevisionHashLabel] ?? '')) continue;
    ctx.control.deleteRevision(namespace, revision.metadata?.name ?? '');
    toKill--;
  }
}
