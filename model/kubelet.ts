/**
 * The kubelets (one pass over every node): on a Ready node, bound Pending pods start (Running,
 * not yet ready: readiness is its own event) and terminating pods finish and leave the API.
 * A node that is not Ready does nothing, so its pods stay as they are.
 */
import type { World } from './world.ts';

export function kubeletStep(world: World): World {
  const ready = new Set(world.nodes.filter((n) => n.ready === 'True').map((n) => n.name));
  let changed = false;
  const pods = world.pods.flatMap((pod) => {
    if (!pod.bound || !ready.has(pod.node)) return [pod];
    if (pod.terminating) {
      changed = true;
      return [];
    }
    if (pod.phase === 'Pending') {
      changed = true;
      return [{ ...pod, phase: 'Running' as const }];
    }
    return [pod];
  });
  return changed ? { ...world, pods } : world;
}
