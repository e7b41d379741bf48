/** Counts as scenarios write them: `2`, or a comparison such as `">= 1"`. */
import { COUNT_PATTERN, type Count } from './schema.js';

export function countMatches(expected: Count, actual: number): boolean {
  if (typeof expected === 'number') return actual === expected;
  const match = COUNT_PATTERN.exec(expected);
  if (match === null) return false;
  const n = Number(match[2]);
  switch (match[1]) {
    case '>=':
      return actual >= n;
    case '<=':
      return actual <= n;
    case '>':
      return actual > n;
    case '<':
      return actual < n;
    default:
      return actual === n;
  }
}

/** How an expected or actual value reads in a failure message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return COUNT_PATTERN.test(value) ? value.trim() : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value === undefined) return 'nothing';
  return JSON.stringify(value);
}
