/**
 * The real-cluster adapter (`check --kubeconfig`, @kubernetes/client-node) against `dsconform
 * serve` with the reference controller inside: a real HTTP API that follows Kubernetes semantics,
 * where test/k8s uses a fake server written for the adapter. Cases conform, and the adapter
 * leaves nothing of its run behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DsEvent } from '../../model/events.ts';
import { type RunningServe, startServe } from '../../src/cli/serve.js';
import { clusterImplementation } from '../../src/k8s/clusterImplementation.js';
import { findResource } from '../../src/serve/resources.js';
import { runMain } from '../support/inProcessCli.js';

describe('check --kubeconfig against dsconform serve', () => {
  let folder = '';
  let running: RunningServe;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'dsconform-served-cluster-'));
    running = await startServe({ nodes: 0, port: 0, kubeconfig: join(folder, 'kubeconfig'), controller: true });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('conforms, and cleans up its namespaces and nodes', async () => {
    const { code, stdout, stderr } = await runMain([
      'check',
      '--kubeconfig',
      join(folder, 'kubeconfig'),
      '--runs',
      '2',
      '--seed',
      '4',
      '--stable-for',
      '300',
      '--report-dir',
      join(folder, 'reports'),
    ]);
    expect(stderr).toContain('the API server http://127.0.0.1:');
    expect(stdout).toContain('Verdict: conforms (2 runs');
    expect(code).toBe(0);
    const namespaces = running.served
      .objectsIn(findResource('', 'v1', 'namespaces') as never)
      .map((n) => n.metadata?.name);
    expect(namespaces.filter((n) => n?.startsWith('dsconform-'))).toEqual([]);
    expect(running.served.cluster.nodes()).toEqual([]);
  });

  it('relabels pods and holds them with a finalizer through the API, and cleans up a held pod', async () => {
    const implementation = await clusterImplementation({
      kubeconfig: join(folder, 'kubeconfig'),
      allowAnyCluster: true,
      timing: { pollIntervalMs: 20, stableForMs: 150 },
    });
    try {
      const system = await implementation.makeSystem();
      const apply = async (event: DsEvent) => {
        const outcome = await system.apply(event);
        expect(outcome.applied, `${event.type}: ${outcome.note}`).toBe(true);
        await system.apply({ type: 'CONTROLLER_SYNC' });
      };
      const pods = () => {
        const obs = system.observe();
        return [...obs.pods, ...(obs.bystanders ?? [])].map((p) => ({
          held: p.held === true,
          unmatched: p.unmatched === true,
          owned: p.controllerUid !== undefined,
        }));
      };
      await apply({ type: 'NODE_ADDED', node: 'n0' });
      await apply({
        type: 'DS_CREATED',
        spec: {
          updateStrategy: { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 },
          minReadySeconds: 0,
          revisionHistoryLimit: 10,
          template: { image: 'v1', nodeSelector: {}, hostNetwork: false, tolerations: [] },
        },
      });
      expect(pods()).toEqual([{ held: false, unmatched: false, owned: true }]);
      await apply({ type: 'POD_FINALIZER_ADDED', node: 'n0' });
      expect(pods()).toEqual([{ held: true, unmatched: false, owned: true }]);
      // Relabelled away: released (still held), and the DaemonSet makes a new pod for the node.
      await apply({ type: 'POD_RELABELED', node: 'n0', matches: false });
      expect(pods()).toEqual(
        expect.arrayContaining([
          { held: true, unmatched: true, owned: false },
          { held: false, unmatched: false, owned: true },
        ]),
      );
      expect(pods()).toHaveLength(2);
      // Relabelled back: it matches again, and no pod is left unmatched.
      await apply({ type: 'POD_RELABELED', node: 'n0', matches: true });
      expect(pods().filter((p) => p.unmatched)).toEqual([]);
      // The held pod is left for the cleanup, which must release it for the namespace to go.
      await system.dispose();
    } finally {
      await implementation.close();
    }
    const namespaces = running.served
      .objectsIn(findResource('', 'v1', 'namespaces') as never)
      .map((n) => n.metadata?.name);
    expect(namespaces.filter((n) => n?.startsWith('dsconform-'))).toEqual([]);
  });
});
