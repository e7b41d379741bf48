/** A child process of the time-to-detect benchmark: runs the (mutant, seed) jobs it is sent. */
import { type DetectionJob, detectOnce, jobMutant } from './detect.js';

type Message = { type: 'job'; job: DetectionJob } | { type: 'done' };

const send = (message: unknown) => process.send?.(message);
process.on('message', async (message: Message) => {
  if (message.type === 'done') {
    process.disconnect();
    return;
  }
  const sample = await detectOnce(jobMutant(message.job), message.job.seed);
  send({ type: 'sample', sample });
});
send({ type: 'ready' });
