// biome-ignore-all lint/suspicious/noExplicitAny: the tests read wire JSON of many kinds
import { SimulatedCluster } from '../../src/cluster/cluster.js';
import { DaemonSetController } from '../../src/controller/controller.js';
import { ApiServer } from '../../src/serve/apiServer.js';
import { ServedCluster } from '../../src/serve/servedCluster.js';

export interface InProcessServe {
  url: string;
  served: ServedCluster;
  api: ApiServer;
  /** fetch against the server, JSON in and out. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** A served cluster on a virtual clock that settles after every write (deterministic, no timers). */
export async function serveInProcess(
  options: { nodes?: number; controller?: boolean; changeLogCapacity?: number; harnessToken?: string } = {},
): Promise<InProcessServe> {
  const cluster = new SimulatedCluster();
  for (let i = 0; i < (options.nodes ?? 3); i++)
    cluster.addNode(`node-${i}`, { labels: { 'kubernetes.io/hostname': `node-${i}` } });
  if (options.controller ?? true) cluster.addController(new DaemonSetController(cluster.store));
  const served = new ServedCluster(
    cluster,
    options.changeLogCapacity !== undefined ? { changeLogCapacity: options.changeLogCapacity } : {},
  );
  const api = new ApiServer(served, {
    onWrite: () => served.settle(),
    ...(options.harnessToken !== undefined ? { harnessToken: options.harnessToken } : {}),
  });
  const url = await api.listen(0);
  return {
    url,
    served,
    api,
    call: async (method, path, body, headers = {}) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { status: response.status, body: parsed };
    },
    close: () => api.close(),
  };
}

export function daemonSet(name: string, image = 'nginx:1'): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}
