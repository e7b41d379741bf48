/**
 * The conformance campaign inside your own vitest suite (`npm install --save-dev dsconform vitest`,
 * then `npx vitest run`). Point `controller` at the command that starts your controller; it speaks
 * the JSON-lines protocol of docs/protocol.md. Here it is dsconform's own reference controller
 * behind that protocol, so the example runs anywhere.
 */
import { checkConformance, describeConformance } from 'dsconform/vitest';
import { expect, it } from 'vitest';

// One test: the controller conforms on the profile, or the test fails with the violated invariant,
// the failing run and the command that replays it.
describeConformance({
  controller: 'npx dsconform reference-controller',
  profile: 'core',
  runs: 30,
  seed: 1,
  reportDir: 'reports',
});

// The same campaign as a plain function, for assertions of your own: a faulty controller is caught.
it('catches a controller that puts two pods on a node', { timeout: 120_000 }, async () => {
  const result = await checkConformance({ mutant: 'duplicate-pods', profile: 'core', runs: 50, seed: 1 });
  expect(result.verdict).toBe('violation');
  expect(result.counterexample?.invariant).toMatch(/^DS-/);
  expect(result.counterexample?.replay).toContain('npx dsconform replay');
});
