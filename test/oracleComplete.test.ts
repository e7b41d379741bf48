/**
 * Issue 14 item 2: the quiescence oracle no longer switches itself off when some node is not
 * Ready. A controller that keeps the wrong pod of two on a Ready node is caught (DS-EXPECT) even
 * though another node is NotReady; no other invariant sees it (the step invariants let a
 * controller prune either duplicate), so before this change the case passed.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { DsEvent } from '../model/events.ts';
import type { DaemonSetSpec } from '../model/types.ts';
import { controllerRefOf } from '../src/cluster/objects.js';
import type { ObjectStore } from '../src/cluster/store.js';
import { type DaemonSetControl, StoreDaemonSetControl } from '../src/controller/daemonSetControl.js';
import { comparePodsOldestFirst } from '../src/controller/podTemplate.js';
import { referenceImplementation } from '../src/harness/implementation.js';
import { runCase } from '../src/harness/runner.js';

/** A faulty controller: where it prunes duplicates it deletes the oldest pod instead of the newer ones. */
function keepsNewestDuplicate(store: ObjectStore): { control: DaemonSetControl } {
  const inner = new StoreDaemonSetControl(store);
  const control = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'deletePod') {
        return (namespace: string, name: string, owner: Parameters<DaemonSetControl['deletePod']>[2]) => {
          const pod = store.get('Pod', namespace, name);
          const node = pod?.spec?.nodeName;
          const siblings = store
            .list('Pod', namespace)
            .filter(
              (p: Pod) =>
                p.spec?.nodeName === node &&
                p.metadata?.deletionTimestamp == null &&
                controllerRefOf(p)?.uid === owner.metadata?.uid,
            )
            .sort(comparePodsOldestFirst);
          const oldest = siblings[0]?.metadata?.name;
          const victim = node && siblings.length >= 2 && oldest && oldest !== name ? oldest : name;
          inner.deletePod(namespace, victim, owner);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { control };
}

const spec: DaemonSetSpec = {
  template: { image: 'v1', nodeSelector: {}, tolerations: [], hostNetwork: false },
  updateStrategy: { type: 'OnDelete' },
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
};

/** n0 runs its daemon pod; a matching orphan appears there later; n2 is NotReady (or not). */
const events = (notReady: boolean): DsEvent[] => [
  { type: 'NODE_ADDED', node: 'n0' },
  { type: 'NODE_ADDED', node: 'n1' },
  { type: 'NODE_ADDED', node: 'n2' },
  { type: 'DS_CREATED', spec },
  { type: 'CONTROLLER_SYNC' },
  { type: 'SCHEDULER_STEP' },
  { type: 'KUBELET_STEP' },
  ...(notReady ? [{ type: 'NODE_NOT_READY', node: 'n2' } as const] : []),
  { type: 'TIME_ADVANCED', seconds: 5 },
  { type: 'ORPHAN_POD_APPEARED', node: 'n0', revision: 'current' },
];

describe('the oracle states the outcome on a cluster with a NotReady node', () => {
  const mutant = referenceImplementation('keeps-newest-duplicate', keepsNewestDuplicate);
  const reference = referenceImplementation();

  it('catches a controller that keeps the newer of two pods, with and without a NotReady node', async () => {
    for (const notReady of [false, true]) {
      const result = await runCase(events(notReady), () => mutant.makeSystem());
      expect(result.failure?.invariant, `NotReady node: ${notReady}`).toBe('DS-EXPECT');
      expect(result.failure?.node).toBe('n0');
    }
  });

  it('the reference conforms on the same cases', async () => {
    for (const notReady of [false, true]) {
      const result = await runCase(events(notReady), () => reference.makeSystem());
      expect(result.failure, JSON.stringify(result.failure?.message)).toBeUndefined();
    }
  });
});
