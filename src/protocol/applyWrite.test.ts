import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../cluster/cluster.js';
import { type DaemonSet, newControllerRef } from '../cluster/objects.js';
import { applyWrite } from './applyWrite.js';

function daemonSet(cluster: SimulatedCluster, name: string): DaemonSet {
  return cluster.createDaemonSet({
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    },
  });
}

function setUp() {
  const cluster = new SimulatedCluster();
  const foo = daemonSet(cluster, 'foo');
  const bar = daemonSet(cluster, 'bar');
  const pod = cluster.store.create('Pod', {
    metadata: { name: 'orphan', namespace: 'default', labels: { app: 'x' } },
    spec: { containers: [{ name: 'c', image: 'i' }] },
  });
  const uid = pod.metadata?.uid ?? '';
  return { cluster, foo, bar, uid };
}

const adopt = (owner: DaemonSet, uid: string) =>
  ({
    op: 'patchPod',
    namespace: 'default',
    name: 'orphan',
    uid,
    patch: { metadata: { ownerReferences: [{ ...newControllerRef(owner), blockOwnerDeletion: true }], uid } },
  }) as const;

describe('patch writes apply to the object as stored (strategic merge of ownerReferences by uid)', () => {
  it('an adoption sent from a stale cache cannot take a pod another DaemonSet adopted meanwhile', () => {
    const { cluster, foo, bar, uid } = setUp();
    expect(applyWrite(cluster, adopt(foo, uid)).ok).toBe(true);
    // bar still sees the orphan: its patch merges into foo's reference and is refused, as upstream's would be.
    const result = applyWrite(cluster, adopt(bar, uid));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error.message).toContain('Only one reference can have Controller set to true');
    const refs = cluster.store.get('Pod', 'default', 'orphan')?.metadata?.ownerReferences ?? [];
    expect(refs.map((r) => r.name)).toEqual(['foo']);
  });

  it('the replacing form (ownerReferences) still replaces the list, as documented', () => {
    const { cluster, foo, bar, uid } = setUp();
    applyWrite(cluster, adopt(foo, uid));
    const replaced = applyWrite(cluster, {
      op: 'patchPod',
      namespace: 'default',
      name: 'orphan',
      uid,
      ownerReferences: [{ ...newControllerRef(bar) }],
    });
    expect(replaced.ok).toBe(true);
    expect(cluster.store.get('Pod', 'default', 'orphan')?.metadata?.ownerReferences?.map((r) => r.name)).toEqual([
      'bar',
    ]);
  });

  it('a release removes only the releasing owner, and a uid precondition that does not hold is a Conflict', () => {
    const { cluster, foo, uid } = setUp();
    applyWrite(cluster, adopt(foo, uid));
    const stale = applyWrite(cluster, adopt(foo, 'another-uid'));
    expect(stale.ok ? '' : stale.error.reason).toBe('Conflict');
    const release = applyWrite(cluster, {
      op: 'patchPod',
      namespace: 'default',
      name: 'orphan',
      uid,
      patch: { metadata: { ownerReferences: [{ $patch: 'delete', uid: foo.metadata?.uid }], uid } },
    });
    expect(release.ok).toBe(true);
    expect(cluster.store.get('Pod', 'default', 'orphan')?.metadata?.ownerReferences).toBeUndefined();
  });
});
