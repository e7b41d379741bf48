/**
 * `dsconform explore`: bounded exhaustive exploration of the model (src/harness/explore.ts).
 * Exit 0 when no invariant is violated, 1 with a numbered trace when one is (or, with
 * `--moves allowed`, when a spec bug is found), 2 on bad usage.
 */
import { InvalidArgumentError, Option } from 'commander';
import {
  type ExploreOptions,
  explore,
  exploreResultJson,
  formatExploreResult,
  type StartStrategy,
} from '../harness/explore.js';
import { type Implementation, processImplementation } from '../harness/implementation.js';
import { UPSTREAM_VERSIONS } from '../upstream/build.js';
import { upstreamControllerCommand } from '../upstream/cliOption.js';
import { ExitCode } from './exitCodes.js';
import type { RegisterCommand } from './main.js';

function count(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

interface TargetChoice {
  readonly target: 'model' | 'reference' | 'upstream';
  /** With upstream: the version (default the first of UPSTREAM_VERSIONS, the newest). */
  readonly version?: string;
}

/** `model`, `reference`, `upstream` or `upstream=<version>`. */
function parseTarget(value: string): TargetChoice {
  if (value === 'model' || value === 'reference') return { target: value };
  const m = /^upstream(?:=(.+))?$/.exec(value);
  if (m) return { target: 'upstream', version: m[1] ?? UPSTREAM_VERSIONS[0]?.minor ?? '1.37' };
  throw new InvalidArgumentError(
    `expected model, reference, upstream or upstream=<version> (${UPSTREAM_VERSIONS.map((v) => v.minor).join(', ')})`,
  );
}

export const registerExplore: RegisterCommand = (program, context) => {
  const { io, exit } = context;
  program
    .command('explore')
    .description(
      'Bounded exhaustive exploration: every event sequence of the model universe up to --depth from a created DaemonSet on --nodes nodes, invariants checked on every transition',
    )
    .option('--nodes <n>', 'ready nodes at the start', count(1, 6), 3)
    .option('--depth <k>', 'events after the start state', count(0, 50), 5)
    .option('--extra-nodes <n>', 'further node names NODE_ADDED may use', count(0, 3), 0)
    .addOption(
      new Option('--size <size>', 'universe size (model/universe.ts)').choices(['small', 'full']).default('small'),
    )
    .addOption(
      new Option('--strategy <strategy>', 'the DaemonSet strategy at the start')
        .choices(['rolling', 'surge', 'onDelete'])
        .default('rolling'),
    )
    .option(
      '--target <target>',
      `also replay every new state's path on the reference implementation (reference) or on the genuine upstream controller (upstream[=${UPSTREAM_VERSIONS.map((v) => v.minor).join('|')}], built with Go on first use, adapters/upstream/)`,
      parseTarget,
      { target: 'model' } satisfies TargetChoice,
    )
    .addOption(
      new Option(
        '--moves <moves>',
        "controller steps: the abstract controller's (abstract), or every candidate write set the step invariants allow (allowed: explores the spec itself; a safe-looking-but-unsafe allowed move is a spec bug)",
      )
        .choices(['abstract', 'allowed'])
        .default('abstract'),
    )
    .option(
      '--subset-size <k>',
      'with --moves allowed: candidate moves include every subset of up to k writes',
      count(0, 4),
      2,
    )
    .addOption(
      new Option(
        '--relation <relation>',
        'with --moves allowed: the allowed-moves relation is every step invariant (full), or all but the safety ones (without-safety: are they implied by the rest?)',
      )
        .choices(['full', 'without-safety'])
        .default('full'),
    )
    .option('--json', 'print the result as JSON instead of text')
    .option('--no-symmetry', 'do not merge states equal up to a renaming of the nodes')
    .addOption(
      new Option(
        '--symmetry-key <key>',
        'how states equal up to a renaming of the nodes are found: a canonical form (canonical), or the earlier signature order, which leaves some apart (signature: to measure the difference)',
      )
        .choices(['canonical', 'signature'])
        .default('canonical'),
    )
    .option(
      '--no-mirrors',
      'try events on every node, also on a bare node equal to an earlier one (mirror nodes: their transitions lead where the earlier node’s do, up to renaming; the states are the same either way)',
    )
    .option(
      '--por',
      'skip transitions by partial-order reduction instead of mirror nodes (node-local events on different nodes that commute; the states are the same either way)',
    )
    .option(
      '--no-skip-checks',
      "check every transition, also those that cannot fail a check (not the controller's, no writes, the DaemonSet and its revisions untouched: they find what the transition before found)",
    )
    .option('--no-quiescent', 'skip the quiescent invariants on quiet states')
    .option('--max-states <n>', 'stop after this many states', count(1, 100_000_000))
    .action(
      async (opts: {
        nodes: number;
        depth: number;
        extraNodes: number;
        size: 'small' | 'full';
        strategy: StartStrategy;
        target: TargetChoice;
        symmetry: boolean;
        symmetryKey: 'canonical' | 'signature';
        por?: boolean;
        mirrors: boolean;
        skipChecks: boolean;
        quiescent: boolean;
        maxStates?: number;
        moves: 'abstract' | 'allowed';
        subsetSize: number;
        relation: 'full' | 'without-safety';
        json?: boolean;
      }) => {
        if (opts.moves === 'allowed' && opts.target.target !== 'model') {
          io.stderr(
            'explore: --moves allowed explores the model only (the chosen writes cannot be imposed on a target)\n',
          );
          exit(ExitCode.CouldNotCheck);
          return;
        }
        const options: { -readonly [K in keyof ExploreOptions]: ExploreOptions[K] } = {
          nodes: opts.nodes,
          depth: opts.depth,
          extraNodes: opts.extraNodes,
          size: opts.size,
          strategy: opts.strategy,
          target: opts.target.target,
          symmetry: opts.symmetry && (opts.symmetryKey === 'signature' ? 'signature' : true),
          por: opts.por === true,
          mirrors: opts.mirrors,
          skipChecks: opts.skipChecks,
          quiescent: opts.quiescent,
          ...(opts.maxStates !== undefined ? { maxStates: opts.maxStates } : {}),
          ...(opts.moves === 'allowed'
            ? { moves: 'allowed', subsetSize: opts.subsetSize, relation: opts.relation }
            : {}),
        };
        let implementation: Implementation | undefined;
        if (opts.target.target === 'upstream') {
          const version = opts.target.version ?? '1.37';
          const command = await upstreamControllerCommand(version, {}, context);
          if (command === undefined) return;
          implementation = await processImplementation(command);
          options.implementation = implementation;
          options.targetName = `upstream ${version}: ${implementation.name}`;
        }
        let result: Awaited<ReturnType<typeof explore>>;
        try {
          result = await explore(options);
        } finally {
          await implementation?.close();
        }
        io.stdout(
          opts.json ? `${JSON.stringify(exploreResultJson(result), null, 2)}\n` : formatExploreResult(result, options),
        );
        exit(result.violation ? ExitCode.Violation : ExitCode.Ok);
      },
    );
};
