/**
 * The body of one campaign worker thread (see workers.ts): it builds its own implementation, then
 * runs the chunks of case indexes it is given, skipping any index above the shared limit (the
 * lowest failure found so far), and reports each case's counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AdapterError } from '../protocol/adapterError.js';
import { type CampaignOptions, campaignArbitrary, generateCase } from './campaign.js';
import type { Implementation } from './implementation.js';
import { runCase } from './runner.js';
import { type FromWorker, implementationFromSpec, type ToWorker, type WorkerData } from './workers.js';

const port = parentPort;
if (port === null) throw new Error('campaignWorker.ts runs as a worker thread only');
const { spec, options, limit: limitBuffer } = workerData as WorkerData;
const limit = new Int32Array(limitBuffer);
const post = (message: FromWorker) => port.postMessage(message);
const { maxAdvanceSeconds, ...campaign } = options;
const runOptions = maxAdvanceSeconds !== undefined ? { maxAdvanceSeconds } : {};

let implementation: Implementation | undefined;
let startError: unknown;
try {
  implementation = await implementationFromSpec(spec);
} catch (e) {
  startError = e;
}
const arbitrary = implementation ? campaignArbitrary(implementation, campaign as CampaignOptions) : undefined;

async function runChunk(indexes: readonly number[]): Promise<void> {
  for (const index of indexes) {
    if (index > Atomics.load(limit, 0)) continue;
    try {
      if (implementation === undefined || arbitrary === undefined) throw startError;
      const events = generateCase(arbitrary, campaign.seed, index);
      const result = await runCase(events, () => (implementation as Implementation).makeSystem(), runOptions);
      post({
        type: 'case',
        index,
        events: result.events,
        checks: result.checks,
        checksById: result.checksById ?? {},
        failed: result.failure !== undefined,
        // What was seen, in case the main thread's rerun passes (a non-deterministic implementation).
        ...(result.failure !== undefined ? { observed: { events: [...events], failure: result.failure } } : {}),
      });
    } catch (e) {
      if (e instanceof AdapterError) post({ type: 'adapter-error', index, failure: e.failure, message: e.message });
      else post({ type: 'error', index, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      return; // a single run stops here too
    }
  }
}

port.on('message', async (message: ToWorker) => {
  if (message.type === 'chunk') {
    await runChunk(message.indexes);
    post({ type: 'chunk-done' });
    return;
  }
  await implementation?.close();
  port.close();
});
post({ type: 'ready' });
