/**
 * `dsconform reference-controller`: the reference controller (or one of its mutants) as a process
 * speaking the controller protocol on stdin/stdout. `dsconform check --controller
 * "npx dsconform reference-controller"` checks the process path end to end; with `--mutant`, the
 * faulty variants are available to any harness as separate processes.
 */
import type { Command } from 'commander';
import { MUTANTS, mutantByName, mutantServerOptions } from '../harness/mutants.js';
import { serveReference } from '../protocol/referenceServer.js';
import { ExitCode } from './exitCodes.js';
import type { CliContext, RegisterCommand } from './main.js';

export const registerReferenceController: RegisterCommand = (program: Command, context: CliContext) => {
  program
    .command('reference-controller')
    .description('serve the reference controller over the controller protocol (docs/protocol.md) on stdin/stdout')
    .option('--mutant <name>', `serve a deliberately faulty variant: ${MUTANTS.map((m) => m.name).join(', ')}`)
    .action(async (raw: { mutant?: string }) => {
      const mutant = raw.mutant === undefined ? undefined : mutantByName(raw.mutant);
      if (raw.mutant !== undefined && mutant === undefined) {
        context.io.stderr(
          `dsconform: unknown mutant "${raw.mutant}"; known: ${MUTANTS.map((m) => m.name).join(', ')}\n`,
        );
        context.exit(ExitCode.CouldNotCheck);
        return;
      }
      await serveReference(
        mutant ? mutantServerOptions(mutant) : () => ({}),
        mutant ? `dsconform-reference (mutant ${mutant.name})` : 'dsconform-reference',
      );
      context.exit(ExitCode.Ok);
    });
};
