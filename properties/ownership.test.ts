/**
 * Adoption and ownership: matching orphans are adopted, pods of other owners are left alone (P20).
 * Every case also ends with the quiescence comparison against the model (DS-EXPECT).
 */
import { describe, it } from 'vitest';
import { expectConforms, runs } from './support.js';

describe('adoption and ownership', () => {
  it('adopts matching orphans and ignores what it does not own', async () => {
    await expectConforms({
      profile: 'core',
      families: ['ownership'],
      runs: runs(300),
      exercises: ['DS-OWN-03'],
      weights: { ORPHAN_POD_APPEARED: 6 },
    });
  });
});
