/**
 * `npm run bench`: the performance figures of issue 9, written to bench/results.json and
 * BENCHMARKS.md. Never part of `npm test`.
 *
 *   npm run bench                          everything (a few minutes on two cores)
 *   npm run bench -- --quick               smaller samples, fewer seeds
 *   npm run bench -- --only status,sync    rerun some sections; the others keep their last figures
 *   npm run bench -- --npm-test            also time the whole test suite
 *
 * The `upstream` section runs upstream's own BenchmarkUpdateDaemonSetStatus (Go, k8s.io/kubernetes
 * v1.37.2, built from adapters/upstream's go.mod/go.sum) interleaved with the reference's status
 * loop (bench/upstreamGo.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureDetection } from './detect.js';
import { measureExplore } from './explore.js';
import { describeMachine } from './machine.js';
import { measureNpmTest } from './npmTest.js';
import { measureProtocolThroughput } from './protocol.js';
import { renderBenchmarks } from './report.js';
import { type BenchResults, evaluateTargets, RESULTS_SCHEMA } from './results.js';
import { CPU_CLOCK } from './stats.js';
import { measureStatusLoop } from './statusLoop.js';
import { measureSync } from './sync.js';
import { measureThroughput } from './throughput.js';
import { measureUpstreamStatusLoop } from './upstreamGo.js';

const SECTIONS = ['throughput', 'protocol', 'status', 'upstream', 'sync', 'detect', 'explore'] as const;
type Section = (typeof SECTIONS)[number];

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const NOTES = fileURLToPath(new URL('./notes.md', import.meta.url));
const BENCHMARKS = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

function parseArgs(argv: readonly string[]): { quick: boolean; npmTest: boolean; only: Set<Section> } {
  const quick = argv.includes('--quick');
  const npmTest = argv.includes('--npm-test');
  const at = argv.indexOf('--only');
  const only = new Set<Section>(SECTIONS);
  if (at >= 0) {
    only.clear();
    for (const name of (argv[at + 1] ?? '').split(',')) {
      if (!(SECTIONS as readonly string[]).includes(name)) {
        throw new Error(`--only: unknown section "${name}"; known: ${SECTIONS.join(', ')}`);
      }
      only.add(name as Section);
    }
  }
  return { quick, npmTest, only };
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function main(): Promise<void> {
  const { quick, npmTest, only } = parseArgs(process.argv.slice(2));
  const previous: Partial<BenchResults> =
    existsSync(RESULTS) && only.size < SECTIONS.length ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  const results: BenchResults = {
    ...previous,
    schema: RESULTS_SCHEMA,
    measuredAt: { ...(previous.measuredAt ?? {}) },
    quick,
    machine: describeMachine(),
    cpuClock: CPU_CLOCK,
    loadAverage: { ...(previous.loadAverage ?? {}) },
  };
  const started = performance.now();
  const section = async (name: string, run: () => Promise<void> | void) => {
    results.loadAverage[name] = loadavg()[0] ?? 0;
    const t = performance.now();
    log(`bench: ${name}...`);
    await run();
    results.measuredAt[name] = new Date().toISOString();
    log(`bench: ${name} done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  };
  const m = results.machine;
  log(`bench: ${m.cpuModel}, ${m.cores} cores, ${m.os}, Node ${m.node}${quick ? ' (quick)' : ''}`);

  if (only.has('throughput')) {
    await section('throughput', async () => {
      const repeats = quick ? 3 : 5;
      results.throughput = [
        await measureThroughput(5, quick ? 20 : 40, repeats),
        await measureThroughput(50, quick ? 8 : 15, repeats),
      ];
    });
  }
  if (only.has('protocol')) {
    await section('protocol', () => {
      results.protocol = measureProtocolThroughput(quick ? 60 : 200, quick ? 1 : 3);
    });
  }
  if (only.has('status')) {
    await section('status', () => {
      const repeats = quick ? 7 : 15;
      results.statusLoop = (['none', 'exclusion'] as const).flatMap((affinity) =>
        [1000, 10000].map((nodes) => measureStatusLoop(nodes, affinity, repeats)),
      );
    });
  }
  if (only.has('upstream')) {
    await section('upstream', () => {
      results.upstreamStatusLoop = measureUpstreamStatusLoop(quick ? 3 : 5, quick ? 7 : 15, log);
      if (!results.upstreamStatusLoop.available)
        log(`bench: upstream: not measured: ${results.upstreamStatusLoop.note}`);
    });
  }
  if (only.has('sync')) {
    await section('sync', () => {
      results.sync = [100, 1000, 5000, 10000].map((nodes) => measureSync(nodes, quick ? 1 : 3));
    });
  }
  if (only.has('detect')) {
    await section('detect', async () => {
      const seeds = quick ? 5 : 20;
      results.detect = await measureDetection(seeds, Math.min(2, m.cores), (done, total) => {
        if (done % 10 === 0 || done === total) log(`bench: detect ${done}/${total} campaigns`);
      });
    });
  }
  if (only.has('explore')) {
    await section('explore', async () => {
      results.explore = await measureExplore();
    });
  }
  if (npmTest) {
    await section('npm test', () => {
      results.npmTest = measureNpmTest();
    });
  }
  results.targets = evaluateTargets(results);
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(BENCHMARKS, renderBenchmarks(results, NOTES));
  log(`bench: wrote bench/results.json and BENCHMARKS.md in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  for (const t of results.targets) {
    log(`  ${t.met === null ? '—     ' : t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.measured} (${t.threshold})`);
  }
}

await main();
