/**
 * The cluster a simulation runs on: its nodes, with the labels, taints and conditions that decide
 * where a DaemonSet's pods go. Read from a small YAML or JSON file:
 *
 *     nodes:
 *       - name: control-plane
 *         labels: { node-role.kubernetes.io/control-plane: "" }
 *         taints: [{ key: node-role.kubernetes.io/control-plane, effect: NoSchedule }]
 *       - name: worker-1
 *         unschedulable: true            # cordoned
 *       - name: worker-2
 *         ready: false                   # NotReady; "Unknown" for an unreachable node
 *         conditions: [{ type: DiskPressure, status: "True" }]
 *
 * or generated: `--nodes N` is N plain ready nodes.
 */
import type { Taint } from 'kubernetes-types/core/v1.js';
import { z } from 'zod';
import type { ConditionStatus } from '../cluster/kubelet.js';
import { parseFieldPath } from './fieldPath.js';
import { InputError, type SourceLocation, startOf } from './inputError.js';
import { atMost, INPUT_LIMITS } from './limits.js';
import { describeIssue } from './schemaIssue.js';
import { type PathSegment, readYamlFile } from './yamlFile.js';

export interface NodeDescription {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  /** Status of the Ready condition. */
  readonly ready: ConditionStatus;
  /** Other conditions, such as DiskPressure, which node lifecycle turns into taints. */
  readonly conditions: readonly { readonly type: string; readonly status: ConditionStatus }[];
}

export interface ClusterDescription {
  /** Where the nodes come from, for messages: a file name or `--nodes 5`. */
  readonly source: string;
  readonly nodes: readonly NodeDescription[];
  /**
   * Where a field of node `index`'s Node object (an API field path such as `metadata.labels`) is
   * written in the description; undefined for generated nodes, which have no file.
   */
  locateNodeField(index: number, fieldPath: string): SourceLocation | undefined;
}

const conditionStatus = z.enum(['True', 'False', 'Unknown']);

/** The conditions node lifecycle reacts to; Ready has its own `ready` field. */
const CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'] as const;

const taintSchema = z.strictObject({
  key: z.string().min(1),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

const nodeSchema = z.strictObject({
  name: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
  taints: z.array(taintSchema).optional(),
  unschedulable: z.boolean().optional(),
  ready: z.union([z.boolean(), conditionStatus], { error: 'expected true, false or "Unknown"' }).optional(),
  conditions: z.array(z.strictObject({ type: z.enum(CONDITION_TYPES), status: conditionStatus })).optional(),
});

export const clusterDescriptionSchema = z
  .strictObject({
    nodes: z.array(nodeSchema).max(INPUT_LIMITS.maxNodes, { error: atMost(INPUT_LIMITS.maxNodes, 'nodes') }),
  })
  .superRefine((cluster, ctx) => {
    const seen = new Set<string>();
    cluster.nodes.forEach((node, i) => {
      if (seen.has(node.name)) {
        ctx.addIssue({ code: 'custom', path: ['nodes', i, 'name'], message: `duplicate node name "${node.name}"` });
      }
      seen.add(node.name);
      const at = node.conditions?.findIndex((c) => c.type === 'Ready') ?? -1;
      if (at >= 0 && node.ready !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', i, 'conditions', at],
          message: 'the Ready condition is given twice: use either `ready` or a Ready condition',
        });
      }
    });
  });

type NodeInput = z.infer<typeof nodeSchema>;

/** The labels a kubelet on a Linux amd64 machine puts on its Node. */
export function wellKnownLabels(name: string): Record<string, string> {
  return { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' };
}

function describeNode(input: NodeInput): NodeDescription {
  const readyCondition = input.conditions?.find((c) => c.type === 'Ready');
  const ready: ConditionStatus =
    input.ready === undefined
      ? (readyCondition?.status ?? 'True')
      : input.ready === true
        ? 'True'
        : input.ready === false
          ? 'False'
          : input.ready;
  return {
    name: input.name,
    labels: input.labels ?? {},
    taints: (input.taints ?? []).map(({ key, value, effect }) => ({
      key,
      effect,
      ...(value !== undefined ? { value } : {}),
    })),
    unschedulable: input.unschedulable ?? false,
    ready,
    conditions: (input.conditions ?? []).filter((c) => c.type !== 'Ready'),
  };
}

/**
 * A Node object's field (as an API error names it) to the description's spelling of it:
 * `metadata.labels` is `labels`, `spec.taints[0].effect` is `taints[0].effect`. Upstream
 * validates taints under `metadata.taints`, so that prefix is dropped too.
 */
function descriptionPath(fieldPath: string): PathSegment[] {
  const segments = parseFieldPath(fieldPath);
  const [first] = segments;
  return first === 'metadata' || first === 'spec' || first === 'status' ? segments.slice(1) : segments;
}

/** Reads and checks a cluster description file; fails with an InputError at the offending field. */
export function loadClusterDescription(file: string): ClusterDescription {
  const documents = readYamlFile(file).filter((d) => d.toJS() != null);
  const [document, extra] = documents;
  if (document === undefined) throw new InputError(startOf(file), 'the cluster description is empty');
  if (extra !== undefined) {
    throw new InputError(extra.start, 'a cluster description is a single YAML document, but this file has more');
  }
  const data = document.toJS();
  const parsed = clusterDescriptionSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const { path, problem } = issue ? describeIssue(issue, data) : { path: [], problem: parsed.error.message };
    throw new InputError(document.locate(path).location, problem);
  }
  return {
    source: file,
    nodes: parsed.data.nodes.map(describeNode),
    locateNodeField: (index, fieldPath) => document.locate(['nodes', index, ...descriptionPath(fieldPath)]).location,
  };
}

/**
 * `--nodes N`: N plain, ready, untainted nodes named node-0 … node-(N-1), with the well-known
 * labels every kubelet sets on its Node (kubernetes.io/os, kubernetes.io/arch,
 * kubernetes.io/hostname), so that the common `nodeSelector: { kubernetes.io/os: linux }` matches
 * as it does on a real cluster of Linux amd64 machines.
 */
export function generatedCluster(count: number): ClusterDescription {
  if (count > INPUT_LIMITS.maxNodes)
    throw new RangeError(`${count} nodes; a cluster has ${atMost(INPUT_LIMITS.maxNodes, 'nodes')}`);
  const nodes = Array.from({ length: count }, (_, i) =>
    describeNode({ name: `node-${i}`, labels: wellKnownLabels(`node-${i}`) }),
  );
  return { source: `--nodes ${count}`, nodes, locateNodeField: () => undefined };
}
