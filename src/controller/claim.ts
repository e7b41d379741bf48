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
 * the first adoption (RecheckDeletionTimestamp) and throws to abort the whole claim.
 */
export function claimObjects<T extends Claimable>(
  ds: DaemonSet,
  selector: LabelSelector | undefined,
  candidates: readonly T[],
  ops: ClaimOps<T>,
  canAdopt: () => void,
): T[] {
  const compiled = compileLabelSelector(selector);
  const matches = (obj: T) => compiled.ok && compiled.matches(obj.metadata?.labels);
  const uid = ds.metadata?.uid;
  const deleting = ds.metadata?.deletionTimestamp != null;
  let adoptionChecked = false;
  const claimed: T[] = [];
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    if (ref !== undefined) {
      if (ref.uid !== uid) continue; // someone else's
      if (matches(obj)) {
        claimed.push(obj);
        continue;
      }
      if (deleting) continue; // a deleting owner neither releases nor adopts
      try {
        ops.release(obj);
      } catch (e) {
        if (!isApiError(e, 'NotFound')) throw e; // gone already: nothing to release
      }
      continue;
    }
    // An orphan: adopt it if it matches, unless either side is being deleted.
    if (deleting || !matches(obj) || obj.metadata?.deletionTimestamp != null) continue;
    if (!adoptionChecked) {
      canAdopt();
      adoptionChecked = true;
    }
    try {
      ops.adopt(obj);
    } catch (e) {
      if (isApiError(e, 'NotFound')) continue;
      throw e;
    }
    claimed.push(obj);
  }
  return claimed;
}
