/**
 * The resources `dsconform serve` speaks, as discovery lists them. The four kinds the DaemonSet
 * world is made of live in the simulated cluster's ObjectStore (admission, garbage collection
 * and the components apply to them); the others a controller or kubectl touches on the way
 * (namespaces, events, service accounts, leases, RBAC objects in a manifest) are kept as given.
 */
import type { Kind } from '../cluster/objects.js';

export interface ServedResource {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** The plural in the URL, e.g. `daemonsets`. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Whether `/status` is served (only `status` is written through it). */
  readonly hasStatus: boolean;
  /** The ObjectStore kind, for the four kinds the simulated cluster owns. */
  readonly storeKind?: Kind;
}

const resource = (r: Omit<ServedResource, 'shortNames' | 'categories' | 'hasStatus'> & Partial<ServedResource>) =>
  ({ shortNames: [], categories: [], hasStatus: false, ...r }) as ServedResource;

export const SERVED_RESOURCES: readonly ServedResource[] = [
  resource({
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    hasStatus: true,
  }),
  resource({
    group: '',
    version: 'v1',
    resource: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    hasStatus: true,
    storeKind: 'Node',
  }),
  resource({
    group: '',
    version: 'v1',
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    hasStatus: true,
    storeKind: 'Pod',
  }),
  resource({
    group: '',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
  }),
  resource({
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  }),
  resource({
    group: '',
    version: 'v1',
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  }),
  resource({ group: '', version: 'v1', resource: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true }),
  resource({
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    hasStatus: true,
    storeKind: 'DaemonSet',
  }),
  resource({
    group: 'apps',
    version: 'v1',
    resource: 'controllerrevisions',
    singular: 'controllerrevision',
    kind: 'ControllerRevision',
    namespaced: true,
    storeKind: 'ControllerRevision',
  }),
  resource({
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
  }),
  resource({
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
  }),
  resource({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    singular: 'clusterrole',
    kind: 'ClusterRole',
    namespaced: false,
  }),
  resource({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    singular: 'clusterrolebinding',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  }),
  resource({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    singular: 'role',
    kind: 'Role',
    namespaced: true,
  }),
  resource({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    singular: 'rolebinding',
    kind: 'RoleBinding',
    namespaced: true,
  }),
];

/** `group/version`, or `version` for the core group (an object's apiVersion). */
export function apiVersionOf(r: ServedResource): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** A key naming the resource across versions, e.g. `apps/daemonsets` or `/pods`. */
export function resourceKey(r: ServedResource): string {
  return `${r.group}/${r.resource}`;
}

export function findResource(group: string, version: string, plural: string): ServedResource | undefined {
  return SERVED_RESOURCES.find((r) => r.group === group && r.version === version && r.resource === plural);
}

export function resourceOfStoreKind(kind: Kind): ServedResource {
  return SERVED_RESOURCES.find((r) => r.storeKind === kind) as ServedResource;
}

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** The groups besides core, in the order `/apis` lists them. */
export function servedGroups(): { name: string; version: string }[] {
  const groups: { name: string; version: string }[] = [];
  for (const r of SERVED_RESOURCES) {
    if (r.group !== '' && !groups.some((g) => g.name === r.group)) groups.push({ name: r.group, version: r.version });
  }
  return groups;
}

/** GET /api/v1, /apis/apps/v1...: an APIResourceList. */
export function apiResourceList(group: string, version: string): object | undefined {
  const resources = SERVED_RESOURCES.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  const list: object[] = [];
  for (const r of resources) {
    list.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    });
    if (r.hasStatus) {
      list.push({
        name: `${r.resource}/status`,
        singularName: '',
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: list,
  };
}

/** GET /apis: an APIGroupList. */
export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: servedGroups().map(apiGroupOf) };
}

/** GET /apis/{group}: an APIGroup, or undefined for a group that is not served. */
export function apiGroup(name: string): object | undefined {
  const g = servedGroups().find((x) => x.name === name);
  return g === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupOf(g) };
}

function apiGroupOf(g: { name: string; version: string }): {
  name: string;
  versions: object[];
  preferredVersion: object;
} {
  const gv = { groupVersion: `${g.name}/${g.version}`, version: g.version };
  return { name: g.name, versions: [gv], preferredVersion: gv };
}

/** GET /api: APIVersions. */
export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}
