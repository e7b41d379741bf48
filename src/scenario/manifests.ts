/**
 * The DaemonSets a scenario refers to: files next to the scenario (any number of YAML documents,
 * other kinds skipped, exactly as `dsconform simulate` reads them) or objects written inline in
 * the scenario, which are then located at their lines in the scenario file.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DaemonSet } from '../cluster/objects.js';
import { type DaemonSetManifest, loadDaemonSetManifests } from '../manifests/daemonSetManifest.js';
import { daemonSetShape, withoutNulls } from '../manifests/daemonSetShape.js';
import { locateApiField } from '../manifests/fieldPath.js';
import { InputError } from '../manifests/inputError.js';
import { describeIssue } from '../manifests/schemaIssue.js';
import type { PathSegment, YamlDocument } from '../manifests/yamlFile.js';

const REMOVED_VERSIONS = new Set(['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2']);

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A file path, `{file}`, or an inline object (what manifestRefSchema accepted). */
export type ManifestRef = string | { file: string } | Record<string, unknown>;

/**
 * A createDaemonSet step's argument: a manifest, or `{manifest, expectError?, skipValidation?}`
 * for a create that must be refused, or one written past validation.
 */
export function createArguments(args: unknown): {
  ref: ManifestRef;
  sub: PathSegment[];
  expectError?: string;
  skipValidation?: boolean;
} {
  if (args !== null && typeof args === 'object' && 'manifest' in args && !('kind' in args)) {
    const { manifest, expectError, skipValidation } = args as {
      manifest: ManifestRef;
      expectError?: string;
      skipValidation?: boolean;
    };
    return {
      ref: manifest,
      sub: ['manifest'],
      ...(expectError !== undefined ? { expectError } : {}),
      ...(skipValidation === true ? { skipValidation } : {}),
    };
  }
  return { ref: args as ManifestRef, sub: [] };
}

function fileOf(ref: ManifestRef): string | undefined {
  if (typeof ref === 'string') return ref;
  if (typeof ref.file === 'string' && Object.keys(ref).length === 1) return ref.file;
  return undefined;
}

/**
 * The DaemonSets of one manifest reference written at `path` in `document` (the scenario).
 * Fails with an InputError at the reference (missing file, no DaemonSet) or inside the manifest.
 */
export function resolveManifest(ref: ManifestRef, document: YamlDocument, path: PathSegment[]): DaemonSetManifest[] {
  const file = fileOf(ref);
  if (file !== undefined) {
    const at = document.locate(typeof ref === 'string' ? path : [...path, 'file']).location;
    const resolved = resolve(dirname(document.file), file);
    if (!existsSync(resolved)) throw new InputError(at, `no such manifest file: ${file} (looked for ${resolved})`);
    return loadDaemonSetManifests(resolved);
  }
  return inlineManifests(ref as Record<string, unknown>, document, path);
}

/** An object written inline, or a `kind: List` of them; other kinds than DaemonSet are skipped. */
function inlineManifests(
  data: Record<string, unknown>,
  document: YamlDocument,
  base: PathSegment[],
): DaemonSetManifest[] {
  const at = (path: PathSegment[]) => document.locate([...base, ...path]).location;
  const kind = data.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(data.items)) {
    return data.items.flatMap((item, i) => {
      if (!isMapping(item)) throw new InputError(at(['items', i]), 'expected a Kubernetes object (a mapping)');
      return inlineManifests(item, document, [...base, 'items', i]);
    });
  }
  if (kind !== 'DaemonSet') return [];
  if (data.apiVersion !== 'apps/v1') {
    const why = REMOVED_VERSIONS.has(String(data.apiVersion)) ? ' (removed in Kubernetes 1.16)' : '';
    throw new InputError(
      at(['apiVersion']),
      `no matches for kind "DaemonSet" in version ${JSON.stringify(data.apiVersion ?? '')}${why}: use apiVersion: apps/v1`,
    );
  }
  const decoded = daemonSetShape.safeParse(data);
  if (!decoded.success) {
    const issue = decoded.error.issues[0];
    const { path, problem } = issue ? describeIssue(issue, data) : { path: [], problem: decoded.error.message };
    throw new InputError(at(path), problem);
  }
  return [
    {
      daemonSet: withoutNulls(decoded.data) as DaemonSet,
      location: at([]),
      locate: (fieldPath) => locateApiField(document, fieldPath, base),
    },
  ];
}
