/**
 * Label selectors (metav1.LabelSelector), with the semantics of apimachinery's
 * `metav1.LabelSelectorAsSelector` and `labels.Selector.Matches`.
 */
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';
import { isDeepFrozen } from './objects.js';

export type Labels = Readonly<Record<string, string>>;

export type SelectorResult =
  | { ok: true; matches: (labels: Labels | undefined) => boolean }
  | { ok: false; error: string };

const nothing = () => false;
const everything = () => true;

/**
 * Compiles a LabelSelector. A nil selector selects nothing; an empty one (`{}`) selects everything
 * (LabelSelectorAsSelector). An invalid operator or value list is an error, not a silent mismatch.
 */
export function compileLabelSelector(selector: LabelSelector | undefined | null): SelectorResult {
  if (selector == null || typeof selector !== 'object' || !isDeepFrozen(selector)) return compile(selector);
  // A deep-frozen (stored) selector never changes: compile it once.
  let compiled = compiledSelectors.get(selector);
  if (compiled === undefined) {
    compiled = compile(selector);
    compiledSelectors.set(selector, compiled);
  }
  return compiled;
}

const compiledSelectors = new WeakMap<LabelSelector, SelectorResult>();

function compile(selector: LabelSelector | undefined | null): SelectorResult {
  if (selector == null) return { ok: true, matches: nothing };
  const matchLabels = selector.matchLabels ?? {};
  const expressions = selector.matchExpressions ?? [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return { ok: true, matches: everything };
  const tests: ((labels: Labels) => boolean)[] = [];
  for (const [key, value] of Object.entries(matchLabels)) tests.push((labels) => labels[key] === value);
  for (const [i, req] of expressions.entries()) {
    const test = compileRequirement(req);
    if (typeof test === 'string') return { ok: false, error: `matchExpressions[${i}]: ${test}` };
    tests.push(test);
  }
  // A plain loop: a sync matches every pod it lists.
  return {
    ok: true,
    matches: (labels) => {
      const given = labels ?? {};
      for (const test of tests) if (!test(given)) return false;
      return true;
    },
  };
}

function compileRequirement(req: LabelSelectorRequirement): ((labels: Labels) => boolean) | string {
  const { key, operator } = req;
  const values = req.values ?? [];
  switch (operator) {
    case 'In':
      if (values.length === 0) return "values: must be specified when `operator` is 'In' or 'NotIn'";
      return (labels) => Object.hasOwn(labels, key) && values.includes(labels[key] as string);
    case 'NotIn':
      if (values.length === 0) return "values: must be specified when `operator` is 'In' or 'NotIn'";
      return (labels) => !Object.hasOwn(labels, key) || !values.includes(labels[key] as string);
    case 'Exists':
      if (values.length > 0) return "values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'";
      return (labels) => Object.hasOwn(labels, key);
    case 'DoesNotExist':
      if (values.length > 0) return "values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'";
      return (labels) => !Object.hasOwn(labels, key);
    default:
      return `operator: Unsupported value: "${operator}": supported values: "In", "NotIn", "Exists", "DoesNotExist"`;
  }
}

/** True when the selector is exactly `{}` (the DaemonSet controller refuses to act on it: SelectingAll). */
export function isEmptySelector(selector: LabelSelector | undefined | null): boolean {
  return (
    selector != null &&
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  );
}

/** Convenience: does `selector` select `labels`? Invalid selectors select nothing. */
export function selectorMatches(selector: LabelSelector | undefined | null, labels: Labels | undefined): boolean {
  const compiled = compileLabelSelector(selector);
  return compiled.ok && compiled.matches(labels);
}
