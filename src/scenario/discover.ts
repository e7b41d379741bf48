/**
 * Which files are scenarios: the files named on the command line, and every `.yaml`/`.yml` file
 * under a named directory except those in directories called `manifests` or `clusters` (where
 * scenarios keep the Kubernetes YAML and cluster descriptions they refer to). Sorted, so that
 * runs are reproducible.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError, startOf } from '../manifests/inputError.js';

const SUPPORT_DIRS = new Set(['manifests', 'clusters']);
const isYaml = (name: string) => /\.ya?ml$/i.test(name);

function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SUPPORT_DIRS.has(entry.name)) walk(path, out);
    } else if (isYaml(entry.name)) out.push(path);
  }
}

/** The scenario files for the given paths (files or directories), absolute, without duplicates. */
export function discoverScenarios(paths: readonly string[]): string[] {
  const found: string[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(absolute).isDirectory();
    } catch {
      throw new InputError(startOf(path), 'no such file or directory');
    }
    if (isDirectory) {
      const before = found.length;
      walk(absolute, found);
      if (found.length === before) throw new InputError(startOf(path), 'no scenario files (*.yaml) in this directory');
    } else found.push(absolute);
  }
  return [...new Set(found)];
}
