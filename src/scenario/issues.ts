/**
 * A zod failure as one located sentence. Unions are common in the scenario format (a count is a
 * number or a comparison, a manifest is a path or an object): a failed union is reported through
 * the alternative the user evidently meant, not as "invalid input".
 */
import type { z } from 'zod';
import { formatFieldPath } from '../manifests/fieldPath.js';
import { describeIssue, describeValue } from '../manifests/schemaIssue.js';
import type { PathSegment } from '../manifests/yamlFile.js';

type Issue = z.core.$ZodIssue;

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** Whether `value` is of the JSON type a zod `invalid_type` issue expected (an int is a number). */
function sameKind(expected: string, value: unknown): boolean {
  if (expected === 'int' || expected === 'number') return typeof value === 'number';
  if (expected === 'array') return Array.isArray(value);
  if (expected === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value);
  return typeof value === expected;
}

/** For a failed union: the alternative whose complaint is not merely "wrong type here", if any. */
function narrowUnion(issue: Issue, data: unknown): Issue | undefined {
  if (issue.code !== 'invalid_union' || !('errors' in issue)) return issue;
  const here = valueAt(data, issue.path);
  const candidates = issue.errors
    .map((branch) => branch[0])
    .filter((first): first is Issue => first !== undefined)
    .filter((first) => !(first.code === 'invalid_type' && first.path.length === 0 && !sameKind(first.expected, here)))
    .filter((first) => !(first.code === 'invalid_value' && first.path.length === 0));
  // The deepest complaint is the branch that matched furthest.
  const best = candidates.sort((a, b) => b.path.length - a.path.length)[0];
  if (best === undefined) return undefined;
  return narrowUnion({ ...best, path: [...issue.path, ...best.path] } as Issue, data);
}

/** What the alternatives of a union accept, for the message when none came close. */
function expectedOfUnion(issue: Issue): string {
  if (issue.code !== 'invalid_union' || !('errors' in issue)) return '';
  const kinds = new Set<string>();
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first?.code === 'invalid_type') kinds.add(first.expected === 'object' ? 'a mapping' : `a ${first.expected}`);
    else if (first?.code === 'invalid_value') for (const v of first.values) kinds.add(JSON.stringify(v));
  }
  return [...kinds].join(' or ');
}

/** The problem, at `base` + the issue's path inside `data`. */
export function describeProblem(
  issue: Issue,
  data: unknown,
  base: readonly PathSegment[],
): { path: PathSegment[]; problem: string } {
  const narrowed = narrowUnion(issue, data);
  if (narrowed === undefined) {
    const path = issue.path.map((s) => (typeof s === 'number' ? s : String(s)));
    const where = path.length > 0 ? `${formatFieldPath(path)}: ` : '';
    const custom = issue.message !== 'Invalid input' ? issue.message : `expected ${expectedOfUnion(issue)}`;
    return {
      path: [...base, ...path],
      problem: `${where}${custom}, got ${describeValue(valueAt(data, issue.path))}`,
    };
  }
  const { path, problem } = describeIssue(narrowed, data);
  return { path: [...base, ...path], problem };
}
