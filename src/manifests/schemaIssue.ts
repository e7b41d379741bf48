/**
 * Turns a zod issue into one readable sentence about a field of a user's file, worded for people
 * who write Kubernetes YAML rather than for people who read zod's internals.
 */
import type { z } from 'zod';
import { formatFieldPath } from './fieldPath.js';
import type { PathSegment } from './yamlFile.js';

export interface FieldProblem {
  /** Where in the data the problem is (the offending key itself for an unknown field). */
  readonly path: PathSegment[];
  readonly problem: string;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  int: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** How a value the user wrote reads back to them. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return `the ${typeof value} ${String(value)}`;
}

function toSegments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((s) => (typeof s === 'number' ? s : String(s)));
}

/** The problem a zod issue describes, at `path` inside `data` (which is what was parsed). */
export function describeIssue(issue: z.core.$ZodIssue, data: unknown, base: readonly PathSegment[] = []): FieldProblem {
  const path = [...base, ...toSegments(issue.path)];
  const where = (p: readonly PathSegment[]) => (p.length > 0 ? `${formatFieldPath(p.slice(base.length))}: ` : '');
  switch (issue.code) {
    case 'invalid_type': {
      const got = valueAt(data, issue.path as PathSegment[]);
      if (got === undefined) return { path, problem: `${where(path)}required field is missing` };
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      // YAML turns unquoted 1.0, true or 0755 into numbers and booleans; Kubernetes wants strings there.
      const hint = issue.expected === 'string' && typeof got !== 'object' ? ' (put it in quotes)' : '';
      return { path, problem: `${where(path)}expected ${expected}, got ${describeValue(got)}${hint}` };
    }
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      const keyPath = [...path, key];
      return { path: keyPath, problem: `unknown field ${JSON.stringify(formatFieldPath(keyPath.slice(base.length)))}` };
    }
    case 'invalid_value': {
      const got = valueAt(data, issue.path as PathSegment[]);
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return { path, problem: `${where(path)}got ${describeValue(got)}, expected one of ${allowed}` };
    }
    case 'invalid_union': {
      const got = valueAt(data, issue.path as PathSegment[]);
      return { path, problem: `${where(path)}${issue.message}, got ${describeValue(got)}` };
    }
    default:
      return { path, problem: `${where(path)}${issue.message}` };
  }
}
