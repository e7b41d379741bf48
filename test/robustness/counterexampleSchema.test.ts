/**
 * The counterexample schema refuses damaged files (hostile.test.ts); it must never refuse what
 * dsconform itself writes. Every event sequence a campaign can generate, on every profile and
 * with larger scopes, is a valid counterexample file; and each single damage of a valid file is
 * refused with a path into the events.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { campaignArbitrary } from '../../src/harness/campaign.js';
import { counterexampleFileSchema, describeCounterexampleIssue } from '../../src/harness/counterexampleSchema.js';
import { referenceImplementation } from '../../src/harness/implementation.js';
import { PROFILE_NAMES } from '../../src/harness/profiles.js';
import { counterexample } from './hostileCases.js';

describe('counterexample files: what dsconform writes is always valid', () => {
  for (const profile of PROFILE_NAMES) {
    it(`every generated case of profile ${profile} passes the schema`, () => {
      const arbitrary = campaignArbitrary(referenceImplementation(), {
        profile,
        runs: 1,
        seed: 1,
        nodes: 12,
        maxEvents: 60,
      });
      fc.assert(
        fc.property(arbitrary, (events) => {
          const file = { ...counterexample(), profile, events };
          const result = counterexampleFileSchema.safeParse(file);
          if (!result.success) throw new Error(describeCounterexampleIssue(result.error, file));
        }),
        { numRuns: 150, seed: 18 },
      );
    });
  }

  it('a damaged event is refused at its path', () => {
    const file = counterexample() as { events: { type: string; node?: string }[] };
    (file.events[5] as { node?: string }).node = 'Node_5';
    const result = counterexampleFileSchema.safeParse(file);
    expect(result.success).toBe(false);
    if (!result.success)
      expect(describeCounterexampleIssue(result.error, file)).toMatch(/^events\[5\]\.node: "Node_5": /);
  });
});
