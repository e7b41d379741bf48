/**
 * Rolling updates: maxUnavailable without surge, maxSurge with surge, percentages round up, OnDelete never replaces (P12-P16).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('rolling update budgets', () => {
  it('never exceeds maxUnavailable or maxSurge while rolling a template change', async () => {
    await expectConforms({
      profile: 'rolling-update',
      families: ['rollout'],
      runs: runs(300),
      exercises: ['DS-ROLL-01', 'DS-ROLL-02', 'DS-ROLL-03', 'DS-ROLL-05', 'DS-ROLL-06', 'DS-ROLL-07'],
    });
  });
});
