/**
 * How often the quiescence oracle cannot state the outcome of a campaign case (issue 14 item 2):
 * runs the cases `dsconform check` would run on the in-process reference (same generator, same
 * seeds), and at the point where the monitor asks the oracle (the observation after the last
 * event) counts the expectations that are not complete, by reason.
 *
 *   npx tsx scripts/oracle-completeness.ts --profile all --seed 1 --runs 300
 *   npx tsx scripts/oracle-completeness.ts --all-profiles --seeds 1,2,3 --runs 300
 */
import * as oracle from '../model/oracle.ts';
import { campaignArbitrary, generateCase } from '../src/harness/campaign.ts';
import { referenceImplementation } from '../src/harness/implementation.ts';
import { PROFILE_NAMES, type ProfileName } from '../src/harness/profiles.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const profiles: ProfileName[] = args.includes('--all-profiles')
  ? [...PROFILE_NAMES]
  : [arg('profile', 'all') as ProfileName];
const seeds = arg('seeds', arg('seed', '1')).split(',').map(Number);
const runs = Number(arg('runs', '300'));

/** The new predicate when the oracle exports it, else the old `exact` flag. */
const complete = (e: oracle.QuiescenceExpectation): boolean => {
  const predicate = (oracle as unknown as { oracleIsComplete?: (x: oracle.QuiescenceExpectation) => boolean })
    .oracleIsComplete;
  return predicate ? predicate(e) : e.exact;
};

const implementation = referenceImplementation();
for (const profile of profiles) {
  for (const seed of seeds) {
    const arbitrary = campaignArbitrary(implementation, { profile, runs, seed });
    let incomplete = 0;
    const byReason = new Map<string, number>();
    for (let index = 0; index < runs; index++) {
      const events = generateCase(arbitrary, seed, index);
      const system = await implementation.makeSystem();
      try {
        for (const event of events) await system.apply(event);
        const expected = oracle.expectedAtQuiescence(system.observe());
        if (!complete(expected)) {
          incomplete++;
          const kinds = new Set(expected.reasons.map((r) => r.replace(/\b(node|pod)[- ][\w-]+/g, '$1 X')));
          for (const k of kinds) byReason.set(k, (byReason.get(k) ?? 0) + 1);
        }
      } finally {
        await system.dispose();
      }
    }
    console.log(`${profile} seed ${seed}: ${incomplete} of ${runs} cases incomplete`);
    for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${n}  ${reason}`);
  }
}
