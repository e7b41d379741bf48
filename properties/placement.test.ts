/**
 * Placement: a pod on every node that should run one, none where it may not continue (P1-P4, P17, P23).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('placement', () => {
  it('places pods by nodeSelector, node affinity and node name as nodes come, go and change labels', async () => {
    await expectConforms({
      profile: 'core',
      families: ['eligibility', 'placement', 'shape'],
      runs: runs(300),
      exercises: [
        'DS-ELIG-01',
        'DS-PLACE-01',
        'DS-PLACE-02',
        'DS-PLACE-04',
        'DS-PLACE-05',
        'DS-PLACE-06',
        'DS-SHAPE-01',
      ],
    });
  });
});
