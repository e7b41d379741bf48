/**
 * `Table` responses (meta.k8s.io/v1), which `kubectl get` asks for and prints as is: the columns
 * each kind's printer shows upstream (pkg/printers/internalversion), priority 1 only with `-o wide`.
 * Ages are measured on the served cluster's clock.
 */
import { parseTimestamp } from '../cluster/clock.js';
import type { ServedObject } from './changeLog.js';
import type { ServedResource } from './resources.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: 'name';
  priority?: 1;
  description: string;
}

type Cell = string | number;
type Row = (obj: ServedObject, now: number) => Cell[];

interface Printer {
  columns: Column[];
  row: Row;
}

const name: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
const age: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is when the object was created.' };
const str = (n: string, description = n, priority?: 1): Column => ({
  name: n,
  type: 'string',
  description,
  ...(priority ? { priority } : {}),
});
const int = (n: string, description = n): Column => ({ name: n, type: 'integer', description });

/** kubectl's HumanDuration: `45s`, `5m3s`, `2h10m`, `3d4h`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  const days = Math.floor(hours / 24) % 365;
  return hours < 24 * 365 * 8 && days !== 0 ? `${years}y${days}d` : `${years}y`;
}

function ageOf(obj: ServedObject, now: number): string {
  const created = parseTimestamp(obj.metadata?.creationTimestamp);
  return created === undefined ? '<unknown>' : humanDuration(now - created);
}

// biome-ignore lint/suspicious/noExplicitAny: printers read wire JSON of many kinds
type Wire = any;

function nodeStatus(node: Wire): string {
  const ready = (node.status?.conditions ?? []).find((c: Wire) => c.type === 'Ready');
  const states = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable) states.push('SchedulingDisabled');
  return states.join(',');
}

function nodeRoles(node: Wire): string {
  const roles: string[] = [];
  for (const key of Object.keys(node.metadata?.labels ?? {})) {
    if (key.startsWith('node-role.kubernetes.io/')) roles.push(key.slice('node-role.kubernetes.io/'.length));
    else if (key === 'kubernetes.io/role') roles.push(node.metadata.labels[key]);
  }
  return roles.length === 0 ? '<none>' : roles.sort().join(',');
}

function podStatus(pod: Wire): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  let reason = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  for (const cs of pod.status?.containerStatuses ?? []) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
  }
  return reason;
}

function podReady(pod: Wire): string {
  const total = (pod.spec?.containers ?? []).length;
  const ready = (pod.status?.containerStatuses ?? []).filter((cs: Wire) => cs.ready).length;
  const podIsReady = (pod.status?.conditions ?? []).some((c: Wire) => c.type === 'Ready' && c.status === 'True');
  // The simulated kubelet reports readiness on the pod, not per container.
  return `${podIsReady && ready === 0 ? total : ready}/${total}`;
}

function selectorText(selector: Wire): string {
  if (!selector) return '<none>';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const op = e.operator;
    if (op === 'Exists') parts.push(e.key);
    else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

const PRINTERS: Record<string, Printer> = {
  Node: {
    columns: [
      name,
      str('Status', 'The status of the node'),
      str('Roles', 'The roles of the node'),
      age,
      str('Version', 'Kubelet Version reported by the node.'),
      str('Internal-IP', 'List of internal IPs in the node.', 1),
      str('External-IP', 'List of external IPs in the node.', 1),
      str('OS-Image', 'OS Image reported by the node.', 1),
      str('Kernel-Version', 'Kernel Version reported by the node.', 1),
      str('Container-Runtime', 'Container Runtime Version reported by the node.', 1),
    ],
    row: (n: Wire, now) => {
      const address = (type: string) =>
        (n.status?.addresses ?? []).find((a: Wire) => a.type === type)?.address ?? '<none>';
      const info = n.status?.nodeInfo ?? {};
      return [
        n.metadata.name,
        nodeStatus(n),
        nodeRoles(n),
        ageOf(n, now),
        info.kubeletVersion ?? '',
        address('InternalIP'),
        address('ExternalIP'),
        info.osImage ?? '<unknown>',
        info.kernelVersion ?? '<unknown>',
        info.containerRuntimeVersion ?? '<unknown>',
      ];
    },
  },
  Pod: {
    columns: [
      name,
      str('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      str('Status', 'The aggregate status of the containers in this pod.'),
      int('Restarts', 'The number of times the containers in this pod have been restarted.'),
      age,
      str('IP', 'The IP address assigned to the pod', 1),
      str('Node', 'The name of the node the pod is assigned to', 1),
      str('Nominated Node', 'The node the scheduler nominated for this pod', 1),
      str('Readiness Gates', 'The readiness gates of the pod', 1),
    ],
    row: (p: Wire, now) => [
      p.metadata.name,
      podReady(p),
      podStatus(p),
      (p.status?.containerStatuses ?? []).reduce((sum: number, cs: Wire) => sum + (cs.restartCount ?? 0), 0),
      ageOf(p, now),
      p.status?.podIP ?? '<none>',
      p.spec?.nodeName ?? '<none>',
      p.status?.nominatedNodeName ?? '<none>',
      (p.spec?.readinessGates ?? []).length === 0 ? '<none>' : `${p.spec.readinessGates.length}`,
    ],
  },
  DaemonSet: {
    columns: [
      name,
      int('Desired', 'The desired number of nodes that should be running the daemon pod.'),
      int('Current', 'The number of nodes that are running at least 1 daemon pod.'),
      int('Ready', 'The number of nodes that should be running the daemon pod and have one or more ready.'),
      int('Up-to-date', 'The total number of nodes that are running updated daemon pod'),
      int('Available', 'The number of nodes that should be running the daemon pod and have available ones.'),
      str('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
      age,
      str('Containers', 'Names of each container in the template.', 1),
      str('Images', 'Images referenced by each container in the template.', 1),
      str('Selector', 'A label query over pods that are managed by the daemon set.', 1),
    ],
    row: (d: Wire, now) => {
      const s = d.status ?? {};
      const containers = d.spec?.template?.spec?.containers ?? [];
      const nodeSelector = Object.entries(d.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`);
      return [
        d.metadata.name,
        s.desiredNumberScheduled ?? 0,
        s.currentNumberScheduled ?? 0,
        s.numberReady ?? 0,
        s.updatedNumberScheduled ?? 0,
        s.numberAvailable ?? 0,
        nodeSelector.length === 0 ? '<none>' : nodeSelector.join(','),
        ageOf(d, now),
        containers.map((c: Wire) => c.name).join(','),
        containers.map((c: Wire) => c.image).join(','),
        selectorText(d.spec?.selector),
      ];
    },
  },
  ControllerRevision: {
    columns: [
      name,
      str('Controller', 'Controller of the object'),
      int('Revision', 'Revision of the ControllerRevision'),
      age,
    ],
    row: (r: Wire, now) => {
      const owner = (r.metadata?.ownerReferences ?? []).find((o: Wire) => o.controller);
      const group = owner?.apiVersion?.includes('/') ? `.${owner.apiVersion.split('/')[0]}` : '';
      return [
        r.metadata.name,
        owner ? `${owner.kind.toLowerCase()}${group}/${owner.name}` : '<none>',
        r.revision ?? 0,
        ageOf(r, now),
      ];
    },
  },
  Namespace: {
    columns: [name, str('Status', 'The status of the namespace'), age],
    row: (n: Wire, now) => [n.metadata.name, n.status?.phase ?? 'Active', ageOf(n, now)],
  },
  Event: {
    columns: [
      str('Last Seen', 'Time since the event was last seen'),
      str('Type', 'Type of this event (Normal, Warning)'),
      str('Reason', 'Why the action was taken'),
      str('Object', 'The object the event is about'),
      str('Message', 'A human-readable description of the status of this operation'),
    ],
    row: (e: Wire, now) => {
      const about = e.involvedObject ?? e.regarding ?? {};
      const seen = parseTimestamp(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp);
      return [
        seen === undefined ? '<unknown>' : humanDuration(now - seen),
        e.type ?? '',
        e.reason ?? '',
        `${String(about.kind ?? '').toLowerCase()}/${about.name ?? ''}`,
        e.message ?? e.note ?? '',
      ];
    },
  },
};

const DEFAULT_PRINTER: Printer = { columns: [name, age], row: (o, now) => [o.metadata?.name ?? '', ageOf(o, now)] };

/** True when the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /;\s*as=Table/.test(accept);
}

/** The Table for `objects` (one object for a GET, the items of a LIST). */
export function toTable(
  r: ServedResource,
  objects: readonly ServedObject[],
  listMeta: { resourceVersion?: string; continue?: string },
  now: number,
  includeObject: 'None' | 'Metadata' | 'Object',
): object {
  const printer = PRINTERS[r.kind] ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: printer.columns.map((c) => ({ priority: 0, ...c, format: c.format ?? '' })),
    rows: objects.map((obj) => ({
      cells: printer.row(obj, now),
      ...(includeObject === 'None'
        ? {}
        : {
            object:
              includeObject === 'Object'
                ? obj
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} },
          }),
    })),
  };
}
