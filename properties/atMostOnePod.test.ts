/**
 * At most one pod per node (two, one per revision, during a surge), and respect for terminating pods (P5, P6).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('at most one pod per node', () => {
  it('never creates a second pod on a node, across restarts, orphans and terminations', async () => {
    await expectConforms({
      profile: 'all',
      families: ['safety'],
      runs: runs(300),
      exercises: ['DS-SAFE-01', 'DS-SAFE-02', 'DS-SAFE-03', 'DS-SAFE-04'],
      weights: { CONTROLLER_RESTARTED: 3, ORPHAN_POD_APPEARED: 3, POD_DELETED_BY_USER: 3 },
    });
  });
});
