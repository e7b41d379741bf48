/**
 * The properties can fail: every mutant (a deliberately faulty reference controller, see
 * src/harness/mutants.ts) must be caught, with a shrunk counterexample of a few events.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_EVENT_TYPES } from '../model/events.ts';
import { referenceImplementation } from '../src/harness/implementation.js';
import { MUTANTS, mutantOptionsForStore } from '../src/harness/mutants.js';
import { runCase } from '../src/harness/runner.js';
import { loadScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/scenario/run.js';
import { scenarioFromRun } from '../src/scenario/savedRun.js';
import { campaign, runs, seed } from './support.js';

/** A counterexample longer than this is not "a few steps". */
const MAX_COUNTEREXAMPLE_EVENTS = 12;

const dir = mkdtempSync(join(tmpdir(), 'dsconform-mutant-scenarios-'));

describe('mutants are caught', () => {
  for (const mutant of MUTANTS) {
    it(`${mutant.name}: ${mutant.description}`, async () => {
      const result = await campaign({
        profile: mutant.profile,
        runs: runs(3000),
        seed: seed(),
        implementation: referenceImplementation(`mutant ${mutant.name}`, mutantOptionsForStore(mutant)),
      });
      const cx = result.counterexample;
      expect(cx, `mutant ${mutant.name} survived ${result.runs} runs (seed ${result.seed})`).toBeDefined();
      expect(cx?.events.length).toBeLessThanOrEqual(MAX_COUNTEREXAMPLE_EVENTS);
      // The kill matrix (docs/invariants.md) says which invariants catch it.
      expect(mutant.catches ?? [], `${mutant.name} caught by ${cx?.failure.invariant}`).toContain(
        cx?.failure.invariant,
      );
      // Caught for the right reason: the reference passes the very same events.
      const reference = referenceImplementation();
      const replay = await runCase(cx?.events ?? [], () => reference.makeSystem());
      expect(
        replay.failure,
        `the reference fails the mutant's counterexample too (${replay.failure?.invariant}: ${replay.failure?.message})`,
      ).toBeUndefined();
      // Saved as a scenario, it is a regression case: it fails on the mutant for the same reason and passes on the reference.
      const file = join(dir, `${mutant.name}.yaml`);
      writeFileSync(
        file,
        scenarioFromRun(cx?.events ?? [], {
          name: mutant.name,
          source: 'mutants.test',
          implementation: `mutant ${mutant.name}`,
          invariant: cx?.failure.invariant ?? '',
          message: cx?.failure.message ?? '',
          step: cx?.failure.step ?? -1,
        }).text,
      );
      const scenario = loadScenario(file);
      const onMutant = await runScenario(
        scenario,
        referenceImplementation(`mutant ${mutant.name}`, mutantOptionsForStore(mutant)),
      );
      expect(onMutant.verdict).toBe('fail');
      expect(onMutant.failure?.expectation).toBe(cx?.failure.invariant);
      const onReference = await runScenario(scenario, reference);
      expect(onReference.verdict, onReference.failure?.message).toBe('pass');
    });
  }
});

// A mutant of the faults profile is there because only faults expose it (issue 15): the same
// campaign with every fault switched off must let it through, or it belongs to another profile.
describe('fault-only mutants need the faults', () => {
  for (const mutant of MUTANTS.filter((m) => m.profile === 'faults')) {
    it(`${mutant.name} survives the faults campaign without faults`, async () => {
      const result = await campaign({
        profile: mutant.profile,
        runs: runs(300),
        seed: seed(),
        weights: Object.fromEntries(FAULT_EVENT_TYPES.map((t) => [t, 0])),
        implementation: referenceImplementation(`mutant ${mutant.name}`, mutantOptionsForStore(mutant)),
      });
      expect(result.counterexample?.failure, `caught without faults (seed ${result.seed})`).toBeUndefined();
      expect(result.runs).toBe(runs(300));
    });
  }
});
