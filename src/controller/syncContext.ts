/** What one syncDaemonSet pass works with: the DaemonSet, the cached world, and the write seam. */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { DaemonSet } from '../cluster/objects.js';
import type { Backoff } from './backoff.js';
import type { DaemonSetControl } from './daemonSetControl.js';
import type { ControllerExpectations } from './expectations.js';
import type { InformerCache } from './informerCache.js';
import type { ControllerRules } from './rules.js';

/** BurstReplicas: at most this many creates and this many deletes per syncNodes call. */
export const BURST_REPLICAS = 250;
/** SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;
/** StatusUpdateRetries: one retry after a failed status write. */
export const STATUS_UPDATE_RETRIES = 1;

export interface SyncContext {
  readonly ds: DaemonSet;
  readonly key: string;
  readonly nodes: readonly Node[];
  readonly nowMs: number;
  readonly control: DaemonSetControl;
  readonly cache: InformerCache;
  readonly expectations: ControllerExpectations;
  readonly failedPodsBackoff: Backoff;
  readonly burstReplicas: number;
  readonly rules: ControllerRules;
  enqueueAfter(key: string, delayMs: number): void;
  /** Claimed pods grouped by target node (getNodesToDaemonPods). */
  nodesToDaemonPods(includeDeletedTerminal: boolean): ReadonlyMap<string, readonly Pod[]>;
  /** Claimed pods (getDaemonPods). */
  daemonPods(): Pod[];
  nodeByName(name: string): Node | undefined;
}
