/**
 * Required node affinity and nodeSelector matching, following component-helpers'
 * `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)`.
 */

import type {
  Node,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodSpec,
} from 'kubernetes-types/core/v1.js';
import { isDeepFrozen } from './objects.js';

type NodeTest = (node: Node) => boolean;

/** nodeSelector AND required node affinity; a term that fails to parse never matches. */
export function matchesRequiredNodeAffinity(spec: PodSpec | undefined, node: Node): boolean {
  const compiled = spec !== undefined && Object.isFrozen(spec) ? compiledFor(spec) : undefined;
  if (compiled !== undefined) return compiled(node);
  const nodeLabels = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(spec?.nodeSelector ?? {})) {
    if (nodeLabels[key] !== value) return false;
  }
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required == null) return true;
  return matchesNodeSelector(required, node);
}

/**
 * matchesRequiredNodeAffinity for one fixed spec, compiled once: the returned test gives exactly
 * the same answer for every node, without re-reading the spec (hot loops over thousands of nodes).
 * Throws where matchesRequiredNodeAffinity would throw on a malformed spec; callers fall back then.
 */
export function compileRequiredNodeAffinity(spec: PodSpec | undefined): NodeTest {
  const selector = Object.entries(spec?.nodeSelector ?? {});
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  // Terms compile eagerly here, lazily in matchesNodeSelector: compiling is pure, so only the
  // timing differs.
  const terms = required == null ? undefined : required.nodeSelectorTerms.map(compileTerm);
  return (node) => {
    if (selector.length > 0) {
      const nodeLabels = node.metadata?.labels ?? {};
      for (const [key, value] of selector) {
        if (nodeLabels[key] !== value) return false;
      }
    }
    if (terms === undefined) return true;
    for (const test of terms) {
      if (test?.(node)) return true;
    }
    return false;
  };
}

/**
 * Compiled tests of stored (deep-frozen, so never changing) pod specs: the scheduler and the
 * kubelet ask about the same spec for node after node. null: not cacheable, take the slow path.
 */
const compiledSpecs = new WeakMap<PodSpec, NodeTest | null>();

function compiledFor(spec: PodSpec): NodeTest | undefined {
  let compiled = compiledSpecs.get(spec);
  if (compiled === undefined) {
    try {
      compiled = isDeepFrozen(spec) ? compileRequiredNodeAffinity(spec) : null;
    } catch {
      compiled = null; // malformed: the uncached path fails (or not) exactly where it always did
    }
    compiledSpecs.set(spec, compiled);
  }
  return compiled ?? undefined;
}

export { isDeepFrozen } from './objects.js';

/** Terms are ORed; an empty term selects nothing (nodeaffinity.NewLazyErrorNodeSelector). */
export function matchesNodeSelector(selector: NodeSelector, node: Node): boolean {
  return selector.nodeSelectorTerms.some((term) => {
    const test = compileTerm(term);
    return test?.(node);
  });
}

/** Returns undefined for a term that matches nothing: empty, or with a parse error. */
function compileTerm(term: NodeSelectorTerm): NodeTest | undefined {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return undefined;
  const tests: NodeTest[] = [];
  for (const req of expressions) {
    const test = compileLabelRequirement(req);
    if (test === undefined) return undefined;
    tests.push((node) => test(node.metadata?.labels ?? {}));
  }
  for (const req of fields) {
    const test = compileFieldRequirement(req);
    if (test === undefined) return undefined;
    tests.push(test);
  }
  return (node) => tests.every((t) => t(node));
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(text, 10, 64): exact (a bigint, not a float), and out of range is an error. */
function parseInteger(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

/** Label requirement with the node-selector operators, including Gt and Lt (nodeSelectorRequirementsAsSelector). */
function compileLabelRequirement(
  req: NodeSelectorRequirement,
): ((labels: Record<string, string>) => boolean) | undefined {
  const values = req.values ?? [];
  const { key } = req;
  switch (req.operator) {
    case 'In':
      if (values.length === 0) return undefined;
      return (labels) => Object.hasOwn(labels, key) && values.includes(labels[key] as string);
    case 'NotIn':
      if (values.length === 0) return undefined;
      return (labels) => !Object.hasOwn(labels, key) || !values.includes(labels[key] as string);
    case 'Exists':
      if (values.length !== 0) return undefined;
      return (labels) => Object.hasOwn(labels, key);
    case 'DoesNotExist':
      if (values.length !== 0) return undefined;
      return (labels) => !Object.hasOwn(labels, key);
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1) return undefined;
      const bound = parseInteger(values[0] as string);
      if (bound === undefined) return undefined;
      const gt = req.operator === 'Gt';
      return (labels) => {
        const raw = labels[key];
        const actual = raw === undefined ? undefined : parseInteger(raw);
        if (actual === undefined) return false;
        return gt ? actual > bound : actual < bound;
      };
    }
    default:
      return undefined;
  }
}

/**
 * Field requirement: only `In`/`NotIn` with exactly one value; the only field a node exposes is
 * metadata.name, and any other key reads as the empty string (nodeSelectorRequirementsAsFieldSelector).
 */
function compileFieldRequirement(req: NodeSelectorRequirement): NodeTest | undefined {
  const values = req.values ?? [];
  if ((req.operator !== 'In' && req.operator !== 'NotIn') || values.length !== 1) return undefined;
  const wanted = values[0] as string;
  const read = (node: Node) => (req.key === 'metadata.name' ? (node.metadata?.name ?? '') : '');
  return req.operator === 'In' ? (node) => read(node) === wanted : (node) => read(node) !== wanted;
}
