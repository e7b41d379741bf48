/**
 * A cluster failure that is not a verdict (the API server cannot be reached, refuses the
 * adapter's requests, or an object turns out not to be the run's own) ends the run with exit 2,
 * like a crashed --controller: it becomes an AdapterError with the cluster's message.
 */
import { AdapterError } from '../protocol/adapterError.js';

export function asAdapterError(e: unknown): unknown {
  if (e instanceof AdapterError) return e;
  if (e instanceof Error && (e.name === 'KubeError' || e.name === 'UnsafeOperation'))
    return new AdapterError('implementation-error', `cluster: ${e.message}`);
  return e;
}

/** Runs `action`, turning cluster failures into AdapterErrors. */
export async function clusterCall<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (e) {
    throw asAdapterError(e);
  }
}
