/**
 * Every fast-check property in the suite runs from the one fixed seed (DSCONFORM_SEED, else the
 * default of properties/support.ts) unless it names its own: `npm test` checks the same cases on
 * every run, and a failure is not a matter of luck. Set DSCONFORM_SEED to explore other cases.
 */
import fc from 'fast-check';
import { seed } from './seed.js';

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: seed() });
