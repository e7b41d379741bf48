import { describe, expect, it } from 'vitest';
import type { DsEvent } from './events.ts';
import { type CheckContext, checkInvariants, INVARIANTS, invariantById } from './invariants.ts';
import { type ControllerWrites, NO_WRITES, type Observation, observe } from './observation.ts';
import { settle } from './quiescence.ts';
import { applyEvent } from './step.ts';
import type { Pod } from './types.ts';
import { SPECS, TEMPLATE_B } from './universe.ts';
import { WITNESSES, witnessFor } from './witnesses.ts';
import { deletePod, initialWorld, type World } from './world.ts';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);
const run = (world: World, ...events: DsEvent[]) => events.reduce(applyEvent, world);
const converged = (n: number, spec = SPECS.rolling) =>
  settle(applyEvent(initialWorld({ nodes: nodes(n) }), { type: 'DS_CREATED', spec }));

/** A controller step that did `writes` to `before` (the way a faulty implementation might). */
function faultyStep(before: World, change: (w: World) => World, writes: Partial<ControllerWrites>): CheckContext {
  const after = change(before);
  const obs: Observation = {
    ...observe(after),
    lastStep: { event: { type: 'CONTROLLER_SYNC' }, controller: { ...NO_WRITES, ...writes } },
  };
  return { prev: observe(before), obs, history: [observe(before), obs] };
}

function deleting(names: readonly string[]) {
  return (w: World) => names.reduce(deletePod, w);
}

function creating(node: string, template: Partial<Pod> = {}) {
  return (w: World): World => {
    const ds = w.daemonSet;
    if (!ds) return w;
    const pod: Pod = {
      name: `bad-${node}`,
      node,
      bound: false,
      ...(ds.currentHash !== undefined ? { hash: ds.currentHash } : {}),
      controllerUid: ds.uid,
      phase: 'Pending',
      ready: false,
      terminating: false,
      createdAt: w.time,
      ...template,
    };
    return { ...w, pods: [...w.pods, pod] };
  };
}

const podsOn = (w: World, node: string) => w.pods.filter((p) => p.node === node).map((p) => p.name);
const ids = (ctx: CheckContext) => new Set(checkInvariants(ctx).map((v) => v.id));

describe('the catalogue', () => {
  it('has unique, well-formed IDs and one-line statements', () => {
    const seen = new Set<string>();
    for (const inv of INVARIANTS) {
      expect(inv.id).toMatch(/^DS-[A-Z]+-\d{2}$/);
      expect(seen.has(inv.id)).toBe(false);
      seen.add(inv.id);
      expect(inv.statement).not.toContain('\n');
      expect(inv.upstream.length).toBeGreaterThan(0);
      expect(invariantById(inv.id)).toBe(inv);
    }
  });

  it('covers every property P1–P24 of the semantics note (§9)', () => {
    const covered = new Set(INVARIANTS.flatMap((i) => i.properties));
    const missing = Array.from({ length: 24 }, (_, i) => `P${i + 1}`).filter((p) => !covered.has(p));
    expect(missing).toEqual([]);
  });

  it('finds nothing wrong with a converged cluster or an idle sync', () => {
    const w = converged(3);
    const synced = applyEvent(w, { type: 'CONTROLLER_SYNC' });
    expect(checkInvariants({ obs: observe(synced), prev: observe(w) })).toEqual([]);
  });
});

describe('each check catches the fault it is about', () => {
  it('DS-ROLL-05: a rollout that never moves is caught even while a node is NotReady (issue 14)', () => {
    const w = run(
      converged(3),
      { type: 'TEMPLATE_UPDATED', template: TEMPLATE_B },
      { type: 'NODE_NOT_READY', node: 'node-2' },
    );
    expect(ids({ obs: observe(w) })).toContain('DS-ROLL-05');
    expect(ids({ obs: observe(settle(w)) })).not.toContain('DS-ROLL-05');
  });

  it('every invariant has a witness (model/witnesses.ts), and each witness makes its invariant fail', () => {
    expect(INVARIANTS.map((i) => i.id).filter((id) => !witnessFor(id))).toEqual([]);
    for (const w of WITNESSES) expect(ids(w.build()), `${w.id}: ${w.description}`).toContain(w.id);
  });

  it('DS-BACKOFF-01: a failed pod deleted again within the backoff', () => {
    let w = run(converged(1), { type: 'POD_FAILED', node: 'node-0' });
    const history = [observe(w)];
    w = run(w, { type: 'CONTROLLER_SYNC' });
    expect(w.lastStep?.controller.deletes).toHaveLength(1);
    history.push(observe(w));
    w = run(
      w,
      { type: 'CONTROLLER_SYNC' },
      { type: 'SCHEDULER_STEP' },
      { type: 'KUBELET_STEP' },
      { type: 'POD_FAILED', node: 'node-0' },
    );
    history.push(observe(w));
    const failed = podsOn(w, 'node-0');
    const ctx = faultyStep(w, deleting(failed), { deletes: failed });
    history.push(ctx.obs);
    expect(new Set(checkInvariants({ ...ctx, history }).map((v) => v.id))).toContain('DS-BACKOFF-01');
    const later = { ...w, time: w.time + 1 };
    const ok = faultyStep(later, deleting(failed), { deletes: failed });
    expect(checkInvariants({ ...ok, history: [...history.slice(0, 3), ok.obs] }).map((v) => v.id)).not.toContain(
      'DS-BACKOFF-01',
    );
  });

  it('DS-BACKOFF-01 counts only deletions the failed-pod rule alone explains (issue 18)', () => {
    let w = run(converged(1), { type: 'POD_FAILED', node: 'node-0' });
    const history = [observe(w)];
    w = run(w, { type: 'CONTROLLER_SYNC' });
    history.push(observe(w));
    w = run(
      w,
      { type: 'CONTROLLER_SYNC' },
      { type: 'SCHEDULER_STEP' },
      { type: 'KUBELET_STEP' },
      { type: 'POD_FAILED', node: 'node-0' },
    );
    // The node stops qualifying: its failed pod goes at once, as any pod of an ineligible node.
    w = run(w, { type: 'TAINT_ADDED', node: 'node-0', taint: { key: 'dedicated', value: '', effect: 'NoExecute' } });
    history.push(observe(w));
    const failed = podsOn(w, 'node-0');
    expect(failed).toHaveLength(1);
    const ctx = faultyStep(w, deleting(failed), { deletes: failed });
    expect(checkInvariants({ ...ctx, history: [...history, ctx.obs] }).map((v) => v.id)).not.toContain('DS-BACKOFF-01');
  });

  it('DS-SAFE-04 judges only a sync that acted: one that wrote nothing may not have run (issue 18)', () => {
    const w = converged(2);
    const idle = faultyStep(w, creating('node-1', { bound: true, createdAt: 0 }), {});
    expect(ids(idle)).not.toContain('DS-SAFE-04');
  });

  it('quiescent checks flag an unsettled cluster', () => {
    const w = run(converged(2), { type: 'NODE_ADDED', node: 'node-2' }, { type: 'POD_FAILED', node: 'node-0' });
    const found = new Set(checkInvariants({ obs: observe(w) }, ['quiescent']).map((v) => v.id));
    for (const id of ['DS-PLACE-01', 'DS-PLACE-04', 'DS-BACKOFF-02', 'DS-STATUS-02', 'DS-ELIG-02'])
      expect(found).toContain(id);
  });
});
