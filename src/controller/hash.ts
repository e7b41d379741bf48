/**
 * controller.ComputeHash: a stable short hash of the pod template plus the collision count,
 * rendered with rand.SafeEncodeString's alphabet. Upstream hashes a Go deep dump; we hash the
 * canonical JSON, so the values differ from a real cluster's but have the same properties.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * JSON with object keys sorted at every level (what Go's json.Marshal does for maps). The text of
 * a deep-frozen object (the store's and informers' objects, and every part of them) can never
 * change, so it is remembered per object: a later call on it, or on a new object that shares it,
 * does not walk it again.
 */
export function canonicalJson(value: unknown): string {
  const outer = allFrozen;
  allFrozen = true;
  try {
    return canonical(value);
  } finally {
    allFrozen = outer;
  }
}

const canonicalTexts = new WeakMap<object, string>();
/** While `canonical` walks a value: whether everything walked since it was reset is deep-frozen. */
let allFrozen = true;

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const known = canonicalTexts.get(value);
  if (known !== undefined) return known; // deep-frozen, so allFrozen stays as it is
  const outer = allFrozen;
  allFrozen = true;
  let text: string;
  if (Array.isArray(value)) text = `[${value.map(canonicalElement).join(',')}]`;
  else {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  const frozen = allFrozen && Object.isFrozen(value);
  if (frozen) canonicalTexts.set(value, text);
  allFrozen = outer && frozen;
  return text;
}

function canonicalElement(value: unknown): string {
  return canonical(value);
}

/** True when canonicalJson has seen `value` and found it deep-frozen. */
export function isKnownDeepFrozen(value: object): boolean {
  return canonicalTexts.has(value);
}

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Hashes of deep-frozen templates, per collision count. */
const hashes = new WeakMap<object, Map<number | undefined, string>>();

export function computeHash(template: PodTemplateSpec | undefined, collisionCount: number | undefined): string {
  const key = template ?? {};
  let perCount = hashes.get(key);
  let hash = perCount?.get(collisionCount);
  if (hash === undefined) {
    const text = canonicalJson(key);
    hash = computeHashOf(text, collisionCount);
    if (isKnownDeepFrozen(key)) {
      if (perCount === undefined) {
        perCount = new Map();
        hashes.set(key, perCount);
      }
      perCount.set(collisionCount, hash);
    }
  }
  return hash;
}

function computeHashOf(canonicalText: string, collisionCount: number | undefined): string {
  const text = new TextEncoder().encode(canonicalText);
  let h = fnv32a(text);
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  let out = '';
  for (const ch of String(h)) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}
