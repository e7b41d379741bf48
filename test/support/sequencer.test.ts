import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { SpreadWaitingFiles } from './sequencer.ts';

const ROOT = '/repo';
const project = { name: '', config: { sequence: { groupOrder: 0 }, isolate: false } };
const spec = (path: string) => ({ moduleId: `${ROOT}/${path}`, project }) as unknown as TestSpecification;

function sequencer(durations: Record<string, number>, maxWorkers = 4) {
  const ctx = {
    config: { root: ROOT, maxWorkers },
    cache: {
      getFileTestResults: (key: string) => {
        const duration = durations[key.slice(1)];
        return duration === undefined ? undefined : { duration, failed: false };
      },
      getFileStats: () => ({ size: 1 }),
    },
  } as unknown as Vitest;
  return new SpreadWaitingFiles(ctx);
}

const name = (file: TestSpecification) => file.moduleId.slice(ROOT.length + 1);

describe('SpreadWaitingFiles', () => {
  it('starts no more than two waiting files at once, longest first, and every file once', async () => {
    const durations: Record<string, number> = {
      'test/serve/a.test.ts': 50_000,
      'test/k8s/b.test.ts': 45_000,
      'test/package/c.test.ts': 35_000,
      'test/serve/d.test.ts': 20_000,
    };
    for (let i = 0; i < 30; i++) durations[`properties/p${i}.test.ts`] = 4_000 + i;
    const files = Object.keys(durations).map(spec);
    const order = (await sequencer(durations).sort(files)).map(name);
    expect([...order].sort()).toEqual(Object.keys(durations).sort());
    // Vitest's own order would start all four waiting files first.
    expect(order.slice(0, 4)).toEqual([
      'test/serve/a.test.ts',
      'test/k8s/b.test.ts',
      'properties/p29.test.ts',
      'properties/p28.test.ts',
    ]);
    // Replay the order on four workers: at most two waiting files run at any time.
    const running: { end: number; waits: boolean }[] = [];
    let now = 0;
    for (const file of order) {
      if (running.length === 4) {
        running.sort((a, b) => a.end - b.end);
        now = running.shift()?.end ?? now;
      }
      running.push({ end: now + (durations[file] ?? 0), waits: !file.startsWith('properties/') });
      expect(running.filter((r) => r.waits).length).toBeLessThanOrEqual(2);
    }
  });

  it("on a first run, with no durations, keeps vitest's own order", async () => {
    const paths = ['test/serve/a.test.ts', 'test/k8s/b.test.ts', 'test/package/c.test.ts'];
    for (let i = 0; i < 10; i++) paths.push(`model/m${i}.test.ts`);
    const files = paths.map(spec);
    const order = await sequencer({ 'test/serve/a.test.ts': 50_000 }).sort(files);
    expect(order).toEqual(files);
  });
});
