/**
 * A real cluster as an implementation under test (`dsconform check --kubeconfig <file>`): the
 * cluster's own DaemonSet controller (kube-controller-manager) is what gets checked, on fake
 * nodes that kwok keeps Ready. Each case gets its own namespace and nodes; closing the
 * implementation deletes every namespace and node of the run that is left.
 *
 * Before anything is created: the context must look like a throwaway test cluster (or the user
 * must say it is one), and the API server must answer.
 */

import type { Implementation } from '../harness/implementation.js';
import { ALL_FEATURES } from '../harness/profiles.js';
import { AdapterError } from '../protocol/adapterError.js';
import { looksLikeTestCluster } from './contextGuard.js';
import { asAdapterError } from './failure.js';
import { connect, type KubeApi, type KubeconfigSelection } from './kubeApi.js';
import { KubeSystem, type KubeSystemTiming, REAL_CLUSTER_TIMING } from './kubeSystem.js';
import { caseNames, newRunId } from './names.js';
import { type CleanupReport, RunScope } from './runScope.js';

export interface ClusterOptions extends KubeconfigSelection {
  /** Skip the "does this look like a test cluster" check (--i-know-this-is-a-test-cluster). */
  allowAnyCluster?: boolean;
  timing?: Partial<KubeSystemTiming>;
  /** Fixed run id (tests); a fresh random one otherwise. */
  runId?: string;
  /** Tells the user what is happening (one line each). */
  log?: (line: string) => void;
  /** An API client other than client-node's (tests). */
  api?: KubeApi;
}

export interface ClusterImplementation extends Implementation<KubeSystem> {
  readonly kind: 'cluster';
  readonly runId: string;
  readonly scope: RunScope;
  /** What the last close() deleted. */
  lastCleanup: CleanupReport | undefined;
}

export async function clusterImplementation(options: ClusterOptions): Promise<ClusterImplementation> {
  let api: KubeApi;
  try {
    api = options.api ?? (await connect(options));
  } catch (e) {
    throw new AdapterError(
      'spawn',
      `--kubeconfig ${options.kubeconfig}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const verdict = looksLikeTestCluster(api.identity);
  if (!verdict.ok && options.allowAnyCluster !== true) {
    throw new AdapterError(
      'spawn',
      `refusing to create and delete nodes: ${verdict.reason}; if it is one, add --i-know-this-is-a-test-cluster`,
    );
  }
  let version: string;
  try {
    version = await api.serverVersion();
  } catch (e) {
    throw new AdapterError(
      'spawn',
      `cannot reach the API server of context "${api.identity.context}": ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const runId = options.runId ?? newRunId();
  const scope = new RunScope(api, runId);
  const timing: KubeSystemTiming = { ...REAL_CLUSTER_TIMING, ...(options.timing ?? {}) };
  options.log?.(
    `cluster: context ${api.identity.context} (${api.identity.server}, Kubernetes ${version}; ${verdict.ok ? verdict.reason : 'accepted by --i-know-this-is-a-test-cluster'}); run ${runId}: namespaces and nodes dsconform-${runId}-*`,
  );
  let cases = 0;
  let closed = false;
  const implementation: ClusterImplementation = {
    name: `cluster ${api.identity.context}`,
    kind: 'cluster',
    features: ALL_FEATURES,
    runId,
    scope,
    lastCleanup: undefined,
    makeSystem: async () => {
      if (closed) throw new AdapterError('implementation-error', `run ${runId} has been cleaned up`);
      try {
        return await KubeSystem.create(scope, caseNames(runId, ++cases), timing);
      } catch (e) {
        throw asAdapterError(e);
      }
    },
    close: async () => {
      closed = true;
      const report = await scope.cleanupRun();
      implementation.lastCleanup = report;
      if (report.namespaces.length + report.nodes.length > 0)
        options.log?.(
          `cluster: deleted ${report.namespaces.length} namespaces and ${report.nodes.length} nodes of run ${runId}`,
        );
      for (const failure of report.failures) options.log?.(`cluster: cleanup: ${failure}`);
    },
  };
  return implementation;
}
