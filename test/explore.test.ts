/**
 * Bounded exploration (src/harness/explore.ts): a small exploration of the model finds no
 * violation and counts states and transitions; a deliberately faulty step or invariant check is
 * reported with a numbered trace and exit code 1.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../model/invariants.ts';
import { applyEvent } from '../model/step.ts';
import { universeEvents } from '../model/universe.ts';
import type { World } from '../model/world.ts';
import { type CliIO, main } from '../src/cli/main.js';
import { explore, formatExploreResult, universeTransitions } from '../src/harness/explore.js';

function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, color: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

describe('explore', () => {
  it('explores 2 nodes to depth 3 without a violation', async () => {
    const result = await explore({ nodes: 2, depth: 3 });
    expect(result.violation).toBeUndefined();
    expect(result.states).toBeGreaterThan(10);
    expect(result.transitions).toBeGreaterThan(result.states - 1);
    expect(result.depth).toBe(3);
    expect(result.quietStates).toBeGreaterThan(0);
  });

  it('offers exactly the events of universeEvents, in its order', async () => {
    const options = { nodes: 2, extraNodes: 1 };
    const worlds: World[] = [];
    await explore({
      nodes: 2,
      depth: 3,
      extraNodes: 1,
      step: (world, event) => {
        if (worlds.length < 400) worlds.push(world);
        return applyEvent(world, event);
      },
    });
    expect(worlds.length).toBeGreaterThan(100);
    for (const world of worlds) {
      expect(universeTransitions(world, options).map((t) => t.event)).toEqual(universeEvents(world, options));
    }
  });

  it('merges states equal up to a renaming of the nodes', async () => {
    const sym = await explore({ nodes: 2, depth: 3 });
    const plain = await explore({ nodes: 2, depth: 3, symmetry: false });
    expect(plain.violation).toBeUndefined();
    expect(sym.states).toBeLessThan(plain.states);
  });

  it('replays new states on the reference implementation without a violation', async () => {
    const result = await explore({ nodes: 2, depth: 2, target: 'reference' });
    expect(result.violation).toBeUndefined();
    expect(result.referenceReplays).toBe(result.states);
  });

  it('reports a faulty step (a sync that leaves a second pod on a node) with a trace', async () => {
    const result = await explore({
      nodes: 2,
      depth: 3,
      step: (world, event) => {
        const next = applyEvent(world, event);
        if (event.type !== 'CONTROLLER_SYNC' || next.pods.length === 0) return next;
        const [pod] = next.pods;
        if (!pod) return next;
        return { ...next, pods: [...next.pods, { ...pod, name: `${pod.name}-dup` }] };
      },
    });
    expect(result.violation).toBeDefined();
    const text = formatExploreResult(result, { nodes: 2, depth: 3 });
    expect(text).toMatch(/VIOLATION DS-/);
    expect(text).toMatch(/ {2}1\. NODE_ADDED node=node-0 {3}\(start state\)/);
    expect(text).toMatch(/DS_CREATED spec=rolling/);
    expect(text).toMatch(/1 violation in/);
    expect(text).toMatch(/CONTROLLER_SYNC/);
  });

  it('reports a broken invariant check', async () => {
    const result = await explore({
      nodes: 2,
      depth: 2,
      check: (ctx, scopes) => {
        const found = checkInvariants(ctx, scopes);
        if (ctx.obs.pods.length >= 2) found.push({ id: 'TEST-BROKEN', message: 'two pods' });
        return found;
      },
    });
    expect(result.violation?.violation.id).toBe('TEST-BROKEN');
    expect(result.violation?.trace.length).toBeGreaterThan(3);
  });

  it('checks deletions of failed pods against the whole path (DS-BACKOFF-01)', async () => {
    let longest = 0;
    const result = await explore({
      nodes: 1,
      depth: 5,
      check: (ctx, scopes) => {
        longest = Math.max(longest, ctx.history?.length ?? 0);
        return checkInvariants(ctx, scopes);
      },
    });
    expect(result.violation).toBeUndefined();
    expect(result.backoffChecks).toBeGreaterThan(0);
    expect(longest).toBeGreaterThan(2);
  });

  it('stops at --max-states and says so', async () => {
    const result = await explore({ nodes: 2, depth: 5, maxStates: 50 });
    expect(result.truncated).toBe(true);
    expect(result.states).toBe(50);
    expect(formatExploreResult(result, { nodes: 2, depth: 5 })).toMatch(/of 5 \(cut by --max-states\)/);
  });

  it('runs as a command: exit 0 and a summary line', async () => {
    const io = capture();
    const code = await main(['node', 'dsconform', 'explore', '--nodes', '2', '--depth', '2'], io);
    expect(code).toBe(0);
    expect(io.out.join('')).toMatch(/explored [\d,]+ states, [\d,]+ transitions, depth 2, 2 nodes, 0 violations in/);
  });
});
