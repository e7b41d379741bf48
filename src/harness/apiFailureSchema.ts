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
