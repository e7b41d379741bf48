/**
 * PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902, through fast-json-patch) and
 * strategic merge patch for the lists controllers and kubectl patch: owner references by uid,
 * containers, env, volumes by name, conditions by type, finalizers as a set. Lists with no merge
 * key are replaced, as upstream does for fields without a patch strategy (tolerations, taints).
 * Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>`.
 */
import fastJsonPatch from 'fast-json-patch';
import { ApiError } from './apiError.js';

export type PatchType = 'merge' | 'strategic' | 'json';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** RFC 7386: objects merge, null removes, everything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch as Json);
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** RFC 6902 operations; a failed `test` or a bad path is the client's error (422 / 400). */
export function jsonPatch(target: unknown, operations: unknown): Json {
  if (!Array.isArray(operations)) throw new ApiError('BadRequest', 'the JSON patch must be a list of operations');
  try {
    return fastJsonPatch.applyPatch(structuredClone(target), operations as fastJsonPatch.Operation[], true, false)
      .newDocument as Json;
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ApiError('Invalid', `the server rejected our request due to an error in our request: ${message}`);
  }
}

/** Merge keys of the list fields that have a strategy upstream, by field name. */
const MERGE_KEYS: Record<string, string> = {
  ownerReferences: 'uid',
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  conditions: 'type',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  resourceClaims: 'name',
};

/** Primitive lists merged as sets (patchStrategy: merge on a []string). */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

/** Applies a strategic merge patch to `target`. */
export function strategicMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) throw new ApiError('BadRequest', 'a strategic merge patch must be a JSON object');
  return mergeMap(isObject(target) ? target : {}, patch);
}

function mergeMap(target: JsonObject, patch: JsonObject): JsonObject {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest) as JsonObject;
  }
  if (directive === 'delete') return {};
  let out: JsonObject = structuredClone(target);
  const retainKeys = patch.$retainKeys;
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value)) out[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    if (isObject(value)) {
      if (value.$patch === 'delete') delete out[key];
      else out[key] = mergeMap(isObject(current) ? current : {}, value);
    } else if (Array.isArray(value)) {
      out[key] = mergeList(key, Array.isArray(current) ? current : [], value);
    } else {
      out[key] = value;
    }
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith('$setElementOrder/') || !Array.isArray(order)) continue;
    const field = key.slice('$setElementOrder/'.length);
    const list = out[field];
    if (Array.isArray(list)) out[field] = orderAs(field, list, order);
  }
  if (Array.isArray(retainKeys)) {
    const kept: JsonObject = {};
    for (const [key, value] of Object.entries(out)) if (retainKeys.includes(key)) kept[key] = value;
    out = kept;
  }
  return out;
}

function mergeList(field: string, target: Json[], patch: Json[]): Json[] {
  const mergeKey = MERGE_KEYS[field];
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    const out = [...target];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (mergeKey === undefined) {
    // No strategy: the list is replaced (a `$patch: replace` item only marks that explicitly).
    return patch.filter((item) => !(isObject(item) && item.$patch === 'replace')).map(stripDirectives);
  }
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item.$patch === 'replace')).map(stripDirectives);
  }
  const out = structuredClone(target);
  for (const item of patch) {
    if (!isObject(item)) throw new ApiError('BadRequest', `${field}: every item must be an object with "${mergeKey}"`);
    const id = item[mergeKey];
    if (id === undefined)
      throw new ApiError('BadRequest', `map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    const at = out.findIndex((o) => isObject(o) && o[mergeKey] === id);
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = mergeMap(out[at] as JsonObject, item);
    else out.push(stripDirectives(item));
  }
  return out;
}

/** Reorders `list` as `order` names its items; items `order` does not name keep their place at the end. */
function orderAs(field: string, list: Json[], order: Json[]): Json[] {
  const mergeKey = MERGE_KEYS[field];
  const idOf = (item: Json): Json => (mergeKey !== undefined && isObject(item) ? (item[mergeKey] ?? null) : item);
  const orderIds = order.map(idOf);
  const named = list.filter((item) => orderIds.some((id) => jsonSame(id, idOf(item))));
  const rest = list.filter((item) => !orderIds.some((id) => jsonSame(id, idOf(item))));
  named.sort(
    (a, b) => orderIds.findIndex((id) => jsonSame(id, idOf(a))) - orderIds.findIndex((id) => jsonSame(id, idOf(b))),
  );
  return [...named, ...rest];
}

function jsonSame(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    if (v === null) continue;
    out[key] = stripDirectives(v);
  }
  return out;
}

/** Applies a PATCH body of the given type. */
export function applyPatch(type: PatchType, target: unknown, body: unknown): Json {
  switch (type) {
    case 'merge':
      return mergePatch(target, body);
    case 'json':
      return jsonPatch(target, body);
    case 'strategic':
      return strategicMergePatch(target, body);
  }
}
