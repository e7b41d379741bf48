/**
 * The e2e catalogue of test/e2e/apps/daemon_set.go ("[sig-apps] Daemon set [Serial]"), run end to
 * end on the simulated cluster: the reference controller plus scheduler, kubelet, garbage
 * collector and node lifecycle, driven by settle() instead of polling a real cluster.
 */
import { describe, expect, it } from 'vitest';
import { NeverReadyAnnotation } from '../../src/cluster/kubelet.js';
import type { DaemonSet, Pod } from '../../src/cluster/objects.js';
import { controllerRefOf } from '../../src/cluster/objects.js';
import {
  DS_NAME,
  daemonPods,
  hashesOf,
  imagesOf,
  NS,
  newCluster,
  newDaemonSet,
  runningOnAllEligibleNodes,
  statusConsistent,
} from './fixtures.js';

function settled(cluster: ReturnType<typeof newCluster>['cluster']) {
  const result = cluster.settle();
  expect(result.converged, `settle did not converge: ${result.stillChanging.join(', ')}`).toBe(true);
  return result;
}

describe('[sig-apps] Daemon set [Serial]', () => {
  it('should run and stop simple daemon [Conformance]', () => {
    const { cluster } = newCluster(3);
    cluster.createDaemonSet(newDaemonSet());
    settled(cluster);
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);
    expect(statusConsistent(cluster)).toBe(true);

    // Stop a daemon pod: it is replaced.
    const victim = daemonPods(cluster)[0] as Pod;
    cluster.deletePod(NS, victim.metadata?.name ?? '');
    settled(cluster);
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);
    expect(daemonPods(cluster).map((p) => p.metadata?.name)).not.toContain(victim.metadata?.name);
  });

  it('should run and stop complex daemon [Conformance]', () => {
    const { cluster } = newCluster(2);
    const ds = newDaemonSet();
    (ds.spec?.template.spec as { nodeSelector?: Record<string, string> }).nodeSelector = { color: 'blue' };
    cluster.createDaemonSet(ds);
    settled(cluster);
    expect(daemonPods(cluster)).toHaveLength(0);

    // Label one node blue: a daemon pod starts there.
    cluster.setNodeLabel('node-0', 'color', 'blue');
    settled(cluster);
    expect(daemonPods(cluster).map((p) => p.spec?.nodeName)).toEqual(['node-0']);
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);

    // Relabel it green: the pod is unscheduled.
    cluster.setNodeLabel('node-0', 'color', 'green');
    settled(cluster);
    expect(daemonPods(cluster)).toHaveLength(0);

    // Point the DaemonSet at green with RollingUpdate: the pod comes back.
    cluster.updateDaemonSet(NS, DS_NAME, (d) => {
      const spec = d.spec as NonNullable<DaemonSet['spec']>;
      (spec.template.spec as { nodeSelector?: Record<string, string> }).nodeSelector = { color: 'green' };
      spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } };
    });
    settled(cluster);
    expect(daemonPods(cluster).map((p) => p.spec?.nodeName)).toEqual(['node-0']);
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);
    expect(statusConsistent(cluster)).toBe(true);
  });

  it('should run and stop complex daemon with node affinity', () => {
    const { cluster } = newCluster(2);
    const ds = newDaemonSet();
    (ds.spec?.template.spec as { affinity?: unknown }).affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'color', operator: 'In', values: ['blue'] }] }],
        },
      },
    };
    cluster.createDaemonSet(ds);
    settled(cluster);
    expect(daemonPods(cluster)).toHaveLength(0);

    cluster.setNodeLabel('node-1', 'color', 'blue');
    settled(cluster);
    expect(daemonPods(cluster).map((p) => p.spec?.nodeName)).toEqual(['node-1']);
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);

    // Removing the label removes the pod: IgnoredDuringExecution is not honoured by the DaemonSet controller.
    cluster.setNodeLabel('node-1', 'color', undefined);
    settled(cluster);
    expect(daemonPods(cluster)).toHaveLength(0);
  });

  it('should retry creating failed daemon pods [Conformance]', () => {
    const { cluster } = newCluster(3);
    cluster.createDaemonSet(newDaemonSet());
    settled(cluster);
    const victim = daemonPods(cluster)[0] as Pod;
    cluster.kubelet.failPod(NS, victim.metadata?.name ?? '');
    settled(cluster);
    // The failed pod was deleted at once; its replacement comes in a later sync.
    expect(cluster.store.get('Pod', NS, victim.metadata?.name ?? '')).toBeUndefined();
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);
    expect(cluster.store.events.filter((e) => e.reason === 'FailedDaemonPod').map((e) => e.message)).toEqual([
      `Found failed daemon pod ${NS}/${victim.metadata?.name} on node ${victim.spec?.nodeName}, will try to kill it`,
    ]);
  });

  it('should not update pod when spec was updated and update strategy is OnDelete', () => {
    const { cluster } = newCluster(3);
    cluster.createDaemonSet(newDaemonSet(undefined, { updateStrategy: { type: 'OnDelete' } }));
    settled(cluster);
    const firstHash = hashesOf(daemonPods(cluster));
    expect(firstHash).toHaveLength(1);

    cluster.updateDaemonSet(NS, DS_NAME, (d) => {
      (d.spec?.template.spec?.containers[0] as { image: string }).image = 'registry.k8s.io/pause:3.10';
    });
    settled(cluster);
    expect(imagesOf(daemonPods(cluster))).toEqual(['registry.k8s.io/e2e-test-images/httpd:2.4.38-4']);
    const revisions = cluster.revisions(NS);
    expect(revisions).toHaveLength(2);
    const current = revisions.find((r) => r.revision === 2);
    expect(current).toBeDefined();
    expect(current?.metadata?.labels?.['controller-revision-hash']).not.toEqual(firstHash[0]);
    expect(hashesOf(daemonPods(cluster))).toEqual(firstHash);
  });

  it('should update pod when spec was updated and update strategy is RollingUpdate [Conformance]', () => {
    const { cluster } = newCluster(4);
    cluster.createDaemonSet(newDaemonSet());
    settled(cluster);
    cluster.updateDaemonSet(NS, DS_NAME, (d) => {
      (d.spec?.template.spec?.containers[0] as { image: string }).image = 'registry.k8s.io/pause:3.10';
    });
    // Poll after every round: never more than maxUnavailable (1) node without an available pod.
    let sawUnavailable = false;
    for (let i = 0; i < 200; i++) {
      const changed = cluster.round();
      const ds = cluster.store.get('DaemonSet', NS, DS_NAME) as DaemonSet;
      const live = daemonPods(cluster).filter(
        (p) =>
          p.metadata?.deletionTimestamp == null &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      const nodesWithAvailable = new Set(live.map((p) => p.spec?.nodeName));
      expect(cluster.nodes().length - nodesWithAvailable.size).toBeLessThanOrEqual(1);
      expect(ds.status?.numberUnavailable ?? 0).toBeLessThanOrEqual(1);
      sawUnavailable ||= nodesWithAvailable.size < cluster.nodes().length;
      if (!changed) break;
    }
    expect(sawUnavailable).toBe(true); // pods really were replaced one at a time
    expect(imagesOf(daemonPods(cluster))).toEqual(['registry.k8s.io/pause:3.10']);
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);
    const current = cluster.revisions(NS).find((r) => r.revision === 2);
    expect(hashesOf(daemonPods(cluster))).toEqual([current?.metadata?.labels?.['controller-revision-hash']]);
  });

  it('should rollback without unnecessary restarts [Conformance]', () => {
    const { cluster } = newCluster(3);
    cluster.createDaemonSet(newDaemonSet());
    settled(cluster);
    const originalImage = 'registry.k8s.io/e2e-test-images/httpd:2.4.38-4';
    // Update to an image that never runs (the kubelet keeps such pods unready).
    cluster.updateDaemonSet(NS, DS_NAME, (d) => {
      const template = d.spec?.template as NonNullable<DaemonSet['spec']>['template'];
      (template.spec?.containers[0] as { image: string }).image = 'foo:non-existent';
      template.metadata = { ...template.metadata, annotations: { [NeverReadyAnnotation]: 'true' } };
    });
    // Wait until at least one new pod exists while some old pods remain.
    for (let i = 0; i < 50; i++) {
      cluster.round();
      const images = imagesOf(daemonPods(cluster).filter((p) => p.metadata?.deletionTimestamp == null));
      if (images.length === 2) break;
    }
    const existingOld = daemonPods(cluster).filter(
      (p) => p.spec?.containers[0]?.image === originalImage && p.metadata?.deletionTimestamp == null,
    );
    expect(existingOld.length).toBeGreaterThan(0);
    expect(existingOld.length).toBeLessThan(3);
    const revisionsBefore = cluster.revisions(NS).length;

    // Roll back.
    cluster.updateDaemonSet(NS, DS_NAME, (d) => {
      const template = d.spec?.template as NonNullable<DaemonSet['spec']>['template'];
      (template.spec?.containers[0] as { image: string }).image = originalImage;
      delete template.metadata?.annotations;
    });
    settled(cluster);
    expect(imagesOf(daemonPods(cluster))).toEqual([originalImage]);
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);
    // No new revision; the pods that never left the original template were not restarted.
    expect(cluster.revisions(NS)).toHaveLength(revisionsBefore);
    const names = new Set(daemonPods(cluster).map((p) => p.metadata?.name));
    for (const pod of existingOld) expect(names.has(pod.metadata?.name)).toBe(true);
  });

  it('should surge pods onto nodes when spec was updated and update strategy is RollingUpdate', () => {
    const { cluster } = newCluster(5, { kubelet: { terminationSeconds: 5 } });
    cluster.createDaemonSet(
      newDaemonSet(undefined, {
        minReadySeconds: 10,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '20%', maxUnavailable: 0 } },
      }),
    );
    for (let i = 0; i < 10; i++) {
      cluster.settle();
      cluster.advance(5);
    }
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);
    cluster.updateDaemonSet(NS, DS_NAME, (d) => {
      const container = d.spec?.template.spec?.containers[0] as { env?: { name: string; value: string }[] };
      container.env = [{ name: 'VERSION', value: '2' }];
    });
    const newHash = () =>
      cluster.revisions(NS).find((r) => r.revision === 2)?.metadata?.labels?.['controller-revision-hash'];
    let mostOnOneNode = 0;
    for (let t = 0; t < 120; t++) {
      cluster.round();
      const live = daemonPods(cluster).filter((p) => p.metadata?.deletionTimestamp == null);
      for (const node of cluster.nodes()) {
        const onNode = live.filter((p) => p.spec?.nodeName === node.metadata?.name);
        // At most one live instance per version per node, so at most two per node.
        expect(onNode.length).toBeLessThanOrEqual(2);
        expect(hashesOf(onNode)).toHaveLength(onNode.length);
        mostOnOneNode = Math.max(mostOnOneNode, onNode.length);
      }
      // Never more new-but-unavailable pods than maxSurge (ceil(20% of 5) = 1).
      const ds = cluster.store.get('DaemonSet', NS, DS_NAME) as DaemonSet;
      const surging = live.filter(
        (p) =>
          p.metadata?.labels?.['controller-revision-hash'] === newHash() &&
          !(p.status?.conditions ?? []).some(
            (c) =>
              c.type === 'Ready' &&
              c.status === 'True' &&
              Date.parse(c.lastTransitionTime ?? '') + 10_000 <= cluster.clock.nowMs(),
          ),
      );
      expect(surging.length).toBeLessThanOrEqual(1);
      expect(ds.status?.numberAvailable ?? 0).toBeGreaterThanOrEqual(0);
      cluster.advance(1);
    }
    settled(cluster);
    expect(mostOnOneNode).toBe(2); // the rollout really surged
    expect(hashesOf(daemonPods(cluster))).toEqual([newHash()]);
    expect(runningOnAllEligibleNodes(cluster)).toBe(true);
  });

  it('should list and delete a collection of DaemonSets [Conformance]', () => {
    const { cluster } = newCluster(2);
    cluster.createDaemonSet(newDaemonSet());
    settled(cluster);
    const selected = cluster.daemonSets().filter((d) => d.metadata?.labels?.['daemonset-name'] === DS_NAME);
    expect(selected).toHaveLength(1);
    for (const d of selected) cluster.deleteDaemonSet(d.metadata?.namespace ?? NS, d.metadata?.name ?? '');
    expect(cluster.daemonSets().filter((d) => d.metadata?.labels?.['daemonset-name'] === DS_NAME)).toHaveLength(0);
    settled(cluster);
    expect(cluster.pods(NS).filter((p) => controllerRefOf(p) !== undefined)).toHaveLength(0);
  });

  it('should verify changes to a daemon set status [Conformance]', () => {
    const { cluster } = newCluster(1);
    cluster.createDaemonSet(newDaemonSet());
    settled(cluster);
    const seen: string[] = [];
    cluster.store.watch((event) => {
      if (event.kind !== 'DaemonSet') return;
      for (const c of (event.object as DaemonSet).status?.conditions ?? []) seen.push(c.type);
    });
    const current = cluster.store.get('DaemonSet', NS, DS_NAME) as DaemonSet;
    const now = cluster.clock.nowTimestamp();
    cluster.store.updateStatus('DaemonSet', {
      ...current,
      status: {
        ...(current.status as NonNullable<DaemonSet['status']>),
        conditions: [
          {
            type: 'StatusUpdate',
            status: 'True',
            reason: 'E2E',
            message: 'Set from e2e test',
            lastTransitionTime: now,
          },
        ],
      },
    });
    expect(seen).toContain('StatusUpdate');
    cluster.store.modify(
      'DaemonSet',
      NS,
      DS_NAME,
      (d) => {
        const status = d.status as NonNullable<DaemonSet['status']>;
        (d as { status: unknown }).status = {
          ...status,
          conditions: [...(status.conditions ?? []), { type: 'StatusPatched', status: 'True' }],
        };
      },
      'status',
    );
    expect(seen).toContain('StatusPatched');
    // The controller never sets or clears conditions.
    settled(cluster);
    expect((cluster.store.get('DaemonSet', NS, DS_NAME) as DaemonSet).status?.conditions?.map((c) => c.type)).toEqual([
      'StatusUpdate',
      'StatusPatched',
    ]);
  });
});
