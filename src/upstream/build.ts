/**
 * Builds the upstream adapter (adapters/upstream/: the genuine Kubernetes DaemonSet controller
 * behind the controller protocol) for one Kubernetes version, on first use, into a cache folder,
 * and reuses it afterwards. The build reads upstream's controller sources from the Go module cache
 * through `go build -overlay` (adapters/upstream/README.md); the versions are pinned by the
 * committed go.mod/go.sum pairs, and the build never changes them (-mod=readonly).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface UpstreamVersion {
  /** What the user types: `--upstream 1.37`. */
  readonly minor: string;
  /** The k8s.io/kubernetes module version the go.mod pins. */
  readonly kubernetes: string;
  /** The module file, in adapters/upstream/ (its go.sum is beside it, same stem). */
  readonly modfile: string;
}

/** Every version the adapter is built for; the first is the default. */
export const UPSTREAM_VERSIONS: readonly UpstreamVersion[] = [
  { minor: '1.37', kubernetes: 'v1.37.2', modfile: 'go.mod' },
  // The oldest release the Go module proxy serves whose controller builds this way.
  { minor: '1.34', kubernetes: 'v1.34.0', modfile: 'go1.34.mod' },
];

/** Raised when the adapter cannot be built: one line saying what is missing. */
export class UpstreamBuildError extends Error {
  override readonly name = 'UpstreamBuildError';
}

export const ADAPTER_DIR = fileURLToPath(new URL('../../adapters/upstream/', import.meta.url));

/** `1.37`, `v1.37`, `1.37.2` or `v1.37.2` → the version entry; anything else is an error naming the known ones. */
export function upstreamVersion(text: string): UpstreamVersion {
  const wanted = text.trim().replace(/^v/, '');
  const found = UPSTREAM_VERSIONS.find((v) => v.minor === wanted || v.kubernetes === `v${wanted}`);
  if (found === undefined) {
    const known = UPSTREAM_VERSIONS.map((v) => `${v.minor} (${v.kubernetes})`).join(', ');
    throw new UpstreamBuildError(`unknown upstream version "${text}"; known: ${known}`);
  }
  return found;
}

/** Where built adapters are kept: $DSCONFORM_CACHE_DIR, else $XDG_CACHE_HOME/dsconform, else ~/.cache/dsconform. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DSCONFORM_CACHE_DIR) return resolve(env.DSCONFORM_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'dsconform');
  return join(homedir(), '.cache', 'dsconform');
}

/** The adapter's own sources for one version: its Go files, the hook, and the version's go.mod/go.sum. */
function sourceFiles(version: UpstreamVersion): string[] {
  const files = readdirSync(ADAPTER_DIR)
    .filter((f) => f.endsWith('.go'))
    .map((f) => join(ADAPTER_DIR, f));
  const hookDir = join(ADAPTER_DIR, 'upstreamdaemon');
  files.push(
    ...readdirSync(hookDir)
      .filter((f) => f.endsWith('.go'))
      .map((f) => join(hookDir, f)),
  );
  files.push(join(ADAPTER_DIR, version.modfile), join(ADAPTER_DIR, version.modfile.replace(/\.mod$/, '.sum')));
  return files.sort();
}

/** A hash of the sources and the Go toolchain: a change of either builds a new adapter. */
export function sourceHash(version: UpstreamVersion, goVersion: string): string {
  const hash = createHash('sha256');
  hash.update(`${goVersion}\n${version.kubernetes}\n`);
  for (const file of sourceFiles(version)) {
    hash.update(`${file.slice(ADAPTER_DIR.length)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

interface RunResult {
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    execFile(command, [...args], { cwd: ADAPTER_DIR, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolveRun({ stdout, stderr });
    });
  });
}

/** The `go` toolchain's version string, or an UpstreamBuildError saying that Go is missing. */
export async function goVersion(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    return (await run('go', ['env', 'GOVERSION'], env)).stdout.trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UpstreamBuildError(
        '--upstream needs the Go toolchain: no `go` command on PATH (install Go 1.26 or later, https://go.dev/dl/)',
      );
    throw new UpstreamBuildError(`--upstream: \`go env GOVERSION\` failed: ${lastLine(e)}`);
  }
}

/** The last line of a failed command's stderr (Go's own error), or its message. */
export function lastLine(e: unknown): string {
  const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
  const text = stderr !== '' ? stderr : e instanceof Error ? e.message : String(e);
  return text.split('\n').filter(Boolean).at(-1)?.trim() ?? text;
}

/**
 * The overlay that compiles upstream's pkg/controller/daemon sources, read from the module cache,
 * as the adapter's package ./upstreamdaemon (beside the hook file, the only one in the repository).
 */
export function overlayFor(kubernetesDir: string): { Replace: Record<string, string> } {
  const upstream = join(kubernetesDir, 'pkg', 'controller', 'daemon');
  const replace: Record<string, string> = {};
  for (const file of readdirSync(upstream).sort()) {
    if (!file.endsWith('.go') || file.endsWith('_test.go')) continue;
    replace[join(ADAPTER_DIR, 'upstreamdaemon', file)] = join(upstream, file);
  }
  if (Object.keys(replace).length === 0) throw new UpstreamBuildError(`no Go sources in ${upstream}`);
  return { Replace: replace };
}

export interface BuildOptions {
  /** Progress and status lines (one per call, without newline). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** `go build -p`: packages built in parallel (default 1: the build is a background chore). */
  parallelism?: number;
  /** Rebuild even when a cached binary exists. */
  force?: boolean;
}

export interface BuiltAdapter {
  version: UpstreamVersion;
  binary: string;
  /** Whether this call built it (false: taken from the cache). */
  built: boolean;
  /** Build time in milliseconds (0 when cached). */
  buildMs: number;
}

/** Builds the adapter for `version` unless the cache already has it; returns the binary. */
export async function ensureUpstreamAdapter(
  version: UpstreamVersion,
  options: BuildOptions = {},
): Promise<BuiltAdapter> {
  const env = { ...(options.env ?? process.env), GOFLAGS: '-mod=readonly -buildvcs=false', GOWORK: 'off' };
  const go = await goVersion(env);
  const folder = join(cacheRoot(env), `upstream-${version.minor}-${sourceHash(version, go)}`);
  const binary = join(folder, 'dsconform-upstream');
  if (!options.force && existsSync(binary)) return { version, binary, built: false, buildMs: 0 };

  const started = performance.now();
  options.log?.(
    `building the upstream adapter for Kubernetes ${version.kubernetes} with ${go} (first use; cached in ${folder}) ...`,
  );
  mkdirSync(folder, { recursive: true });
  const modfile = join(ADAPTER_DIR, version.modfile);
  let kubernetesDir: string;
  try {
    const { stdout } = await run('go', ['mod', 'download', `-modfile=${modfile}`, '-json', 'k8s.io/kubernetes'], env);
    kubernetesDir = (JSON.parse(stdout) as { Dir?: string }).Dir ?? '';
    if (kubernetesDir === '') throw new Error('go mod download did not say where k8s.io/kubernetes is');
  } catch (e) {
    throw new UpstreamBuildError(
      `--upstream ${version.minor}: cannot download k8s.io/kubernetes ${version.kubernetes}: ${lastLine(e)}`,
    );
  }
  const overlay = join(folder, 'overlay.json');
  writeFileSync(overlay, `${JSON.stringify(overlayFor(kubernetesDir), null, 1)}\n`);
  // Built beside the final name and renamed into place: a concurrent build or an interrupted one
  // never leaves a half-written binary under the name the cache looks for.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await run(
      'go',
      [
        'build',
        `-p=${options.parallelism ?? 1}`,
        '-trimpath',
        `-modfile=${modfile}`,
        `-overlay=${overlay}`,
        '-o',
        partial,
        '.',
      ],
      env,
    );
    renameSync(partial, binary);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new UpstreamBuildError(`--upstream ${version.minor}: go build failed: ${lastLine(e)}`);
  }
  const buildMs = performance.now() - started;
  options.log?.(`built ${binary} in ${(buildMs / 1000).toFixed(1)} s`);
  return { version, binary, built: true, buildMs };
}

/** `go vet` over the adapter with the same overlay the build uses (for CI and development). */
export async function vetUpstreamAdapter(
  version: UpstreamVersion,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const goEnv = { ...env, GOFLAGS: '-mod=readonly -buildvcs=false', GOWORK: 'off' };
  const modfile = join(ADAPTER_DIR, version.modfile);
  const { stdout } = await run('go', ['mod', 'download', `-modfile=${modfile}`, '-json', 'k8s.io/kubernetes'], goEnv);
  const folder = join(cacheRoot(goEnv), `upstream-${version.minor}-vet`);
  mkdirSync(folder, { recursive: true });
  const overlay = join(folder, 'overlay.json');
  writeFileSync(overlay, JSON.stringify(overlayFor((JSON.parse(stdout) as { Dir: string }).Dir)));
  try {
    // -trimpath as the build has it: vet then reuses the build's compiled packages.
    await run('go', ['vet', '-trimpath', `-modfile=${modfile}`, `-overlay=${overlay}`, '.'], goEnv);
  } catch (e) {
    throw new UpstreamBuildError(`go vet (${version.minor}): ${lastLine(e)}`);
  }
}

/** The shell command that starts a built adapter (what --controller would be given). */
export function adapterCommand(binary: string): string {
  return `'${binary.replace(/'/g, `'\\''`)}'`;
}

/**
 * What the build commands share: `[--vet] [--force] [--parallel=N] NAME...` read from `args`;
 * each target (from the names) built or found in the cache, vetted if asked, and printed with its
 * binary; a failed build or vet is one line on stderr and exit 2.
 */
export async function runBuildCommand<T>(
  args: readonly string[],
  targets: (names: readonly string[]) => readonly T[],
  steps: {
    label: (target: T) => string;
    build: (
      target: T,
      options: { force: boolean; parallelism: number; log: (line: string) => void },
    ) => Promise<{ binary: string; built: boolean }>;
    vet: (target: T) => Promise<void>;
  },
): Promise<number> {
  const parallel = Number(args.find((a) => a.startsWith('--parallel='))?.slice('--parallel='.length) ?? '1');
  const names = args.filter((a) => !a.startsWith('--'));
  try {
    for (const target of targets(names)) {
      const built = await steps.build(target, {
        force: args.includes('--force'),
        parallelism: Number.isInteger(parallel) && parallel > 0 ? parallel : 1,
        log: (line) => process.stderr.write(`dsconform: ${line}\n`),
      });
      if (args.includes('--vet')) await steps.vet(target);
      process.stdout.write(`${steps.label(target)} ${built.binary}${built.built ? '' : ' (cached)'}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UpstreamBuildError) {
      process.stderr.write(`dsconform: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/**
 * `node --import tsx src/upstream/build.ts [--vet] [--force] [--parallel=N] [VERSION...]`: builds
 * (default: every version) and prints each binary; CI runs it before npm test.
 */
function buildFromCommandLine(args: readonly string[]): Promise<number> {
  return runBuildCommand(args, (names) => (names.length > 0 ? names.map(upstreamVersion) : UPSTREAM_VERSIONS), {
    label: (version) => version.minor,
    build: (version, options) => ensureUpstreamAdapter(version, options),
    vet: (version) => vetUpstreamAdapter(version),
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await buildFromCommandLine(process.argv.slice(2));
}
