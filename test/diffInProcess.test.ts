/**
 * `dsconform diff` in process (test/diff.test.ts runs it as a child process, which coverage does
 * not see): a mutant on the right is told apart and the shrunk divergence is saved and printed side
 * by side; the reference against itself agrees.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DsEvent } from '../model/events.ts';
import { NO_WRITES } from '../model/observation.ts';
import { followingSide } from '../src/cli/diff.js';
import { type CliIO, main } from '../src/cli/main.js';
import { ChoiceFollower, runDiffCampaign, runDiffCase } from '../src/harness/differential.js';
import { type Implementation, referenceImplementation } from '../src/harness/implementation.js';
import { mutantByName, mutantOptionsForStore } from '../src/harness/mutants.js';

/** A non-deterministic side: every other system it makes creates each pod twice. */
function everyOtherRunWrong(): Implementation {
  const right = referenceImplementation();
  const mutant = mutantByName('duplicate-pods');
  if (mutant === undefined) throw new Error('no duplicate-pods mutant');
  const wrong = referenceImplementation('duplicate-pods', mutantOptionsForStore(mutant));
  let made = 0;
  return { ...right, name: 'every other run wrong', makeSystem: () => (made++ % 2 === 0 ? wrong : right).makeSystem() };
}

function captured(): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    color: false,
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

describe('dsconform diff (in process)', () => {
  it('tells a mutant apart, shrinks the divergence and saves it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsconform-diff-'));
    const io = captured();
    const argv = ['node', 'dsconform', 'diff', '--right-mutant', 'duplicate-pods', '--profile', 'core'];
    const code = await main([...argv, '--runs', '100', '--seed', '3', '--report-dir', dir], io);
    expect(code, io.err).toBe(1);
    expect(io.out).toContain('|');
    expect(readdirSync(join(dir, 'counterexamples')).length).toBe(1);
  });

  it('reruns a divergent case (reruns): one that then agrees is listed, not failed; reruns 0 reports it', {
    timeout: 120_000,
  }, async () => {
    const options = { profile: 'core' as const, runs: 20, seed: 5 };
    const tolerant = await runDiffCampaign(referenceImplementation(), everyOtherRunWrong(), { ...options, reruns: 3 });
    expect(tolerant.counterexample).toBeUndefined();
    expect(tolerant.runs).toBe(20);
    expect(tolerant.agreedOnRerun?.length ?? 0).toBeGreaterThan(0);
    for (const a of tolerant.agreedOnRerun ?? []) {
      expect(a.rerun).toBe(1);
      expect(a.first).toMatch(/writes differ/);
    }
    const strict = await runDiffCampaign(referenceImplementation(), everyOtherRunWrong(), { ...options, reruns: 0 });
    expect(strict.counterexample?.nonDeterministic).toBe(true);
    expect(strict.agreedOnRerun).toBeUndefined();
  });

  it('the reference against itself agrees', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsconform-diff-'));
    const io = captured();
    const argv = ['node', 'dsconform', 'diff', '--right-reference', '--profile', 'all', '--runs', '60', '--seed', '4'];
    const code = await main([...argv, '--report-dir', dir], io);
    expect(code, io.err).toBe(0);
    expect(io.out).toMatch(/no divergence/);
  });
});

describe('a reference that follows the other side’s rollout choices (ChoiceFollower)', () => {
  // maxSurge 1 over two available old pods: which node surges first is a free choice. The
  // `reordered` variant walks the nodes backwards, so it surges on the other node.
  const events = JSON.parse(
    '[{"type":"NODE_ADDED","node":"n1"},{"type":"DS_CREATED","spec":{"template":{"image":"v1","nodeSelector":{"zone":"a"},"hostNetwork":false,"tolerations":[],"requiredNodeAffinity":[{"matchExpressions":[{"key":"cpu","operator":"Gt","values":["1"]}]}]},"updateStrategy":{"type":"OnDelete"},"minReadySeconds":0,"revisionHistoryLimit":0}},{"type":"NODE_ADDED","node":"n0"},{"type":"TEMPLATE_UPDATED","template":{"image":"v1","nodeSelector":{},"hostNetwork":false,"tolerations":[]}},{"type":"STRATEGY_CHANGED","updateStrategy":{"type":"RollingUpdate","maxUnavailable":0,"maxSurge":1}},{"type":"CONTROLLER_SYNC"},{"type":"SCHEDULER_STEP"},{"type":"KUBELET_STEP"},{"type":"POD_BECAME_READY","node":"n0"},{"type":"POD_BECAME_READY","node":"n1"},{"type":"TEMPLATE_UPDATED","template":{"image":"v3","nodeSelector":{},"hostNetwork":false,"tolerations":[]}},{"type":"CONTROLLER_SYNC"}]',
  ) as DsEvent[];
  const reordered = mutantByName('reordered');
  if (reordered === undefined) throw new Error('no reordered variant');
  const other = referenceImplementation('reordered', mutantOptionsForStore(reordered));
  const names = { left: 'reference', right: 'reordered' };

  it('diverges from a side that chose another node when it walks its own order', async () => {
    const result = await runDiffCase(
      events,
      () => referenceImplementation().makeSystem(),
      () => other.makeSystem(),
      names,
    );
    expect(result.failure?.message).toMatch(/writes differ after event 12/);
  });

  it('agrees once it takes the nodes the other side took first, and the order partitions stably', async () => {
    const follower = new ChoiceFollower();
    const result = await runDiffCase(
      events,
      () =>
        referenceImplementation('reference', () => ({
          rules: { orderRolloutNodes: follower.order, orderCreates: follower.orderCreates },
        })).makeSystem(),
      () => other.makeSystem(),
      names,
      { follow: { side: 'left', follower } },
    );
    expect(result.failure).toBeUndefined();
    const entries: [string, number][] = [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ];
    expect(follower.order(entries)).toEqual(entries);
    // Creates go in the other side's order (pods are named in create order), the rest after.
    follower.prefer(
      { ...NO_WRITES, creates: [{ node: 'n2' }, { node: 'n0' }] },
      { time: 0, nodes: [], pods: [], revisions: [] },
    );
    expect(follower.orderCreates(['n0', 'n1', 'n2'])).toEqual(['n2', 'n0', 'n1']);
    follower.clear();
    expect(follower.orderCreates(['n0', 'n1', 'n2'])).toEqual(['n0', 'n1', 'n2']);
  });

  it('refuses --profile faults against a process (its refused writes reach it a step late): exit 2, one line', async () => {
    const io = captured();
    const code = await main(
      ['node', 'dsconform', 'diff', '--upstream', '1.37', '--profile', 'faults', '--runs', '1'],
      io,
    );
    expect(code).toBe(2);
    expect(io.err).toMatch(/--profile faults compares in-process implementations only.*cause J/);
    expect(io.err.trim().split('\n')).toHaveLength(1);
  });

  it('follows only the plain reference against a process, unless --own-order', () => {
    expect(followingSide({ left: {}, right: { upstream: '1.37' } })).toBe('left');
    expect(followingSide({ left: { upstream: '1.34' }, right: {} })).toBe('right');
    expect(followingSide({ left: {}, right: { controller: 'python3 c.py' } })).toBe('left');
    expect(followingSide({ left: {}, right: { mutant: 'reordered' } })).toBeUndefined();
    expect(followingSide({ left: {}, right: { upstream: '1.37' }, ownOrder: true })).toBeUndefined();
  });
});
