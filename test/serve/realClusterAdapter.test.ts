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
import { type RunningServe, startServe } from '../../src/cli/serve.js';
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
});
