/**
 * `check --no-shrink`: the failing case as generated is the counterexample, and it still replays
 * to the same violation; without the flag the same campaign shrinks it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './support/inProcessCli.js';

const dir = mkdtempSync(join(tmpdir(), 'dsconform-no-shrink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const campaign = ['check', '--mutant', 'ignores-max-surge', '--profile', 'rolling-update', '--seed', '6'];
const counterexampleOf = (stdout: string) => {
  const file = /^Counterexample: (.+)$/m.exec(stdout)?.[1];
  expect(file).toBeDefined();
  return { file: file as string, json: JSON.parse(readFileSync(file as string, 'utf8')) as { events: unknown[] } };
};

describe('check --no-shrink', () => {
  it('reports the failing case as generated, which replays to the same violation', async () => {
    const quick = await runMain([...campaign, '--no-shrink', '--report-dir', join(dir, 'quick')]);
    expect(quick.code).toBe(1);
    expect(quick.stdout).toMatch(/^Counterexample \(\d+ events, not shrunk: --no-shrink\):$/m);
    const unshrunk = counterexampleOf(quick.stdout);

    const shrunkRun = await runMain([...campaign, '--report-dir', join(dir, 'shrunk')]);
    expect(shrunkRun.code).toBe(1);
    expect(shrunkRun.stdout).toMatch(/^Counterexample \(shrunk \d+ times to \d+ events\):$/m);
    const shrunk = counterexampleOf(shrunkRun.stdout);
    // The same failure found at the same case; only the shrink differs.
    expect(/found in run (\d+)/.exec(quick.stdout)?.[1]).toBe(/found in run (\d+)/.exec(shrunkRun.stdout)?.[1]);
    expect(unshrunk.json.events.length).toBeGreaterThan(shrunk.json.events.length);

    const replay = await runMain(['replay', unshrunk.file, '--report-dir', join(dir, 'replay')]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/Result: fails again: DS-ROLL-03/);
  });
});
