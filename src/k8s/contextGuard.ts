/**
 * The adapter creates and deletes nodes. It only does that on a cluster that looks like a
 * throwaway test cluster, unless the user says explicitly that it is one.
 */

/** Substrings of context or cluster names the usual local-cluster tools give their clusters. */
const TEST_CLUSTER_MARKERS = ['kind-', 'kwok-', 'minikube', 'k3d-', 'docker-desktop'] as const;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export interface ClusterIdentity {
  context: string;
  cluster: string;
  server: string;
}

export interface GuardVerdict {
  ok: boolean;
  /** Why it looks like a test cluster, or why it does not. */
  reason: string;
}

export function looksLikeTestCluster(identity: ClusterIdentity): GuardVerdict {
  for (const [what, name] of [
    ['context', identity.context],
    ['cluster', identity.cluster],
  ] as const) {
    const marker = TEST_CLUSTER_MARKERS.find((m) => name.toLowerCase().includes(m));
    if (marker) return { ok: true, reason: `${what} "${name}" contains "${marker}"` };
  }
  let host = '';
  try {
    host = new URL(identity.server).hostname;
  } catch {
    // not a URL: not local
  }
  if (LOCAL_HOSTS.has(host)) return { ok: true, reason: `the API server ${identity.server} is on this machine` };
  return {
    ok: false,
    reason: `context "${identity.context}" (cluster "${identity.cluster}", server ${identity.server || '(none)'}) does not look like a throwaway test cluster: no ${TEST_CLUSTER_MARKERS.join(', ')} in its name and not on localhost`,
  };
}
