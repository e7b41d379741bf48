/**
 * The order in which vitest starts the test files: its own (failed first, then longest first), with
 * the files that mostly wait spread out. A file under test/serve/, test/k8s/ or test/package/
 * spends most of its time waiting on other processes (a served Go controller, a fake API server,
 * npm), 20 to 50 s each for a few seconds of CPU. Started together, as longest-first puts them,
 * they held all four workers while the two cores idled at about 150 % for the suite's first 30 s.
 * Here no more than two of them run at once, as far as the durations vitest remembers tell; on a
 * first run, without them, the order is vitest's own.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const WAITING_DIRECTORIES = ['test/serve/', 'test/k8s/', 'test/package/'];
const MOST_WAITING_AT_ONCE = 2;

export class SpreadWaitingFiles extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const path = (file: TestSpecification) => relative(root, file.moduleId).replaceAll('\\', '/');
    const waits = (file: TestSpecification) => WAITING_DIRECTORIES.some((dir) => path(file).startsWith(dir));
    const remembered = (file: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${file.project.name}:${path(file)}`)?.duration;
    // Without a time for every file (a fresh clone) there is nothing to play out: guessed times put
    // the longest waiting files last on a first run (164 s against 136 s in vitest's own order).
    if (sorted.some((file) => remembered(file) === undefined)) return sorted;
    const duration = (file: TestSpecification) => remembered(file) ?? 0;
    const waiting = sorted.filter(waits);
    const busy = sorted.filter((file) => !waits(file));
    // Play the run out on the workers with the remembered durations; start order is the answer.
    const workers = Math.max(1, Number(this.ctx.config.maxWorkers) || 1);
    const running: { end: number; waits: boolean }[] = [];
    const order: TestSpecification[] = [];
    let now = 0;
    while (waiting.length > 0 || busy.length > 0) {
      if (running.length === workers) {
        running.sort((a, b) => a.end - b.end);
        now = (running.shift() as { end: number }).end;
        continue;
      }
      const waitingNow = running.filter((r) => r.waits).length;
      const next = (waitingNow < MOST_WAITING_AT_ONCE ? waiting.shift() : undefined) ?? busy.shift() ?? waiting.shift();
      if (next === undefined) break;
      order.push(next);
      running.push({ end: now + duration(next), waits: waits(next) });
    }
    return order;
  }
}
