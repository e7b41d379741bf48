/**
 * The real-cluster adapter against a fake API server that runs dsconform's reference controller
 * behind the Kubernetes REST surface: a campaign conforms, a faulty controller is caught, and
 * the adapter touches nothing but its own objects and leaves none behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DsEvent } from '../../model/events.ts';
import { runCampaign } from '../../src/harness/campaign.js';
import { MUTANTS, mutantOptionsForStore } from '../../src/harness/mutants.js';
import { runCase } from '../../src/harness/runner.js';
import { type ClusterImplementation, clusterImplementation } from '../../src/k8s/clusterImplementation.js';
import { RUN_LABEL } from '../../src/k8s/names.js';
import { CLUSTER_EVENT_WEIGHTS, clusterInvariants } from '../../src/k8s/profile.js';
import { AdapterError } from '../../src/protocol/adapterError.js';
import { FAST, type FakeCluster, fakeCluster, foreignWrite, seedForeignObjects, settleFor } from './support.js';

const open: { cluster: FakeCluster; implementation?: ClusterImplementation }[] = [];

afterEach(async () => {
  for (const { cluster, implementation } of open.splice(0)) {
    await implementation?.close();
    await cluster.fake.close();
  }
});

async function setUp(options: Parameters<typeof fakeCluster>[0] = {}) {
  const cluster = await fakeCluster(options);
  seedForeignObjects(cluster.fake);
  const implementation = await clusterImplementation({ kubeconfig: cluster.kubeconfig, timing: FAST });
  open.push({ cluster, implementation });
  return { ...cluster, implementation };
}

/** The run's namespaces and nodes still in the fake cluster. */
function leftovers(cluster: FakeCluster, runId: string): string[] {
  const namespaces = [...cluster.fake.namespaces.values()]
    .filter((n) => n.metadata?.labels?.[RUN_LABEL] === runId)
    .map((n) => `namespace ${n.metadata?.name}`);
  const nodes = cluster.fake.cluster.store
    .list('Node')
    .filter((n) => n.metadata?.labels?.[RUN_LABEL] === runId)
    .map((n) => `node ${n.metadata?.name}`);
  return [...namespaces, ...nodes];
}

describe('dsconform on a (fake) real cluster', () => {
  it('a campaign against the reference controller behind the API conforms, then nothing of the run is left', async () => {
    const { fake, implementation } = await setUp();
    const foreignNode = fake.cluster.store.get('Node', undefined, 'worker-1');
    const result = await runCampaign(implementation, {
      profile: 'all',
      runs: 6,
      seed: 7,
      maxEvents: 15,
      weights: CLUSTER_EVENT_WEIGHTS,
      run: { invariants: clusterInvariants() },
    });
    expect(result.adapterError?.message).toBeUndefined();
    expect(result.counterexample?.failure.message).toBeUndefined();
    expect(result.runs).toBe(6);
    // Every case had its own namespace and nodes, named and labelled for the run.
    const created = fake.writes().filter((r) => r.method === 'POST' && r.path === '/api/v1/namespaces');
    expect(created).toHaveLength(6);
    expect(
      fake
        .writes()
        .map((r) => foreignWrite(r, implementation.runId))
        .filter(Boolean),
    ).toEqual([]);
    // The node that was there before was never written to (its kube-proxy pods came and went; it did not change).
    expect(fake.cluster.store.get('Node', undefined, 'worker-1')?.metadata?.resourceVersion).toBe(
      foreignNode?.metadata?.resourceVersion,
    );
    await implementation.close();
    await settleFor(300);
    expect(leftovers({ fake } as FakeCluster, implementation.runId)).toEqual([]);
    expect(fake.cluster.store.get('DaemonSet', 'kube-system', 'kube-proxy')).toBeDefined();
  });

  it('a faulty controller in the cluster is caught: one that ignores NoExecute taints keeps its pod on a node that evicts it', async () => {
    const mutant = MUTANTS.find((m) => m.name === 'ignores-noexecute');
    if (mutant === undefined) throw new Error('mutant ignores-noexecute is gone');
    const { implementation } = await setUp({ controllerOptions: mutantOptionsForStore(mutant) });
    const events: DsEvent[] = [
      { type: 'NODE_ADDED', node: 'n0' },
      {
        type: 'DS_CREATED',
        spec: {
          template: { image: 'v1', nodeSelector: {}, tolerations: [], hostNetwork: false },
          updateStrategy: { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 },
          minReadySeconds: 0,
          revisionHistoryLimit: 10,
        },
      },
      { type: 'CONTROLLER_SYNC' },
      { type: 'TAINT_ADDED', node: 'n0', taint: { key: 'dedicated', value: '', effect: 'NoExecute' } },
    ];
    const result = await runCase(events, () => implementation.makeSystem(), { invariants: clusterInvariants() });
    // Which check notices first depends on timing (the status, or the pod itself); the pod is there either way.
    expect(['DS-PLACE-02', 'DS-EXPECT']).toContain(result.failure?.invariant);
    expect(result.failure?.step).toBe(-1);
    expect(result.failure?.observation.pods.filter((p) => p.node === 'n0' && !p.terminating)).toHaveLength(1);
    // The reference controller passes the very same events on the same kind of cluster.
    const { implementation: reference } = await setUp();
    const replay = await runCase(events, () => reference.makeSystem(), { invariants: clusterInvariants() });
    expect(replay.failure).toBeUndefined();
  });

  it('events a real cluster cannot do are reported as not applied, and steps are waits', async () => {
    const { implementation } = await setUp();
    const system = await implementation.makeSystem();
    try {
      expect(await system.apply({ type: 'NODE_ADDED', node: 'n0' })).toEqual({ applied: true });
      expect(await system.apply({ type: 'NODE_ADDED', node: 'n0' })).toEqual({
        applied: false,
        note: 'node n0 exists',
      });
      expect(await system.apply({ type: 'NODE_NOT_READY', node: 'n0' })).toEqual({
        applied: false,
        note: "not on a real cluster: a node's Ready condition belongs to its kubelet (kwok)",
      });
      expect(await system.apply({ type: 'CONTROLLER_RESTARTED' })).toEqual({
        applied: false,
        note: "not on a real cluster: dsconform cannot restart the cluster's kube-controller-manager",
      });
      expect(await system.apply({ type: 'NODE_LABEL_SET', node: 'n9', key: 'zone', value: 'a' })).toEqual({
        applied: false,
        note: 'no node n9',
      });
      const wait = await system.apply({ type: 'CONTROLLER_SYNC' });
      expect(wait.note).toMatch(/^waited \d+ ms for the cluster \(\d+ changes\)$/);
      expect(system.observe().nodes.map((n) => n.name)).toEqual(['n0']);
    } finally {
      await system.dispose();
    }
  });
});

describe('safety: the adapter changes only what it created', () => {
  it('refuses to touch a node of the case that no longer carries the run label', async () => {
    const { fake, implementation } = await setUp();
    const system = await implementation.makeSystem();
    try {
      await system.apply({ type: 'NODE_ADDED', node: 'n0' });
      const real = `${system.names.nodePrefix}n0`;
      // Someone else takes the node over: it loses the run label.
      fake.cluster.store.modify('Node', undefined, real, (node) => {
        const labels = { ...(node.metadata?.labels ?? {}) };
        delete labels[RUN_LABEL];
        node.metadata = { ...node.metadata, labels };
      });
      const before = fake.writes().length;
      const attempt = system.apply({ type: 'NODE_LABEL_SET', node: 'n0', key: 'zone', value: 'a' });
      await expect(attempt).rejects.toThrow(AdapterError);
      await expect(attempt).rejects.toThrow(
        `cluster: node ${real} does not carry ${RUN_LABEL}=${implementation.runId}`,
      );
      expect(fake.writes().slice(before)).toEqual([]);
    } finally {
      await system.dispose();
    }
  });

  it('refuses to touch a node that was replaced by another of the same name, even one labelled for the run', async () => {
    const { fake, implementation } = await setUp();
    const system = await implementation.makeSystem();
    try {
      await system.apply({ type: 'NODE_ADDED', node: 'n0' });
      const real = `${system.names.nodePrefix}n0`;
      const labels = fake.cluster.store.get('Node', undefined, real)?.metadata?.labels ?? {};
      fake.cluster.store.delete('Node', undefined, real);
      fake.cluster.addNode(real, { labels: { ...labels } });
      const before = fake.writes().length;
      await expect(system.apply({ type: 'NODE_REMOVED', node: 'n0' })).rejects.toThrow(
        new RegExp(`^cluster: node ${real} \\(uid [\\w-]+\\) is not one run ${implementation.runId} created$`),
      );
      expect(fake.writes().slice(before)).toEqual([]);
    } finally {
      await system.dispose();
    }
  });

  it("cleanup deletes by the run's label and name: another run's nodes and a mislabelled namespace stay", async () => {
    const { fake, implementation } = await setUp();
    const system = await implementation.makeSystem();
    await system.apply({ type: 'NODE_ADDED', node: 'n0' });
    fake.cluster.addNode('dsconform-otherrun-1-n0', { labels: { [RUN_LABEL]: 'otherrun' } });
    fake.createNamespace('team-a', { [RUN_LABEL]: implementation.runId });
    await implementation.close();
    expect(implementation.lastCleanup).toEqual({
      namespaces: [system.names.namespace],
      nodes: [`${system.names.nodePrefix}n0`],
      failures: [],
    });
    await settleFor(200);
    expect(fake.cluster.store.get('Node', undefined, 'dsconform-otherrun-1-n0')).toBeDefined();
    expect(fake.namespaces.has('team-a')).toBe(true);
    expect(fake.namespaces.has(system.names.namespace)).toBe(false);
    expect(fake.cluster.store.get('Node', undefined, `${system.names.nodePrefix}n0`)).toBeUndefined();
  });
});
