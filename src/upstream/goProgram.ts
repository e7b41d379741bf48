/**
 * Building the small Go programs under adapters/ that import upstream's packages as they are (no
 * overlay): adapters/upstream-api and adapters/upstream-served. Each is built on first use into
 * the cache folder, named by a hash of its sources, go.mod/go.sum and the Go toolchain (a change
 * of any builds anew), with the committed go.mod/go.sum as the lock (`-mod=readonly`) and the
 * flags of the controller adapter (`-p 1 -trimpath`), so they share the compiled k8s.io packages
 * in Go's build cache.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, goVersion, lastLine, runBuildCommand, UpstreamBuildError } from './build.js';

/** The Kubernetes release the go.mod of adapters/upstream-api and adapters/upstream-served pins. */
export const PROGRAMS_KUBERNETES_VERSION = 'v1.37.2';

/** Upstream's DaemonSet API semantics (decoding, defaulting, strategy, validation) and wire decoding. */
export const UPSTREAM_API_PROGRAM: GoProgram = {
  dir: fileURLToPath(new URL('../../adapters/upstream-api/', import.meta.url)),
  binaryName: 'dsconform-upstream-api',
  label: `adapters/upstream-api (Kubernetes ${PROGRAMS_KUBERNETES_VERSION} API semantics)`,
};

/** Upstream's DaemonSet controller as kube-controller-manager runs it, over a kubeconfig (`check --serve`). */
export const UPSTREAM_SERVED_PROGRAM: GoProgram = {
  dir: fileURLToPath(new URL('../../adapters/upstream-served/', import.meta.url)),
  binaryName: 'dsconform-upstream-served',
  label: `adapters/upstream-served (Kubernetes ${PROGRAMS_KUBERNETES_VERSION} DaemonSet controller over HTTP)`,
};

const PROGRAMS: Record<string, GoProgram> = {
  'upstream-api': UPSTREAM_API_PROGRAM,
  'upstream-served': UPSTREAM_SERVED_PROGRAM,
};

export interface GoProgram {
  /** The module's folder (adapters/...). */
  dir: string;
  /** The binary's file name, also the cache folder's prefix. */
  binaryName: string;
  /** For log lines: `adapters/upstream-api (Kubernetes v1.37.2 API semantics)`. */
  label: string;
}

export interface BuiltGoProgram {
  binary: string;
  /** Whether this call built it (false: taken from the cache). */
  built: boolean;
  buildMs: number;
}

export function goEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // The committed go.mod/go.sum are the lock: a build never changes them.
  return { ...env, GOFLAGS: '-mod=readonly', GOWORK: 'off' };
}

export function runGoIn(dir: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile('go', [...args], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolveRun(stdout);
    });
  });
}

/** A hash of the program's sources, its go.mod/go.sum and the Go toolchain. */
export function goSourceHash(dir: string, go: string): string {
  const hash = createHash('sha256');
  hash.update(`${go}\n`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .sort();
  for (const file of files) {
    hash.update(`${file}\n`);
    hash.update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Builds the program unless the cache has it (an UpstreamBuildError, one line, when Go is missing or the build fails). */
export async function ensureGoProgram(
  program: GoProgram,
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; force?: boolean; parallelism?: number } = {},
): Promise<BuiltGoProgram> {
  const env = goEnv(options.env ?? process.env);
  const go = await goVersion(env);
  const folder = join(
    cacheRoot(env),
    `${program.binaryName.replace(/^dsconform-/, '')}-${goSourceHash(program.dir, go)}`,
  );
  const binary = join(folder, program.binaryName);
  if (!options.force && existsSync(binary)) return { binary, built: false, buildMs: 0 };
  const started = performance.now();
  options.log?.(`building ${program.label} with ${go} into ${folder} ...`);
  mkdirSync(folder, { recursive: true });
  // Built beside the final name and renamed into place: never a half-written binary under that name.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await runGoIn(program.dir, ['build', `-p=${options.parallelism ?? 1}`, '-trimpath', '-o', partial, '.'], env);
    renameSync(partial, binary);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new UpstreamBuildError(`${program.label}: go build failed: ${lastLine(e)}`);
  }
  const buildMs = performance.now() - started;
  options.log?.(`built ${binary} in ${(buildMs / 1000).toFixed(1)} s`);
  return { binary, built: true, buildMs };
}

/** `go vet` over the program (what CI runs). */
export async function vetGoProgram(program: GoProgram, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await runGoIn(program.dir, ['vet', '.'], goEnv(env));
  } catch (e) {
    throw new UpstreamBuildError(`${program.label}: go vet failed: ${lastLine(e)}`);
  }
}

/**
 * `node --import tsx src/upstream/goProgram.ts [--vet] [--force] [--parallel=N] upstream-api upstream-served`:
 * builds the named programs (or finds them in the cache) and prints each binary; CI runs it before npm test.
 */
async function buildFromCommandLine(args: readonly string[]): Promise<number> {
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => PROGRAMS[n] === undefined);
  if (names.length === 0 || unknown.length > 0) {
    process.stderr.write(`dsconform: name the programs to build: ${Object.keys(PROGRAMS).join(', ')}\n`);
    return 2;
  }
  return runBuildCommand(args, (wanted) => wanted.map((name) => ({ name, program: PROGRAMS[name] as GoProgram })), {
    label: ({ name }) => name,
    build: ({ program }, options) => ensureGoProgram(program, options),
    vet: ({ program }) => vetGoProgram(program),
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await buildFromCommandLine(process.argv.slice(2));
}
