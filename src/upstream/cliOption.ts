/**
 * `--upstream <version>` for the CLI commands: builds (or takes from the cache) the upstream
 * adapter and turns the option into the controller command it runs, so that the rest of a command
 * treats it like any `--controller`.
 */

import { ExitCode } from '../cli/exitCodes.js';
import type { CliContext } from '../cli/main.js';
import {
  adapterCommand,
  ensureUpstreamAdapter,
  UPSTREAM_VERSIONS,
  UpstreamBuildError,
  upstreamVersion,
} from './build.js';
import { ensureGoProgram, PROGRAMS_KUBERNETES_VERSION, UPSTREAM_SERVED_PROGRAM } from './goProgram.js';

export const UPSTREAM_OPTION_HELP = `the genuine Kubernetes DaemonSet controller at a pinned release (${UPSTREAM_VERSIONS.map((v) => v.minor).join(' or ')}), built with Go on first use (adapters/upstream/)`;

/**
 * The controller command for `--upstream <version>`, or undefined after printing one line and
 * setting exit code 2 (an unknown version, Go missing, a failed build, a conflicting option).
 */
export async function upstreamControllerCommand(
  value: string,
  conflicts: { controller?: string | undefined; mutant?: string | undefined; kubeconfig?: string | undefined },
  context: CliContext,
): Promise<string | undefined> {
  const { io } = context;
  const clash = (['controller', 'mutant', 'kubeconfig'] as const).find((k) => conflicts[k] !== undefined);
  if (clash !== undefined) {
    io.stderr(`dsconform: --upstream runs the upstream controller; it does not combine with --${clash}\n`);
    context.exit(ExitCode.CouldNotCheck);
    return undefined;
  }
  try {
    const built = await ensureUpstreamAdapter(upstreamVersion(value), {
      log: (line) => io.stderr(`dsconform: ${line}\n`),
    });
    return adapterCommand(built.binary);
  } catch (e) {
    if (!(e instanceof UpstreamBuildError)) throw e;
    io.stderr(`dsconform: ${e.message}\n`);
    context.exit(ExitCode.CouldNotCheck);
    return undefined;
  }
}

/**
 * The controller command for `--serve --upstream <version>`: adapters/upstream-served, upstream's
 * controller as kube-controller-manager runs it (its go.mod pins one release), or undefined after
 * printing one line and setting exit code 2.
 */
export async function servedUpstreamCommand(
  value: string,
  given: readonly string[],
  context: CliContext,
): Promise<string[] | undefined> {
  const { io } = context;
  const fail = (line: string): undefined => {
    io.stderr(`dsconform: ${line}\n`);
    context.exit(ExitCode.CouldNotCheck);
    return undefined;
  };
  if (given.length > 0) return fail('--serve --upstream runs the upstream controller; give no command after --');
  try {
    const wanted = upstreamVersion(value);
    const pinned = PROGRAMS_KUBERNETES_VERSION.replace(/^v/, '').split('.').slice(0, 2).join('.');
    if (wanted.minor !== pinned) {
      return fail(
        `--serve --upstream: adapters/upstream-served is built at Kubernetes ${PROGRAMS_KUBERNETES_VERSION} only (not ${value})`,
      );
    }
    const built = await ensureGoProgram(UPSTREAM_SERVED_PROGRAM, { log: (line) => io.stderr(`dsconform: ${line}\n`) });
    return [built.binary];
  } catch (e) {
    if (!(e instanceof UpstreamBuildError)) throw e;
    return fail(e.message);
  }
}
