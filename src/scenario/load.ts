/**
 * Reading a scenario file: one YAML document, checked field by field, every problem reported as
 * `file:line:column: what was expected`. Manifest files are read relative to the scenario, node
 * name ranges are expanded, and each step keeps its position for failure messages.
 */
import { basename, dirname, extname, resolve } from 'node:path';
import type { Taint } from 'kubernetes-types/core/v1.js';
import type { z } from 'zod';
import { INVARIANTS, type Invariant } from '../../model/invariants.ts';
import type { ConditionStatus } from '../cluster/kubelet.js';
import { desiredNodeTaints, isNodeLifecycleTaint } from '../cluster/nodeLifecycle.js';
import { loadClusterDescription } from '../manifests/clusterDescription.js';
import type { DaemonSetManifest } from '../manifests/daemonSetManifest.js';
import { InputError, type SourceLocation, startOf } from '../manifests/inputError.js';
import { atMost, INPUT_LIMITS } from '../manifests/limits.js';
import { type PathSegment, readYamlFile, type YamlDocument } from '../manifests/yamlFile.js';
import { describeProblem } from './issues.js';
import { createArguments, type ManifestRef, resolveManifest } from './manifests.js';
import {
  BARE_STEPS,
  type nodeSchema,
  type ScenarioHeader,
  type ScenarioStyle,
  STEP_KINDS,
  STEP_SCHEMAS,
  type StepArgs,
  type StepKind,
  scenarioHeaderSchema,
} from './schema.js';

export interface ScenarioNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  readonly ready: ConditionStatus;
  readonly conditions: readonly { readonly type: string; readonly status: ConditionStatus }[];
  /** Where the node is written, for API errors about it. */
  readonly location: SourceLocation;
}

export type Step = { [K in StepKind]: StepBase<K> }[StepKind];
interface StepBase<K extends StepKind> {
  readonly kind: K;
  readonly args: StepArgs[K];
  /** 1-based position among the steps. */
  readonly number: number;
  readonly location: SourceLocation;
  /** Where a field of the step's argument is written (e.g. ['pods', 'node-0', 'count']). */
  locate(path: readonly PathSegment[]): SourceLocation;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly upstream: readonly string[];
  readonly issues: readonly string[];
  readonly tags: readonly string[];
  readonly requires: NonNullable<ScenarioHeader['requires']>;
  readonly nodes: readonly ScenarioNode[];
  readonly kubelet: NonNullable<ScenarioHeader['cluster']['kubelet']>;
  readonly podGC: NonNullable<ScenarioHeader['cluster']['podGC']>;
  readonly disabled: readonly string[];
  readonly manifests: readonly DaemonSetManifest[];
  readonly style: ScenarioStyle;
  /** The model's invariants checked after every step (empty: none). */
  readonly invariants: readonly Invariant[];
  readonly steps: readonly Step[];
  /** The parsed file, for manifests that steps refer to. */
  readonly document: YamlDocument;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** How many names `node-{0..4}` stands for (1 without a range). */
export function rangeSize(name: string): number {
  const match = /\{(\d+)\.\.(\d+)\}/.exec(name);
  return match === null ? 1 : Math.abs(Number(match[2]) - Number(match[1])) + 1;
}

/** `node-{0..4}` → node-0 … node-4 (one range per name; at most INPUT_LIMITS.maxNodes names). */
export function expandRange(name: string): string[] {
  const match = /\{(\d+)\.\.(\d+)\}/.exec(name);
  if (match === null) return [name];
  if (rangeSize(name) > INPUT_LIMITS.maxNodes)
    throw new RangeError(`${name} is ${rangeSize(name)} nodes; ${atMost(INPUT_LIMITS.maxNodes, 'nodes')}`);
  const from = Number(match[1]);
  const to = Number(match[2]);
  const names: string[] = [];
  for (let i = from; from <= to ? i <= to : i >= to; i += from <= to ? 1 : -1) {
    names.push(name.slice(0, match.index) + String(i) + name.slice(match.index + match[0].length));
  }
  return names;
}

type NodeInput = z.infer<typeof nodeSchema>;

function readyOf(input: NodeInput): ConditionStatus {
  if (input.ready === true) return 'True';
  if (input.ready === false) return 'False';
  if (input.ready !== undefined) return input.ready;
  return input.conditions?.find((c) => c.type === 'Ready')?.status ?? 'True';
}

/** One node entry (a name range gives several), located at `at`. */
export function scenarioNodes(input: NodeInput, location: SourceLocation): ScenarioNode[] {
  if (rangeSize(input.name) > INPUT_LIMITS.maxNodes)
    throw new InputError(
      location,
      `${input.name} is ${rangeSize(input.name)} nodes; a cluster has ${atMost(INPUT_LIMITS.maxNodes, 'nodes')}`,
    );
  return expandRange(input.name).map((name) => ({
    name,
    labels: { ...(input.labels ?? {}) },
    taints: (input.taints ?? []).map(({ key, value, effect }) => ({
      key,
      effect,
      ...(value !== undefined ? { value } : {}),
    })),
    unschedulable: input.unschedulable ?? false,
    ready: readyOf(input),
    conditions: (input.conditions ?? []).filter((c) => c.type !== 'Ready'),
    location,
  }));
}

function fail(document: YamlDocument, path: PathSegment[], problem: string): never {
  throw new InputError(document.locate(path).location, problem);
}

/** The closest known step names, for "did you mean". */
function suggestion(word: string): string {
  const lower = word.toLowerCase();
  const close = STEP_KINDS.filter((k) => {
    const kl = k.toLowerCase();
    return kl.includes(lower) || lower.includes(kl) || editDistance(kl, lower) <= 2;
  });
  return close.length > 0 ? ` (did you mean ${close.map((c) => `"${c}"`).join(' or ')}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

/** Checks one step against its action's schema. */
function parseStep(document: YamlDocument, raw: unknown, index: number): Step {
  const path: PathSegment[] = ['steps', index];
  const known = `one of ${STEP_KINDS.join(', ')}`;
  let kind: string;
  let data: unknown;
  if (typeof raw === 'string') {
    if (!(STEP_KINDS as readonly string[]).includes(raw))
      fail(document, path, `unknown step "${raw}"${suggestion(raw)}; expected ${known}`);
    if (!BARE_STEPS.includes(raw as StepKind))
      fail(document, path, `step "${raw}" needs an argument: write "${raw}: ..."`);
    kind = raw;
    data = null;
  } else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (keys.length !== 1) {
      fail(
        document,
        keys.length > 1 ? [...path, keys[1] as string] : path,
        keys.length === 0
          ? `empty step; expected ${known}`
          : `a step does one thing, but this one has ${keys.map((k) => `"${k}"`).join(' and ')}: make them separate steps`,
      );
    }
    kind = keys[0] as string;
    if (!(STEP_KINDS as readonly string[]).includes(kind))
      fail(document, [...path, kind], `unknown step "${kind}"${suggestion(kind)}; expected ${known}`);
    data = (raw as Record<string, unknown>)[kind];
  } else {
    fail(document, path, `expected a step (a mapping such as "taint: {...}", or a word such as "settle")`);
  }
  const schema = STEP_SCHEMAS[kind as StepKind] as z.ZodType;
  const parsed = schema.safeParse(data);
  const argPath: PathSegment[] = typeof raw === 'string' ? path : [...path, kind];
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const { path: at, problem } = issue
      ? describeProblem(issue, data, argPath)
      : { path: argPath, problem: parsed.error.message };
    fail(document, at, `step ${index + 1} (${kind}): ${problem}`);
  }
  return {
    kind: kind as StepKind,
    args: parsed.data,
    number: index + 1,
    location: document.locate(path).location,
    locate: (sub) => document.locate([...argPath, ...sub]).location,
  } as Step;
}

/** The scenario's nodes: a cluster description file's, then those written inline. */
/** `step 3 (taint)`: a step, as messages name it. */
export function stepLabel(step: { number: number; kind: string }): string {
  return `step ${step.number} (${step.kind})`;
}

/** Why `quiesce` and `cluster.disable` do not go together. */
export function quiesceNeedsEveryComponent(step: Step, disabled: readonly string[]): string {
  return `${stepLabel(step)}: quiesce settles the cluster as a healthy one does, every component running (it is what the model predicts a random run ends in), and ${disabled.join(', ')} ${disabled.length === 1 ? 'is' : 'are'} disabled in cluster.disable; use settle, which runs what is enabled, or remove cluster.disable`;
}

/**
 * A taint the node lifecycle controller owns, on a node whose conditions do not call for it, would
 * be removed by that controller at its first pass: bad input, said at load, not a silent change.
 */
function checkOwnedTaints(node: ScenarioNode): void {
  const asNode = {
    spec: { unschedulable: node.unschedulable },
    status: { conditions: [{ type: 'Ready', status: node.ready }, ...node.conditions] },
  };
  const wanted = desiredNodeTaints(asNode, '');
  for (const taint of node.taints) {
    if (!isNodeLifecycleTaint(taint) || wanted.some((w) => w.key === taint.key && w.effect === taint.effect)) continue;
    throw new InputError(
      node.location,
      `node ${node.name}: the taint ${taint.key}:${taint.effect} belongs to the node lifecycle controller, which removes it from a node whose conditions do not call for it; describe the condition instead (ready: false or "Unknown", unschedulable: true, conditions), or disable node-lifecycle`,
    );
  }
}

function loadNodes(document: YamlDocument, header: ScenarioHeader): ScenarioNode[] {
  const nodes: ScenarioNode[] = [];
  if (header.cluster.file !== undefined) {
    const file = resolve(dirname(document.file), header.cluster.file);
    const description = loadClusterDescription(file);
    description.nodes.forEach((node, i) => {
      nodes.push({ ...node, location: description.locateNodeField(i, 'metadata.name') ?? startOf(file) });
    });
  }
  (header.cluster.nodes ?? []).forEach((input, i) => {
    const location = document.locate(['cluster', 'nodes', i]).location;
    const expanded = scenarioNodes(input, location); // a range over the limit fails here, by name
    if (nodes.length + expanded.length > INPUT_LIMITS.maxNodes)
      throw new InputError(location, `too many nodes: a cluster has ${atMost(INPUT_LIMITS.maxNodes, 'nodes')}`);
    for (const node of expanded) nodes.push(node);
  });
  const seen = new Set<string>();
  for (const node of nodes) {
    if (seen.has(node.name)) throw new InputError(node.location, `duplicate node name "${node.name}"`);
    seen.add(node.name);
  }
  return nodes;
}

/**
 * Names a scenario refers to must be names it declares: a DaemonSet named in a step or an
 * expectation must come from `manifests` or a createDaemonSet step, a snapshot from a snapshot
 * step before it, and (in the default catch-up style) a node named by a pod step or an
 * expectation must be a node of the cluster or of an addNode step. A typo there is bad input
 * (exit 2, at its line), not a failure of the implementation. Stepwise scenarios are images of
 * random runs, where a pod event about a node that never existed is a legitimate no-op, so their
 * pod picks are not checked.
 */
function checkReferences(
  style: ScenarioStyle,
  steps: readonly Step[],
  nodes: readonly ScenarioNode[],
  manifests: readonly DaemonSetManifest[],
): void {
  const nodeNames = new Set(nodes.map((n) => n.name));
  for (const step of steps) {
    if (step.kind !== 'addNode') continue;
    if (nodeNames.size + rangeSize(step.args.name) > INPUT_LIMITS.maxNodes)
      throw new InputError(step.location, `too many nodes: a cluster has ${atMost(INPUT_LIMITS.maxNodes, 'nodes')}`);
    for (const name of expandRange(step.args.name)) nodeNames.add(name);
  }
  // createPod may aim at a node that does not exist (pods of vanished nodes): that names it too.
  for (const step of steps) if (step.kind === 'createPod') nodeNames.add(step.args.node);
  const daemonSets = manifests.map((m) => ({
    namespace: m.daemonSet.metadata?.namespace ?? 'default',
    name: m.daemonSet.metadata?.name ?? '',
  }));
  const knownDaemonSet = (text: string) => {
    const slash = text.indexOf('/');
    return slash >= 0
      ? daemonSets.some((d) => d.namespace === text.slice(0, slash) && d.name === text.slice(slash + 1))
      : daemonSets.some((d) => d.name === text);
  };
  const declared = daemonSets.map((d) => `${d.namespace}/${d.name}`);
  const snapshots = new Set<string>();
  const checkNodes = style === 'catch-up';
  const nodeList = [...nodeNames];
  const unknownNode = (name: string) =>
    `there is no node "${name}" in this scenario${nodeHint(name, nodeList)} (nodes come from cluster, addNode and createPod steps)`;

  for (const step of steps) {
    const args = step.args as unknown;
    const arg = (args !== null && typeof args === 'object' ? args : {}) as Record<string, unknown>;
    const label = `step ${step.number} (${step.kind})`;
    const ds = arg.daemonSet;
    if (typeof ds === 'string' && !knownDaemonSet(ds))
      throw new InputError(
        step.locate(['daemonSet']),
        `${label}: there is no DaemonSet "${ds}" in this scenario; it declares ${declared.length > 0 ? declared.join(', ') : 'none'} (manifests and createDaemonSet steps)`,
      );
    if (step.kind === 'snapshot') snapshots.add(typeof step.args === 'string' ? step.args : step.args.name);
    for (const field of ['kept', 'gone'] as const) {
      const named = step.kind === 'expect' ? step.args[field]?.snapshot : undefined;
      if (named !== undefined && !snapshots.has(named))
        throw new InputError(
          step.locate([field, 'snapshot']),
          `${label}: no snapshot "${named}" was taken before this step`,
        );
    }
    if (!checkNodes) continue;
    const podStep = [
      'markReady',
      'markNotReady',
      'failPod',
      'succeedPod',
      'deletePod',
      'relabelPod',
      'addFinalizer',
      'removeFinalizer',
    ].includes(step.kind);
    if (podStep) {
      const node = typeof args === 'string' ? (args === 'all' ? undefined : args) : arg.node;
      if (typeof node === 'string' && !nodeNames.has(node))
        throw new InputError(
          typeof args === 'string' ? step.location : step.locate(['node']),
          `${label}: ${unknownNode(node)}`,
        );
    }
    if (step.kind === 'expect') {
      for (const key of ['pods', 'orphans'] as const) {
        const byNode = step.args[key];
        if (byNode === undefined || typeof byNode !== 'object') continue;
        for (const node of Object.keys(byNode)) {
          if (node !== '*' && !nodeNames.has(node))
            throw new InputError(step.locate([key, node]), `${label}: ${key}: ${unknownNode(node)}`);
        }
      }
    }
  }
}

/** ` (did you mean "node-1"?)` for a near miss. */
function nodeHint(name: string, known: readonly string[]): string {
  const close = known.find((k) => editDistance(k, name) <= 2);
  return close !== undefined ? ` (did you mean "${close}"?)` : '';
}

/** `invariants: all` or a list of IDs from the model's catalogue. */
function invariantsOf(document: YamlDocument, wanted: ScenarioHeader['invariants']): Invariant[] {
  if (wanted === undefined) return [];
  if (wanted === 'all') return [...INVARIANTS];
  return wanted.map((id, i) => {
    const found = INVARIANTS.find((inv) => inv.id === id);
    if (found === undefined)
      fail(document, ['invariants', i], `unknown invariant "${id}"; the catalogue is in docs/invariants.md`);
    return found;
  });
}

/** Reads a scenario; any problem is an InputError at its line. */
export function loadScenario(file: string): Scenario {
  const documents = readYamlFile(file).filter((d) => d.toJS() != null);
  const [document, extra] = documents;
  if (document === undefined) throw new InputError(startOf(file), 'the scenario is empty');
  if (extra !== undefined)
    throw new InputError(extra.start, 'a scenario is a single YAML document, but this file has more');
  const data = document.toJS();
  const parsed = scenarioHeaderSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const { path, problem } = issue ? describeProblem(issue, data, []) : { path: [], problem: parsed.error.message };
    fail(document, path, problem);
  }
  const header = parsed.data;
  const steps = header.steps.map((raw, i) => parseStep(document, raw, i));
  const manifests = (header.manifests ?? []).flatMap((ref, i) =>
    resolveManifest(ref as ManifestRef, document, ['manifests', i]),
  );
  const created: DaemonSetManifest[] = [];
  for (const step of steps) {
    // Manifests named by steps are read now, so that a missing file is bad input, not a failed run.
    if (step.kind === 'createDaemonSet') {
      const { ref, sub, expectError, skipValidation } = createArguments(step.args);
      if (expectError !== undefined && skipValidation)
        throw new InputError(
          step.locate(['skipValidation']),
          `${stepLabel(step)}: skipValidation and expectError together: a write past validation is not refused by it`,
        );
      const resolved = resolveManifest(ref, document, ['steps', step.number - 1, 'createDaemonSet', ...sub]);
      // A create that must be refused declares no DaemonSet.
      if (expectError === undefined) created.push(...resolved);
    }
    if (step.kind === 'updateDaemonSet' && step.args.manifest !== undefined)
      resolveManifest(step.args.manifest as ManifestRef, document, [
        'steps',
        step.number - 1,
        'updateDaemonSet',
        'manifest',
      ]);
  }
  const nodes = loadNodes(document, header);
  if (!(header.cluster.disable ?? []).includes('node-lifecycle')) for (const node of nodes) checkOwnedTaints(node);
  const disabled = header.cluster.disable ?? [];
  const quiesce = steps.find((s) => s.kind === 'quiesce');
  if (quiesce !== undefined && disabled.length > 0)
    throw new InputError(quiesce.location, quiesceNeedsEveryComponent(quiesce, disabled));
  checkReferences(header.style ?? 'catch-up', steps, nodes, [...manifests, ...created]);
  const style = header.style ?? 'catch-up';
  if (style === 'stepwise') {
    // Stepwise runs move only when a step says so; these settings would contradict that.
    if (header.cluster.kubelet?.readiness === 'auto')
      fail(
        document,
        ['cluster', 'kubelet', 'readiness'],
        'a stepwise scenario has readiness manual (pods become Ready in markReady and quiesce)',
      );
    if (header.cluster.disable !== undefined)
      fail(
        document,
        ['cluster', 'disable'],
        'a stepwise scenario runs components only in its steps; disable has no meaning there',
      );
  }
  return {
    file,
    name: header.name ?? basename(file, extname(file)),
    style,
    invariants: invariantsOf(document, header.invariants),
    description: header.description,
    upstream: list(header.upstream),
    issues: list(header.issue),
    tags: header.tags ?? [],
    requires: header.requires ?? [],
    nodes,
    kubelet: header.cluster.kubelet ?? {},
    podGC: header.cluster.podGC ?? {},
    disabled: header.cluster.disable ?? [],
    manifests,
    steps,
    document,
  };
}
