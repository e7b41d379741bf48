import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../cluster/clock.js';
import type { DaemonSet } from '../cluster/objects.js';
import { ObjectStore } from '../cluster/store.js';
import { StoreDaemonSetControl } from './daemonSetControl.js';

describe('StoreDaemonSetControl adoption', () => {
  it('adopting twice keeps one controller reference (the patch merges by uid)', () => {
    const store = new ObjectStore(new VirtualClock());
    const ds = store.create('DaemonSet', { metadata: { name: 'ds' }, spec: {} } as DaemonSet);
    const pod = store.create('Pod', { metadata: { name: 'p', labels: { app: 'ds' } }, spec: { containers: [] } });
    const control = new StoreDaemonSetControl(store);
    control.adoptPod('default', 'p', pod.metadata?.uid ?? '', ds);
    control.adoptPod('default', 'p', pod.metadata?.uid ?? '', ds);
    const refs = store.get('Pod', 'default', 'p')?.metadata?.ownerReferences ?? [];
    expect(refs.map((r) => [r.uid, r.controller])).toEqual([[ds.metadata?.uid, true]]);
  });
});
