/**
 * Builds what the package's `exports` point at (`npm pack` runs it as `prepack`): dist/index.mjs
 * (`import { checkConformance } from 'dsconform'`) and dist/vitest.mjs (`dsconform/vitest`),
 * each bundled by esbuild from src/ (npm dependencies stay imports), and their declarations
 * (emitted by tsc from src/api.ts and src/vitest.ts, whose public types stand on their own).
 * The CLI needs no build: bin/dsconform.mjs runs the TypeScript sources through tsx.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: { index: 'src/api.ts', vitest: 'src/vitest.ts' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

// Declarations: tsc emits every file the two entries reach; only theirs are public.
const types = mkdtempSync(join(tmpdir(), 'dsconform-types-'));
try {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.json', '--noEmit', 'false', '--declaration', '--emitDeclarationOnly', '--outDir', types],
    { cwd: root, stdio: 'inherit' },
  );
  const api = readFileSync(join(types, 'src', 'api.d.ts'), 'utf8');
  if (/^import /m.test(api)) throw new Error('src/api.ts: its public types must not import others (see its header)');
  writeFileSync(join(dist, 'index.d.ts'), api);
  const vitest = readFileSync(join(types, 'src', 'vitest.d.ts'), 'utf8').replaceAll("'./api.js'", "'./index.js'");
  writeFileSync(join(dist, 'vitest.d.ts'), vitest);
} finally {
  rmSync(types, { recursive: true, force: true });
}
console.log('dsconform: built dist/ (index.mjs, vitest.mjs, their declarations)');
