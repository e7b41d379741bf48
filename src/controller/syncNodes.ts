/**
 * syncNodes: issue the creates (in slow-start batches) and deletes one manage or rollingUpdate
 * pass decided on, with expectations set up front and lowered for every write that failed.
 */
import { isApiError } from '../cluster/apiError.js';
import { isNamespaceTerminating } from './daemonSetControl.js';
import { getTemplateGeneration, replaceDaemonSetPodNodeNameNodeAffinity } from './podTemplate.js';
import { SLOW_START_INITIAL_BATCH_SIZE, type SyncContext } from './syncContext.js';

export function syncNodes(
  ctx: SyncContext,
  podsToDelete: readonly string[],
  nodesChosen: readonly string[],
  hash: string,
): Error[] {
  const nodesNeedingPods = ctx.rules.orderCreates(nodesChosen);
  const { ds, key, expectations, control } = ctx;
  const namespace = ds.metadata?.namespace ?? 'default';
  const createDiff = Math.min(nodesNeedingPods.length, ctx.burstReplicas);
  const deleteDiff = Math.min(podsToDelete.length, ctx.burstReplicas);
  expectations.set(key, createDiff, deleteDiff);
  const errors: Error[] = [];
  const template = ctx.rules.podTemplate(ds.spec?.template ?? {}, getTemplateGeneration(ds), hash);

  // Slow start: batches of 1, 2, 4, ...; stop after the first batch with a failure.
  let batchSize = Math.min(createDiff, SLOW_START_INITIAL_BATCH_SIZE);
  for (let pos = 0; createDiff > pos; ) {
    const errorsBefore = errors.length;
    for (let i = pos; i < pos + batchSize; i++) {
      const nodeName = nodesNeedingPods[i] as string;
      const pod = {
        metadata: template.metadata ?? {},
        spec: {
          ...(template.spec ?? { containers: [] }),
          affinity: replaceDaemonSetPodNodeNameNodeAffinity(template.spec?.affinity, nodeName),
        },
      };
      try {
        control.createPod(namespace, pod, ds);
      } catch (e) {
        if (isNamespaceTerminating(e)) {
          // Namespace terminating: upstream ignores this one create (its goroutine just returns):
          // no error, no lowered expectation, and the remaining creates and all deletes still run.
          continue;
        }
        if (ctx.rules.lowerExpectationsForFailedCreates) expectations.creationObserved(key);
        errors.push(e as Error);
      }
    }
    const skipped = createDiff - (batchSize + pos);
    if (errors.length > errorsBefore && skipped > 0 && ctx.rules.stopCreatesAfterFailedBatch) {
      expectations.lower(key, skipped, 0);
      break;
    }
    pos += batchSize;
    batchSize = Math.min(2 * batchSize, createDiff - pos);
  }

  for (let i = 0; i < deleteDiff; i++) {
    try {
      control.deletePod(namespace, podsToDelete[i] as string, ds);
    } catch (e) {
      expectations.deletionObserved(key);
      if (!isApiError(e, 'NotFound')) errors.push(e as Error);
    }
  }
  return errors;
}
