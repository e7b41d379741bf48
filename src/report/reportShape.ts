/**
 * The shape of a conformance report.json as `dsconform report` and `dsconform merge` read it
 * back: a file copied from CI, edited, truncated or written by another version must be refused in
 * one line naming the field (`report.json: profiles[0].invariants: ...`), not crash the renderer.
 * Fields the readers never use are left loose.
 */
import { z } from 'zod';
import { describeCounterexampleIssue } from '../harness/counterexampleSchema.js';

const count = z.number().min(0).int();
const verdict = z.enum(['conforms', 'violation', 'non-deterministic', 'skipped', 'could-not-check']);

const profile = z.looseObject({
  profile: z.string(),
  verdict,
  runs: count,
  checks: count,
  events: count,
  durationMs: z.number(),
  skippedBecause: z.array(z.string()).optional(),
  error: z.string().optional(),
  invariants: z.array(z.looseObject({ id: z.string(), checks: count, verdict: z.string() })),
  counterexampleFile: z.string().optional(),
  counterexample: z.looseObject({ invariant: z.string(), events: z.array(z.unknown()) }).optional(),
  scope: z.looseObject({ nodes: count, maxEvents: count }).optional(),
  caseIndexes: z.looseObject({ first: count, last: z.number().int(), stride: count }).optional(),
  stoppedAt: count.optional(),
  caseLog: z.unknown().optional(),
});

const reportShape = z.looseObject({
  runId: z.string().min(1),
  implementation: z.looseObject({ name: z.string(), kind: z.string() }),
  seed: z.number().int(),
  runsRequested: count,
  verdict: z.enum(['conforms', 'violation', 'non-deterministic', 'could-not-check']),
  profiles: z.array(profile),
  replay: z.string().optional(),
  shard: z.looseObject({ index: count, count: count }).optional(),
});

/** What is wrong with a report.json whose "schema" is the conformance report's, as `path: problem`; undefined when nothing. */
export function conformanceReportProblem(data: unknown): string | undefined {
  const result = reportShape.safeParse(data);
  return result.success ? undefined : describeCounterexampleIssue(result.error, data);
}
