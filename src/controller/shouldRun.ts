/**
 * Which nodes should run a daemon pod: NodeShouldRunDaemonPod and its `predicates`.
 */
import type { Node, Pod, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { compileRequiredNodeAffinity, isDeepFrozen, matchesRequiredNodeAffinity } from '../cluster/nodeAffinity.js';
import type { DaemonSet } from '../cluster/objects.js';
import { deepCopy } from '../cluster/objects.js';
import { findUntoleratedTaint } from '../cluster/taints.js';
import { addOrUpdateDaemonPodTolerations } from './tolerations.js';

export interface ShouldRunResult {
  /** A pod should be created here if none exists. */
  shouldRun: boolean;
  /** An existing pod may stay; false means the controller deletes it. */
  shouldContinueRunning: boolean;
  /** Why not, for people: `nodeName`, `nodeSelector/affinity`, or the untolerated taint. */
  reason?: string;
}

/** NewPod: the hypothetical pod used for the decision, with the default tolerations merged in. */
export function newPod(ds: DaemonSet, nodeName: string): Pod {
  const template = ds.spec?.template ?? {};
  const spec = deepCopy(template.spec ?? { containers: [] });
  spec.nodeName = nodeName;
  addOrUpdateDaemonPodTolerations(spec);
  return {
    metadata: { ...deepCopy(template.metadata ?? {}), namespace: ds.metadata?.namespace ?? 'default' },
    spec,
  };
}

/**
 * What the decision needs from a pod template (its nodeSelector/affinity test and the pod's
 * tolerations after the defaults are merged), worked out once per template object. Only
 * deep-frozen templates are cached (the store and the informer caches hold nothing else), so an
 * entry can never go stale; anything else takes the uncached path, which builds newPod per node.
 */
interface CompiledTemplate {
  matches: (node: Node) => boolean;
  tolerations: Toleration[] | undefined;
}

/** null: looked at once and not cacheable (not deep-frozen, or malformed). */
const compiledTemplates = new WeakMap<PodTemplateSpec, CompiledTemplate | null>();

function compileTemplate(template: PodTemplateSpec): CompiledTemplate | null {
  if (!isDeepFrozen(template)) return null;
  try {
    // Exactly what newPod does to the spec (the nodeName it sets plays no part in either answer).
    const spec = deepCopy(template.spec ?? { containers: [] });
    addOrUpdateDaemonPodTolerations(spec);
    return { matches: compileRequiredNodeAffinity(spec), tolerations: spec.tolerations };
  } catch {
    return null; // malformed: let the uncached path fail (or not) exactly where it always did
  }
}

/** The last template looked up: per-node loops ask about the same one node after node. */
let lastTemplate: object | undefined;
let lastCompiled: CompiledTemplate | undefined;

function compiledTemplateOf(ds: DaemonSet): CompiledTemplate | undefined {
  const template = ds.spec?.template;
  // Only frozen templates are ever remembered, so the same object means the same answer.
  if (template === lastTemplate && template !== undefined) return lastCompiled;
  if (template == null || typeof template !== 'object' || !Object.isFrozen(template)) return undefined;
  let compiled = compiledTemplates.get(template);
  if (compiled === undefined) {
    compiled = compileTemplate(template);
    compiledTemplates.set(template, compiled);
  }
  lastTemplate = template;
  lastCompiled = compiled ?? undefined;
  return lastCompiled;
}

/** The usual answer, shared: one allocation fewer per node in every per-node loop. */
const RUNS: ShouldRunResult = Object.freeze({ shouldRun: true, shouldContinueRunning: true });

/**
 * NodeShouldRunDaemonPod. NoSchedule and NoExecute taints decide shouldRun; only NoExecute decides
 * shouldContinueRunning; PreferNoSchedule, node conditions, unschedulable and resources play no part.
 */

export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): ShouldRunResult {
  const nodeName = node.metadata?.name ?? '';
  const templateNodeName = ds.spec?.template?.spec?.nodeName;
  if (templateNodeName && templateNodeName !== nodeName) {
    return { shouldRun: false, shouldContinueRunning: false, reason: `template nodeName is ${templateNodeName}` };
  }
  let matches: boolean;
  let tolerations: Toleration[] | undefined;
  const compiled = compiledTemplateOf(ds);
  if (compiled !== undefined) {
    matches = compiled.matches(node);
    tolerations = compiled.tolerations;
  } else {
    const pod = newPod(ds, nodeName);
    matches = matchesRequiredNodeAffinity(pod.spec, node);
    tolerations = pod.spec?.tolerations;
  }
  if (!matches) {
    return { shouldRun: false, shouldContinueRunning: false, reason: 'nodeSelector/affinity does not match' };
  }
  const taints = node.spec?.taints;
  // No taints, nothing to tolerate (the common case: skips two searches of an empty list).
  if (taints == null || (Array.isArray(taints) && taints.length === 0)) return RUNS;
  const blocking = findUntoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute']);
  if (blocking === undefined) return RUNS;
  const evicting = findUntoleratedTaint(taints, tolerations, ['NoExecute']);
  const taint = evicting ?? blocking;
  return {
    shouldRun: false,
    shouldContinueRunning: evicting === undefined,
    reason: `untolerated taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`,
  };
}
