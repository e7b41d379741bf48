/**
 * `dsconform/vitest`: the conformance campaign inside your own vitest suite.
 *
 *     import { describeConformance } from 'dsconform/vitest';
 *     describeConformance({ controller: 'node dist/controller.js', runs: 200 });
 *
 * adds one test that runs the campaign against your controller and fails with the violated
 * invariant, the failing run and the replay command when dsconform finds a counterexample.
 */
import { describe, expect, it } from 'vitest';
import { type ConformanceOptions, type ConformanceResult, checkConformance } from './api.js';

export { type ConformanceOptions, type ConformanceResult, checkConformance };

export interface DescribeConformanceOptions extends ConformanceOptions {
  /** The test's timeout in ms (default 600,000: a campaign takes a while). */
  timeout?: number;
  /** A skipped campaign (the controller lacks a feature the profile needs) fails the test unless this is true. */
  allowSkipped?: boolean;
}

/** Why a result is not a pass, as a test failure reads it. */
export function describeFailure(result: ConformanceResult): string {
  const cx = result.counterexample;
  if (cx !== undefined)
    return [
      `${cx.invariant}: ${cx.message}`,
      `(${result.implementation}, profile ${result.profile}, seed ${result.seed}, found in run ${result.runs})`,
      cx.story,
      `Replay: ${cx.replay}`,
    ].join('\n');
  return `${result.verdict}: ${result.reason ?? ''}`;
}

/** A `describe` block with one test: the controller conforms on the profile. */
export function describeConformance(options: DescribeConformanceOptions = {}): void {
  const { timeout, allowSkipped, ...campaign } = options;
  const who = campaign.controller ?? (campaign.mutant !== undefined ? `mutant ${campaign.mutant}` : 'reference');
  describe(`dsconform conformance: ${who}`, () => {
    it(`conforms on profile ${campaign.profile ?? 'all'} (${campaign.runs ?? 100} runs, seed ${campaign.seed ?? 1})`, {
      timeout: timeout ?? 600_000,
    }, async () => {
      const result = await checkConformance(campaign);
      const passed = result.verdict === 'conforms' || (allowSkipped === true && result.verdict === 'skipped');
      expect(passed, describeFailure(result)).toBe(true);
    });
  });
}
