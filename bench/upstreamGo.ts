/**
 * Upstream's own BenchmarkUpdateDaemonSetStatus (k8s.io/kubernetes/pkg/controller/daemon,
 * benchmark_test.go), run in the same `npm run bench` as the reference's status loop and
 * interleaved with it, configuration by configuration, so the two are measured side by side on
 * the same machine under the same load.
 *
 * The Go side is built with `go test -c` from within adapters/upstream/, so the module graph is
 * the adapter's: the committed go.mod/go.sum pin k8s.io/kubernetes v1.37.2 and every staging
 * module at v0.37.2, with -mod=readonly (nothing is resolved or written; the module cache is only
 * read). v1.34.0 has no such benchmark (it came with kubernetes PR #140167), so only 1.37 runs.
 *
 * Go reports wall nanoseconds per call (ns/op). On a shared machine wall time is stretched by
 * other processes, so Go's CPU time per call is measured too: the test binary runs twice with a
 * fixed number of iterations (`-test.benchtime Nx`, N1 and N2 = 10 × N1, N2 calls taking about
 * two seconds), each under `sh -c '...; times'`, whose second line is the CPU time (user +
 * system, all threads) of the finished child; the difference over N2 − N1 calls leaves out the
 * setup (the nodes and the controller are built in both runs alike). The ratios are the
 * reference's CPU time over Go's CPU time, and wall over wall.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTER_DIR } from '../src/upstream/build.js';
import type { AffinityCase } from './fixtures.js';
import { median, round, timeChild } from './stats.js';
import { measureStatusLoop } from './statusLoop.js';

const GO_PACKAGE = 'k8s.io/kubernetes/pkg/controller/daemon';
const GO_AFFINITY: Record<AffinityCase, string> = { none: 'no-affinity', exclusion: 'exclusion-affinity' };

export interface UpstreamStatusLoopFigure {
  affinity: AffinityCase;
  nodes: number;
  /** Go: median over `count` runs of ns/op, divided by the nodes. */
  goNsPerNode: number;
  /** Go: every ns/op it printed (one per -test.count). */
  goNsPerOp: number[];
  goBytesPerOp: number;
  goAllocsPerOp: number;
  /** The reference, measured right after the Go run of the same configuration. */
  tsNsPerNodeCpu: number;
  tsNsPerNodeWall: number;
  /** Go: CPU ns per node of one call (median of the N1/N2 differences), all threads. */
  goCpuNsPerNode: number;
  /** The iteration counts of the CPU measurement. */
  goCpuIterations: [number, number];
  /** Reference wall ns/node over Go ns/node (both wall). */
  ratioWall: number;
  /** Reference CPU ns/node over Go CPU ns/node. */
  ratioCpu: number;
  loadAverage: number;
}

export interface UpstreamBenchFigure {
  available: boolean;
  /** Why not, word for word, when not available. */
  note: string;
  kubernetes: string;
  go?: string;
  /** The commands, as run. */
  commands: string[];
  gomaxprocs?: number;
  buildSeconds?: number;
  figures: UpstreamStatusLoopFigure[];
}

interface GoLine {
  nsPerOp: number;
  bytesPerOp: number;
  allocsPerOp: number;
}

/** Parses `BenchmarkUpdateDaemonSetStatus/affinity=.../nodes=N-P  iters  X ns/op  B B/op  A allocs/op` lines. */
export function parseGoBench(output: string): Map<string, GoLine[]> {
  const found = new Map<string, GoLine[]>();
  const re =
    /^BenchmarkUpdateDaemonSetStatus\/affinity=([\w-]+)\/nodes=(\d+)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op(?:\s+(\d+) B\/op\s+(\d+) allocs\/op)?/gm;
  for (const m of output.matchAll(re)) {
    const key = `${m[1]}/${m[2]}`;
    const list = found.get(key) ?? [];
    list.push({ nsPerOp: Number(m[3]), bytesPerOp: Number(m[4] ?? 0), allocsPerOp: Number(m[5] ?? 0) });
    found.set(key, list);
  }
  return found;
}

/** CPU seconds (user + system) of a finished child (timeChild). */
function childCpuSeconds(binary: string, args: string[]): number {
  const run = timeChild(binary, args);
  if (run.status !== 0 || !Number.isFinite(run.cpuSeconds)) {
    throw new Error(`could not time ${binary} ${args.join(' ')}: ${firstLines(`${run.stdout}${run.stderr}`)}`);
  }
  return run.cpuSeconds;
}

/** Go's CPU nanoseconds per call: (CPU(N2 calls) − CPU(N1 calls)) / (N2 − N1), the median of `pairs`. */
function goCpuNsPerOp(
  binary: string,
  pattern: string,
  wallNsPerOp: number,
  pairs: number,
): { ns: number; n: [number, number] } {
  const n2 = Math.max(100, Math.ceil(2e9 / wallNsPerOp / 10) * 10);
  const n1 = n2 / 10;
  const args = (n: number) => ['-test.run', '^$', '-test.bench', pattern, '-test.benchtime', `${n}x`];
  const values: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const small = childCpuSeconds(binary, args(n1));
    const large = childCpuSeconds(binary, args(n2));
    values.push(((large - small) * 1e9) / (n2 - n1));
  }
  return { ns: median(values), n: [n1, n2] };
}

function firstLines(text: string, n = 6): string {
  return text.trim().split('\n').slice(0, n).join(' / ');
}

export function measureUpstreamStatusLoop(
  count: number,
  tsRepeats: number,
  log: (line: string) => void,
): UpstreamBenchFigure {
  const figure: UpstreamBenchFigure = {
    available: false,
    note: '',
    kubernetes: 'v1.37.2',
    commands: [],
    figures: [],
  };
  try {
    figure.go = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch (error) {
    figure.note = `the Go toolchain is not available (\`go env GOVERSION\`: ${(error as Error).message.split('\n')[0]})`;
    return figure;
  }
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-gobench-'));
  try {
    const binary = join(dir, 'daemon.test');
    const buildArgs = ['test', '-c', '-mod=readonly', '-o', binary, GO_PACKAGE];
    figure.commands.push(`(cd adapters/upstream && go ${buildArgs.join(' ').replace(binary, '<tmp>/daemon.test')})`);
    log(`bench: upstream: go ${buildArgs.join(' ')} (in adapters/upstream)`);
    const started = performance.now();
    const build = spawnSync('go', buildArgs, { cwd: ADAPTER_DIR, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    figure.buildSeconds = round((performance.now() - started) / 1000, 1);
    if (build.status !== 0) {
      figure.note = `\`go test -c ${GO_PACKAGE}\` failed (exit ${build.status}): ${firstLines(`${build.stderr}${build.stdout}`)}`;
      return figure;
    }
    for (const affinity of ['none', 'exclusion'] as const) {
      for (const nodes of [1000, 10000]) {
        const pattern = `^BenchmarkUpdateDaemonSetStatus$/^affinity=${GO_AFFINITY[affinity]}$/^nodes=${nodes}$`;
        const args = ['-test.run', '^$', '-test.bench', pattern, '-test.benchmem', '-test.count', String(count)];
        figure.commands.push(`daemon.test ${args.map((a) => (/[$^ ]/.test(a) ? `'${a}'` : a)).join(' ')}`);
        const load = loadavg()[0] ?? 0;
        const run = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
        const lines = parseGoBench(run.stdout ?? '').get(`${GO_AFFINITY[affinity]}/${nodes}`) ?? [];
        if (run.status !== 0 || lines.length === 0) {
          figure.note = `the Go benchmark ${pattern} failed (exit ${run.status}): ${firstLines(`${run.stdout}${run.stderr}`)}`;
          return figure;
        }
        // The name's suffix is GOMAXPROCS (`nodes=1000-2`).
        const procs = /nodes=\d+-(\d+)\s/.exec(run.stdout ?? '')?.[1];
        if (procs !== undefined) figure.gomaxprocs = Number(procs);
        const goNsPerOp = lines.map((l) => l.nsPerOp);
        const goNsPerNode = round(median(goNsPerOp) / nodes, 1);
        const cpu = goCpuNsPerOp(binary, pattern, median(goNsPerOp), 3);
        const goCpuNsPerNode = round(cpu.ns / nodes, 1);
        figure.commands.push(
          `sh -c '"$0" "$@" >/dev/null; times' daemon.test -test.run '^$' -test.bench '${pattern}' -test.benchtime ${cpu.n[0]}x (and ${cpu.n[1]}x), 3 pairs`,
        );
        // The reference's loop on the same cluster shape, right after.
        const ts = measureStatusLoop(nodes, affinity, tsRepeats);
        log(
          `bench: upstream: ${affinity}/${nodes}: Go ${goNsPerNode} ns/node wall (${goCpuNsPerNode} CPU), reference ${ts.wallNsPerNode} ns/node wall (${ts.nsPerNode} CPU)`,
        );
        figure.figures.push({
          affinity,
          nodes,
          goNsPerNode,
          goNsPerOp,
          goBytesPerOp: median(lines.map((l) => l.bytesPerOp)),
          goAllocsPerOp: median(lines.map((l) => l.allocsPerOp)),
          goCpuNsPerNode,
          goCpuIterations: cpu.n,
          tsNsPerNodeCpu: ts.nsPerNode,
          tsNsPerNodeWall: ts.wallNsPerNode,
          ratioWall: round(ts.wallNsPerNode / goNsPerNode, 2),
          ratioCpu: round(ts.nsPerNode / goCpuNsPerNode, 2),
          loadAverage: round(load, 1),
        });
      }
    }
    figure.available = true;
    figure.note = `k8s.io/kubernetes ${figure.kubernetes}, ${figure.go}, built in ${figure.buildSeconds} s`;
    return figure;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
