/**
 * How an injected API fault fails a request (model/events.ts ApiFailure), as counterexample files
 * and scenario steps write it.
 */
import { z } from 'zod';

export const apiFailureFields = {
  reason: z
    .enum(['InternalError', 'TooManyRequests', 'Timeout'])
    .optional()
    .describe(
      'How the API server fails the request: InternalError (500, the default), TooManyRequests (429), Timeout (504).',
    ),
  applied: z.boolean().optional().describe('Timeout only: the server had done the work before the reply timed out.'),
};

/** `applied` means something only for a timeout. */
export const appliedOnlyOnTimeout = (failure: {
  reason?: string | undefined;
  applied?: boolean | undefined;
}): boolean => failure.applied !== true || failure.reason === 'Timeout';
export const APPLIED_ONLY_ON_TIMEOUT = { message: 'applied: true needs reason: Timeout', path: ['applied'] };

/**
 * A failing-writes fault (POD_CREATES_FAIL, POD_DELETES_FAIL): its `after`, how it fails, and
 * `applied` only on a timeout. Scenario steps take it as it is; counterexample events add their
 * `type`.
 */
const apiFaultFields = { after: z.number().int().min(0).max(1000), ...apiFailureFields };
export const apiFaultSchema = z.strictObject(apiFaultFields).refine(appliedOnlyOnTimeout, APPLIED_ONLY_ON_TIMEOUT);
export const apiFaultEventSchema = <T extends 'POD_CREATES_FAIL' | 'POD_DELETES_FAIL'>(type: T) =>
  z.strictObject({ type: z.literal(type), ...apiFaultFields }).refine(appliedOnlyOnTimeout, APPLIED_ONLY_ON_TIMEOUT);
