/**
 * DaemonSets from a manifest file exactly as people write them: any number of YAML documents
 * (a ServiceAccount, a ClusterRole, a ConfigMap and the DaemonSet, say), or a `kind: List`.
 * Objects of other kinds are skipped; each DaemonSet keeps the means to report a problem at the
 * line it comes from.
 */
import type { DaemonSet } from '../cluster/objects.js';
import { daemonSetShape, withoutNulls } from './daemonSetShape.js';
import { locateApiField } from './fieldPath.js';
import { InputError, type SourceLocation, startOf } from './inputError.js';
import { describeIssue, describeValue } from './schemaIssue.js';
import { type PathSegment, readYamlFile, type YamlDocument } from './yamlFile.js';

export interface DaemonSetManifest {
  readonly daemonSet: DaemonSet;
  /** Where the object starts in its file. */
  readonly location: SourceLocation;
  /** Where an API field path, as a validation error names it (`spec.selector`), is written. */
  locate(fieldPath: string): SourceLocation;
}

/** The versions DaemonSets used to be served in; all were removed in Kubernetes 1.16. */
const REMOVED_VERSIONS = new Set(['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2']);

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every DaemonSet in `file`, in file order; fails with an InputError when there is none. */
export function loadDaemonSetManifests(file: string): DaemonSetManifest[] {
  const manifests: DaemonSetManifest[] = [];
  const otherKinds: string[] = [];

  const visit = (document: YamlDocument, data: unknown, base: PathSegment[]): void => {
    const at = (path: PathSegment[]) => document.locate([...base, ...path]).location;
    if (!isMapping(data)) {
      throw new InputError(at([]), `expected a Kubernetes object (a mapping), got ${describeValue(data)}`);
    }
    const kind = data.kind;
    if (typeof kind !== 'string' || kind === '') {
      throw new InputError(at([]), 'kind not set: every Kubernetes object needs apiVersion and kind');
    }
    if (kind.endsWith('List') && Array.isArray(data.items)) {
      data.items.forEach((item, i) => {
        visit(document, item, [...base, 'items', i]);
      });
      return;
    }
    if (kind !== 'DaemonSet') {
      otherKinds.push(kind);
      return;
    }
    const version = data.apiVersion;
    if (version !== 'apps/v1') {
      const why = REMOVED_VERSIONS.has(String(version)) ? ' (removed in Kubernetes 1.16)' : '';
      throw new InputError(
        at(version === undefined ? [] : ['apiVersion']),
        `no matches for kind "DaemonSet" in version ${JSON.stringify(version ?? '')}${why}: use apiVersion: apps/v1`,
      );
    }
    const decoded = daemonSetShape.safeParse(data);
    if (!decoded.success) {
      const issue = decoded.error.issues[0];
      const { path, problem } = issue ? describeIssue(issue, data) : { path: [], problem: decoded.error.message };
      throw new InputError(at(path), problem);
    }
    manifests.push({
      daemonSet: withoutNulls(decoded.data) as DaemonSet,
      location: at([]),
      locate: (fieldPath) => locateApiField(document, fieldPath, base),
    });
  };

  for (const document of readYamlFile(file)) {
    const data = document.toJS();
    // An empty document, such as one left by a trailing `---`.
    if (data !== null && data !== undefined) visit(document, data, []);
  }
  if (manifests.length === 0) {
    const found = [...new Set(otherKinds)].join(', ');
    throw new InputError(startOf(file), `no DaemonSet in this file${found ? ` (found: ${found})` : ' (it is empty)'}`);
  }
  return manifests;
}
