/**
 * Issue 6, part 4: every mutant, run as a separate process speaking the controller protocol
 * (`dsconform reference-controller --mutant <name>`), makes `dsconform check` exit 1 and write a
 * counterexample. One process per mutant serves its whole campaign, shrinking included for a few
 * (SHRUNK_OVER_THE_PROTOCOL); the others use --no-shrink, as the shrink over the protocol is the
 * same code whatever the mutant, and it is most of each campaign's time.
 *
 * This asserts only the verdict and the file, as the issue states: which invariant catches a
 * mutant is the property self-test's business (properties/mutants.test.ts), which also checks
 * that the reference passes the same events.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from '../../src/harness/mutants.js';
import { dsconform, ROOT } from './support.js';

const SEED = '6';
/** Enough for every mutant at this seed (the last to be caught needs about 90). */
const RUNS = '500';

/** Mutants whose campaigns also shrink over the protocol: a creation, a deletion and a rollout fault. */
const SHRUNK_OVER_THE_PROTOCOL = new Set(['duplicate-pods', 'keeps-failed-pods', 'ignores-max-surge']);

/** Two campaigns at a time: each is one process pair, and the machine may have two cores. */
const lanes = (() => {
  let free = 2;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else free--;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
})();

describe('mutants as processes', () => {
  // A few cannot misbehave behind the protocol; they say why, and are checked in-process only.
  for (const mutant of MUTANTS.filter((m) => m.inProcessOnly === undefined)) {
    it.concurrent(`${mutant.name} (${mutant.profile}): exit 1 with a counterexample`, async () => {
      const controller = `node bin/dsconform.mjs reference-controller --mutant ${mutant.name}`;
      const run = await lanes(() =>
        dsconform(
          [
            'check',
            '--controller',
            controller,
            '--profile',
            mutant.profile,
            '--seed',
            SEED,
            '--runs',
            RUNS,
            '--report-dir',
            '<report-dir>',
            ...(SHRUNK_OVER_THE_PROTOCOL.has(mutant.name) ? [] : ['--no-shrink']),
          ],
          240_000,
        ),
      );
      const context = `stdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr}`;
      expect(run.code, context).toBe(1);
      const file = /^Counterexample: (.+)$/m.exec(run.stdout)?.[1];
      expect(file, context).toBeDefined();
      const path = resolve(ROOT, file ?? ''); // relative to the current directory, or absolute outside it
      expect(existsSync(path), `${path} exists`).toBe(true);
      const counterexample = JSON.parse(readFileSync(path, 'utf8')) as {
        format: string;
        implementation: { controller?: string };
        profile: string;
        events: unknown[];
      };
      expect(counterexample.format).toBe('dsconform/counterexample@1');
      expect(counterexample.implementation.controller).toBe(controller);
      expect(counterexample.profile).toBe(mutant.profile);
      expect(counterexample.events.length).toBeGreaterThan(0);
      expect(run.stdout, context).toMatch(
        SHRUNK_OVER_THE_PROTOCOL.has(mutant.name) ? /Counterexample \(shrunk \d+ times/ : /not shrunk: --no-shrink/,
      );
    }, 600_000);
  }
});
