/** The whole test suite (`npm test` = vitest run; the workers are vitest.config.ts's), timed on this machine. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from './stats.js';

export interface NpmTestFigure {
  seconds: number;
  tests: number;
  passed: number;
  failed: number;
  files: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function measureNpmTest(): NpmTestFigure {
  const out = join(mkdtempSync(join(tmpdir(), 'dsconform-bench-')), 'vitest.json');
  const started = performance.now();
  spawnSync('npx', ['vitest', 'run', '--reporter=json', `--outputFile=${out}`], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, CI: '1' },
  });
  const seconds = (performance.now() - started) / 1000;
  const json = JSON.parse(readFileSync(out, 'utf8')) as {
    numTotalTests: number;
    numPassedTests: number;
    numFailedTests: number;
    numTotalTestSuites: number;
    testResults: unknown[];
  };
  return {
    seconds: round(seconds, 1),
    tests: json.numTotalTests,
    passed: json.numPassedTests,
    failed: json.numFailedTests,
    files: json.testResults.length,
  };
}
