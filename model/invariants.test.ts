import { describe, expect, it } from 'vitest';
import { type CheckContext, checkInvariants, INVARIANTS, invariantById } from './invariants.ts';
import { observe } from './observation.ts';
import { settle } from './quiescence.ts';
import { applyEvent } from './step.ts';
import { TEMPLATE_B } from './universe.ts';
import {
  converged,
  creating,
  deleting,
  faultyStep,
  podsOn,
  run,
  secondFailure,
  WITNESSES,
  witnessFor,
} from './witnesses.ts';

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
    // P24 (an empty selector causes no writes) cannot arise: the API refuses the selector
    // (properties/apiSemantics.test.ts checks that against upstream); DS-SYNC-04 is retired.
    expect(missing).toEqual(['P24']);
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

  it('DS-BACKOFF-01: a failed pod deleted again within the backoff, but not once it has passed', () => {
    const { world: w, history } = secondFailure();
    expect(history[1]?.lastStep?.controller.deletes).toHaveLength(1);
    const failed = podsOn(w, 'node-0');
    const ctx = faultyStep(w, deleting(failed), { deletes: failed });
    expect(new Set(checkInvariants({ ...ctx, history: [...history, ctx.obs] }).map((v) => v.id))).toContain(
      'DS-BACKOFF-01',
    );
    const later = { ...w, time: w.time + 1 };
    const ok = faultyStep(later, deleting(failed), { deletes: failed });
    expect(checkInvariants({ ...ok, history: [...history, ok.obs] }).map((v) => v.id)).not.toContain('DS-BACKOFF-01');
  });

  it('DS-BACKOFF-01 counts only deletions the failed-pod rule alone explains (issue 18)', () => {
    const { world, history } = secondFailure();
    // The node stops qualifying: its failed pod goes at once, as any pod of an ineligible node.
    const w = run(world, {
      type: 'TAINT_ADDED',
      node: 'node-0',
      taint: { key: 'dedicated', value: '', effect: 'NoExecute' },
    });
    const failed = podsOn(w, 'node-0');
    expect(failed).toHaveLength(1);
    const ctx = faultyStep(w, deleting(failed), { deletes: failed });
    expect(checkInvariants({ ...ctx, history: [...history, observe(w), ctx.obs] }).map((v) => v.id)).not.toContain(
      'DS-BACKOFF-01',
    );
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
