/**
 * Pure helpers of util/daemonset_util.go: the pod template a daemon pod is created from, how a
 * pod maps back to its node, and whether a pod is up to date.
 */
import type { Affinity, Pod, PodCondition, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { parseTimestamp } from '../cluster/clock.js';
import { isDeepFrozen } from '../cluster/nodeAffinity.js';
import type { DaemonSet } from '../cluster/objects.js';
import {
  ControllerRevisionHashLabel,
  deepCopy,
  isKnownDeepFrozen,
  PodTemplateGenerationLabel,
  TemplateGenerationAnnotation,
} from '../cluster/objects.js';
import { addOrUpdateDaemonPodTolerations } from './tolerations.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * GetTemplateGeneration: the legacy annotation parsed as strconv.ParseInt(s, 10, 64) would (an
 * optional sign, decimal digits, int64 range), or undefined when absent or unparseable. A bigint,
 * so that the label written and compared (fmt.Sprint of the int64) is exact for every value.
 */
export function getTemplateGeneration(ds: DaemonSet): bigint | undefined {
  const raw = ds.metadata?.annotations?.[TemplateGenerationAnnotation];
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return undefined;
  const value = BigInt(raw);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/**
 * Templates made from deep-frozen (stored) templates, per generation and hash. They are deep-frozen
 * themselves: the controller only reads them (pods are built from them and copied by the store).
 */
const podTemplates = new WeakMap<PodTemplateSpec, Map<string, PodTemplateSpec>>();

/** CreatePodTemplate: default tolerations, plus the generation and revision-hash labels. */
export function createPodTemplate(
  template: PodTemplateSpec,
  generation: bigint | number | undefined,
  hash: string,
): PodTemplateSpec {
  if (template === null || typeof template !== 'object' || !isDeepFrozen(template)) {
    return buildPodTemplate(template, generation, hash);
  }
  let perKey = podTemplates.get(template);
  if (perKey === undefined) {
    perKey = new Map();
    podTemplates.set(template, perKey);
  }
  const key = `${typeof generation}:${String(generation)}:${hash}`;
  let built = perKey.get(key);
  if (built === undefined) {
    built = deepFreeze(buildPodTemplate(template, generation, hash));
    perKey.set(key, built);
  }
  return built;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function buildPodTemplate(
  template: PodTemplateSpec,
  generation: bigint | number | undefined,
  hash: string,
): PodTemplateSpec {
  const copy = deepCopy(template);
  copy.spec ??= { containers: [] };
  addOrUpdateDaemonPodTolerations(copy.spec);
  const labels: Record<string, string> = { ...(copy.metadata?.labels ?? {}) };
  if (generation !== undefined) labels[PodTemplateGenerationLabel] = String(generation);
  if (hash !== '') labels[ControllerRevisionHashLabel] = hash;
  copy.metadata = { ...(copy.metadata ?? {}), labels };
  return copy;
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the required node-selector terms become exactly one term
 * `metadata.name In [nodeName]`; preferred terms and pod (anti-)affinity are kept.
 */
export function replaceDaemonSetPodNodeNameNodeAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const pinned = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  const result = deepCopy(affinity ?? {});
  result.nodeAffinity = { ...(result.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: pinned };
  return result;
}

/** GetTargetNodeName: spec.nodeName, else the single value of a `metadata.name In` matchFields requirement. */
export function getTargetNodeName(pod: Pod): string | undefined {
  const spec = pod.spec;
  if (spec?.nodeName) return spec.nodeName;
  // An unbound stored pod never changes: its pinned node is remembered. Reading it afresh means a
  // chain of scattered objects, the most of grouping a large cluster's new pods by node.
  if (!isKnownDeepFrozen(pod)) return targetNodeNameOf(pod);
  const known = targetNodeNames.get(pod);
  if (known !== undefined) return known === NO_TARGET ? undefined : known;
  const found = targetNodeNameOf(pod);
  targetNodeNames.set(pod, found ?? NO_TARGET);
  return found;
}

const NO_TARGET = Symbol('no target node');
const targetNodeNames = new WeakMap<Pod, string | typeof NO_TARGET>();

/** The node an unbound pod is pinned to (getTargetNodeName has already looked at spec.nodeName). */
function targetNodeNameOf(pod: Pod): string | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const term of terms ?? []) {
    for (const req of term.matchFields ?? []) {
      if (req.key === 'metadata.name' && req.operator === 'In') {
        return req.values?.length === 1 ? req.values[0] : undefined;
      }
    }
  }
  return undefined;
}

/** IsPodUpdated: the revision hash matches, or (legacy) the template generation label does. */
export function isPodUpdated(pod: Pod, hash: string, generation: bigint | number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  if (hash !== '' && labels[ControllerRevisionHashLabel] === hash) return true;
  return generation !== undefined && labels[PodTemplateGenerationLabel] === String(generation);
}

export function readyCondition(pod: Pod): PodCondition | undefined {
  // A plain loop: every sync asks this of every pod several times.
  const conditions = pod.status?.conditions;
  if (conditions === undefined) return undefined;
  for (const c of conditions) if (c.type === 'Ready') return c;
  return undefined;
}

/** podutil.IsPodReady. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** podutil.IsPodAvailable: Ready for at least minReadySeconds (inclusive, as current upstream). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const condition = readyCondition(pod);
  if (condition?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = parseTimestamp(condition.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 <= nowMs;
}

export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
}

/** podByCreationTimestampAndPhase.Less: bound pods first, then older, then by name. */
export function comparePodsOldestFirst(a: Pod, b: Pod): number {
  const aBound = Boolean(a.spec?.nodeName);
  const bBound = Boolean(b.spec?.nodeName);
  if (aBound !== bBound) return aBound ? -1 : 1;
  const at = parseTimestamp(a.metadata?.creationTimestamp) ?? 0;
  const bt = parseTimestamp(b.metadata?.creationTimestamp) ?? 0;
  if (at !== bt) return at - bt;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}
