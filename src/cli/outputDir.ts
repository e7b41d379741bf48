/**
 * Output folders (`--report-dir`, `--save-scenario`'s folder), created and checked before a
 * command runs anything: a folder that cannot be written is bad input, one line and exit 2, not a
 * stack trace at the end of a long campaign.
 *
 * Folders are created one level at a time, never with `mkdirSync(..., { recursive: true })` on
 * a path that does not exist yet: on Linux, Node's recursive mkdir loops forever (at 100% CPU,
 * deaf to signals) on a path under /proc, where mkdir fails with ENOENT although the parent
 * exists.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

function reason(error: unknown): string {
  switch (errnoOf(error)) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOENT':
      return 'cannot be created there';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return (error as Error).message;
  }
}

/** Creates `dir` and its missing parents, one level at a time; throws the first failure. */
export function makeDirectory(dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    try {
      const stat = statSync(at);
      if (!stat.isDirectory()) {
        const error = new Error(`${at} is not a folder`) as NodeJS.ErrnoException;
        error.code = 'ENOTDIR';
        throw error;
      }
      break;
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
      missing.push(at);
      const parent = dirname(at);
      if (parent === at) break;
      at = parent;
    }
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') throw e;
    }
  }
}

/**
 * Makes sure `dir` exists (creating it) and can be written; otherwise an InvalidArgumentError
 * naming the option and the reason, e.g. `--report-dir /dev/null: a part of the path is a file`.
 */
export function ensureOutputDirectory(dir: string, option: string): void {
  if (dir.trim() === '') throw new InvalidArgumentError(`${option}: the folder name is empty`);
  try {
    makeDirectory(dir);
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new InvalidArgumentError(`${option} ${dir}: cannot write reports there (${reason(e)})`);
  }
}
