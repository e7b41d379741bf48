/**
 * Controller restarts: a restarted controller (empty caches, no expectations, no backoff) still converges to the same cluster (P9, P10, P11).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('controller restart', () => {
  it('converges to the same state whatever the restarts', async () => {
    await expectConforms({
      profile: 'all',
      families: ['sync', 'safety'],
      runs: runs(300),
      exercises: ['DS-SYNC-01'],
      weights: { CONTROLLER_RESTARTED: 6 },
    });
  });
});
