/**
 * Status: the seven counters follow their equations and describe the cluster; observedGeneration only after a full sync (P7, P8, P9).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('status', () => {
  it('writes a status block consistent with the pods and nodes', async () => {
    await expectConforms({
      profile: 'all',
      families: ['status', 'sync'],
      runs: runs(300),
      exercises: ['DS-STATUS-01', 'DS-STATUS-02', 'DS-STATUS-03'],
    });
  });
});
