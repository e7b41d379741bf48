/**
 * A fake Kubernetes API server for the real-cluster adapter's tests: node:http on 127.0.0.1
 * answering the REST calls the adapter makes (nodes, namespaces, serviceaccounts, daemonsets,
 * pods, controllerrevisions; list, get, create, replace, merge patch, delete), with no watch (the
 * adapter polls).
 *
 * Behind the REST surface runs dsconform's own simulated cluster: its object store (with the
 * API server's defaulting, validation, conflicts and deletion semantics), the reference
 * DaemonSet controller, scheduler, kubelet, garbage collector and node lifecycle, stepped on a
 * timer, with the clock following real time. Nodes annotated `kwok.x-k8s.io/node: fake` become
 * Ready, as kwok makes them. A campaign against it should therefore conform.
 *
 * Every request is recorded, so tests can check what the adapter touched.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { ApiError, isApiError } from '../../src/cluster/apiError.js';
import { VirtualClock } from '../../src/cluster/clock.js';
import { SimulatedCluster } from '../../src/cluster/cluster.js';
import { compileLabelSelector } from '../../src/cluster/labels.js';
import type { AnyObject, Kind, PropagationPolicy } from '../../src/cluster/objects.js';
import type { ObjectStore } from '../../src/cluster/store.js';
import { DaemonSetController, type DaemonSetControllerOptions } from '../../src/controller/controller.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  body: unknown;
}

export interface FakeApiServerOptions {
  /** Run the reference DaemonSet controller (default true). */
  controller?: boolean;
  /** Its options, given the store (a mutant's, to give the cluster a faulty controller). */
  controllerOptions?: (store: ObjectStore) => DaemonSetControllerOptions;
  /** Milliseconds between steps of the cluster's actors (default 10). */
  tickMs?: number;
  /** Address to listen on (default 127.0.0.1; any 127.x.y.z works on Linux). */
  host?: string;
}

interface Route {
  kind: Kind | 'Namespace' | 'ServiceAccount' | 'Version';
  namespace?: string;
  name?: string;
}

const RESOURCES: Record<string, Kind> = {
  nodes: 'Node',
  pods: 'Pod',
  daemonsets: 'DaemonSet',
  controllerrevisions: 'ControllerRevision',
};

const LIST_KIND: Record<Kind | 'Namespace', string> = {
  Node: 'NodeList',
  Pod: 'PodList',
  DaemonSet: 'DaemonSetList',
  ControllerRevision: 'ControllerRevisionList',
  Namespace: 'NamespaceList',
};

/** `/api/v1/...` and `/apis/apps/v1/...` paths the adapter uses. */
function route(path: string): Route | undefined {
  if (path === '/version' || path === '/version/') return { kind: 'Version' };
  const core = /^\/api\/v1\/(.*)$/.exec(path);
  const apps = /^\/apis\/apps\/v1\/(.*)$/.exec(path);
  const rest = (core ?? apps)?.[1];
  if (rest === undefined) return undefined;
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  if (core && parts[0] === 'nodes' && parts.length <= 2)
    return { kind: 'Node', ...(parts[1] ? { name: parts[1] } : {}) };
  if (core && parts[0] === 'namespaces' && parts.length <= 2)
    return { kind: 'Namespace', ...(parts[1] ? { name: parts[1] } : {}) };
  if (parts[0] === 'namespaces' && parts.length >= 3 && parts.length <= 4) {
    const [, namespace, resource, name] = parts;
    if (core && resource === 'serviceaccounts')
      return { kind: 'ServiceAccount', namespace: namespace as string, ...(name ? { name } : {}) };
    const kind = RESOURCES[resource as string];
    const group = kind === 'DaemonSet' || kind === 'ControllerRevision' ? 'apps' : 'core';
    if (kind === undefined || (group === 'apps') !== (apps !== null)) return undefined;
    return { kind, namespace: namespace as string, ...(name ? { name } : {}) };
  }
  return undefined;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** `a=b,c` label selectors (equality and existence), as the adapter sends them. */
function selectorFrom(text: string | undefined): (labels: Record<string, string> | undefined) => boolean {
  if (!text) return () => true;
  const matchLabels: Record<string, string> = {};
  const matchExpressions: { key: string; operator: 'Exists' }[] = [];
  for (const term of text.split(',')) {
    const [key, value] = term.split('=');
    if (value === undefined) matchExpressions.push({ key: (key as string).trim(), operator: 'Exists' });
    else matchLabels[(key as string).trim()] = value.trim();
  }
  const compiled = compileLabelSelector({ matchLabels, matchExpressions });
  return compiled.ok ? compiled.matches : () => false;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class FakeApiServer {
  readonly cluster: SimulatedCluster;
  readonly requests: RecordedRequest[] = [];
  readonly namespaces = new Map<string, Namespace>();
  readonly #server: Server;
  readonly #timer: NodeJS.Timeout;
  #lastTick = Date.now();
  #uid = 0;
  #rv = 0;
  url = '';

  private constructor(options: FakeApiServerOptions) {
    // The clock follows real time, as a real API server's does: the adapter reads Date.now().
    this.cluster = new SimulatedCluster({ clock: new VirtualClock(Date.now()) });
    if (options.controller !== false) {
      const store = this.cluster.store;
      this.cluster.addController(new DaemonSetController(store, options.controllerOptions?.(store) ?? {}));
    }
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#timer = setInterval(() => this.#tick(), options.tickMs ?? 10);
    this.createNamespace('default');
  }

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const server = new FakeApiServer(options);
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve) => server.#server.listen(0, host, resolve));
    server.url = `http://${host}:${(server.#server.address() as AddressInfo).port}`;
    return server;
  }

  /** A kubeconfig for this server, with the given context and cluster names. */
  kubeconfig(context = 'kind-dsconform-test', cluster = context): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain HTTP unless TLS verification is off.
      clusters: [{ name: cluster, cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'tester', user: { token: 'test-token' } }],
      contexts: [{ name: context, context: { cluster, user: 'tester' } }],
      'current-context': context,
    });
  }

  createNamespace(name: string, labels: Record<string, string> = {}): Namespace {
    const namespace: Namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: `ns-${++this.#uid}`,
        resourceVersion: String(++this.#rv),
        creationTimestamp: this.cluster.clock.nowTimestamp(),
        ...(Object.keys(labels).length > 0 ? { labels } : {}),
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
    this.namespaces.set(name, namespace);
    return namespace;
  }

  /** Mutating requests (anything but GET). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The cluster's actors take a step; time moves as it does outside. */
  #tick(): void {
    const now = Date.now();
    if (now > this.#lastTick) this.cluster.clock.advance(now - this.#lastTick);
    this.#lastTick = now;
    // kwok: fake nodes report Ready.
    for (const node of this.cluster.store.list('Node')) {
      const fake = node.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake';
      if (fake && !node.status?.conditions?.some((c) => c.type === 'Ready'))
        this.cluster.setNodeReady(node.metadata?.name ?? '', 'True');
    }
    this.cluster.settle({ maxRounds: 50 });
    this.#finishNamespaceDeletions();
  }

  /** A terminating namespace's contents are deleted, then the namespace goes. */
  #finishNamespaceDeletions(): void {
    for (const [name, namespace] of this.namespaces) {
      if (namespace.status?.phase !== 'Terminating') continue;
      let left = 0;
      for (const kind of ['DaemonSet', 'ControllerRevision', 'Pod'] as const) {
        for (const obj of this.cluster.store.list(kind, name)) {
          left++;
          if (obj.metadata?.deletionTimestamp == null) {
            try {
              this.cluster.store.delete(kind, name, obj.metadata?.name ?? '', { propagationPolicy: 'Background' });
            } catch {
              // gone meanwhile
            }
          }
        }
      }
      if (left === 0) this.namespaces.delete(name);
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, body });
    try {
      const result = this.#serve(method, url, contentType, body);
      res.writeHead(method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    } catch (e) {
      const error =
        e instanceof HttpError
          ? e
          : isApiError(e)
            ? new HttpError(e.code, e.reason, e.message)
            : new HttpError(500, 'InternalError', e instanceof Error ? e.message : String(e));
      res.writeHead(error.code, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: error.message,
          reason: error.reason,
          code: error.code,
        }),
      );
    }
  }

  #serve(method: string, url: URL, contentType: string, body: unknown): unknown {
    const r = route(url.pathname);
    if (r === undefined)
      throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    const selector = selectorFrom(url.searchParams.get('labelSelector') ?? undefined);
    if (r.kind === 'Version') return { major: '1', minor: '30', gitVersion: 'v1.30.0-dsconform-fake' };
    if (r.kind === 'Namespace') return this.#serveNamespace(method, r.name, body, selector);
    if (r.kind === 'ServiceAccount') {
      const namespace = this.namespaces.get(r.namespace ?? '');
      if (method !== 'GET' || r.name !== 'default' || namespace === undefined)
        throw new HttpError(404, 'NotFound', `serviceaccounts "${r.name}" not found`);
      return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: r.namespace } };
    }
    const kind = r.kind;
    const { store } = this.cluster;
    if (r.namespace !== undefined && !this.namespaces.has(r.namespace))
      throw new HttpError(404, 'NotFound', `namespaces "${r.namespace}" not found`);
    if (r.name === undefined) {
      if (method === 'GET') {
        const items = store.list(kind, r.namespace).filter((o) => selector(o.metadata?.labels));
        return {
          apiVersion: kind === 'DaemonSet' || kind === 'ControllerRevision' ? 'apps/v1' : 'v1',
          kind: LIST_KIND[kind],
          metadata: { resourceVersion: store.resourceVersion },
          items,
        };
      }
      if (method === 'POST') {
        if (r.namespace !== undefined && this.namespaces.get(r.namespace)?.status?.phase === 'Terminating') {
          throw new HttpError(
            403,
            'Forbidden',
            `unable to create new content in namespace ${r.namespace} because it is being terminated`,
          );
        }
        const obj = body as AnyObject;
        if (r.namespace !== undefined) obj.metadata = { ...(obj.metadata ?? {}), namespace: r.namespace };
        return store.create(kind, obj);
      }
      throw new HttpError(405, 'MethodNotAllowed', `${method} on a collection`);
    }
    const current = store.get(kind, r.namespace, r.name);
    switch (method) {
      case 'GET':
        if (current === undefined) throw ApiError.notFound(kind.toLowerCase(), r.name);
        return current;
      case 'PUT': {
        const obj = body as AnyObject;
        obj.metadata = { ...(obj.metadata ?? {}), name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) };
        return store.update(kind, obj);
      }
      case 'PATCH': {
        if (contentType !== 'application/merge-patch+json' && contentType !== 'application/strategic-merge-patch+json')
          throw new HttpError(
            415,
            'UnsupportedMediaType',
            `the fake server takes merge patches only, not ${contentType}`,
          );
        if (current === undefined) throw ApiError.notFound(kind.toLowerCase(), r.name);
        return store.update(kind, mergePatch(current, body) as AnyObject);
      }
      case 'DELETE': {
        const options = (body ?? {}) as { preconditions?: { uid?: string }; propagationPolicy?: PropagationPolicy };
        const policy =
          (url.searchParams.get('propagationPolicy') as PropagationPolicy | null) ?? options.propagationPolicy;
        const after = store.delete(kind, r.namespace, r.name, {
          ...(policy ? { propagationPolicy: policy } : {}),
          ...(options.preconditions ? { preconditions: options.preconditions } : {}),
        });
        return after ?? { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name: r.name } };
      }
      default:
        throw new HttpError(405, 'MethodNotAllowed', method);
    }
  }

  #serveNamespace(
    method: string,
    name: string | undefined,
    body: unknown,
    selector: (labels: Record<string, string> | undefined) => boolean,
  ): unknown {
    if (name === undefined) {
      if (method === 'GET') {
        const items = [...this.namespaces.values()].filter((n) => selector(n.metadata?.labels));
        return { apiVersion: 'v1', kind: LIST_KIND.Namespace, metadata: { resourceVersion: String(this.#rv) }, items };
      }
      if (method === 'POST') {
        const wanted = (body as Namespace).metadata?.name ?? '';
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(wanted) || wanted.length > 63)
          throw new HttpError(422, 'Invalid', `Namespace "${wanted}" is invalid: metadata.name: Invalid value`);
        if (this.namespaces.has(wanted))
          throw new HttpError(409, 'AlreadyExists', `namespaces "${wanted}" already exists`);
        return this.createNamespace(wanted, (body as Namespace).metadata?.labels ?? {});
      }
      throw new HttpError(405, 'MethodNotAllowed', method);
    }
    const namespace = this.namespaces.get(name);
    if (namespace === undefined) throw new HttpError(404, 'NotFound', `namespaces "${name}" not found`);
    if (method === 'GET') return namespace;
    if (method === 'DELETE') {
      const uid = (body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
      if (uid !== undefined && uid !== namespace.metadata?.uid)
        throw new HttpError(409, 'Conflict', `Precondition failed: UID in precondition: ${uid}`);
      const terminating: Namespace = {
        ...namespace,
        metadata: {
          ...namespace.metadata,
          deletionTimestamp: this.cluster.clock.nowTimestamp(),
          resourceVersion: String(++this.#rv),
        },
        status: { phase: 'Terminating' },
      };
      this.namespaces.set(name, terminating);
      return terminating;
    }
    throw new HttpError(405, 'MethodNotAllowed', method);
  }
}
