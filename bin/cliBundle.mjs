// The CLI's sources bundled once into one ES module and kept until a source changes: loading ~200
// TypeScript files through tsx's loader costs about 0.6 s of every start (hundreds of starts in the
// test suite, one per protocol adapter or worker command), the bundle about 0.1 s.
//
// The bundle lives in <package>/node_modules/.cache/dsconform/, named by a fingerprint of every
// source file's path, size and mtime under src/ and model/, so an edited source builds a new one
// (DSCONFORM_CACHE_DIR puts it elsewhere in the package: it imports the few npm dependencies it
// does not contain from there). The npm dependencies it contains are checked on each start: a
// bundle whose packages were reinstalled since it was built is built again.
// Each module's `import.meta.url` is rewritten to its own source file's URL, so paths resolved
// from it (package.json, adapters/, workers, docs/) are the same as when run through tsx.
// Anything that goes wrong here (no esbuild, a read-only package, a build error) returns
// undefined and the caller runs the sources through tsx as before; DSCONFORM_NO_BUNDLE=1 forces that,
// and DSCONFORM_BUNDLE_STRICT=1 makes such a failure an error instead (the tests use it).
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The CLI: its entry and the directories of every source it can reach. */
const CLI = { name: 'cli', entry: 'src/cli/main.ts', dirs: ['src', 'model'] };

/** Path, size and mtime of every source file under `dirs`, in a stable order. */
export function sourceFingerprint(root, dirs = CLI.dirs) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|json)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
        const stat = statSync(path);
        hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  // How the bundle is built is part of what it is: this file, and the Node.js it runs on.
  const self = fileURLToPath(import.meta.url);
  const own = statSync(self);
  hash.update(`${self}\0${own.size}\0${own.mtimeMs}\nnode ${process.versions.node}`);
  return hash.digest('hex').slice(0, 16);
}

/** esbuild plugin: `import.meta.url` in each source module becomes that module's own file URL. */
function ownImportMetaUrl(root) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.m?ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!args.path.startsWith(root)) return { contents: text, loader: 'ts' };
        return {
          contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
          loader: 'ts',
        };
      });
    },
  };
}

/**
 * Packages the bundle imports at run time instead of containing: the Kubernetes client (14 MB, only
 * for --kubeconfig), and test and build tools that a program may name but never loads on a start.
 */
const LOADED_FROM_NODE_MODULES = ['@kubernetes/client-node', 'vitest', 'esbuild', 'tsx', 'playwright-core'];

async function buildBundle(root, entry, file) {
  const { build } = await import('esbuild');
  // Unique to this build: worker threads of one process build at the same time too.
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // npm dependencies are bundled too: Node 20 resolves and compiles an ES module package file by
    // file (zod alone is about a hundred), which cost about 0.08 s of every start. Packages loaded
    // only on demand or only by tests stay imports, resolved from the package's node_modules.
    external: LOADED_FROM_NODE_MODULES,
    // CommonJS dependencies (commander) call require() for Node's modules; an ES module has none.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);",
    },
    outfile: temporary,
    sourcemap: 'linked',
    logLevel: 'silent',
    metafile: true,
    plugins: [ownImportMetaUrl(root)],
  });
  writeFileSync(`${temporary}.deps.json`, JSON.stringify(bundledPackages(root, Object.keys(result.metafile.inputs))));
  // esbuild points the bundle at the temporary map's name; point it at the name the map is renamed to.
  const code = readFileSync(temporary, 'utf8').replace(/\/\/# sourceMappingURL=.*\s*$/, '');
  writeFileSync(temporary, `${code}//# sourceMappingURL=${basename(file)}.map\n`);
  // Rename is atomic: processes starting at the same time each build, and one bundle wins whole.
  renameSync(`${temporary}.map`, `${file}.map`);
  renameSync(`${temporary}.deps.json`, `${file}.deps.json`);
  renameSync(temporary, file);
}

/** Each package a bundle contains, by its package.json: path, size and mtime (npm rewrites it on install). */
function bundledPackages(root, inputs) {
  const manifests = new Set();
  for (const input of inputs) {
    // Inputs are relative to the package, and an installed package's dependencies are beside it.
    const match = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(resolve(root, input));
    if (match) manifests.add(join(match[1], 'package.json'));
  }
  return [...manifests].sort().map((path) => ({ path, stamp: fileStamp(path) }));
}

const fileStamp = (path) => {
  const stat = statSync(path);
  return `${stat.size}\0${stat.mtimeMs}`;
};

/** The bundle exists and every package in it is the one installed now (its sources are in its name). */
function isCurrent(file) {
  try {
    const packages = JSON.parse(readFileSync(`${file}.deps.json`, 'utf8'));
    return packages.every(({ path, stamp }) => fileStamp(path) === stamp) && statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The module of `program` (default: the CLI, whose `main` the caller runs) from its bundle, or
 * undefined to run the sources through tsx.
 */
export async function loadBundled(root, program = CLI) {
  if (process.env.DSCONFORM_NO_BUNDLE === '1') return undefined;
  try {
    const cache = process.env.DSCONFORM_CACHE_DIR || join(root, 'node_modules', '.cache', 'dsconform');
    const name = `${program.name}-${sourceFingerprint(root, program.dirs)}.mjs`;
    const file = join(cache, name);
    if (!isCurrent(file)) {
      mkdirSync(cache, { recursive: true });
      await buildBundle(root, program.entry, file);
      // Older bundles are of sources that no longer exist.
      const older = new RegExp(`^${program.name}-[0-9a-f]{16}\\.mjs(\\.map|\\.deps\\.json)?$`);
      for (const other of readdirSync(cache)) {
        if (older.test(other) && !other.startsWith(name)) rmSync(join(cache, other), { force: true });
      }
    }
    // Stack traces of internal errors point at the sources, as they do through tsx. A stack is
    // printed only under DSCONFORM_DEBUG, and reading the map costs about 40 ms of every start.
    if (process.env.DSCONFORM_DEBUG) process.setSourceMapsEnabled(true);
    return await import(pathToFileURL(file).href);
  } catch (error) {
    if (process.env.DSCONFORM_BUNDLE_STRICT === '1') throw error;
    return undefined;
  }
}

/** The module of `program`: from its bundle, or else from its sources through tsx. */
export async function loadProgram(root, program = CLI) {
  const bundled = await loadBundled(root, program);
  if (bundled !== undefined) return bundled;
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(root, program.entry)).href);
}

export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
