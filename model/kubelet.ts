/**
 * The kubelets (one pass over every node): on a Ready node, bound Pending pods start (Running,
 * not yet ready: readiness is its own event), or fail admission (Failed) when the node no longer
 * fits the pod's own template, and terminating pods finish and leave the API.
 * A node that is not Ready does nothing, so its pods stay as they are.
 */
import { kubeletAdmits } from './eligibility.ts';
import type { World } from './world.ts';

export function kubeletStep(world: World): World {
  const ready = new Set(world.nodes.filter((n) => n.ready === 'True').map((n) => n.name));
  let changed = false;
  const pods = world.pods.flatMap((pod) => {
    if (!pod.bound || !ready.has(pod.node)) return [pod];
    if (pod.terminating) {
      if (pod.held && pod.phase === 'Failed' && !pod.ready) return [pod];
      changed = true;
      // Stopped: a held pod stays in the API, terminal (Failed) and Terminating, until its finalizer goes.
      if (pod.held) {
        const { readySince: _gone, ...rest } = pod;
        return [{ ...rest, phase: 'Failed' as const, ready: false }];
      }
      return [];
    }
    if (pod.phase === 'Pending') {
      changed = true;
      const node = world.nodes.find((n) => n.name === pod.node);
      const template = pod.hash === undefined ? undefined : world.templates[pod.hash];
      const admitted = !node || !template || kubeletAdmits(node, template);
      return [{ ...pod, phase: admitted ? ('Running' as const) : ('Failed' as const) }];
    }
    return [pod];
  });
  return changed ? { ...world, pods } : world;
}
