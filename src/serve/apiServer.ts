/**
 * The HTTP side of `dsconform serve`: the Kubernetes REST API over the served cluster, on
 * loopback only. Discovery, GET, LIST (label and field selectors, limit/continue), WATCH (from a
 * resourceVersion, bookmarks, initial events, 410 Gone past the watch cache), POST, PUT (with
 * optimistic concurrency), PATCH (merge, strategic merge, JSON patch) and DELETE (preconditions,
 * propagation policy, grace period), and Table output for kubectl. Every failure is a
 * metav1.Status with the code and reason an API server would give.
 *
 * Built on node:http: the API is a handful of routes and long-lived streaming responses, which a
 * web framework would add nothing to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, type FieldError, formatFieldError } from '../cluster/apiError.js';
import { applyPatch, PATCH_CONTENT_TYPES } from '../cluster/patch.js';
import type { DeleteOptions } from '../cluster/store.js';
import type { Change, ServedObject } from './changeLog.js';
import { kindGroup, resourceGroup } from './genericStore.js';
import { openApiDiscovery, openApiGroupVersion } from './openapi.js';
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersionOf,
  apiVersions,
  findResource,
  resourceKey,
  type ServedResource,
} from './resources.js';
import { fieldFilter, labelFilter, type ObjectFilter } from './selectors.js';
import type { ServedCluster } from './servedCluster.js';
import { toTable, wantsTable } from './table.js';
import { PROTOBUF, type WireDecoder, WireDecoderUnavailable } from './wireDecoder.js';

/** The version discovery reports (the Kubernetes minor whose API this follows). */
export const SERVED_VERSION = { major: '1', minor: '34', gitVersion: 'v1.34.0-dsconform' };

/** Largest request body accepted (the API server's limit is 3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;
const BOOKMARK_INTERVAL_MS = 10_000;
/** Unsent watch events one client may leave behind before its watch is ended. */
const MAX_WATCH_BUFFER_BYTES = 16 * 1024 * 1024;

export interface ApiServerOptions {
  /**
   * Requests with `Authorization: Bearer <this>` are the harness's own (its polls and its events):
   * they do not count as the controller's activity.
   */
  harnessToken?: string;
  /** Decodes request bodies that are not JSON (protobuf); without it they are refused with 415. */
  wireDecoder?: WireDecoder;
  /** Called after every request that may have changed something (the driver settles the cluster). */
  onWrite?: () => void;
  /** One line per request, for `serve --verbose`. */
  log?: (line: string) => void;
}

interface Route {
  resource: ServedResource;
  namespace?: string;
  name?: string;
  subresource?: 'status';
}

export class ApiServer {
  readonly served: ServedCluster;
  readonly #options: ApiServerOptions;
  readonly #server: Server;
  readonly #watches = new Set<ServerResponse>();
  /** The controller's (every client but the harness's) requests in flight and its last write. */
  #activity = { inFlight: 0, lastWriteAtMs: 0 };
  /** Open watches per resource (resourceKey), for a driver waiting on a controller's informers. */
  readonly #watchCounts = new Map<string, number>();

  constructor(served: ServedCluster, options: ApiServerOptions = {}) {
    this.served = served;
    this.#options = options;
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (this.#countsAsController(req, url)) {
        this.#activity.inFlight++;
        if (req.method !== 'GET') this.#activity.lastWriteAtMs = Date.now();
        res.once('close', () => {
          this.#activity.inFlight--;
          if (req.method !== 'GET') this.#activity.lastWriteAtMs = Date.now();
        });
      }
      this.#handle(req, res, url).catch((error) => this.#fail(res, error));
    });
    // Watches last as long as the client wants; only idle keep-alive connections time out.
    this.#server.requestTimeout = 0;
  }

  /** Listens on 127.0.0.1 (never another interface); port 0 lets the system choose. */
  listen(port = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        const address = this.#server.address() as AddressInfo;
        resolve(`http://127.0.0.1:${address.port}`);
      });
    });
  }

  /** The controller's requests in flight (watches excepted) and when it last wrote (wall clock, ms). */
  controllerActivity(): { inFlight: number; lastWriteAtMs: number } {
    return { ...this.#activity };
  }

  #countsAsController(req: IncomingMessage, url: URL): boolean {
    const token = this.#options.harnessToken;
    if (token !== undefined && req.headers.authorization === `Bearer ${token}`) return false;
    // A watch stays open as long as the client wants: it is not work in flight.
    return !isWatch(url);
  }

  /** How many watches on a resource (`apps/daemonsets`, `/pods`) are open now. */
  openWatches(resource: string): number {
    return this.#watchCounts.get(resource) ?? 0;
  }

  close(): Promise<void> {
    for (const res of this.#watches) res.end();
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    this.#options.log?.(`${method} ${url.pathname}${url.search}`);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const discovery = this.#discovery(path, req);
    if (discovery !== undefined) {
      if (method !== 'GET') throw new ApiError('BadRequest', `the server does not allow ${method} on ${path}`);
      return this.#send(res, 200, discovery);
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    const route = parseRoute(WATCH_PATH.test(path) ? path.replace('/watch/', '/') : path);
    if (route === undefined) throw notFoundPath();
    const query = url.searchParams;
    const watch = isWatch(url);
    switch (method) {
      case 'GET':
        if (watch) return this.#watch(req, res, route, query);
        if (route.name === undefined) return this.#list(req, res, route, query);
        return this.#get(req, res, route);
      case 'POST':
        if (route.name !== undefined) throw methodNotAllowed(method, path);
        return this.#create(req, res, route, query);
      case 'PUT':
        if (route.name === undefined) throw methodNotAllowed(method, path);
        return this.#update(req, res, route);
      case 'PATCH':
        if (route.name === undefined) throw methodNotAllowed(method, path);
        return this.#patch(req, res, route);
      case 'DELETE':
        if (route.name === undefined) throw methodNotAllowed(method, path);
        return this.#delete(req, res, route, query);
      default:
        throw methodNotAllowed(method, path);
    }
  }

  #discovery(path: string, req: IncomingMessage): object | undefined {
    if (path === '/version') {
      return {
        ...SERVED_VERSION,
        gitCommit: '',
        gitTreeState: 'clean',
        buildDate: '',
        goVersion: '',
        compiler: 'dsconform',
        platform: 'linux/amd64',
      };
    }
    if (path === '/openapi/v3') return openApiDiscovery();
    if (path.startsWith('/openapi/v3/')) return openApiGroupVersion(path.slice('/openapi/v3/'.length));
    if (path === '/api') return apiVersions(req.headers.host ?? '127.0.0.1');
    if (path === '/apis') return apiGroupList();
    if (path === '/api/v1') return apiResourceList('', 'v1');
    const group = /^\/apis\/([^/]+)$/.exec(path);
    if (group) return apiGroup(group[1] as string);
    const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (gv) return apiResourceList(gv[1] as string, gv[2] as string);
    return undefined;
  }

  #get(req: IncomingMessage, res: ServerResponse, route: Route): void {
    const obj = this.served.get(route.resource, route.namespace, route.name as string);
    if (obj === undefined) throw ApiError.notFound(resourceGroup(route.resource), route.name as string);
    if (wantsTable(req.headers.accept)) {
      this.#send(
        res,
        200,
        toTable(route.resource, [obj], {}, this.served.nowMs(), includeObject(new URLSearchParams())),
      );
      return;
    }
    this.#send(res, 200, obj);
  }

  #filter(route: Route, query: URLSearchParams): ObjectFilter {
    const labels = labelFilter(query.get('labelSelector'));
    const fields = fieldFilter(query.get('fieldSelector'), route.resource.kind);
    const namespace = route.namespace;
    return (obj) => (namespace === undefined || obj.metadata?.namespace === namespace) && labels(obj) && fields(obj);
  }

  #list(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): void {
    const filter = this.#filter(route, query);
    let items = this.served.objectsIn(route.resource, route.namespace).filter(filter);
    items = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    const rv = this.served.resourceVersion;
    const listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
      resourceVersion: rv,
    };
    const token = query.get('continue');
    if (token) {
      const after = decodeContinue(token);
      items = items.filter((o) => compareKeys(keyOf(o), after) > 0);
    }
    const limit = Number(query.get('limit') ?? '0');
    if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
      listMeta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
      listMeta.continue = encodeContinue(keyOf(items[items.length - 1] as ServedObject));
    }
    if (wantsTable(req.headers.accept)) {
      this.#send(res, 200, toTable(route.resource, items, listMeta, this.served.nowMs(), includeObject(query)));
      return;
    }
    this.#send(res, 200, {
      kind: `${route.resource.kind}List`,
      apiVersion: apiVersionOf(route.resource),
      metadata: listMeta,
      items,
    });
  }

  #watch(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): void {
    const r = route.resource;
    const filter = this.#filter(route, route.name === undefined ? query : withName(query, route.name));
    const asTable = wantsTable(req.headers.accept);
    const rvParam = query.get('resourceVersion') ?? '';
    if (rvParam !== '' && !/^\d+$/.test(rvParam)) {
      throw new ApiError('BadRequest', `resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
    }
    const initialEvents = query.get('sendInitialEvents') === 'true';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    this.#watches.add(res);
    const send = (type: string, object: object): void => {
      if (res.writableEnded || res.destroyed) return;
      // A client that does not read: end its watch (it relists), as the API server drops a slow watcher.
      if (res.writableLength > MAX_WATCH_BUFFER_BYTES) {
        res.end();
        return;
      }
      const payload =
        asTable && type !== 'BOOKMARK' && type !== 'ERROR'
          ? toTable(r, [object as ServedObject], {}, this.served.nowMs(), includeObject(query))
          : object;
      res.write(`${JSON.stringify({ type, object: payload })}\n`);
    };
    const bookmark = (initialEnd: boolean): void =>
      send('BOOKMARK', {
        kind: r.kind,
        apiVersion: apiVersionOf(r),
        metadata: {
          resourceVersion: this.served.resourceVersion,
          ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
        },
      });
    const key = resourceKey(r);
    const deliver = (change: Change): void => {
      if (change.resource !== key) return;
      const now = filter(change.object);
      const before = change.oldObject !== undefined && filter(change.oldObject);
      if (change.type === 'ADDED') {
        if (now) send('ADDED', change.object);
      } else if (change.type === 'DELETED') {
        if (now || before) send('DELETED', change.object);
      } else if (now) send(before ? 'MODIFIED' : 'ADDED', change.object);
      else if (before) send('DELETED', change.object);
    };
    if (rvParam === '' || rvParam === '0' || initialEvents) {
      for (const obj of this.served.objectsIn(r, route.namespace)) if (filter(obj)) send('ADDED', obj);
      // With sendInitialEvents the initial state stands for everything up to now, whatever the version.
      if (initialEvents) bookmark(true);
    } else {
      const past = this.served.changes.since(Number(rvParam));
      if (past === 'expired') {
        const gone = new HttpError(
          410,
          'Expired',
          `too old resource version: ${rvParam} (${this.served.resourceVersion})`,
        );
        send('ERROR', statusBody(gone, 410));
        this.#watches.delete(res);
        res.end();
        return;
      }
      for (const change of past) deliver(change);
    }
    const unsubscribe = this.served.changes.subscribe(deliver);
    this.#watchCounts.set(key, (this.#watchCounts.get(key) ?? 0) + 1);
    let stopped = false;
    const timers: NodeJS.Timeout[] = [];
    if (query.get('allowWatchBookmarks') === 'true') {
      const t = setInterval(() => bookmark(false), BOOKMARK_INTERVAL_MS);
      t.unref();
      timers.push(t);
    }
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) {
      const t = setTimeout(() => res.end(), timeoutSeconds * 1000);
      t.unref();
      timers.push(t);
    }
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      this.#watchCounts.set(key, (this.#watchCounts.get(key) ?? 1) - 1);
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      this.#watches.delete(res);
    };
    res.on('close', stop);
    // A client gone mid-write: the stream errors; the watch just ends.
    res.on('error', stop);
    req.on('close', stop);
  }

  async #create(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): Promise<void> {
    refuseDryRun(query);
    const body = asObject(await readJson(req, false, this.#options.wireDecoder), 'the body of a create');
    const r = route.resource;
    checkKind(r, body);
    body.metadata ??= {};
    if (r.namespaced) {
      const namespace = inRouteNamespace(body, route);
      this.#requireLiveNamespace(namespace, body.metadata.name ?? body.metadata.generateName ?? '', r);
    }
    const created =
      r.storeKind !== undefined
        ? (this.served.cluster.store.create(r.storeKind, body as never) as ServedObject)
        : this.served.generic.create(r, body);
    this.#options.onWrite?.();
    this.#send(res, 201, created);
  }

  #requireLiveNamespace(namespace: string, name: string, r: ServedResource): void {
    const ns = this.served.namespace(namespace);
    if (ns === undefined) throw ApiError.notFound('namespaces', namespace);
    if (ns.metadata?.deletionTimestamp) {
      throw new ApiError(
        'Forbidden',
        `${resourceGroup(r)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  #write(route: Route, obj: ServedObject): ServedObject {
    const r = route.resource;
    const store = this.served.cluster.store;
    if (r.storeKind !== undefined) {
      const written =
        route.subresource === 'status'
          ? store.updateStatus(r.storeKind, obj as never)
          : store.update(r.storeKind, obj as never);
      return written as ServedObject;
    }
    return this.served.generic.update(r, obj, route.subresource);
  }

  async #update(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const body = asObject(await readJson(req, false, this.#options.wireDecoder), 'the body of an update');
    checkKind(route.resource, body);
    body.metadata ??= {};
    if (body.metadata.name !== undefined && body.metadata.name !== route.name) {
      throw new ApiError(
        'BadRequest',
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${route.name})`,
      );
    }
    body.metadata.name = route.name as string;
    if (route.resource.namespaced) inRouteNamespace(body, route);
    if (this.served.get(route.resource, route.namespace, route.name as string) === undefined) {
      throw ApiError.notFound(resourceGroup(route.resource), route.name as string);
    }
    const written = this.#write(route, body);
    this.#options.onWrite?.();
    this.#send(res, 200, written);
  }

  async #patch(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const type = PATCH_CONTENT_TYPES[contentType];
    if (type === undefined) {
      throw new HttpError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`,
      );
    }
    const body = await readJson(req, false, this.#options.wireDecoder);
    const current = this.served.get(route.resource, route.namespace, route.name as string);
    if (current === undefined) throw ApiError.notFound(resourceGroup(route.resource), route.name as string);
    const patched = applyPatch(type, current, body) as ServedObject;
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) {
      throw new ApiError('BadRequest', 'the patch does not leave an object');
    }
    patched.metadata ??= {};
    if (
      patched.metadata.name !== route.name ||
      (route.resource.namespaced && patched.metadata.namespace !== route.namespace)
    ) {
      throw new ApiError('BadRequest', 'a patch may not change the name or namespace of an object');
    }
    // Optimistic concurrency only if the patch itself names a resourceVersion.
    const named = (body as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
    if (type !== 'json' && named === undefined && current.metadata?.resourceVersion !== undefined) {
      patched.metadata.resourceVersion = current.metadata.resourceVersion;
    }
    const written = this.#write(route, patched);
    this.#options.onWrite?.();
    this.#send(res, 200, written);
  }

  async #delete(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): Promise<void> {
    refuseDryRun(query);
    const raw = await readJson(req, true, this.#options.wireDecoder);
    const body = (raw ?? {}) as {
      propagationPolicy?: unknown;
      gracePeriodSeconds?: unknown;
      orphanDependents?: unknown;
      preconditions?: { uid?: string; resourceVersion?: string };
    };
    const policy =
      query.get('propagationPolicy') ??
      body.propagationPolicy ??
      (body.orphanDependents === true ? 'Orphan' : undefined);
    if (policy !== undefined && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
      throw ApiError.invalid('DeleteOptions', '', [
        {
          field: 'propagationPolicy',
          type: 'NotSupported',
          value: policy,
          detail: 'supported values: "Foreground", "Background", "Orphan", nil',
        },
      ]);
    }
    const graceText = query.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
    const grace = graceText === undefined || graceText === null ? undefined : Number(graceText);
    if (grace !== undefined && !Number.isInteger(grace)) {
      throw new ApiError('BadRequest', `gracePeriodSeconds: must be an integer, not ${JSON.stringify(graceText)}`);
    }
    const r = route.resource;
    const name = route.name as string;
    const options: DeleteOptions = {
      ...(policy !== undefined ? { propagationPolicy: policy as DeleteOptions['propagationPolicy'] & string } : {}),
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
      ...(body.preconditions ? { preconditions: body.preconditions } : {}),
    };
    const before = this.served.get(route.resource, route.namespace, name);
    const after =
      r.storeKind !== undefined
        ? (this.served.cluster.store.delete(r.storeKind, route.namespace, name, options) as ServedObject | undefined)
        : this.served.generic.delete(r, route.namespace, name, body.preconditions ?? {});
    this.#options.onWrite?.();
    if (after !== undefined) return this.#send(res, 200, after);
    this.#send(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, ...(r.group ? { group: r.group } : {}), kind: r.resource, uid: before?.metadata?.uid },
    });
  }

  #send(res: ServerResponse, code: number, body: object): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  #fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ApiError || error instanceof HttpError) {
      const code = error instanceof HttpError ? error.status : error.code;
      this.#send(res, code, statusBody(error, code));
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.#options.log?.(`internal error: ${message}`);
    this.#send(res, 500, statusBody(new ApiError('InternalError', `Internal error occurred: ${message}`), 500));
  }
}

/** The old watch paths: /api/v1/watch/pods, /apis/apps/v1/watch/daemonsets... */
const WATCH_PATH = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/watch\//;

/** A WATCH: `?watch=true` (or 1), or an old watch path. */
function isWatch(url: URL): boolean {
  const watch = url.searchParams.get('watch');
  return watch === 'true' || watch === '1' || WATCH_PATH.test(url.pathname);
}

/** An error whose HTTP code ApiError has no reason for (405, 413, 415, 410). */
class HttpError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly causes: readonly FieldError[] = [];
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

function statusBody(error: { message: string; reason: string; causes?: readonly FieldError[] }, code: number): object {
  const causes = error.causes ?? [];
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    ...(causes.length > 0
      ? {
          details: {
            causes: causes.map((c) => ({
              reason: `FieldValue${c.type === 'NotSupported' ? 'NotSupported' : c.type}`,
              message: formatFieldError(c).slice(c.field.length + 2),
              field: c.field,
            })),
          },
        }
      : {}),
    code,
  };
}

/** A body's namespace is the URL's: a different one is refused (400), none is filled in. */
function inRouteNamespace(body: ServedObject, route: Route): string {
  const namespace = route.namespace as string;
  body.metadata ??= {};
  if (body.metadata.namespace && body.metadata.namespace !== namespace) {
    throw new ApiError(
      'BadRequest',
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  body.metadata.namespace = namespace;
  return namespace;
}

function notFoundPath(): HttpError {
  return new HttpError(404, 'NotFound', 'the server could not find the requested resource');
}

function methodNotAllowed(method: string, path: string): HttpError {
  return new HttpError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method} ${path})`,
  );
}

function refuseDryRun(query: URLSearchParams): void {
  if (query.has('dryRun')) throw new HttpError(400, 'BadRequest', 'dsconform serve does not support dryRun requests');
}

/** /api/v1/[namespaces/{ns}/]{resource}[/{name}[/status]] and the same under /apis/{group}/{version}. */
export function parseRoute(path: string): Route | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? (m[3] as string);
  const segments = (m[4] as string).split('/').map(decodeURIComponent);
  let namespace: string | undefined;
  let rest = segments;
  if (
    segments[0] === 'namespaces' &&
    segments.length >= 3 &&
    !(segments.length === 3 && (segments[2] === 'status' || segments[2] === 'finalize'))
  ) {
    namespace = segments[1];
    rest = segments.slice(2);
  }
  const [plural, name, sub, ...extra] = rest;
  if (plural === undefined || extra.length > 0) return undefined;
  const resource = findResource(group, version, plural);
  if (resource === undefined) return undefined;
  if (resource.namespaced !== (namespace !== undefined) && !(resource.namespaced && name === undefined))
    return undefined;
  if (sub !== undefined && !(sub === 'status' && resource.hasStatus)) return undefined;
  return {
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(sub === 'status' ? { subresource: 'status' as const } : {}),
  };
}

async function readJson(req: IncomingMessage, optional = false, decoder?: WireDecoder): Promise<unknown> {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
  const known = type === '' || type === 'application/json' || type in PATCH_CONTENT_TYPES;
  if (!known && !(type === PROTOBUF && decoder !== undefined)) {
    req.resume();
    throw new HttpError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}${decoder ? `, ${PROTOBUF}` : ''}`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, 'RequestEntityTooLarge', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  if (type === PROTOBUF && decoder !== undefined && bytes.length > 0) {
    let decoded: { object: unknown } | { error: string };
    try {
      decoded = await decoder.decode(bytes);
    } catch (e) {
      if (e instanceof WireDecoderUnavailable) throw new HttpError(415, 'UnsupportedMediaType', e.message);
      throw e;
    }
    if ('error' in decoded) throw new ApiError('BadRequest', `the protobuf body does not decode: ${decoded.error}`);
    return decoded.object;
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new ApiError('BadRequest', 'the request has no body');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError('BadRequest', `the body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function asObject(value: unknown, what: string): ServedObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ApiError('BadRequest', `${what} must be a JSON object`);
  const obj = value as ServedObject;
  if (
    obj.metadata !== undefined &&
    (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))
  ) {
    throw new ApiError('BadRequest', 'metadata must be an object');
  }
  return obj;
}

function checkKind(r: ServedResource, body: ServedObject): void {
  if (body.kind !== undefined && body.kind !== r.kind) {
    throw new ApiError(
      'BadRequest',
      `the body's kind ${JSON.stringify(body.kind)} is not ${r.kind}, which ${resourceGroup(r)} holds`,
    );
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(r)) {
    throw new ApiError(
      'BadRequest',
      `the body's apiVersion ${JSON.stringify(body.apiVersion)} is not ${apiVersionOf(r)} (${kindGroup(r)})`,
    );
  }
}

function keyOf(obj: ServedObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function encodeContinue(key: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: key })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'BadRequest', `continue key is not valid: ${token}`);
}

function includeObject(query: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function withName(query: URLSearchParams, name: string): URLSearchParams {
  const copy = new URLSearchParams(query);
  const fields = copy.get('fieldSelector');
  copy.set('fieldSelector', fields ? `${fields},metadata.name=${name}` : `metadata.name=${name}`);
  return copy;
}
