/**
 * `dsconform simulate`: put DaemonSets from a manifest onto a simulated cluster, let the reference
 * controller and the cluster's components run until nothing changes, and show where the pods
 * went and why. Everything here is deterministic: the clock is virtual and names are generated
 * from counters, so the same input prints the same output.
 */

import { InvalidArgumentError, Option } from 'commander';
import type { DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { createColors } from 'picocolors';
import { isApiError } from '../cluster/apiError.js';
import { SimulatedCluster } from '../cluster/cluster.js';
import { ControllerRevisionHashLabel, controllerRefOf, type DaemonSet, type ObjectMeta } from '../cluster/objects.js';
import { TaintNodeNetworkUnavailable } from '../cluster/taints.js';
import { DaemonSetController } from '../controller/controller.js';
import { getTargetNodeName, isPodReady } from '../controller/podTemplate.js';
import { nodeShouldRunDaemonPod } from '../controller/shouldRun.js';
import { defaultDaemonPodTolerations } from '../controller/tolerations.js';
import { type ClusterDescription, generatedCluster, loadClusterDescription } from '../manifests/clusterDescription.js';
import { type DaemonSetManifest, loadDaemonSetManifests } from '../manifests/daemonSetManifest.js';
import { InputError, startOf } from '../manifests/inputError.js';
import { atMost, INPUT_LIMITS } from '../manifests/limits.js';
import { ExitCode } from './exitCodes.js';
import type { RegisterCommand } from './main.js';

export interface SimulateOptions {
  /** Generate this many plain ready nodes (ignored when `cluster` is given). */
  nodes?: number;
  /** A cluster description file. */
  cluster?: string;
  /** Bound on the rounds of one settle. */
  maxRounds?: number;
}

export const DEFAULT_NODE_COUNT = 3;
export const DEFAULT_MAX_ROUNDS = 1000;

export interface PodReport {
  name: string;
  /** The pod's phase, or Terminating once it has a deletionTimestamp (as kubectl shows it). */
  phase: string;
  ready: boolean;
  /** The controller-revision-hash label. */
  revision: string | null;
}

export interface NodeReport {
  node: string;
  /** False for a pod bound to a node that does not exist. */
  exists: boolean;
  /** shouldRun: a pod should be created here; null when the node does not exist. */
  eligible: boolean | null;
  /** shouldContinueRunning: a pod already here may stay. */
  shouldContinueRunning: boolean | null;
  /** Why the node is not eligible. */
  reason: string | null;
  pods: PodReport[];
}

/** Where a pod's toleration comes from. */
export type TolerationSource = 'template' | 'daemonset-default' | 'host-network' | 'api-server';

export interface TolerationReport {
  toleration: Toleration;
  source: TolerationSource;
}

/** Pods with the same tolerations are shown together. */
export interface TolerationGroup {
  pods: string[];
  tolerations: TolerationReport[];
}

export interface DaemonSetReport {
  namespace: string;
  name: string;
  generation: number;
  updateStrategy: string;
  hostNetwork: boolean;
  revisions: { name: string; revision: number; hash: string | null }[];
  nodes: NodeReport[];
  tolerations: TolerationGroup[];
  status: StatusReport;
}

export interface StatusReport {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
  numberMisscheduled: number;
  observedGeneration: number | null;
}

export interface SimulationReport {
  cluster: { source: string; nodes: number };
  settle: { converged: boolean; rounds: number; stillChanging: string[] };
  daemonSets: DaemonSetReport[];
}

// --- running ---------------------------------------------------------------------------------------

/** Loads the inputs named on the command line and simulates; bad input throws an InputError. */
export function simulateFiles(manifestFile: string, options: SimulateOptions = {}): SimulationReport {
  const manifests = loadDaemonSetManifests(manifestFile);
  const cluster =
    options.cluster !== undefined
      ? loadClusterDescription(options.cluster)
      : generatedCluster(options.nodes ?? DEFAULT_NODE_COUNT);
  return simulate(manifests, cluster, options.maxRounds ?? DEFAULT_MAX_ROUNDS);
}

/**
 * Builds the cluster, lets it settle (so node conditions have become taints, as on a cluster that
 * has been up for a while), creates the DaemonSets through the API server (defaulting and
 * validation apply) and settles again. When a DaemonSet has minReadySeconds, time moves on by
 * that much so that availability can be reached.
 */
export function simulate(
  manifests: readonly DaemonSetManifest[],
  description: ClusterDescription,
  maxRounds: number = DEFAULT_MAX_ROUNDS,
): SimulationReport {
  const cluster = new SimulatedCluster();
  addNodes(cluster, description);
  const before = cluster.settle({ maxRounds });
  cluster.addController(new DaemonSetController(cluster.store));
  for (const manifest of manifests) createDaemonSet(cluster, manifest);
  let settled = cluster.settle({ maxRounds });
  let rounds = settled.rounds;
  const minReadySeconds = Math.max(0, ...cluster.daemonSets().map((ds) => ds.spec?.minReadySeconds ?? 0));
  if (settled.converged && minReadySeconds > 0) {
    cluster.advance(minReadySeconds);
    settled = cluster.settle({ maxRounds });
    rounds += settled.rounds;
  }
  const converged = before.converged && settled.converged;
  return {
    cluster: { source: description.source, nodes: description.nodes.length },
    settle: { converged, rounds, stillChanging: before.converged ? settled.stillChanging : before.stillChanging },
    daemonSets: cluster.daemonSets().map((ds) => reportDaemonSet(cluster, ds)),
  };
}

export function addNodes(cluster: SimulatedCluster, description: ClusterDescription): void {
  description.nodes.forEach((node, index) => {
    try {
      cluster.addNode(node.name, {
        labels: { ...node.labels },
        taints: [...node.taints],
        unschedulable: node.unschedulable,
        ready: node.ready,
      });
      for (const condition of node.conditions) cluster.setNodeCondition(node.name, condition.type, condition.status);
    } catch (error) {
      if (!isApiError(error)) throw error;
      const field = error.causes[0]?.field ?? 'metadata.name';
      const where = description.locateNodeField(index, field) ?? startOf(description.source);
      throw new InputError(where, error.message);
    }
  });
}

/** Creates one DaemonSet; the API server's rejection is reported at the line of the field it names. */
function createDaemonSet(cluster: SimulatedCluster, manifest: DaemonSetManifest): void {
  try {
    cluster.createDaemonSet(manifest.daemonSet);
  } catch (error) {
    if (!isApiError(error)) throw error;
    const field = error.causes[0]?.field;
    const where =
      field !== undefined
        ? manifest.locate(field)
        : error.reason === 'AlreadyExists'
          ? manifest.locate('metadata.name')
          : manifest.location;
    throw new InputError(where, error.message);
  }
}

// --- observing -------------------------------------------------------------------------------------

/** Node names in natural order (node-2 before node-10); a fixed locale keeps it deterministic. */
const byName = new Intl.Collator('en', { numeric: true }).compare;

function podReport(pod: Pod): PodReport {
  return {
    name: pod.metadata?.name ?? '',
    phase: pod.metadata?.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending'),
    ready: isPodReady(pod),
    revision: pod.metadata?.labels?.[ControllerRevisionHashLabel] ?? null,
  };
}

function reportDaemonSet(cluster: SimulatedCluster, ds: DaemonSet): DaemonSetReport {
  const uid = ds.metadata?.uid;
  const namespace = ds.metadata?.namespace ?? 'default';
  const owned = (obj: { metadata?: ObjectMeta | undefined }) => controllerRefOf(obj)?.uid === uid;
  const pods = cluster
    .pods(namespace)
    .filter(owned)
    .slice()
    .sort((a, b) => byName(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  const podsByNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = getTargetNodeName(pod) ?? '';
    podsByNode.set(node, [...(podsByNode.get(node) ?? []), pod]);
  }
  const nodes: Node[] = cluster
    .nodes()
    .slice()
    .sort((a, b) => byName(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  const rows: NodeReport[] = nodes.map((node) => {
    const name = node.metadata?.name ?? '';
    const decision = nodeShouldRunDaemonPod(node, ds);
    return {
      node: name,
      exists: true,
      eligible: decision.shouldRun,
      shouldContinueRunning: decision.shouldContinueRunning,
      reason: decision.reason ?? null,
      pods: (podsByNode.get(name) ?? []).map(podReport),
    };
  });
  const known = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  for (const [node, stranded] of [...podsByNode].sort(([a], [b]) => byName(a, b))) {
    if (known.has(node)) continue;
    rows.push({
      node,
      exists: false,
      eligible: null,
      shouldContinueRunning: null,
      reason: node === '' ? 'pod not pinned to a node' : 'node does not exist',
      pods: stranded.map(podReport),
    });
  }
  const revisions = cluster
    .revisions(namespace)
    .filter(owned)
    .map((r) => ({
      name: r.metadata?.name ?? '',
      revision: r.revision ?? 0,
      hash: r.metadata?.labels?.[ControllerRevisionHashLabel] ?? null,
    }))
    .sort((a, b) => a.revision - b.revision);
  const strategy = ds.spec?.updateStrategy;
  const rolling = strategy?.rollingUpdate;
  return {
    namespace,
    name: ds.metadata?.name ?? '',
    generation: ds.metadata?.generation ?? 0,
    updateStrategy:
      strategy?.type === 'RollingUpdate'
        ? `RollingUpdate (maxUnavailable ${rolling?.maxUnavailable ?? 1}, maxSurge ${rolling?.maxSurge ?? 0})`
        : (strategy?.type ?? ''),
    hostNetwork: ds.spec?.template?.spec?.hostNetwork === true,
    revisions,
    nodes: rows,
    tolerations: tolerationGroups(ds, pods),
    status: statusReport(ds.status),
  };
}

/** Toleration.MatchToleration: same key, operator, value and effect. */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? '') === (b.operator ?? '') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '')
  );
}

/** Explains each toleration of a pod: written in the template, or added, and by whom. */
function tolerationSource(ds: DaemonSet, toleration: Toleration): TolerationSource {
  if ((ds.spec?.template?.spec?.tolerations ?? []).some((t) => sameToleration(t, toleration))) return 'template';
  if (toleration.key === TaintNodeNetworkUnavailable && ds.spec?.template?.spec?.hostNetwork === true) {
    return 'host-network';
  }
  if (defaultDaemonPodTolerations(false).some((t) => sameToleration(t, toleration))) return 'daemonset-default';
  return 'api-server';
}

function tolerationGroups(ds: DaemonSet, pods: readonly Pod[]): TolerationGroup[] {
  const groups = new Map<string, TolerationGroup>();
  for (const pod of pods) {
    const tolerations = pod.spec?.tolerations ?? [];
    const key = JSON.stringify(tolerations);
    let group = groups.get(key);
    if (group === undefined) {
      group = { pods: [], tolerations: tolerations.map((t) => ({ toleration: t, source: tolerationSource(ds, t) })) };
      groups.set(key, group);
    }
    group.pods.push(pod.metadata?.name ?? '');
  }
  return [...groups.values()];
}

function statusReport(status: DaemonSetStatus | undefined): StatusReport {
  return {
    desiredNumberScheduled: status?.desiredNumberScheduled ?? 0,
    currentNumberScheduled: status?.currentNumberScheduled ?? 0,
    numberReady: status?.numberReady ?? 0,
    updatedNumberScheduled: status?.updatedNumberScheduled ?? 0,
    numberAvailable: status?.numberAvailable ?? 0,
    numberUnavailable: status?.numberUnavailable ?? 0,
    numberMisscheduled: status?.numberMisscheduled ?? 0,
    observedGeneration: status?.observedGeneration ?? null,
  };
}

// --- rendering -------------------------------------------------------------------------------------

const SOURCE_TEXT: Record<TolerationSource, string> = {
  template: 'from the pod template',
  'daemonset-default': 'added by the DaemonSet controller (every daemon pod gets it)',
  'host-network': 'added by the DaemonSet controller because hostNetwork: true',
  'api-server': 'added by the API server',
};

/** As `kubectl describe pod` prints a toleration: `key=value:Effect op=Exists for 300s`. */
export function formatToleration(t: Toleration): string {
  let text = `${t.key ?? ''}${t.value ? `=${t.value}` : ''}${t.effect ? `:${t.effect}` : ''}`;
  if (t.operator === 'Exists') text += `${text ? ' ' : ''}op=Exists`;
  if (t.tolerationSeconds != null) text += ` for ${t.tolerationSeconds}s`;
  return text;
}

/** Left-aligned columns separated by two spaces; `paint` colours a cell after it is padded. */
function table(
  header: string[],
  rows: string[][],
  paint: (row: number, col: number, cell: string) => string,
): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[], row: number) =>
    cells
      .map((cell, c) => {
        const padded = c === cells.length - 1 ? cell : cell.padEnd(widths[c] ?? 0);
        return paint(row, c, padded);
      })
      .join('  ')
      .trimEnd();
  return [line(header, -1), ...rows.map((r, i) => line(r, i))];
}

/** The human-readable report: per DaemonSet a node table, its pods' tolerations and its status. */
export function renderSimulation(report: SimulationReport, options: { color?: boolean } = {}): string {
  const pc = createColors(options.color ?? false);
  const out: string[] = [];
  for (const ds of report.daemonSets) {
    out.push(pc.bold(`DaemonSet ${ds.namespace}/${ds.name}`));
    const revisions = ds.revisions.map((r) => `${r.revision} (${r.hash ?? r.name})`).join(', ') || 'none';
    out.push(`  generation ${ds.generation}, ${ds.updateStrategy}, revisions: ${revisions}`, '');

    const rows: string[][] = [];
    const eligibility: (boolean | null)[] = [];
    for (const node of ds.nodes) {
      const eligible = node.eligible === null ? '-' : node.eligible ? 'yes' : 'no';
      let why = node.reason ?? '';
      if (node.eligible === false && node.shouldContinueRunning) why += ' (an existing pod may stay)';
      const pods = node.pods.length > 0 ? node.pods : [undefined];
      for (const pod of pods) {
        rows.push([
          node.node,
          eligible,
          why || '-',
          pod?.name ?? '-',
          pod?.phase ?? '-',
          pod === undefined ? '-' : pod.ready ? 'yes' : 'no',
          pod?.revision ?? '-',
        ]);
        eligibility.push(node.eligible);
      }
    }
    const header = ['NODE', 'ELIGIBLE', 'WHY NOT', 'POD', 'PHASE', 'READY', 'REVISION'];
    const paint = (row: number, col: number, cell: string) => {
      if (row < 0) return pc.bold(cell);
      if (col === 1)
        return eligibility[row] === true ? pc.green(cell) : eligibility[row] === false ? pc.yellow(cell) : cell;
      if (col === 4 && cell.startsWith('Running')) return pc.green(cell);
      return cell;
    };
    out.push(...table(header, rows, paint), '');

    for (const group of ds.tolerations) {
      const total = ds.nodes.reduce((n, node) => n + node.pods.length, 0);
      const which = group.pods.length === total && total > 1 ? `all ${total} pods` : group.pods.join(', ');
      out.push(`Tolerations of the pods (${which}):`);
      const width = Math.max(...group.tolerations.map((t) => formatToleration(t.toleration).length));
      for (const t of group.tolerations) {
        const text = formatToleration(t.toleration).padEnd(width);
        const source = SOURCE_TEXT[t.source];
        out.push(`  ${text}  ${t.source === 'host-network' ? pc.cyan(source) : pc.dim(source)}`);
      }
      out.push('');
    }
    if (ds.tolerations.length === 0) out.push('No pods were created.', '');

    out.push('Status:');
    const entries = Object.entries(ds.status);
    const width = Math.max(...entries.map(([k]) => k.length));
    for (const [key, value] of entries) {
      const note = key === 'observedGeneration' ? ` (generation ${ds.generation})` : '';
      out.push(`  ${key.padEnd(width)}  ${value ?? '-'}${note}`);
    }
    out.push('');
  }
  const { settle, cluster } = report;
  const nodes = `${cluster.nodes} node${cluster.nodes === 1 ? '' : 's'} from ${cluster.source}`;
  out.push(
    settle.converged
      ? `Cluster: ${nodes}; settled after ${rounds(settle.rounds)}.`
      : pc.red(
          `Cluster: ${nodes}; did NOT settle within ${rounds(settle.rounds)} (still changing: ${settle.stillChanging.join(', ')}).`,
        ),
  );
  return `${out.join('\n')}\n`;
}

/** `1 round`, `3 rounds`. */
export function rounds(n: number): string {
  return `${n} round${n === 1 ? '' : 's'}`;
}

/** The same report as JSON, for scripts. */
export function simulationJson(report: SimulationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

// --- the command -----------------------------------------------------------------------------------

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number, such as 5.');
  return Number(value);
}

/** `--max-rounds`: a whole number up to the settle limit (docs/limits.md). */
function roundCount(value: string): number {
  const n = wholeNumber(value);
  if (n > INPUT_LIMITS.maxRounds)
    throw new InvalidArgumentError(`a settle runs ${atMost(INPUT_LIMITS.maxRounds, 'rounds')}.`);
  return n;
}

/** `--nodes`: a whole number up to the cluster size limit (docs/limits.md). */
function nodeCount(value: string): number {
  const n = wholeNumber(value);
  if (n > INPUT_LIMITS.maxNodes)
    throw new InvalidArgumentError(`a cluster has ${atMost(INPUT_LIMITS.maxNodes, 'nodes')}.`);
  return n;
}

export const registerSimulate: RegisterCommand = (program, { io, exit }) => {
  program
    .command('simulate')
    .description('settle DaemonSets from a manifest on a simulated cluster and show where the pods went and why')
    .argument('<manifest>', 'YAML file with one or more DaemonSets (other kinds in it are skipped)')
    .addOption(
      new Option(
        '--nodes <n>',
        `simulate n ready nodes node-0 … node-(n-1), labelled kubernetes.io/os=linux, kubernetes.io/arch=amd64 and kubernetes.io/hostname (default: ${DEFAULT_NODE_COUNT})`,
      )
        .argParser(nodeCount)
        .conflicts('cluster'),
    )
    .option('--cluster <file>', 'cluster description (YAML or JSON): nodes with labels, taints, conditions')
    .option('--json', 'print the report as JSON')
    .addOption(
      new Option('--max-rounds <n>', 'give up if the cluster still changes after n rounds')
        .argParser(roundCount)
        .default(DEFAULT_MAX_ROUNDS),
    )
    .addHelpText(
      'after',
      `
Examples:
  dsconform simulate ../shared/examples/kube-flannel-ds.yaml --nodes 5
  dsconform simulate my-daemonset.yaml --cluster examples/clusters/small.yaml --json

Exit codes: 0 settled, 2 bad input or the cluster did not settle.`,
    )
    .action((manifest: string, options: { nodes?: number; cluster?: string; json?: boolean; maxRounds: number }) => {
      const report = simulateFiles(manifest, {
        ...(options.nodes !== undefined ? { nodes: options.nodes } : {}),
        ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
        maxRounds: options.maxRounds,
      });
      io.stdout(options.json ? simulationJson(report) : renderSimulation(report, { color: io.color }));
      if (!report.settle.converged) {
        const busy = report.settle.stillChanging.join(', ');
        io.stderr(
          `dsconform: the cluster did not settle within ${rounds(report.settle.rounds)} (still changing: ${busy})\n`,
        );
        exit(ExitCode.CouldNotCheck);
      } else {
        exit(ExitCode.Ok);
      }
    });
};
