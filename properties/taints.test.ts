/**
 * Taints: NoSchedule keeps running pods, NoExecute evicts them, default tolerations cover cordon and NotReady (P1, P3, P4).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('taints and tolerations', () => {
  it('follows shouldRun and shouldContinueRunning as taints, cordons and readiness change', async () => {
    await expectConforms({
      profile: 'taints',
      families: ['eligibility', 'placement', 'shape'],
      runs: runs(300),
      exercises: ['DS-ELIG-01', 'DS-ELIG-02', 'DS-PLACE-02', 'DS-PLACE-03'],
    });
  });
});
