/**
 * Mutants: deliberately faulty variants of the reference controller, each breaking one rule the
 * way a plausible alternative implementation might. `npm test` asserts that every one of them is
 * caught with a short counterexample: a property that cannot fail checks nothing.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isApiError } from '../cluster/apiError.js';
import { matchesRequiredNodeAffinity } from '../cluster/nodeAffinity.js';
import type { DaemonSet } from '../cluster/objects.js';
import { deepCopy, PodTemplateGenerationLabel } from '../cluster/objects.js';
import type { ObjectStore } from '../cluster/store.js';
import { findUntoleratedTaint } from '../cluster/taints.js';
import { surgeCount, unavailableCount } from '../controller/budgets.js';
import type { DaemonSetControllerOptions } from '../controller/controller.js';
import { type DaemonSetControl, StoreDaemonSetControl } from '../controller/daemonSetControl.js';
import { createPodTemplate } from '../controller/podTemplate.js';
import type { ControllerRules } from '../controller/rules.js';
import { nodeShouldRunDaemonPod } from '../controller/shouldRun.js';
import type { ProfileName } from './profiles.js';

export interface Mutant {
  name: string;
  /** The bug, in one line. */
  description: string;
  /** The profile whose events can expose it. */
  profile: ProfileName;
  /**
   * The invariants that catch it first in its profile's campaigns (measured over seeds; the kill
   * matrix of docs/invariants.md lists them, and the mutants test asserts the catch is one of them).
   */
  catches?: readonly string[];
  /** The rules it breaks. */
  rules?: Partial<ControllerRules>;
  /**
   * Why it cannot misbehave when served as a protocol process (`reference-controller --mutant`),
   * if it cannot: such a mutant is checked in-process only.
   */
  inProcessOnly?: string;
  /**
   * Or the writes it gets wrong: wraps the write seam (the store's, or a protocol server's).
   * `instance` counts the controllers built by one implementation (in-process: one per case; a
   * protocol server: one at start and one per reset), from 1.
   */
  wrapControl?: (inner: DaemonSetControl, instance: number) => DaemonSetControl;
}

/** Controller options for a mutant whose writes would otherwise go to `control`. */
export function mutantOptions(mutant: Mutant, control: DaemonSetControl, instance = 1): DaemonSetControllerOptions {
  return {
    ...(mutant.rules ? { rules: mutant.rules } : {}),
    ...(mutant.wrapControl ? { control: mutant.wrapControl(control, instance) } : {}),
  };
}

/** The same for the in-process reference on a store (one implementation: its own count of instances). */
export function mutantOptionsForStore(mutant: Mutant): (store: ObjectStore) => DaemonSetControllerOptions {
  let instances = 0;
  return (store) => mutantOptions(mutant, new StoreDaemonSetControl(store), ++instances);
}

/** The same for a protocol server (one process: its own count of instances). */
export function mutantServerOptions(mutant: Mutant): (control: DaemonSetControl) => DaemonSetControllerOptions {
  let instances = 0;
  return (control) => mutantOptions(mutant, control, ++instances);
}

/** Ceil-free budget arithmetic: percentages rounded down, as a naive implementation might. */
function floorScaled(value: number | string | undefined, total: number): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  return m ? Math.floor((Number(m[1]) * total) / 100) : 0;
}

/** Every write passes through unchanged, except the ones `overrides` replaces. */
function wrap(inner: DaemonSetControl, overrides: Partial<DaemonSetControl>): DaemonSetControl {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const own = overrides[prop as keyof DaemonSetControl];
      if (own !== undefined) return own;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'ignores-noexecute',
    description:
      'does not look at NoExecute taints at all: runs pods on nodes whose NoExecute taint it does not tolerate',
    profile: 'taints',
    catches: ['DS-ELIG-01'],
    rules: {
      shouldRun: (node, ds) => {
        const withoutNoExecute = deepCopy(node);
        if (withoutNoExecute.spec?.taints) {
          withoutNoExecute.spec.taints = withoutNoExecute.spec.taints.filter((t) => t.effect !== 'NoExecute');
        }
        return nodeShouldRunDaemonPod(withoutNoExecute, ds);
      },
    },
  },
  {
    name: 'evicts-on-noschedule',
    description:
      'deletes running pods when an untolerated NoSchedule taint appears (shouldContinueRunning = shouldRun)',
    profile: 'taints',
    catches: ['DS-PLACE-03', 'DS-EXPECT'],
    rules: {
      shouldRun: (node, ds) => {
        const result = nodeShouldRunDaemonPod(node, ds);
        return { ...result, shouldContinueRunning: result.shouldRun };
      },
    },
  },
  {
    name: 'forgets-default-tolerations',
    description: 'does not add the default DaemonSet tolerations (not-ready, unreachable, unschedulable, pressure)',
    profile: 'taints',
    catches: ['DS-SHAPE-01'],
    rules: {
      shouldRun: (node, ds) => {
        const spec = ds.spec?.template?.spec;
        if (spec?.nodeName && spec.nodeName !== node.metadata?.name)
          return { shouldRun: false, shouldContinueRunning: false };
        if (!matchesRequiredNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
        const tolerations = spec?.tolerations;
        const blocking = findUntoleratedTaint(node.spec?.taints, tolerations, ['NoSchedule', 'NoExecute']);
        const evicting = findUntoleratedTaint(node.spec?.taints, tolerations, ['NoExecute']);
        return { shouldRun: blocking === undefined, shouldContinueRunning: evicting === undefined };
      },
      podTemplate: (template, generation, hash) => {
        const withDefaults = createPodTemplate(template, generation, hash);
        const copy = deepCopy(withDefaults);
        if (copy.spec) {
          const own = template.spec?.tolerations ?? [];
          if (own.length > 0) copy.spec.tolerations = deepCopy(own);
          else delete copy.spec.tolerations;
        }
        return copy;
      },
    },
  },
  {
    name: 'duplicate-pods',
    description: 'creates a second pod on every node it creates one on',
    profile: 'core',
    catches: ['DS-SAFE-04'],
    wrapControl: (inner) =>
      wrap(inner, {
        createPod: (namespace: string, pod: Pod, owner: DaemonSet) => {
          inner.createPod(namespace, pod, owner);
          inner.createPod(namespace, pod, owner);
        },
      }),
  },
  {
    name: 'rounds-percent-down',
    description: 'scales percentage budgets rounding down instead of up (so 34% of 2 nodes is 0)',
    profile: 'rolling-update',
    catches: ['DS-EXPECT', 'DS-ROLL-08'],
    rules: {
      budgets: (ds, desired) => {
        const ru = ds.spec?.updateStrategy?.type === 'OnDelete' ? undefined : ds.spec?.updateStrategy?.rollingUpdate;
        const maxUnavailable = floorScaled(ru?.maxUnavailable, desired);
        const maxSurge = floorScaled(ru?.maxSurge, desired);
        return { maxSurge, maxUnavailable: desired > 0 && maxUnavailable === 0 && maxSurge === 0 ? 0 : maxUnavailable };
      },
    },
  },
  {
    name: 'ignores-max-surge',
    description: 'treats maxSurge as 0: replaces pods by deleting first, even when maxUnavailable is 0',
    profile: 'rolling-update',
    catches: ['DS-ROLL-03', 'DS-SYNC-01'],
    rules: {
      allowsSurge: () => false,
      budgets: (ds, desired) => {
        const mu = unavailableCount(ds, desired);
        const surge = surgeCount(ds, desired);
        return { maxSurge: 0, maxUnavailable: mu === 0 && surge > 0 ? surge : Math.max(mu, desired > 0 ? 1 : 0) };
      },
    },
  },
  {
    name: 'writes-while-deleting',
    description: 'keeps syncing (creating pods, writing status) while the DaemonSet has a deletionTimestamp',
    profile: 'deletion',
    catches: ['DS-SYNC-01', 'DS-DEL-01'],
    rules: { leaveDeletingDaemonSetsAlone: false },
  },
  {
    name: 'never-adopts',
    description: 'never adopts orphan pods that match its selector',
    profile: 'core',
    catches: ['DS-EXPECT', 'DS-LIVE-01'],
    wrapControl: (inner) => wrap(inner, { adoptPod: () => {} }),
  },
  {
    name: 'keeps-failed-pods',
    description: 'never deletes Failed pods, so a node whose pod failed never gets a new one',
    profile: 'core',
    catches: ['DS-EXPECT', 'DS-BACKOFF-02'],
    rules: { replaceFailedPods: false },
  },
  {
    name: 'restarts-on-rollback',
    description:
      'judges a pod up to date by its pod-template-generation label alone, so a rollback restarts the pods of the restored revision',
    profile: 'rolling-update',
    catches: ['DS-ROLL-07', 'DS-SAFE-01'],
    rules: {
      isPodUpdated: (pod, _hash, generation) =>
        generation !== undefined && pod.metadata?.labels?.[PodTemplateGenerationLabel] === String(generation),
    },
  },
  {
    name: 'rolls-one-at-a-time',
    description: 'replaces at most one out-of-date pod per sync, however much of maxUnavailable or maxSurge is left',
    profile: 'rolling-update',
    catches: ['DS-ROLL-08'],
    rules: { rolloutReplacements: (allowed) => Math.min(allowed, 1) },
  },
  {
    name: 'counts-pods-of-other-controllers',
    description:
      'claims pods by selector alone: a pod another controller (a ReplicaSet) controls counts as its own, so it is deleted as a duplicate or stands in for a missing daemon pod',
    profile: 'core',
    catches: ['DS-OWN-04', 'DS-OWN-01', 'DS-EXPECT', 'DS-PLACE-01'],
    rules: { ignorePodsOfOtherControllers: false },
  },
  {
    name: 'counts-held-terminal-pods',
    description:
      'counts a failed pod that a finalizer holds while it is being deleted as the node’s pod (before #118587), so the node gets no replacement until the finalizer goes',
    profile: 'core',
    catches: ['DS-PLACE-07', 'DS-ELIG-02', 'DS-PLACE-01', 'DS-EXPECT', 'DS-STATUS-01', 'DS-STATUS-02'],
    rules: { ignoreDeletedTerminalPods: false },
  },
  {
    name: 'never-releases',
    description:
      'claims the pods it controls whatever their labels: a pod whose labels stopped matching its selector is never released, and stands in for the daemon pod',
    profile: 'core',
    catches: ['DS-EXPECT', 'DS-OWN-05', 'DS-OWN-04', 'DS-ELIG-02', 'DS-PLACE-01'],
    rules: { releaseUnmatchedPods: false },
  },
  {
    name: 'ignores-slow-start',
    description: 'goes on creating pods after a create failed, instead of stopping after the failed slow-start batch',
    profile: 'faults',
    catches: ['DS-SYNC-03'],
    rules: { stopCreatesAfterFailedBatch: false },
    inProcessOnly: "a process sends a step's writes as one list, so slow start within a step cannot show (DS-SYNC-03)",
  },
  {
    name: 'adopts-without-blocking',
    description:
      'adopts orphan pods with an ownerReference that lacks blockOwnerDeletion, so a Foreground deletion does not wait for them',
    profile: 'deletion',
    catches: ['DS-DEL-03', 'DS-EXPECT'],
    wrapControl: (inner) =>
      wrap(inner, {
        adoptPod: (namespace: string, name: string, podUid: string, owner: DaemonSet) =>
          inner.adoptPod(namespace, name, podUid, owner, false),
      }),
  },
  {
    name: 'treats-failed-create-as-done',
    description:
      'keeps expecting the pod of a create the API server refused, so it creates nothing more for the DaemonSet until its expectations expire (5 minutes)',
    profile: 'faults',
    catches: ['DS-EXPECT'],
    rules: { lowerExpectationsForFailedCreates: false },
  },
  {
    name: 'retries-failed-create',
    description:
      'sends a pod create the API server failed once more, at once, in the same sync: after a reply that timed out although the server had made the pod, the node gets a second pod',
    profile: 'faults',
    catches: ['DS-SYNC-03', 'DS-SAFE-04'],
    inProcessOnly:
      'served, its writes are recorded, not sent: a failed create comes back a step later as a result, too late to resend in the same sync',
    wrapControl: (inner) =>
      wrap(inner, {
        createPod: (namespace: string, pod: Pod, owner: DaemonSet) => {
          try {
            inner.createPod(namespace, pod, owner);
          } catch {
            inner.createPod(namespace, pod, owner);
          }
        },
      }),
  },
  {
    name: 'ignores-expectations',
    description:
      'starts a sync without waiting for the watch events of the creates and deletes of its earlier syncs (no SatisfiedExpectations before manage): when its pod informer lags, it creates a second pod on the nodes it has just filled',
    profile: 'faults',
    catches: ['DS-SAFE-04'],
    rules: { waitForExpectations: false },
  },
  {
    name: 'ignores-tombstones',
    description:
      'drops a deletion its informers inferred from a relist (a DeletedFinalStateUnknown tombstone), so the expectation of that delete is never met and it acts no more for the DaemonSet until its expectations expire (5 minutes)',
    profile: 'faults',
    catches: ['DS-EXPECT', 'DS-LIVE-01', 'DS-HIST-02', 'DS-SAFE-04', 'DS-PLACE-06'],
    rules: { handleTombstones: false },
  },
  {
    name: 'retries-stale-status',
    description:
      'when a status write conflicts (409), retries the very object it sent (stale resourceVersion and counters) instead of reading the DaemonSet again, in this sync and every later one: it conflicts forever',
    profile: 'faults',
    catches: ['DS-EXPECT', 'DS-LIVE-01', 'DS-STATUS-02'],
    inProcessOnly:
      'served, its writes are recorded, not sent: a conflict comes back a step later as a result, and the next sync writes the status it computes then',
    wrapControl: (inner) => {
      const stale = new Map<string, DaemonSet>();
      return wrap(inner, {
        updateDaemonSetStatus: (ds: DaemonSet) => {
          const key = `${ds.metadata?.namespace ?? 'default'}/${ds.metadata?.name ?? ''}`;
          const sent = stale.get(key) ?? ds;
          try {
            const stored = inner.updateDaemonSetStatus(sent);
            stale.delete(key);
            return stored;
          } catch (e) {
            if (isApiError(e, 'Conflict')) stale.set(key, sent);
            throw e;
          }
        },
      });
    },
  },
  {
    name: 'skips-cache-sync',
    description:
      'starts syncing before its pod informer has listed (no WaitForCacheSync): after a restart its first sync sees no pods and its expectations are empty, so it puts a second pod on every node (the kubernetes#54096 shape)',
    profile: 'core',
    catches: ['DS-SAFE-01', 'DS-SAFE-04'],
    rules: { waitForCacheSync: false },
    inProcessOnly:
      'served, a restart is a reset whose next sync brings the whole LIST as events before the controller syncs',
  },
  {
    name: 'keeps-pods-of-vanished-nodes',
    description:
      'never deletes an unbound pod pinned to a node that no longer exists (getUnscheduledPodsWithoutNode left out)',
    profile: 'core',
    catches: ['DS-PLACE-06'],
    rules: { deleteUnscheduledPodsOfVanishedNodes: false },
  },
];

/**
 * From which controller instance (see Mutant.wrapControl) `flaky-duplicate-pods` may misbehave:
 * in-process, the third case an implementation runs; as a process (one instance at start, one
 * per reset), the second case.
 */
export const FLAKY_INSTANCE = 3;

/** `flaky-duplicate-pods`: the first pod create from instance FLAKY_INSTANCE on is made twice, then never again. */
function flakyDuplicatePods(): Mutant {
  let misbehaved = false;
  return {
    name: 'flaky-duplicate-pods',
    description: `creates one pod twice, once in its lifetime (the first create from its ${FLAKY_INSTANCE}rd controller instance on): the same case passes when run again`,
    profile: 'core',
    wrapControl: (inner, instance) =>
      instance < FLAKY_INSTANCE
        ? inner
        : wrap(inner, {
            createPod: (namespace: string, pod: Pod, owner: DaemonSet) => {
              inner.createPod(namespace, pod, owner);
              if (misbehaved) return;
              misbehaved = true;
              inner.createPod(namespace, pod, owner);
            },
          }),
  };
}

/**
 * Non-deterministic mutants: they fail a case once and pass the same case when it runs again, so
 * that a campaign must report them as non-deterministic implementations (docs/harness.md). Kept
 * out of MUTANTS (no shrunk counterexample exists for them); each call gives fresh state, so that
 * every implementation built from one misbehaves once in its own lifetime.
 */
export const FLAKY_MUTANT_NAMES: readonly string[] = ['flaky-duplicate-pods'];

function flakyMutant(name: string): Mutant | undefined {
  return name === 'flaky-duplicate-pods' ? flakyDuplicatePods() : undefined;
}

/**
 * Variants: the reference making other correct choices. Unlike mutants they must conform: a
 * specification that rejects them re-runs one algorithm instead of stating the rules (issue 14).
 * `npm test` runs every profile on each; `--mutant NAME` selects one like a mutant.
 */
export const VARIANTS: readonly Mutant[] = [
  {
    name: 'reordered',
    description:
      'correct: spends rolling-update budgets on nodes in reverse name order (upstream ranges over a Go map, so any order is allowed)',
    profile: 'rolling-update',
    rules: { orderRolloutNodes: (entries) => [...entries].reverse() },
  },
];

export function mutantByName(name: string): Mutant | undefined {
  return MUTANTS.find((m) => m.name === name) ?? VARIANTS.find((m) => m.name === name) ?? flakyMutant(name);
}
