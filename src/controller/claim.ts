/**
 * Claiming (controller_ref_manager.go, ClaimPods / ClaimControllerRevisions): adopt matching
 * orphans, release owned objects whose labels stopped matching, ignore what others control.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isApiError } from '../cluster/apiError.js';
import { compileLabelSelector } from '../cluster/labels.js';
import type { DaemonSet, ObjectMeta } from '../cluster/objects.js';
import { controllerRefOf } from '../cluster/objects.js';

interface Claimable {
  metadata?: ObjectMeta;
}

export interface ClaimOps<T extends Claimable> {
  adopt(obj: T): void;
  release(obj: T): void;
}

/**
 * Returns the objects this DaemonSet controls after claiming. `canAdopt` runs once, lazily, before
 * the first adoption (RecheckDeletionTimestamp); if it throws, that adoption and every later one
 * fail with its error. As in upstream ClaimPods/ClaimControllerRevisions, a failed adoption or
 * release does not stop the pass: the remaining objects are still claimed, adopted or released,
 * and the collected errors are thrown together at the end.
 */
export function claimObjects<T extends Claimable>(
  ds: DaemonSet,
  selector: LabelSelector | undefined,
  candidates: readonly T[],
  ops: ClaimOps<T>,
  canAdopt: () => void,
  /** Keep owned objects whose labels stopped matching instead of releasing them (only a mutant does). */
  keepUnmatched = false,
): T[] {
  const compiled = compileLabelSelector(selector);
  // LabelSelectorAsSelector failing aborts the claim (upstream returns the error before listing),
  // rather than letting an unparseable selector match nothing and release every owned object.
  if (!compiled.ok) throw new Error(`invalid selector: ${compiled.error}`);
  const matches = (obj: T) => compiled.matches(obj.metadata?.labels);
  const uid = ds.metadata?.uid;
  const deleting = ds.metadata?.deletionTimestamp != null;
  let adoptionCheck: { error?: Error } | undefined;
  const claimed: T[] = [];
  const errors: Error[] = [];
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    if (ref !== undefined) {
      if (ref.uid !== uid) continue; // someone else's
      if (matches(obj) || keepUnmatched) {
        claimed.push(obj);
        continue;
      }
      if (deleting) continue; // a deleting owner neither releases nor adopts
      try {
        ops.release(obj);
      } catch (e) {
        if (!isApiError(e, 'NotFound')) errors.push(e as Error); // gone already: nothing to release
      }
      continue;
    }
    // An orphan: adopt it if it matches, unless either side is being deleted.
    if (deleting || !matches(obj) || obj.metadata?.deletionTimestamp != null) continue;
    if (adoptionCheck === undefined) {
      adoptionCheck = {};
      try {
        canAdopt();
      } catch (e) {
        adoptionCheck.error = e as Error;
      }
    }
    if (adoptionCheck.error !== undefined) {
      const name = obj.metadata?.name ?? '';
      errors.push(
        new Error(`can't adopt ${obj.metadata?.namespace ?? 'default'}/${name}: ${adoptionCheck.error.message}`),
      );
      continue;
    }
    try {
      ops.adopt(obj);
    } catch (e) {
      if (!isApiError(e, 'NotFound')) errors.push(e as Error);
      continue;
    }
    claimed.push(obj);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new Error(`[${errors.map((e) => e.message).join(', ')}]`);
  return claimed;
}
