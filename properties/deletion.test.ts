/**
 * Deleting the DaemonSet: Background and Foreground take every pod and revision, Orphan keeps them released; no writes while deleting (P8, P21).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('deletion', () => {
  it('cascades or orphans as the propagation policy says', async () => {
    await expectConforms({
      profile: 'deletion',
      families: ['deletion', 'sync'],
      runs: runs(300),
      exercises: ['DS-DEL-01', 'DS-DEL-02', 'DS-DEL-03', 'DS-DEL-04'],
    });
  });
});
