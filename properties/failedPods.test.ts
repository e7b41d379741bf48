/**
 * Failed pods: deleted and replaced, with the per-node exponential backoff between deletions (P22).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('failed pods and backoff', () => {
  it('replaces failed pods, backing off per node', async () => {
    await expectConforms({
      profile: 'core',
      families: ['backoff', 'placement'],
      runs: runs(300),
      exercises: ['DS-BACKOFF-01', 'DS-BACKOFF-02'],
      weights: { POD_FAILED: 8, TIME_ADVANCED: 4 },
    });
  });
});
