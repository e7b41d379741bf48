/**
 * ControllerRevisions: one current revision, numbered above the others, history trimmed to revisionHistoryLimit, rollback without restarts (P18, P19).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('revisions and rollback', () => {
  it('keeps revision history and rolls back without restarting pods', async () => {
    await expectConforms({
      profile: 'rolling-update',
      families: ['history'],
      runs: runs(300),
      exercises: ['DS-HIST-01', 'DS-HIST-02', 'DS-HIST-03'],
      weights: { TEMPLATE_UPDATED: 10, STRATEGY_CHANGED: 3 },
    });
  });
});
