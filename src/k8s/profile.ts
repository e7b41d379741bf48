/**
 * What a campaign on a real cluster generates and checks.
 *
 * Events: no event that needs a simulated kubelet or clock (a pod becoming ready or failing, a
 * node's Ready condition, a jump in time), no controller restart and no other controller's pod:
 * a real cluster cannot be made to do them (KubeSystem would skip them). A cluster dsconform
 * serves itself does some of them (the implementation's `alsoSupports`). The actors' steps are waits there, so fewer of
 * them are drawn; every other event is kept with the profile's weight.
 *
 * Invariants: a real cluster has no step boundaries (the controller runs on its own, and its
 * writes cannot be told apart from the garbage collector's or the kubelet's), so the invariants
 * about one controller step's writes cannot be checked. Those that hold of every observation
 * ("always") are checked after every event and every change seen while waiting; those of a
 * settled cluster ("quiescent"), with the comparison against the model's prediction (DS-EXPECT)
 * and convergence within the timeout (DS-LIVE-01), once the cluster stops changing.
 */
import type { DsEventType } from '../../model/events.ts';
import { INVARIANTS, type Invariant } from '../../model/invariants.ts';

export const CLUSTER_EVENT_WEIGHTS: Partial<Record<DsEventType, number>> = {
  POD_BECAME_READY: 0,
  POD_FAILED: 0,
  NODE_READY: 0,
  NODE_NOT_READY: 0,
  CONTROLLER_RESTARTED: 0,
  CONTROLLER_CRASHES: 0,
  WATCH_RELISTED: 0,
  STATUS_WRITE_CONFLICTS: 0,
  POD_INFORMER_LAGS: 0,
  WATCH_EVENTS_DUPLICATED: 0,
  POD_CREATES_FAIL: 0,
  POD_DELETES_FAIL: 0,
  // A pod of another controller (a ReplicaSet that does not exist) would be deleted by a real
  // cluster's garbage collector; only dsconform's own cluster keeps it (KubeSystem says so).
  FOREIGN_POD_APPEARED: 0,
  TIME_ADVANCED: 0,
  KUBELET_STEP: 0,
  SCHEDULER_STEP: 0,
  GC_STEP: 0,
  CONTROLLER_SYNC: 3,
};

/** CLUSTER_EVENT_WEIGHTS without the events this cluster can do after all (they keep the profile's weight). */
export function clusterEventWeights(alsoSupports: readonly DsEventType[]): Partial<Record<DsEventType, number>> {
  const weights = { ...CLUSTER_EVENT_WEIGHTS };
  for (const type of alsoSupports) delete weights[type];
  return weights;
}

export function clusterInvariants(): Invariant[] {
  return INVARIANTS.filter((i) => i.scope !== 'step');
}
