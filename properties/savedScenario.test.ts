/**
 * A random run saved as a scenario (`replay --save-scenario`) judges like the run itself: on the
 * reference and on every mutant, the scenario passes exactly when the run passes, and otherwise
 * fails at the step of the failing event with the same invariant.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { DsEvent } from '../model/events.ts';
import type { Observation } from '../model/observation.ts';
import { eventSequence } from '../src/harness/arbitraries.js';
import { type Implementation, referenceImplementation } from '../src/harness/implementation.js';
import { MUTANTS, mutantOptionsForStore } from '../src/harness/mutants.js';
import { runCase } from '../src/harness/runner.js';
import { loadScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/scenario/run.js';
import { scenarioFromRun } from '../src/scenario/savedRun.js';
import { runs, seed } from './support.js';

const IMPLEMENTATIONS: readonly Implementation[] = [
  referenceImplementation(),
  ...MUTANTS.map((m) => referenceImplementation(`mutant ${m.name}`, mutantOptionsForStore(m))),
];

const dir = mkdtempSync(join(tmpdir(), 'dsconform-saved-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the model sees, without the event's own record (a scenario step records only its type). */
function comparable(observation: Observation): unknown {
  const { lastStep, ...rest } = observation;
  return { ...rest, ...(lastStep ? { controller: lastStep.controller, rejected: lastStep.rejected } : {}) };
}

/**
 * Runs the events and their saved scenario on `implementation`; the verdicts, as `pass` or
 * `INVARIANT@step` in scenario step numbers, and every observation along the way.
 */
async function bothWays(events: readonly DsEvent[], implementation: Implementation, file: string) {
  const run = await runCase(events, () => implementation.makeSystem());
  const saved = scenarioFromRun(events, {
    name: 'saved',
    source: 'property',
    implementation: implementation.name,
    invariant: run.failure?.invariant ?? 'none',
    message: run.failure?.message ?? '',
    step: run.failure?.step ?? -1,
  });
  writeFileSync(file, saved.text);
  // The run's observation after each event, by the scenario step that performs it.
  const system = await implementation.makeSystem();
  const byStep = new Map<number, unknown>();
  try {
    for (const [i, event] of events.entries()) {
      await system.apply(event);
      const step = saved.stepOfEvent[i];
      if (step !== undefined) byStep.set(step, comparable(system.observe()));
    }
  } finally {
    await system.dispose();
  }
  const seen = new Map<number, unknown>();
  const result = await runScenario(loadScenario(file), implementation, {
    onObservation: (step, observation) => seen.set(step.number, comparable(observation)),
  });
  const expected = run.failure
    ? `${run.failure.invariant}@${run.failure.step === -1 ? saved.quiesceStep : saved.stepOfEvent[run.failure.step]}`
    : 'pass';
  const actual =
    result.verdict === 'fail'
      ? `${result.failure?.expectation}@${result.failure?.step}`
      : result.verdict === 'pass'
        ? 'pass'
        : `${result.verdict}: ${result.error ?? ''}`;
  return { expected, actual, text: saved.text, byStep, seen };
}

describe('a saved run judges like the run', () => {
  it('same verdict, invariant and step on the reference and every mutant', async () => {
    let failing = 0;
    let index = 0;
    await fc.assert(
      fc.asyncProperty(
        eventSequence({ nodes: 3, maxEvents: 25 }),
        fc.constantFrom(...IMPLEMENTATIONS.map((i) => i.name)),
        async (events, name) => {
          const implementation = IMPLEMENTATIONS.find((i) => i.name === name) as Implementation;
          const { expected, actual, text, byStep, seen } = await bothWays(
            events,
            implementation,
            join(dir, `case-${index++}.yaml`),
          );
          if (expected !== 'pass') failing++;
          const context = `${implementation.name}; the saved scenario:\n${text}`;
          expect(actual, context).toBe(expected);
          // Step by step, the cluster is the same object for object (names included).
          for (const [step, observation] of seen) {
            if (byStep.has(step)) expect(observation, `after step ${step}; ${context}`).toEqual(byStep.get(step));
          }
        },
      ),
      { numRuns: runs(300), seed: seed() },
    );
    // The property is not vacuous: some runs fail (on mutants) and must fail the same way saved.
    expect(failing).toBeGreaterThan(0);
  });
});
