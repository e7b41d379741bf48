/**
 * Which nodes should run a daemon pod (note §1–§2.1). Eligibility reads only the node's name,
 * labels and taints and the template's nodeName, nodeSelector, required node affinity,
 * tolerations and hostNetwork. Node conditions, `spec.unschedulable`, resources and other pods
 * play no part.
 */
import type {
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodTemplate,
  Taint,
  TaintEffect,
  Toleration,
} from './types.ts';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

export interface Eligibility {
  /** A node without a daemon pod gets one. */
  readonly shouldRun: boolean;
  /** A daemon pod already on the node may stay. `shouldRun` implies it. */
  readonly shouldContinueRunning: boolean;
}

// --- taints and tolerations ------------------------------------------------------------------

/** Toleration.ToleratesTaint with the comparison-operator gate off. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Equal':
      return (toleration.value ?? '') === taint.value;
    case 'Exists':
      return true;
    default:
      // Lt/Gt only work behind the alpha TaintTolerationComparisonOperators gate.
      return false;
  }
}

/** The first taint with one of `effects` that no toleration tolerates (FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  effects: readonly TaintEffect[],
): Taint | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

const exists = (key: string, effect: TaintEffect): Toleration => ({ key, operator: 'Exists', effect });

/** Tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations), in upstream order. */
export function defaultDaemonTolerations(hostNetwork: boolean): Toleration[] {
  const defaults = [
    exists(TAINT_NOT_READY, 'NoExecute'),
    exists(TAINT_UNREACHABLE, 'NoExecute'),
    exists(TAINT_DISK_PRESSURE, 'NoSchedule'),
    exists(TAINT_MEMORY_PRESSURE, 'NoSchedule'),
    exists(TAINT_PID_PRESSURE, 'NoSchedule'),
    exists(TAINT_UNSCHEDULABLE, 'NoSchedule'),
  ];
  // A host-network pod does not need the pod network, so it may run before the node's network is up.
  if (hostNetwork) defaults.push(exists(TAINT_NETWORK_UNAVAILABLE, 'NoSchedule'));
  return defaults;
}

/**
 * The template's tolerations with the defaults merged in: a user toleration with the same key,
 * effect, operator and value as a default is replaced by it (so a finite tolerationSeconds
 * becomes infinite); otherwise the default is appended (AddOrUpdateTolerationInPodSpec).
 */
export function daemonPodTolerations(template: Pick<PodTemplate, 'tolerations' | 'hostNetwork'>): Toleration[] {
  const merged = [...template.tolerations];
  for (const def of defaultDaemonTolerations(template.hostNetwork)) {
    const same = (t: Toleration) =>
      (t.key ?? '') === (def.key ?? '') &&
      (t.effect ?? '') === (def.effect ?? '') &&
      (t.operator ?? '') === (def.operator ?? '') &&
      (t.value ?? '') === (def.value ?? '');
    const at = merged.findIndex(same);
    if (at >= 0) merged[at] = def;
    else merged.push(def);
  }
  return merged;
}

// --- nodeSelector and required node affinity -------------------------------------------------

export function matchesNodeSelector(nodeSelector: Readonly<Record<string, string>>, node: Node): boolean {
  return Object.entries(nodeSelector).every(([key, value]) => node.labels[key] === value);
}

const INTEGER = /^[+-]?\d+$/;

/** Go's strconv.ParseInt(s, 10, 64), as a bigint so that large values compare exactly. */
function parseInteger(s: string): bigint | undefined {
  if (!INTEGER.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

type Match = boolean | 'invalid';

/** One `matchExpressions` entry against the node's labels (label-selector semantics). */
function matchExpression(req: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): Match {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case 'In':
      if (req.values.length === 0) return 'invalid';
      return has && req.values.includes(value ?? '');
    case 'NotIn':
      if (req.values.length === 0) return 'invalid';
      return !has || !req.values.includes(value ?? '');
    case 'Exists':
      if (req.values.length !== 0) return 'invalid';
      return has;
    case 'DoesNotExist':
      if (req.values.length !== 0) return 'invalid';
      return !has;
    case 'Gt':
    case 'Lt': {
      const bound = req.values.length === 1 ? parseInteger(req.values[0] ?? '') : undefined;
      if (bound === undefined) return 'invalid';
      const actual = has ? parseInteger(value ?? '') : undefined;
      if (actual === undefined) return false;
      return req.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return 'invalid';
  }
}

/** One `matchFields` entry: only `metadata.name` exists; a missing field reads as "". */
function matchField(req: NodeSelectorRequirement, node: Node): Match {
  if ((req.operator !== 'In' && req.operator !== 'NotIn') || req.values.length !== 1) return 'invalid';
  const actual = req.key === 'metadata.name' ? node.name : '';
  const equal = actual === req.values[0];
  return req.operator === 'In' ? equal : !equal;
}

function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const results = [
    ...(term.matchExpressions ?? []).map((r) => matchExpression(r, node.labels)),
    ...(term.matchFields ?? []).map((r) => matchField(r, node)),
  ];
  // A term with a parse error never matches, whatever its other requirements say.
  if (results.includes('invalid')) return false;
  return results.every((r) => r === true);
}

/**
 * Required node affinity (RequiredNodeAffinity.Match without the nodeSelector part). Terms are
 * ORed; empty terms are dropped and select nothing; no remaining term means no match.
 */
export function matchesRequiredNodeAffinity(terms: readonly NodeSelectorTerm[] | undefined, node: Node): boolean {
  if (terms === undefined) return true;
  return terms
    .filter((t) => (t.matchExpressions?.length ?? 0) + (t.matchFields?.length ?? 0) > 0)
    .some((t) => termMatches(t, node));
}

/** nodeSelector AND required node affinity: what the scheduler and the controller both demand. */
export function fitsNodeAffinity(template: PodTemplate, node: Node): boolean {
  return (
    matchesNodeSelector(template.nodeSelector, node) && matchesRequiredNodeAffinity(template.requiredNodeAffinity, node)
  );
}

// --- the decision ----------------------------------------------------------------------------

/** NodeShouldRunDaemonPod: (shouldRun, shouldContinueRunning) for one node and the DaemonSet's template. */
export function nodeShouldRunDaemonPod(node: Node, template: PodTemplate): Eligibility {
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (template.nodeName !== undefined && template.nodeName !== '' && template.nodeName !== node.name) return no;
  if (!fitsNodeAffinity(template, node)) return no;
  const tolerations = daemonPodTolerations(template);
  // PreferNoSchedule is never considered; NoSchedule blocks new pods; only NoExecute evicts.
  if (findUntoleratedTaint(node.taints, tolerations, ['NoSchedule', 'NoExecute']) === undefined) {
    return { shouldRun: true, shouldContinueRunning: true };
  }
  return {
    shouldRun: false,
    shouldContinueRunning: findUntoleratedTaint(node.taints, tolerations, ['NoExecute']) === undefined,
  };
}

export function shouldRun(node: Node, template: PodTemplate): boolean {
  return nodeShouldRunDaemonPod(node, template).shouldRun;
}

export function shouldContinueRunning(node: Node, template: PodTemplate): boolean {
  return nodeShouldRunDaemonPod(node, template).shouldContinueRunning;
}

/**
 * Whether the default scheduler can bind a daemon pod made from `template` to `node`. The
 * created pod's required affinity is only the `metadata.name In [node]` pin (the template's terms
 * were replaced, ReplaceDaemonSetPodNodeNameNodeAffinity), so only its nodeSelector and
 * untolerated NoSchedule/NoExecute taints can refuse it (resources and ports are not modelled).
 */
export function schedulerFits(node: Node, template: PodTemplate): boolean {
  const { requiredNodeAffinity: _replaced, ...pinned } = template;
  return nodeShouldRunDaemonPod(node, { ...pinned, nodeName: node.name }).shouldRun;
}

/**
 * The kubelet's own admission of a bound pod made from `template` (lifecycle's generalFilter): its
 * nodeSelector must match the node (its required affinity is only the pin to this node) and every
 * NoExecute taint must be tolerated. A pod that fails it ends Failed without starting.
 */
export function kubeletAdmits(node: Node, template: PodTemplate): boolean {
  if (!matchesNodeSelector(template.nodeSelector, node)) return false;
  if (template.nodeName !== undefined && template.nodeName !== '' && template.nodeName !== node.name) return false;
  return findUntoleratedTaint(node.taints, daemonPodTolerations(template), ['NoExecute']) === undefined;
}
