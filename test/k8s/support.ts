/** Shared set-up for the real-cluster adapter's tests: a fake API server and a kubeconfig for it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeSystemTiming } from '../../src/k8s/kubeSystem.js';
import { RUN_LABEL } from '../../src/k8s/names.js';
import { FakeApiServer, type FakeApiServerOptions, type RecordedRequest } from './fakeApiServer.js';

/** Fast polling: the fake cluster's actors step every 10 ms. */
export const FAST: Partial<KubeSystemTiming> = {
  pollIntervalMs: 20,
  stableForMs: 200,
  stepWaitMs: 2000,
  convergenceTimeoutMs: 15_000,
};

export interface FakeCluster {
  fake: FakeApiServer;
  kubeconfig: string;
  dir: string;
}

export async function fakeCluster(
  options: FakeApiServerOptions & { context?: string; cluster?: string } = {},
): Promise<FakeCluster> {
  const fake = await FakeApiServer.start(options);
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-k8s-'));
  const kubeconfig = join(dir, 'kubeconfig.json');
  writeFileSync(kubeconfig, fake.kubeconfig(options.context, options.cluster));
  return { fake, kubeconfig, dir };
}

/**
 * Objects that were there before the adapter: a node of someone else's and a DaemonSet in
 * kube-system (whose controller puts pods on every node, the adapter's included, as kube-proxy does).
 */
export function seedForeignObjects(fake: FakeApiServer): void {
  fake.cluster.addNode('worker-1', { labels: { 'kubernetes.io/hostname': 'worker-1' } });
  fake.createNamespace('kube-system');
  fake.cluster.store.create('DaemonSet', {
    metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { k8s: 'proxy' } },
    spec: {
      selector: { matchLabels: { k8s: 'proxy' } },
      template: {
        metadata: { labels: { k8s: 'proxy' } },
        spec: { containers: [{ name: 'proxy', image: 'proxy' }], tolerations: [{ operator: 'Exists' }] },
      },
    },
  });
}

/**
 * Why a mutating request is not the run's business, or undefined if it is: a node or namespace
 * named `dsconform-<run>-...`, or an object inside such a namespace.
 */
export function foreignWrite(request: RecordedRequest, runId: string): string | undefined {
  const prefix = `dsconform-${runId}-`;
  const describe = `${request.method} ${request.path}`;
  const parts = request.path.split('/').filter(Boolean);
  const body = request.body as { metadata?: { name?: string; labels?: Record<string, string> } } | undefined;
  if (request.path === '/api/v1/nodes' || request.path === '/api/v1/namespaces') {
    // A create: the new object must be named and labelled for the run.
    const name = body?.metadata?.name ?? '';
    if (!name.startsWith(prefix)) return `${describe} creates ${name}`;
    if (body?.metadata?.labels?.[RUN_LABEL] !== runId) return `${describe} creates ${name} without the run label`;
    return undefined;
  }
  const namespaceAt = parts.indexOf('namespaces');
  if (namespaceAt >= 0 && parts[namespaceAt + 1] !== undefined) {
    return parts[namespaceAt + 1]?.startsWith(prefix) ? undefined : describe;
  }
  const nodeAt = parts.indexOf('nodes');
  if (nodeAt >= 0 && parts[nodeAt + 1] !== undefined)
    return parts[nodeAt + 1]?.startsWith(prefix) ? undefined : describe;
  return describe;
}

/** Lets the fake cluster's actors run for a while (deletions finish, namespaces go). */
export function settleFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
