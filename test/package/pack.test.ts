/**
 * The package people install (issue 19, item 5): `npm pack` (which builds dist/ first) gives a
 * tarball with the CLI, the library entries and their declarations, and no tests; installed in an
 * empty folder, `npx dsconform check --runs 50` conforms there, and the `dsconform/vitest` example
 * (examples/vitest/) passes under that folder's own vitest. npm installs from its cache first
 * (`npm ci` filled it), the registry otherwise.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITEST_VERSION = '4.1.11';

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { status: number | null; out: string } {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...env },
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('the packed package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-pack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let tarball = '';

  it('npm pack: the CLI, dist/ with declarations, the sources, no tests', { timeout: 300_000 }, () => {
    const packed = run('npm', ['pack', '--pack-destination', dir, '--json'], ROOT);
    expect(packed.status, packed.out).toBe(0);
    const [name] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    tarball = join(dir, name as string);
    const listing = run('tar', ['tzf', tarball], dir);
    const files = listing.out.split('\n').filter((f) => f.startsWith('package/'));
    for (const required of [
      'package/package.json',
      'package/bin/dsconform.mjs',
      'package/dist/index.mjs',
      'package/dist/index.d.ts',
      'package/dist/vitest.mjs',
      'package/dist/vitest.d.ts',
      'package/src/cli/main.ts',
      'package/model/machine.ts',
      'package/adapters/upstream/go.mod',
      'package/examples/vitest/conformance.spec.ts',
      'package/docs/protocol.md',
    ])
      expect(files, required).toContain(required);
    expect(files.filter((f) => /\.test\.ts$/.test(f))).toEqual([]);
    expect(files.filter((f) => /^package\/(test|properties|bench|reports|node_modules)\//.test(f))).toEqual([]);
  });

  it('installs in an empty folder: npx dsconform check --runs 50 conforms, and the vitest example passes', {
    timeout: 600_000,
  }, () => {
    expect(tarball, 'the pack test ran first').not.toBe('');
    const project = join(dir, 'project');
    run('mkdir', ['-p', project], dir);
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'uses-dsconform', private: true, type: 'module' })}\n`,
    );
    const install = run(
      'npm',
      ['install', tarball, `vitest@${VITEST_VERSION}`, '--prefer-offline', '--no-audit', '--no-fund'],
      project,
    );
    expect(install.status, install.out).toBe(0);

    const check = run('npx', ['dsconform', 'check', '--runs', '50', '--seed', '1'], project);
    expect(check.status, check.out).toBe(0);
    expect(check.out).toMatch(/^Verdict: conforms \(50 runs,/m);
    // The installed CLI runs from its bundle (built inside the installed package), not through tsx.
    const bundled = run('npx', ['dsconform', '--version'], project, { DSCONFORM_BUNDLE_STRICT: '1' });
    expect(bundled.status, bundled.out).toBe(0);
    const cache = join(project, 'node_modules', 'dsconform', 'node_modules', '.cache', 'dsconform');
    expect(readdirSync(cache).some((name) => /^cli-[0-9a-f]{16}\.mjs$/.test(name))).toBe(true);

    copyFileSync(join(ROOT, 'examples', 'vitest', 'conformance.spec.ts'), join(project, 'conformance.spec.ts'));
    const example = run('npx', ['vitest', 'run'], project);
    expect(example.status, example.out).toBe(0);
    expect(example.out).toMatch(/Tests +2 passed \(2\)/);
    expect(example.out).toContain('conforms on profile core (30 runs, seed 1)');
  });
});
