/**
 * API field paths (apimachinery's field.Path strings, as in a validation error) and where they
 * are written in a manifest.
 */
import type { SourceLocation } from './inputError.js';
import type { PathSegment, YamlDocument } from './yamlFile.js';

/**
 * Splits `spec.template.spec.containers[0].image` into its steps. Indexes become numbers; map keys
 * in brackets (`nodeSelector[kubernetes.io/os]`) stay whole even when they contain dots.
 */
export function parseFieldPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    const [, name, bracketed] = match;
    if (name !== undefined) segments.push(name);
    else if (bracketed !== undefined) segments.push(/^\d+$/.test(bracketed) ? Number(bracketed) : bracketed);
  }
  return segments;
}

/** The reverse of parseFieldPath, for messages: `spec.template.spec.containers[0].image`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/**
 * Where the field an API error names is written in `document` (below `base`, for an object
 * inside a List). Upstream's ValidatePodTemplateSpec reports template labels and annotations at
 * `template.labels`, without `.metadata`, so that spelling is looked up under metadata as well.
 */
export function locateApiField(
  document: YamlDocument,
  fieldPath: string,
  base: readonly PathSegment[] = [],
): SourceLocation {
  const path = [...base, ...parseFieldPath(fieldPath)];
  const direct = document.locate(path);
  if (direct.matched === path.length) return direct.location;
  const at = path.findIndex(
    (s, i) => i > base.length && (s === 'labels' || s === 'annotations') && path[i - 1] === 'template',
  );
  if (at >= 0) {
    const viaMetadata = document.locate([...path.slice(0, at), 'metadata', ...path.slice(at)]);
    if (viaMetadata.matched > at + 1) return viaMetadata.location;
  }
  return direct.location;
}
