/**
 * The rules the controller applies, gathered in one place so that the harness can swap a single
 * one for a faulty variant (a mutant) and prove that the properties catch it. The reference
 * controller always runs with `REFERENCE_RULES`.
 */
import type { Node, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { DaemonSet } from '../cluster/objects.js';
import { allowsSurge, effectiveBudgets } from './budgets.js';
import { createPodTemplate, isPodUpdated } from './podTemplate.js';
import { nodeShouldRunDaemonPod, type ShouldRunResult } from './shouldRun.js';

export interface ControllerRules {
  /** NodeShouldRunDaemonPod. */
  shouldRun(node: Node, ds: DaemonSet): ShouldRunResult;
  /** updatedDesiredNodeCounts' budgets. */
  budgets(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number };
  /** util.AllowsSurge. */
  allowsSurge(ds: DaemonSet): boolean;
  /** CreatePodTemplate. */
  podTemplate(template: PodTemplateSpec, generation: bigint | undefined, hash: string): PodTemplateSpec;
  /** Failed pods are deleted (after backoff) so that manage replaces them. */
  replaceFailedPods: boolean;
  /** A DaemonSet with a deletionTimestamp gets no writes at all. */
  leaveDeletingDaemonSetsAlone: boolean;
  /** getUnscheduledPodsWithoutNode: unbound pods pinned to a node that no longer exists are deleted. */
  deleteUnscheduledPodsOfVanishedNodes: boolean;
  /**
   * The order rollingUpdate visits nodes in, and so which candidates a limited budget picks.
   * Upstream ranges over a Go map, so any order is correct; the reference uses node-list order.
   */
  orderRolloutNodes<T>(entries: readonly [string, T][]): [string, T][];
  /**
   * The order syncNodes issues a sync's creates in (the reference: the order manage or
   * rollingUpdate chose). Any order is correct; it decides which pod gets which generated name.
   */
  orderCreates(nodes: readonly string[]): string[];
  /** IsPodUpdated as rollingUpdate applies it: the hash label, or the template-generation label. */
  isPodUpdated(pod: Pod, hash: string, generation: bigint | undefined): boolean;
  /** syncNodes' slow start: no create batch after one with a failure (the skipped creates lower expectations). */
  stopCreatesAfterFailedBatch: boolean;
  /** syncNodes lowers the expected creates for a create the API server refused (it will never be observed). */
  lowerExpectationsForFailedCreates: boolean;
  /**
   * The delete handlers unwrap a tombstone (cache.DeletedFinalStateUnknown, a deletion seen only by
   * a relist) as upstream's deletePod, deleteDaemonset and deleteHistory do.
   */
  handleTombstones: boolean;
  /**
   * syncDaemonSet runs manage only once the watch events of the creates and deletes of earlier
   * syncs have arrived (dsc.expectations.SatisfiedExpectations); until then only the status. (The
   * second check, between manage and rollingUpdate, is not this rule's.)
   */
  waitForExpectations: boolean;
  /** Run drops no sync until every informer has listed (cache.WaitForNamedCacheSync). */
  waitForCacheSync: boolean;
  /** ClaimPods releases a pod it controls whose labels stopped matching the selector. */
  releaseUnmatchedPods: boolean;
  /** getNodesToDaemonPods drops pods that are terminal and already being deleted (#118587). */
  ignoreDeletedTerminalPods: boolean;
  /** ClaimPods ignores pods another controller controls, however well its selector matches them. */
  ignorePodsOfOtherControllers: boolean;
  /** How many of the replacements the budget allows one sync makes (all of them upstream). */
  rolloutReplacements(allowed: number): number;
}

export const REFERENCE_RULES: ControllerRules = {
  shouldRun: nodeShouldRunDaemonPod,
  budgets: effectiveBudgets,
  allowsSurge,
  podTemplate: createPodTemplate,
  replaceFailedPods: true,
  leaveDeletingDaemonSetsAlone: true,
  deleteUnscheduledPodsOfVanishedNodes: true,
  orderRolloutNodes: (entries) => [...entries],
  orderCreates: (nodes) => [...nodes],
  isPodUpdated,
  ignorePodsOfOtherControllers: true,
  ignoreDeletedTerminalPods: true,
  releaseUnmatchedPods: true,
  stopCreatesAfterFailedBatch: true,
  lowerExpectationsForFailedCreates: true,
  handleTombstones: true,
  waitForExpectations: true,
  waitForCacheSync: true,
  rolloutReplacements: (allowed) => allowed,
};
