/**
 * Readable traces: each event on one line, then a compact per-node table of the DaemonSet's pods
 * (phase, readiness, revision), so a counterexample reads like a story.
 */
import type { DsEvent } from '../../model/events.ts';
import type { Observation } from '../../model/observation.ts';
import type { Pod } from '../../model/types.ts';

export function describeEvent(event: DsEvent): string {
  const { type, ...rest } = event;
  const args = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v)}`)
    .join(' ');
  return args ? `${type} ${args}` : type;
}

function podCell(pod: Pod, currentHash: string | undefined, ownerUid: string | undefined): string {
  const phase = pod.terminating ? 'Terminating' : pod.phase;
  const ready = pod.ready ? 'ready' : 'unready';
  const revision = pod.hash === undefined ? 'no-hash' : pod.hash === currentHash ? 'current' : `old:${pod.hash}`;
  const owner = pod.controllerUid === undefined ? ' orphan' : pod.controllerUid !== ownerUid ? ' other-owner' : '';
  return `${pod.name}(${phase},${ready},${revision}${owner})`;
}

/** One line per node: its pods, or `-`. Pods for nodes that no longer exist are listed too. */
export function podTable(obs: Observation): string[] {
  const ds = obs.daemonSet;
  const nodes = [...obs.nodes.map((n) => n.name)];
  for (const pod of obs.pods) if (!nodes.includes(pod.node)) nodes.push(pod.node);
  const width = Math.max(4, ...nodes.map((n) => n.length));
  const lines = nodes.map((name) => {
    const node = obs.nodes.find((n) => n.name === name);
    const flags =
      node === undefined
        ? ' (gone)'
        : node.ready !== 'True'
          ? ` (${node.ready === 'False' ? 'NotReady' : 'Unknown'})`
          : '';
    const pods = obs.pods.filter((p) => p.node === name).map((p) => podCell(p, ds?.currentHash, ds?.uid));
    return `${name.padEnd(width)}${flags} ${pods.length > 0 ? pods.join(' ') : '-'}`;
  });
  if (ds !== undefined) {
    const s = ds.status;
    lines.push(
      `status desired=${s.desiredNumberScheduled} current=${s.currentNumberScheduled} ready=${s.numberReady} available=${s.numberAvailable} updated=${s.updatedNumberScheduled} misscheduled=${s.numberMisscheduled} unavailable=${s.numberUnavailable} observedGeneration=${s.observedGeneration}/${ds.generation}${ds.deleting ? ` deleting(${ds.deleting})` : ''}`,
    );
  } else lines.push('no DaemonSet');
  return lines;
}
