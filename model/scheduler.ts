/**
 * The default scheduler (one pass): binds every unbound, non-terminating pod to the node it is
 * pinned to, if that node exists and the pod's own template fits it (nodeSelector, required
 * affinity, NoSchedule/NoExecute taints). A pod that does not fit stays Pending.
 */
import { schedulerFits } from './eligibility.ts';
import type { World } from './world.ts';

export function schedulerStep(world: World): World {
  let changed = false;
  const pods = world.pods.map((pod) => {
    if (pod.bound || pod.terminating) return pod;
    const node = world.nodes.find((n) => n.name === pod.node);
    const template = pod.hash !== undefined ? world.templates[pod.hash] : undefined;
    // A pod whose template the model never saw (an orphan without hash label) is assumed to fit.
    if (!node || (template !== undefined && !schedulerFits(node, template))) return pod;
    changed = true;
    return { ...pod, bound: true };
  });
  return changed ? { ...world, pods } : world;
}
