/**
 * The few Kubernetes API calls the real-cluster adapter makes, through @kubernetes/client-node
 * (imported lazily: nothing else in dsconform loads it). Objects go in and come out in wire form
 * (kubernetes-types); every failure becomes a KubeError with the HTTP code and the API server's
 * own message.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Namespace, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ClusterIdentity } from './contextGuard.js';

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export class KubeError extends Error {
  /** HTTP status; 0 when the server could not be reached at all. */
  readonly code: number;
  /** The Status reason (NotFound, Conflict, Invalid, AlreadyExists...), when the server gave one. */
  readonly reason: string;

  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeError';
    this.code = code;
    this.reason = reason;
  }
}

export function isKubeError(e: unknown, code?: number): e is KubeError {
  return e instanceof KubeError && (code === undefined || e.code === code);
}

/** What the adapter needs from an API server; a JSON merge patch is the only patch it sends. */
export interface KubeApi {
  readonly identity: ClusterIdentity;
  serverVersion(): Promise<string>;
  listNodes(labelSelector: string): Promise<Node[]>;
  readNode(name: string): Promise<Node>;
  createNode(node: Node): Promise<Node>;
  mergePatchNode(name: string, patch: object): Promise<Node>;
  deleteNode(name: string, uid: string): Promise<void>;
  listNamespaces(labelSelector: string): Promise<Namespace[]>;
  createNamespace(namespace: Namespace): Promise<Namespace>;
  deleteNamespace(name: string, uid: string): Promise<void>;
  /** Whether the namespace's `default` ServiceAccount exists yet (pods cannot be created before it does). */
  hasDefaultServiceAccount(namespace: string): Promise<boolean>;
  listDaemonSets(namespace: string): Promise<DaemonSet[]>;
  readDaemonSet(namespace: string, name: string): Promise<DaemonSet>;
  createDaemonSet(namespace: string, ds: DaemonSet): Promise<DaemonSet>;
  replaceDaemonSet(namespace: string, ds: DaemonSet): Promise<DaemonSet>;
  mergePatchDaemonSet(namespace: string, name: string, patch: object): Promise<DaemonSet>;
  deleteDaemonSet(namespace: string, name: string, propagationPolicy: Propagation): Promise<void>;
  listPods(namespace: string): Promise<Pod[]>;
  createPod(namespace: string, pod: Pod): Promise<Pod>;
  mergePatchPod(namespace: string, name: string, patch: object): Promise<Pod>;
  deletePod(namespace: string, name: string, uid: string): Promise<void>;
  listControllerRevisions(namespace: string): Promise<ControllerRevision[]>;
}

export interface KubeconfigSelection {
  kubeconfig: string;
  /** A context of the file other than its current one. */
  context?: string;
}

/** client-node objects carry Date objects; the harness reads wire JSON (RFC 3339 strings). */
function wire<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The API server's message from an ApiException body (a Status object, as text or parsed). */
function statusOf(body: unknown): { message?: string; reason?: string } {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  if (parsed !== null && typeof parsed === 'object') {
    const status = parsed as { message?: unknown; reason?: unknown };
    return {
      ...(typeof status.message === 'string' ? { message: status.message } : {}),
      ...(typeof status.reason === 'string' ? { reason: status.reason } : {}),
    };
  }
  return {};
}

function toKubeError(e: unknown, what: string): KubeError {
  if (e instanceof KubeError) return e;
  const error = e as { code?: unknown; body?: unknown; message?: unknown; cause?: { code?: unknown } };
  if (typeof error?.code === 'number' && error.code >= 100) {
    const status = statusOf(error.body);
    return new KubeError(error.code, status.reason ?? '', `${what}: ${status.message ?? `HTTP ${error.code}`}`);
  }
  const cause = typeof error?.cause?.code === 'string' ? ` (${error.cause.code})` : '';
  const message = typeof error?.message === 'string' ? error.message : String(e);
  return new KubeError(0, 'Unreachable', `${what}: ${message}${cause}`);
}

/** Loads the kubeconfig and makes the API clients. */
export async function connect(selection: KubeconfigSelection): Promise<KubeApi> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(selection.kubeconfig);
  if (selection.context !== undefined) {
    if (kc.getContextObject(selection.context) === null) {
      throw new KubeError(0, 'NoContext', `${selection.kubeconfig} has no context "${selection.context}"`);
    }
    kc.setCurrentContext(selection.context);
  }
  const contextName = kc.getCurrentContext();
  if (!contextName) throw new KubeError(0, 'NoContext', `${selection.kubeconfig} names no current context`);
  const cluster = kc.getCurrentCluster();
  const identity: ClusterIdentity = {
    context: contextName,
    cluster: kc.getContextObject(contextName)?.cluster ?? cluster?.name ?? '',
    server: cluster?.server ?? '',
  };
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const versionApi = kc.makeApiClient(k8s.VersionApi);
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  // Sent as given: the client's serializer passes wire JSON through (see docs/real-cluster.md).
  // biome-ignore lint/suspicious/noExplicitAny: wire objects into client-node's model types
  const body = (value: unknown): any => value;
  const call = async <T>(what: string, request: () => Promise<unknown>): Promise<T> => {
    try {
      return wire<T>(await request());
    } catch (e) {
      throw toKubeError(e, what);
    }
  };
  const done = async (what: string, request: () => Promise<unknown>): Promise<void> => {
    try {
      await request();
    } catch (e) {
      throw toKubeError(e, what);
    }
  };
  return {
    identity,
    serverVersion: async () => {
      const info = await call<{ gitVersion?: string }>('GET /version', () => versionApi.getCode());
      return info.gitVersion ?? 'unknown';
    },
    listNodes: async (labelSelector) =>
      (await call<{ items: Node[] }>('list nodes', () => core.listNode({ labelSelector }))).items,
    readNode: (name) => call(`get node ${name}`, () => core.readNode({ name })),
    createNode: (node) => call(`create node ${node.metadata?.name}`, () => core.createNode({ body: body(node) })),
    mergePatchNode: (name, patch) =>
      call(`patch node ${name}`, () => core.patchNode({ name, body: body(patch) }, mergePatch)),
    deleteNode: (name, uid) =>
      done(`delete node ${name}`, () => core.deleteNode({ name, body: { preconditions: { uid } } })),
    listNamespaces: async (labelSelector) =>
      (await call<{ items: Namespace[] }>('list namespaces', () => core.listNamespace({ labelSelector }))).items,
    createNamespace: (namespace) =>
      call(`create namespace ${namespace.metadata?.name}`, () => core.createNamespace({ body: body(namespace) })),
    deleteNamespace: (name, uid) =>
      done(`delete namespace ${name}`, () => core.deleteNamespace({ name, body: { preconditions: { uid } } })),
    hasDefaultServiceAccount: async (namespace) => {
      try {
        await core.readNamespacedServiceAccount({ name: 'default', namespace });
        return true;
      } catch (e) {
        const error = toKubeError(e, `get serviceaccount default in ${namespace}`);
        if (error.code === 404) return false;
        throw error;
      }
    },
    listDaemonSets: async (namespace) =>
      (
        await call<{ items: DaemonSet[] }>(`list daemonsets in ${namespace}`, () =>
          apps.listNamespacedDaemonSet({ namespace }),
        )
      ).items,
    readDaemonSet: (namespace, name) =>
      call(`get daemonset ${namespace}/${name}`, () => apps.readNamespacedDaemonSet({ namespace, name })),
    createDaemonSet: (namespace, ds) =>
      call(`create daemonset ${namespace}/${ds.metadata?.name}`, () =>
        apps.createNamespacedDaemonSet({ namespace, body: body(ds) }),
      ),
    replaceDaemonSet: (namespace, ds) =>
      call(`update daemonset ${namespace}/${ds.metadata?.name}`, () =>
        apps.replaceNamespacedDaemonSet({ namespace, name: ds.metadata?.name ?? '', body: body(ds) }),
      ),
    mergePatchDaemonSet: (namespace, name, patch) =>
      call(`patch daemonset ${namespace}/${name}`, () =>
        apps.patchNamespacedDaemonSet({ namespace, name, body: body(patch) }, mergePatch),
      ),
    deleteDaemonSet: (namespace, name, propagationPolicy) =>
      done(`delete daemonset ${namespace}/${name}`, () =>
        apps.deleteNamespacedDaemonSet({ namespace, name, propagationPolicy }),
      ),
    listPods: async (namespace) =>
      (await call<{ items: Pod[] }>(`list pods in ${namespace}`, () => core.listNamespacedPod({ namespace }))).items,
    createPod: (namespace, pod) =>
      call(`create pod in ${namespace}`, () => core.createNamespacedPod({ namespace, body: body(pod) })),
    mergePatchPod: (namespace, name, patch) =>
      call(`patch pod ${namespace}/${name}`, () =>
        core.patchNamespacedPod({ namespace, name, body: body(patch) }, mergePatch),
      ),
    deletePod: (namespace, name, uid) =>
      done(`delete pod ${namespace}/${name}`, () =>
        core.deleteNamespacedPod({ namespace, name, body: { preconditions: { uid } } }),
      ),
    listControllerRevisions: async (namespace) =>
      (
        await call<{ items: ControllerRevision[] }>(`list controllerrevisions in ${namespace}`, () =>
          apps.listNamespacedControllerRevision({ namespace }),
        )
      ).items,
  };
}
