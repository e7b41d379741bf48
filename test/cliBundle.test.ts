/**
 * bin/cliBundle.mjs: the CLI runs from a bundle of its sources, rebuilt when a source changes, and
 * behaves as when run through tsx (paths resolved from `import.meta.url` included).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module without declarations
import { sourceFingerprint } from '../bin/cliBundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Inside the package: the bundle imports its npm dependencies from the package's node_modules.
mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
const cache = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'dsconform-test-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['bin/dsconform.mjs', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', DSCONFORM_CACHE_DIR: cache, DSCONFORM_BUNDLE_STRICT: '1', ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const bundles = () => readdirSync(cache).filter((name) => name.endsWith('.mjs'));

describe('the bundled CLI', () => {
  it('is built on first use, reused after, and prints what the sources run through tsx print', () => {
    const first = cli(['--version']);
    expect(first.status).toBe(0);
    expect(bundles()).toHaveLength(1);
    const built = bundles()[0];
    const again = cli(['--version']);
    expect(bundles()).toEqual([built]);
    const throughTsx = cli(['--version'], { DSCONFORM_NO_BUNDLE: '1' });
    expect(again.stdout).toBe(first.stdout);
    expect(throughTsx.stdout).toBe(first.stdout);
  });

  it('resolves files next to its sources: campaign workers start from src/harness/', () => {
    const reports = mkdtempSync(join(tmpdir(), 'dsconform-bundle-report-'));
    try {
      const args = ['check', '--runs', '2', '--seed', '3', '--workers', '2', '--report-dir', reports];
      const bundled = cli(args);
      expect(bundled.stderr).toBe('');
      expect(bundled.status).toBe(0);
      expect(bundled.stdout).toContain('Verdict: conforms (2 runs');
      const throughTsx = cli(args, { DSCONFORM_NO_BUNDLE: '1' });
      expect(throughTsx.status).toBe(0);
      const withoutTimes = (text: string) => text.replace(/[\d.]+ ?(ms|s)\b/g, 'T');
      expect(withoutTimes(bundled.stdout)).toBe(withoutTimes(throughTsx.stdout));
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  });

  it('contains its npm dependencies, and is built again when one of them was reinstalled', () => {
    expect(cli(['--version']).status).toBe(0);
    const cliBundles = () => bundles().filter((name) => name.startsWith('cli-'));
    const [bundle] = cliBundles();
    const file = join(cache, bundle as string);
    const code = readFileSync(file, 'utf8');
    expect(code).not.toMatch(/from ["'](zod|yaml|commander|fast-check)["']/);
    expect(code).toMatch(/import\(["']@kubernetes\/client-node["']\)/);
    const stamps = JSON.parse(readFileSync(`${file}.deps.json`, 'utf8')) as { path: string; stamp: string }[];
    const names = stamps.map(({ path }) => path.split('/node_modules/').at(-1));
    expect(names).toEqual(expect.arrayContaining(['zod/package.json', 'commander/package.json']));
    expect(names.some((name) => name?.startsWith('@kubernetes'))).toBe(false);
    // As if npm had installed another zod since the bundle was built.
    const stale = stamps.map((s) => (s.path.endsWith('/zod/package.json') ? { ...s, stamp: 'another zod' } : s));
    writeFileSync(`${file}.deps.json`, JSON.stringify(stale));
    expect(cli(['--version']).status).toBe(0);
    expect(JSON.parse(readFileSync(`${file}.deps.json`, 'utf8'))).toEqual(stamps);
    expect(cliBundles()).toEqual([bundle]);
  });

  it('holds only modules under src/ and model/, the directories its fingerprint reads', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: ['src/cli/main.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(100);
    expect(inputs.filter((file) => !/^(src|model)\//.test(file))).toEqual([]);
  });

  it('names a bundle by every source file: an edited file gives a new fingerprint', () => {
    const root = mkdtempSync(join(tmpdir(), 'dsconform-fingerprint-'));
    try {
      mkdirSync(join(root, 'src', 'cli'), { recursive: true });
      mkdirSync(join(root, 'model'));
      writeFileSync(join(root, 'src', 'cli', 'main.ts'), 'export const a = 1;\n');
      writeFileSync(join(root, 'model', 'step.ts'), 'export const b = 1;\n');
      const before = sourceFingerprint(root);
      expect(sourceFingerprint(root)).toBe(before);
      // A test file is not part of the CLI.
      writeFileSync(join(root, 'model', 'step.test.ts'), 'x\n');
      expect(sourceFingerprint(root)).toBe(before);
      utimesSync(join(root, 'model', 'step.ts'), new Date(2001, 1, 1), new Date(2001, 1, 1));
      const touched = sourceFingerprint(root);
      expect(touched).not.toBe(before);
      writeFileSync(join(root, 'src', 'cli', 'new.ts'), '');
      expect(sourceFingerprint(root)).not.toBe(touched);
      expect(existsSync(join(root, 'node_modules'))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('bundles built by several threads at once', () => {
  it('come out whole: eight worker threads of one process build the same bundle, each loads it', async () => {
    // Found in CI: two worker threads of one process built the soak worker's bundle into the same
    // temporary file, and one of them renamed a 58-byte file into place (with one temporary file
    // per process, this test fails in most runs: files missing mid-build, or a bundle of 51 bytes).
    const fresh = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'dsconform-test-threads-'));
    try {
      const code = `
        import { parentPort, workerData } from 'node:worker_threads';
        process.env.DSCONFORM_CACHE_DIR = workerData.cache;
        process.env.DSCONFORM_BUNDLE_STRICT = '1';
        const { loadBundled } = await import(workerData.library);
        try {
          await loadBundled(workerData.root, { name: 'race', entry: 'model/index.ts', dirs: ['src', 'model'] });
          parentPort.postMessage('ok');
        } catch (e) {
          parentPort.postMessage(String(e));
        }`;
      const workerData = { cache: fresh, root: ROOT, library: pathToFileURL(join(ROOT, 'bin', 'cliBundle.mjs')).href };
      const answers = await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise<string>((resolve) => {
              const worker = new Worker(code, { eval: true, workerData });
              worker.once('message', resolve);
              worker.once('error', (e) => resolve(String(e)));
            }),
        ),
      );
      expect(answers).toEqual(Array(8).fill('ok'));
      const built = readdirSync(fresh).filter((name) => name.endsWith('.mjs'));
      expect(built).toHaveLength(1);
      expect(statSync(join(fresh, built[0] as string)).size).toBeGreaterThan(100_000);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
