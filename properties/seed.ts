/** The suite's run counts and seed, read from the environment (npm test: small and fixed). */

/** Runs per property: DSCONFORM_RUNS, else the given default (kept small: npm test must stay fast). */
export function runs(fallback: number): number {
  const env = process.env.DSCONFORM_RUNS;
  return env !== undefined && /^\d+$/.test(env) && Number(env) > 0 ? Number(env) : fallback;
}

/** Seed: DSCONFORM_SEED, else a fixed one, so that CI runs are repeatable byte for byte. */
export function seed(fallback = 20261127): number {
  const env = process.env.DSCONFORM_SEED;
  return env !== undefined && /^-?\d+$/.test(env) ? Number(env) | 0 : fallback;
}
