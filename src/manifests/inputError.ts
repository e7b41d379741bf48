import { isAbsolute, relative } from 'node:path';

/**
 * A problem with something the user gave dsconform (a manifest, a cluster description), pinned to
 * the place in the file where it is, so that an editor or terminal can jump there.
 */

/** A position in a file; line and column count from 1, as editors show them. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export class InputError extends Error {
  readonly location: SourceLocation;
  /** What is wrong, without the location. */
  readonly problem: string;

  constructor(location: SourceLocation, problem: string) {
    super(`${formatLocation(location)}: ${problem}`);
    this.name = 'InputError';
    this.location = location;
    this.problem = problem;
  }
}

/** `file:line:column`, the form compilers print and editors follow. */
export function formatLocation(location: SourceLocation): string {
  return `${displayPath(location.file)}:${location.line}:${location.column}`;
}

/**
 * A path as dsconform prints it, the same rule everywhere: relative to the current directory when
 * the file is inside it, absolute otherwise (never `../..`).
 */
export function displayPath(path: string, base: string = process.cwd()): string {
  if (path === '' || !isAbsolute(path)) return path;
  const rel = relative(base, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** The start of a file: where problems with the file as a whole are reported. */
export function startOf(file: string): SourceLocation {
  return { file, line: 1, column: 1 };
}
